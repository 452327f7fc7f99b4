"""Tests of ledger.trust: trust.json read and written as exact inverses, malformed ones refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.keys import fingerprint
from ledger.crypto.note import format_verifier_key, verifier_key_for
from ledger.errors import MalformedInput
from ledger.rules import legacy_policy_document
from ledger.store.datadir import init_ledger
from ledger.trust import TRUST_FILE, TrustAnchor, format_trust_file
from tests.builder import ORIGIN, key_for

VERIFIER = verifier_key_for(ORIGIN, key_for("log").public_key())
ROOT_FINGERPRINT = fingerprint(key_for("root").public_key())
ANCHOR = TrustAnchor(ORIGIN, VERIFIER, ROOT_FINGERPRINT)
DOCUMENT = {"origin": ORIGIN, "verifier_key": format_verifier_key(VERIFIER), "root_fingerprint": ROOT_FINGERPRINT}


def test_to_json_and_from_json_are_inverses() -> None:
    assert ANCHOR.to_json() == DOCUMENT
    assert list(ANCHOR.to_json()) == ["origin", "verifier_key", "root_fingerprint"]  # the file's order
    assert TrustAnchor.from_json(DOCUMENT) == ANCHOR
    assert TrustAnchor.from_json(ANCHOR.to_json()).to_json() == DOCUMENT


def test_the_file_is_the_document_indented_with_a_final_newline(tmp_path: Path) -> None:
    text = format_trust_file(ANCHOR)
    assert text == json.dumps(DOCUMENT, indent=2) + "\n"
    (tmp_path / TRUST_FILE).write_text(text, encoding="utf-8")
    assert TrustAnchor.load(tmp_path / TRUST_FILE) == ANCHOR


def test_init_writes_the_stores_trust_anchor_byte_for_byte(tmp_path: Path) -> None:
    store = init_ledger(
        tmp_path / "ledger",
        origin=ORIGIN,
        name="Uji",
        root_key=key_for("root"),
        log_key=key_for("log"),
        policy=legacy_policy_document(),
    )
    try:
        written = (tmp_path / "ledger" / TRUST_FILE).read_text(encoding="utf-8")
        assert store.trust_anchor() == ANCHOR
        assert written == format_trust_file(ANCHOR)
        assert format_trust_file(TrustAnchor.from_json(json.loads(written))) == written
    finally:
        store.close()


OTHER_VERIFIER = format_verifier_key(verifier_key_for("other.example/log", key_for("log").public_key()))


@pytest.mark.parametrize(
    ("document", "code"),
    [
        ([], "invalid_trust_anchor"),
        ("trust", "invalid_trust_anchor"),
        ({k: v for k, v in DOCUMENT.items() if k != "root_fingerprint"}, "invalid_trust_anchor"),
        ({**DOCUMENT, "witnesses": []}, "invalid_trust_anchor"),
        ({**DOCUMENT, "origin": 7}, "invalid_trust_anchor"),
        ({**DOCUMENT, "root_fingerprint": ROOT_FINGERPRINT.upper()}, "invalid_trust_anchor"),
        ({**DOCUMENT, "root_fingerprint": ROOT_FINGERPRINT[:-2]}, "invalid_trust_anchor"),
        ({**DOCUMENT, "verifier_key": OTHER_VERIFIER}, "invalid_trust_anchor"),  # a key of another log
        ({**DOCUMENT, "verifier_key": "not a key"}, "invalid_verifier_key"),
    ],
)
def test_a_malformed_trust_anchor_is_refused_with_a_code(document: Any, code: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        TrustAnchor.from_json(document)
    assert refused.value.code == code


def test_a_file_that_is_not_json_is_refused(tmp_path: Path) -> None:
    (tmp_path / TRUST_FILE).write_text('{"origin": ', encoding="utf-8")
    with pytest.raises(MalformedInput) as refused:
        TrustAnchor.load(tmp_path / TRUST_FILE)
    assert refused.value.code == "invalid_trust_anchor"


def test_construction_refuses_a_key_named_for_another_origin() -> None:
    with pytest.raises(MalformedInput) as refused:
        TrustAnchor("other.example/log", VERIFIER, ROOT_FINGERPRINT)
    assert refused.value.code == "invalid_trust_anchor"
