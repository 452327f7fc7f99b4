"""The in-browser verifier holds a checkpoint to trust.json's witness policy (tlog-cosignature v1)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

from ledger.crypto.cosignature import add_cosignatures, cosign_note, format_cosignature_line
from ledger.crypto.keys import private_key_from_seed
from ledger.crypto.note import parse_note
from ledger.crypto.record_proof import RecordProof, format_record_proof, parse_record_proof
from tests.browser.conftest import Demo
from tests.browser.test_verification import _bundle, reason, run_checks, save_verifier_key, verdict

WITNESS = "kejari-blora.example/witness"
KEY = private_key_from_seed(hashlib.sha256(b"browser witness").digest())


def _cosigned(proof: Path, target: Path, key: Any = KEY) -> Path:
    record = parse_record_proof(proof.read_text())
    text = parse_note(record.checkpoint).text
    line = format_cosignature_line(cosign_note(text, WITNESS, key, 1_790_000_000))
    cosigned = add_cosignatures(record.checkpoint, line)
    target.write_text(format_record_proof(RecordProof(record.index, record.proof, cosigned, record.extra)))
    return target


def _trust(demo: Demo) -> str:
    policy = f"witness {WITNESS} {KEY.public_key().public_bytes_raw().hex()}\nquorum {WITNESS}\n"
    return json.dumps({**demo.trust, "witness_policy": policy}, indent=2)


def test_bundle_page_enforces_the_witness_quorum(anonymous: Any, demo: Demo, tmp_path: Path) -> None:
    proof, leaf = _bundle(demo, tmp_path, 5)
    page = anonymous
    page.goto(f"{demo.url}/verify?lang=en")
    save_verifier_key(page, _trust(demo))
    assert "with its witness policy" in page.inner_text("#key-name")
    page.set_input_files("#leaf-file", str(leaf))

    page.set_input_files("#proof-file", str(_cosigned(proof, tmp_path / "cosigned.tlog-proof")))
    results = run_checks(page)
    assert results["witnesses"] == "passed" and results["checkpoint"] == "passed"
    assert verdict(page) == "passed"
    assert f"Cosigned by {WITNESS}" in reason(page, "witnesses")

    # Negative twins: the log's signature alone; a cosignature by another key under the witness's name.
    page.set_input_files("#proof-file", str(proof))
    results = run_checks(page)
    assert results["witnesses"] == "failed" and results["checkpoint"] == "passed"
    assert verdict(page) == "failed"
    assert "not met; cosigned by: —" in reason(page, "witnesses")
    impostor = private_key_from_seed(hashlib.sha256(b"impostor").digest())
    page.set_input_files("#proof-file", str(_cosigned(proof, tmp_path / "impostor.tlog-proof", impostor)))
    assert run_checks(page)["witnesses"] == "failed"

    # One flipped bit in the cosignature: a known witness's bad signature fails the note.
    cosigned = (tmp_path / "cosigned.tlog-proof").read_text()
    last = cosigned.rstrip("\n").rsplit(" ", 1)[1]
    raw = bytearray(base64.b64decode(last))
    raw[-1] ^= 1
    flipped = tmp_path / "flipped.tlog-proof"
    flipped.write_text(cosigned.replace(last, base64.b64encode(bytes(raw)).decode()))
    page.set_input_files("#proof-file", str(flipped))
    assert run_checks(page)["witnesses"] == "failed"
    assert "does not verify" in reason(page, "witnesses")


def test_a_failed_group_quorum_is_described_in_the_pages_language(anonymous: Any, demo: Demo, tmp_path: Path) -> None:
    # A quorum of two witnesses (a Sigsum group) that only one cosigned: the reason names the group
    # as "2 of (…)" in English and "2 dari (…)" in Indonesian.
    second = private_key_from_seed(hashlib.sha256(b"second browser witness").digest())
    policy = (
        f"witness {WITNESS} {KEY.public_key().public_bytes_raw().hex()}\n"
        f"witness polres-blora.example/witness {second.public_key().public_bytes_raw().hex()}\n"
        f"group both 2 {WITNESS} polres-blora.example/witness\n"
        "quorum both\n"
    )
    trust = json.dumps({**demo.trust, "witness_policy": policy}, indent=2)
    proof, leaf = _bundle(demo, tmp_path, 5)
    cosigned = _cosigned(proof, tmp_path / "one-of-two.tlog-proof")
    group = f"({WITNESS}, polres-blora.example/witness)"
    for lang, words in (("en", f"witness quorum 2 of {group} not met"), ("id", f"kuorum saksi 2 dari {group}")):
        page = anonymous
        page.goto(f"{demo.url}/verify?lang={lang}")
        save_verifier_key(page, trust)
        page.set_input_files("#leaf-file", str(leaf))
        page.set_input_files("#proof-file", str(cosigned))
        assert run_checks(page)["witnesses"] == "failed"
        assert words in reason(page, "witnesses")
