"""Verification in the browser: a real record passes every check; a record, proof or checkpoint
altered on its way to the page fails, naming the check that failed; the bundle page verifies an
exported bundle (`integritas prove --leaf-out`) from disk and rejects an altered one."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Console, Demo, run_cli, screenshot

CHECKS = ["signer", "signature", "leaf", "inclusion", "checkpoint"]


def save_verifier_key(page: Any, key: str) -> None:
    if page.is_visible("#key-change"):
        page.click("#key-change")
    page.fill("#key-input", key)
    page.click("#key-form button[type=submit]")


def run_checks(page: Any) -> dict[str, str]:
    page.click("#verify-run")
    page.wait_for_selector("#verify-result .verdict[data-verdict]")
    items = page.locator("#verify-result li[data-check]")
    return {
        items.nth(i).get_attribute("data-check"): items.nth(i).get_attribute("data-status")
        for i in range(items.count())
    }


def verdict(page: Any) -> str:
    return str(page.locator("#verify-result .verdict").get_attribute("data-verdict"))


def reason(page: Any, check: str) -> str:
    return str(page.locator(f'#verify-result li[data-check="{check}"] .reason').inner_text())


@pytest.fixture
def record(demo: Demo) -> int:
    """DPMPTSP's designation by the 2021 batch decree: a minister's signature, in the middle of the log."""
    return int(demo.api("/v1/units/dpmptsp")["data"]["stage_index"])


def test_a_real_record_passes_every_check(page: Any, demo: Demo, record: int, console: Console) -> None:
    page.goto(f"{demo.url}/records/{record}")
    save_verifier_key(page, demo.trust["verifier_key"])
    # The key is shown by its name and key id, and remembered for the next page.
    assert page.inner_text("#key-name") == demo.trust["origin"]
    assert page.inner_text("#key-id") == demo.trust["verifier_key"].split("+")[1]
    assert run_checks(page) == dict.fromkeys(CHECKS, "passed")
    assert verdict(page) == "passed"
    screenshot(page, "record-verified-id")
    page.goto(f"{demo.url}/records/0?lang=en")  # the genesis entry, signed by the root key itself
    assert page.is_visible("#key-saved") and not page.is_visible("#key-form")
    assert run_checks(page) == dict.fromkeys(CHECKS, "passed")
    assert "All checks passed." in page.inner_text("#verify-result")
    assert console.errors == []


def test_no_key_no_verification(page: Any, demo: Demo, record: int) -> None:
    page.goto(f"{demo.url}/records/{record}")
    page.click("#verify-run")
    page.wait_for_selector("#verify-result .verdict")
    assert "tempel dulu kunci verifikasi log" in page.inner_text("#verify-result")
    save_verifier_key(page, demo.trust["verifier_key"].replace("+", "+0", 1)[:-1])
    assert page.is_visible("#key-error")


def test_a_changed_entry_fails_its_signature(page: Any, demo: Demo, record: int) -> None:
    def alter(route: Any) -> None:
        response = route.fetch()
        stored = response.json()
        stored["entry"]["body"]["note"] = "Predikat WBK tetap berlaku"  # what a forger would like it to say
        route.fulfill(response=response, json=stored)

    page.route(f"**/records/{record}/entry", alter)
    page.goto(f"{demo.url}/records/{record}?lang=en")
    save_verifier_key(page, demo.trust["verifier_key"])
    results = run_checks(page)
    assert verdict(page) == "failed"
    assert results["signature"] == "failed"
    assert "does not verify over the entry's signing input" in reason(page, "signature")
    assert results["checkpoint"] == "passed"
    assert results["inclusion"] == "failed"  # the changed leaf is not the one in the log
    assert "Entry signature (Ed25519)" in page.inner_text("#verify-result .verdict")
    screenshot(page, "record-altered-entry-en")


def test_the_page_must_show_what_was_verified(page: Any, demo: Demo, record: int) -> None:
    """A server that shows one entry and serves another to the script is caught."""

    def alter(route: Any) -> None:
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace("berpredikat WBK", "berpredikat WBBM"))

    page.route(lambda url: url.split("?")[0].endswith(f"/records/{record}"), alter)
    page.goto(f"{demo.url}/records/{record}?lang=en")
    assert "berpredikat WBBM" in page.inner_text("#entry-body")
    save_verifier_key(page, demo.trust["verifier_key"])
    results = run_checks(page)
    assert results["leaf"] == "failed" and results["signature"] == "passed"
    assert "this page shows an entry body other than the one verified" in reason(page, "leaf")


def test_a_changed_leaf_hash_fails(page: Any, demo: Demo, record: int) -> None:
    def alter(route: Any) -> None:
        response = route.fetch()
        stored = response.json()
        stored["leaf_hash"] = base64.b64encode(hashlib.sha256(b"another leaf").digest()).decode()
        route.fulfill(response=response, json=stored)

    page.route(f"**/records/{record}/entry", alter)
    page.goto(f"{demo.url}/records/{record}")
    save_verifier_key(page, demo.trust["verifier_key"])
    results = run_checks(page)
    assert results["leaf"] == "failed" and results["signature"] == "passed"
    assert "server menyebut" in reason(page, "leaf")


def test_a_changed_proof_fails_inclusion(page: Any, demo: Demo, record: int) -> None:
    def alter(route: Any) -> None:
        response = route.fetch()
        lines = response.text().split("\n")
        hash_line = 2  # after the header and the index line
        node = bytearray(base64.b64decode(lines[hash_line]))
        node[0] ^= 1
        lines[hash_line] = base64.b64encode(bytes(node)).decode()
        route.fulfill(response=response, body="\n".join(lines))

    page.route(f"**/v1/entries/{record}/proof", alter)
    page.goto(f"{demo.url}/records/{record}?lang=en")
    save_verifier_key(page, demo.trust["verifier_key"])
    results = run_checks(page)
    assert verdict(page) == "failed"
    assert results == {**dict.fromkeys(CHECKS, "passed"), "inclusion": "failed"}
    assert "the proof leads to root" in reason(page, "inclusion")
    assert "Inclusion proof (RFC 9162)" in page.inner_text("#verify-result .verdict")


def test_a_changed_checkpoint_fails_its_signature(page: Any, demo: Demo, record: int) -> None:
    def alter(route: Any) -> None:
        response = route.fetch()
        text = response.text()
        size = str(demo.api("/v1/log")["size"])
        route.fulfill(response=response, body=text.replace(f"\n{size}\n", f"\n{int(size) + 1}\n", 1))

    page.route(f"**/v1/entries/{record}/proof", alter)
    page.goto(f"{demo.url}/records/{record}?lang=en")
    save_verifier_key(page, demo.trust["verifier_key"])
    results = run_checks(page)
    assert verdict(page) == "failed"
    assert results["checkpoint"] == "failed"
    assert "does not verify over the checkpoint text" in reason(page, "checkpoint")
    assert results["inclusion"] == "skipped"  # no trusted root to prove inclusion in
    assert "Checkpoint signature" in page.inner_text("#verify-result .verdict")
    screenshot(page, "record-altered-checkpoint-en")


def test_another_logs_key_is_refused(page: Any, demo: Demo, record: int) -> None:
    """A checkpoint is trusted only under the key the auditor pasted, whatever the server sends."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from ledger.crypto.note import format_verifier_key, verifier_key_for

    other = format_verifier_key(verifier_key_for(demo.trust["origin"], Ed25519PrivateKey.generate().public_key()))
    page.goto(f"{demo.url}/records/{record}?lang=en")
    save_verifier_key(page, other)
    results = run_checks(page)
    assert results["checkpoint"] == "failed"
    assert "no signature by" in reason(page, "checkpoint")


def _bundle(demo: Demo, tmp_path: Path, index: int) -> tuple[Path, Path]:
    leaf = tmp_path / f"integritas-{index}.leaf"
    proof = tmp_path / f"integritas-{index}.tlog-proof"
    proof.write_text(run_cli("prove", "--ledger", str(demo.ledger_dir), str(index), "--leaf-out", str(leaf)))
    return proof, leaf


def _signer_key(demo: Demo, index: int) -> str:
    signer = demo.api(f"/v1/entries/{index}")["entry"]["signer"]
    return next(k["public_key"] for k in demo.api("/v1/keys") if k["fingerprint"] == signer)


def test_bundle_page_verifies_an_exported_bundle(anonymous: Any, demo: Demo, record: int, tmp_path: Path) -> None:
    proof, leaf = _bundle(demo, tmp_path, record)
    page = anonymous  # the bundle page is public
    requests: list[str] = []
    page.goto(f"{demo.url}/verify?lang=en")
    page.on("request", lambda request: requests.append(request.method + " " + request.url))
    save_verifier_key(page, demo.trust["verifier_key"])
    page.set_input_files("#proof-file", str(proof))
    page.set_input_files("#leaf-file", str(leaf))
    results = run_checks(page)
    assert results == {**dict.fromkeys(CHECKS, "passed"), "signer": "skipped", "signature": "skipped"}
    assert verdict(page) == "passed"
    page.fill("#signer-key", _signer_key(demo, record))
    assert run_checks(page) == dict.fromkeys(CHECKS, "passed")
    assert [r for r in requests if "/static/" not in r] == []  # nothing uploaded, nothing fetched
    screenshot(page, "verify-bundle-en")


def test_bundle_page_rejects_an_altered_bundle(anonymous: Any, demo: Demo, record: int, tmp_path: Path) -> None:
    proof, leaf = _bundle(demo, tmp_path, record)
    page = anonymous
    page.goto(f"{demo.url}/verify")
    save_verifier_key(page, demo.trust["verifier_key"])

    # The leaf, changed and still canonical JSON: its signature and its inclusion fail.
    submission = json.loads(leaf.read_bytes())
    submission["entry"]["body"]["note"] = "Predikat WBK tetap berlaku"
    changed = tmp_path / "changed.leaf"
    from ledger.canonical import canonical_json

    changed.write_bytes(canonical_json(submission))
    page.set_input_files("#proof-file", str(proof))
    page.set_input_files("#leaf-file", str(changed))
    page.fill("#signer-key", _signer_key(demo, record))
    results = run_checks(page)
    assert verdict(page) == "failed"
    assert results["signature"] == "failed" and results["inclusion"] == "failed"
    assert "Tanda tangan entri (Ed25519)" in page.inner_text("#verify-result .verdict")
    screenshot(page, "verify-bundle-altered-id")

    # The proof's index, changed: the right leaf at the wrong place fails inclusion.
    text = proof.read_text()
    moved = tmp_path / "moved.tlog-proof"
    moved.write_text(text.replace(f"\nindex {record}\n", f"\nindex {record + 1}\n", 1))
    page.set_input_files("#proof-file", str(moved))
    page.set_input_files("#leaf-file", str(leaf))
    results = run_checks(page)
    assert results["inclusion"] == "failed" and results["checkpoint"] == "passed"

    # The checkpoint's root, changed: the checkpoint's signature fails.
    lines = text.split("\n")
    root_line = lines.index(str(demo.api("/v1/log")["size"])) + 1
    lines[root_line] = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    forged = tmp_path / "forged.tlog-proof"
    forged.write_text("\n".join(lines))
    page.set_input_files("#proof-file", str(forged))
    results = run_checks(page)
    assert results["checkpoint"] == "failed"
    assert "tidak cocok dengan teks checkpoint" in reason(page, "checkpoint")

    # Not a leaf at all.
    garbage = tmp_path / "garbage.leaf"
    garbage.write_bytes(b'{"entry": {}, "signature": ""}')
    page.set_input_files("#proof-file", str(proof))
    page.set_input_files("#leaf-file", str(garbage))
    results = run_checks(page)
    assert results["leaf"] == "failed"
    assert "bukan JSON kanonik" in reason(page, "leaf")
