"""The national root (rules edition 2, docs/design/rules-edition-2.md): trust.json may pin its
fingerprint and `integritas verify` then refuses a log whose policy names another (or none);
`integritas init --national-root` and `--policy` write it into the genesis policy and trust.json;
`integritas keys endorse` is the ministry's side of registering a national key.

Every check has its negative twin: a pin that differs fails verification, a tampered endorsement
does not verify.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from cli.main import main
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, read_public_key, write_private_key
from ledger.crypto.note import verifier_key_for
from ledger.endorsement import verify_endorsement
from ledger.entry import parse_leaf
from ledger.errors import MalformedInput, VerificationFailed
from ledger.rules import default_policy_document, legacy_policy_document
from ledger.store.datadir import init_ledger, open_ledger
from ledger.trust import TrustAnchor, format_trust_file
from tests.builder import key_for
from tests.store.contract import StoreBuilder
from tests.tampering_helpers import SMALL_GENESIS_AT, failures, fixed_clock, verify

ORIGIN = "national.integritas.example/log"
NATIONAL_ROOT = key_for("national-root")
OTHER_ROOT = key_for("another-national-root")


def public(key: Any) -> str:
    return encode_base64(public_key_bytes(key.public_key()))


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def edition_2_policy(root: Any = NATIONAL_ROOT, **members: Any) -> dict[str, Any]:
    return {**default_policy_document(), "national_root": {"value": public(root), "source": "test"}, **members}


def ledger(directory: Path, policy: dict[str, Any]) -> StoreBuilder:
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji akar nasional",
        root_key=key_for("root"),
        log_key=key_for("log"),
        genesis_at=SMALL_GENESIS_AT,
        clock=fixed_clock,
        policy=policy,
    )
    builder = StoreBuilder(store)
    builder.admin = builder.register_key("admin", "administrator")
    return builder


def anchor(pin: str | None) -> TrustAnchor:
    return TrustAnchor(
        ORIGIN,
        verifier_key_for(ORIGIN, key_for("log").public_key()),
        fingerprint(key_for("root").public_key()),
        None,
        pin,
    )


# --- trust.json ------------------------------------------------------------------------------------------


def test_trust_json_carries_the_pin_and_reads_back_exactly() -> None:
    pinned = anchor(fingerprint(NATIONAL_ROOT.public_key()))
    text = format_trust_file(pinned)
    assert list(json.loads(text)) == ["origin", "verifier_key", "root_fingerprint", "national_root_fingerprint"]
    assert TrustAnchor.from_json(json.loads(text)) == pinned
    assert format_trust_file(TrustAnchor.from_json(json.loads(text))) == text
    assert "national_root_fingerprint" not in format_trust_file(anchor(None))


def test_a_pin_that_is_not_a_fingerprint_is_refused() -> None:
    document = anchor(fingerprint(NATIONAL_ROOT.public_key())).to_json()
    with pytest.raises(MalformedInput) as info:
        TrustAnchor.from_json({**document, "national_root_fingerprint": "AB" * 32})
    assert info.value.code == "invalid_trust_anchor"


def test_init_writes_the_national_root_into_trust_json(tmp_path: Path) -> None:
    builder = ledger(tmp_path / "data", edition_2_policy())
    written = TrustAnchor.load(tmp_path / "data" / "trust.json")
    assert written.national_root_fingerprint == fingerprint(NATIONAL_ROOT.public_key())
    assert builder.store.trust_anchor() == written
    builder.store.close()


# --- verify ------------------------------------------------------------------------------------------------


def test_a_log_naming_the_pinned_root_verifies(tmp_path: Path) -> None:
    ledger(tmp_path / "data", edition_2_policy()).store.close()
    report = verify(tmp_path / "data", anchor(fingerprint(NATIONAL_ROOT.public_key())))
    assert report.ok, report.failures
    assert report.national_root == fingerprint(NATIONAL_ROOT.public_key())
    # Unpinned, the log verifies as well, and the report still says which national root it names.
    report = verify(tmp_path / "data", anchor(None))
    assert report.ok and report.national_root == fingerprint(NATIONAL_ROOT.public_key())


def test_a_log_naming_another_root_fails(tmp_path: Path) -> None:
    ledger(tmp_path / "data", edition_2_policy(OTHER_ROOT)).store.close()
    report = verify(tmp_path / "data", anchor(fingerprint(NATIONAL_ROOT.public_key())))
    assert failures(report) == [(0, "national_root_mismatch")]
    assert report.national_root == fingerprint(OTHER_ROOT.public_key())
    assert report.failures[0].evidence["national_root"] == report.national_root


def test_a_log_naming_no_national_root_fails_a_pin(tmp_path: Path) -> None:
    ledger(tmp_path / "data", legacy_policy_document()).store.close()
    assert verify(tmp_path / "data", anchor(None)).ok
    report = verify(tmp_path / "data", anchor(fingerprint(NATIONAL_ROOT.public_key())))
    assert failures(report) == [(None, "national_root_mismatch")]
    assert report.national_root is None


def test_every_policy_set_is_held_to_the_pin(tmp_path: Path) -> None:
    # An edition-1 log moves to edition 2 by policy.set, which then names the national root.
    builder = ledger(tmp_path / "data", legacy_policy_document())
    upgrade = builder.submit(builder.admin, "policy.set", "ledger", {"policy": edition_2_policy(OTHER_ROOT, version=2)})
    builder.store.close()
    assert verify(tmp_path / "data", anchor(fingerprint(OTHER_ROOT.public_key()))).ok
    report = verify(tmp_path / "data", anchor(fingerprint(NATIONAL_ROOT.public_key())))
    assert failures(report) == [(upgrade.leaf_index, "national_root_mismatch")]


# --- the command line: init, verify, keys endorse --------------------------------------------------------


def init(capsys: pytest.CaptureFixture[str], tmp_path: Path, *options: str) -> tuple[int, str, str]:
    return run(
        capsys,
        "init",
        str(tmp_path / "data"),
        "--origin",
        ORIGIN,
        "--name",
        "Uji",
        "--root-key",
        str(tmp_path / "root.key"),
        *options,
    )


def genesis_policy(directory: Path) -> Any:
    store = open_ledger(directory)
    try:
        return parse_leaf(store.leaf(0)).entry.body["policy"]
    finally:
        store.close()


def test_init_with_a_national_root_pins_it_and_verify_reports_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = init(capsys, tmp_path, "--national-root", public(NATIONAL_ROOT))
    national = fingerprint(NATIONAL_ROOT.public_key())
    assert status == 0 and f"national root: fingerprint {national}" in out
    assert genesis_policy(tmp_path / "data")["national_root"]["value"] == public(NATIONAL_ROOT)
    trust = tmp_path / "data" / "trust.json"
    assert json.loads(trust.read_text())["national_root_fingerprint"] == national
    status, out, _ = run(capsys, "verify", str(tmp_path / "data"), "--trust", str(trust), "--json")
    assert status == 0
    report = json.loads(out)
    assert report["ok"] is True and report["national_root"] == national
    status, out, _ = run(capsys, "verify", str(tmp_path / "data"), "--trust", str(trust))
    assert status == 0 and national in out.replace("\n", "")
    # Negative twin: the auditor's pin is another root's.
    pinned = json.loads(trust.read_text())
    pinned["national_root_fingerprint"] = fingerprint(OTHER_ROOT.public_key())
    other = tmp_path / "other-trust.json"
    other.write_text(json.dumps(pinned))
    status, out, _ = run(capsys, "verify", str(tmp_path / "data"), "--trust", str(other), "--json")
    assert status == 1
    report = json.loads(out)
    assert [(f["leaf_index"], f["code"]) for f in report["failures"]] == [(0, "national_root_mismatch")]
    assert report["national_root"] == national


def test_init_reads_the_national_root_from_a_pem_or_base64_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pem = tmp_path / "national-root.pem"
    pem.write_bytes(
        NATIONAL_ROOT.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    text = tmp_path / "national-root.b64"
    text.write_text(public(NATIONAL_ROOT) + "\n")
    assert read_public_key(str(pem)) == read_public_key(str(text)) == public_key_bytes(NATIONAL_ROOT.public_key())
    status, _, _ = init(capsys, tmp_path, "--national-root", str(pem))
    assert status == 0
    assert genesis_policy(tmp_path / "data")["national_root"]["value"] == public(NATIONAL_ROOT)


def test_init_refuses_a_national_root_that_is_not_a_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = init(capsys, tmp_path, "--national-root", "bm90IGEga2V5")
    assert status == 1 and err.startswith("integritas: invalid_base64: ")
    assert not (tmp_path / "data").exists() and not (tmp_path / "root.key").exists()


def test_init_with_a_policy_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps(legacy_policy_document()))
    status, _, _ = init(capsys, tmp_path, "--policy", str(policy))
    assert status == 0
    assert genesis_policy(tmp_path / "data") == legacy_policy_document()
    assert "national_root_fingerprint" not in json.loads((tmp_path / "data" / "trust.json").read_text())


def test_init_refuses_a_bad_policy_before_creating_anything(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({**legacy_policy_document(), "rules": 3}))
    status, _, err = init(capsys, tmp_path, "--policy", str(policy))
    assert status == 1 and err.startswith("integritas: invalid_policy: ")
    assert not (tmp_path / "data").exists()
    # An edition-1 policy has no national root to set.
    policy.write_text(json.dumps(legacy_policy_document()))
    status, _, err = init(capsys, tmp_path, "--policy", str(policy), "--national-root", public(NATIONAL_ROOT))
    assert status == 2 and err.startswith("integritas: usage: ")
    assert not (tmp_path / "data").exists()


def endorse(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, role: str = "national_assessor"
) -> tuple[int, str, str]:
    root_file = tmp_path / "national-root.key"
    if not root_file.exists():
        write_private_key(NATIONAL_ROOT, root_file)
    return run(
        capsys,
        "keys",
        "endorse",
        "--national-root-key",
        str(root_file),
        "--public-key",
        public(key_for("tpn")),
        "--role",
        role,
        "--holder-name",
        "Tim Penilai Nasional",
        "--holder-title",
        "TPN KemenPANRB",
    )


def test_keys_endorse_prints_an_endorsement_the_rules_accept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = endorse(capsys, tmp_path)
    assert status == 0
    body = json.loads(out)
    assert body == {
        "public_key": public(key_for("tpn")),
        "role": "national_assessor",
        "holder": {"name": "Tim Penilai Nasional", "title": "TPN KemenPANRB"},
        "endorsement": body["endorsement"],
    }
    national_root = public_key_bytes(NATIONAL_ROOT.public_key())
    verify_endorsement(national_root, body)
    # Negative twins: a tampered member, or another root, and the endorsement no longer verifies.
    for tampered in (
        {**body, "role": "minister"},
        {**body, "holder": {"name": "Tim Penilai Nasional", "title": "Menteri"}},
        {**body, "public_key": public(key_for("impostor"))},
    ):
        with pytest.raises(VerificationFailed):
            verify_endorsement(national_root, tampered)
    with pytest.raises(VerificationFailed):
        verify_endorsement(public_key_bytes(OTHER_ROOT.public_key()), body)


def test_keys_endorse_endorses_national_roles_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        endorse(capsys, tmp_path, role="overseer")
    assert info.value.code == 2
