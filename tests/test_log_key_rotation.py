"""The log key's rotation with an overlap (docs/operations.md, section 5; docs/contract/entry.md):
checkpoints signed by the old and the next key, trust.json's `additional_verifier_keys`,
`log_key.added` and `log_key.retired` signed by the root key (rules edition 2), and a verifier that
accepts a checkpoint signed by any listed key unless the log retired every key that signed it.

Every acceptance has its refused twin: a checkpoint signed by the retired key alone after the
retirement fails, a rotation entry signed by an administrator is refused, an edition-1 log refuses
the kinds, a trust file listing a key twice or under another origin does not load.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint, verify_checkpoint_by_any
from ledger.crypto.keys import read_private_key, write_private_key
from ledger.crypto.note import format_verifier_key, parse_note, verifier_key_for
from ledger.errors import MalformedInput, Refused, VerificationFailed
from ledger.rules import default_policy_document, legacy_policy_document
from ledger.store.datadir import LOG_KEY_FILE, NEXT_LOG_KEY_FILE, init_ledger, open_ledger
from ledger.trust import TrustAnchor, format_trust_file
from tests.builder import key_for
from tests.store.contract import StoreBuilder
from tests.tampering_helpers import SMALL_GENESIS_AT, failures, verify

ORIGIN = "rotasi.integritas.example/log"
OLD = verifier_key_for(ORIGIN, key_for("log").public_key())
NEW = verifier_key_for(ORIGIN, key_for("log-2").public_key())
ROOT_FINGERPRINT = "ab" * 32


def ledger(directory: Path, policy: dict[str, Any] | None = None) -> StoreBuilder:
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji rotasi kunci log",
        root_key=key_for("root"),
        log_key=key_for("log"),
        genesis_at=SMALL_GENESIS_AT,
        policy=policy or default_policy_document(),
    )
    builder = StoreBuilder(store)
    builder.admin = builder.register_key("admin", "administrator")
    return builder


def rotate(tmp_path: Path, directory: Path, *options: str) -> int:
    """`integritas keys rotate-log-key` with the root key; its exit status."""
    root = tmp_path / "root.key"
    if not root.exists():
        write_private_key(key_for("root"), root)
    return main(["keys", "rotate-log-key", "--ledger", str(directory), "--root-key", str(root), *options])


def trust_of(directory: Path) -> TrustAnchor:
    return TrustAnchor.load(directory / "trust.json")


def register_admins(builder: StoreBuilder, *names: str) -> None:
    for name in names:
        builder.register_key(name, "administrator", by=builder.admin)


def latest_signers(directory: Path) -> list[str]:
    store = open_ledger(directory)
    try:
        note = parse_note(store.latest_checkpoint())
    finally:
        store.close()
    return [f"{s.name}+{s.key_id.hex()}" for s in note.signatures]


def short(key: Any) -> str:
    return f"{key.name}+{key.key_id.hex()}"


# --- the signed note and the trust file -------------------------------------------------------------------


def test_a_checkpoint_signed_by_two_keys_verifies_by_either_and_by_both() -> None:
    checkpoint = Checkpoint(ORIGIN, 3, bytes(32))
    text = sign_checkpoint(checkpoint, key_for("log"), key_for("log-2"))
    assert [s.key_id for s in parse_note(text).signatures] == [OLD.key_id, NEW.key_id]
    assert verify_checkpoint(text, OLD) == verify_checkpoint(text, NEW) == checkpoint
    assert verify_checkpoint_by_any(text, (OLD, NEW)) == (checkpoint, (OLD, NEW))
    assert verify_checkpoint_by_any(text, (NEW,)) == (checkpoint, (NEW,))


def test_a_bad_line_by_a_listed_key_fails_and_a_note_by_no_listed_key_fails() -> None:
    text = sign_checkpoint(Checkpoint(ORIGIN, 3, bytes(32)), key_for("log"), key_for("log-2"))
    other = sign_checkpoint(Checkpoint(ORIGIN, 4, bytes(32)), key_for("log-2"))
    # The new key's line from another checkpoint: the old key's line still verifies, the new one does not.
    forged = text.splitlines(keepends=True)[:-1] + other.splitlines(keepends=True)[-1:]
    with pytest.raises(VerificationFailed) as bad:
        verify_checkpoint_by_any("".join(forged), (OLD, NEW))
    assert bad.value.code == "note_signature_invalid"
    assert verify_checkpoint_by_any("".join(forged), (OLD,))[1] == (OLD,)  # the unlisted key's line is ignored
    with pytest.raises(VerificationFailed) as unknown:
        verify_checkpoint_by_any(other, (OLD,))
    assert unknown.value.code == "note_unknown_key"


def test_a_trust_file_without_additional_keys_is_unchanged() -> None:
    anchor = TrustAnchor(ORIGIN, OLD, ROOT_FINGERPRINT)
    assert list(anchor.to_json()) == ["origin", "verifier_key", "root_fingerprint"]
    assert anchor.verifier_keys == (OLD,)


def test_a_trust_file_with_additional_keys_reads_back_exactly() -> None:
    anchor = TrustAnchor(ORIGIN, NEW, ROOT_FINGERPRINT, additional_verifier_keys=(OLD,))
    text = format_trust_file(anchor)
    document = json.loads(text)
    assert list(document) == ["origin", "verifier_key", "root_fingerprint", "additional_verifier_keys"]
    assert document["additional_verifier_keys"] == [format_verifier_key(OLD)]
    assert TrustAnchor.from_json(document) == anchor
    assert format_trust_file(TrustAnchor.from_json(json.loads(text))) == text
    assert anchor.verifier_keys == (NEW, OLD)


@pytest.mark.parametrize(
    "additional",
    [
        [],
        "not a list",
        [7],
        [format_verifier_key(OLD)],  # the verifier_key itself, listed twice
        [format_verifier_key(verifier_key_for("other.example/log", key_for("log-2").public_key()))],
    ],
)
def test_a_trust_file_with_bad_additional_keys_is_refused(additional: Any) -> None:
    document = {**TrustAnchor(ORIGIN, OLD, ROOT_FINGERPRINT).to_json(), "additional_verifier_keys": additional}
    with pytest.raises(MalformedInput) as refused:
        TrustAnchor.from_json(document)
    assert refused.value.code == "invalid_trust_anchor"


# --- the ceremony, end to end on a data directory ---------------------------------------------------------


def test_rotation_during_appends_verifies_before_during_and_after(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    builder = ledger(directory)
    register_admins(builder, "a1")
    before = trust_of(directory)
    assert "additional_verifier_keys" not in json.loads((directory / "trust.json").read_text())
    assert verify(directory, before).ok

    # A running server (a store opened before the rotation, with the old key only) goes on appending
    # while the rotation is announced: its checkpoints, by the old key, are valid in the overlap.
    running = StoreBuilder(open_ledger(directory))
    running.admin = builder.admin
    appending = threading.Thread(target=register_admins, args=(running, "b1", "b2", "b3", "b4"))
    appending.start()
    assert rotate(tmp_path, directory) == 0
    appending.join()
    running.store.close()
    assert (directory / NEXT_LOG_KEY_FILE).exists()
    during = trust_of(directory)
    new_key = verifier_key_for(ORIGIN, read_private_key(directory / NEXT_LOG_KEY_FILE).public_key())
    assert during.verifier_key == OLD and during.additional_verifier_keys == (new_key,)

    # Restarted, the server signs with both keys.
    builder.use(open_ledger(directory))
    register_admins(builder, "c1")
    assert latest_signers(directory) == [short(OLD), short(new_key)]
    for trust in (before, during):
        report = verify(directory, trust)
        assert report.ok, report.failures
    # The head verifies by the new key alone; the checkpoints stored before the overlap need the old one.
    new_only = verify(directory, TrustAnchor(ORIGIN, new_key, before.root_fingerprint))
    assert {code for _, code in failures(new_only)} == {"stored_checkpoint_mismatch"}
    builder.store.close()

    assert rotate(tmp_path, directory, "--retire") == 0
    assert not (directory / NEXT_LOG_KEY_FILE).exists()
    after = trust_of(directory)
    assert after.verifier_key == new_key and after.additional_verifier_keys == (OLD,)
    builder.use(open_ledger(directory))
    register_admins(builder, "d1")
    assert latest_signers(directory) == [short(new_key)]
    state = builder.store.state
    kinds = [json.loads(builder.store.leaf(i))["entry"]["kind"] for i in range(state.size)]
    assert kinds.count("log_key.added") == 1 and kinds.count("log_key.retired") == 1
    builder.store.close()
    # The new trust file, and the one of the overlap (it lists the new key), verify the whole log.
    for trust in (after, during):
        report = verify(directory, trust)
        assert report.ok, report.failures
    # The negative twin: the trust file from before the rotation knows only the old key.
    assert failures(verify(directory, before)) == [(None, "note_unknown_key")]


def test_a_checkpoint_signed_only_by_the_retired_key_after_its_retirement_fails(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    builder = ledger(directory)
    builder.store.close()
    assert rotate(tmp_path, directory) == 0
    assert rotate(tmp_path, directory, "--retire") == 0
    after = trust_of(directory)
    assert verify(directory, after).ok

    # Whoever kept the retired key signs a checkpoint with it alone.
    stolen = tmp_path / "stolen.key"
    write_private_key(key_for("log"), stolen)
    os.replace(stolen, directory / LOG_KEY_FILE)
    builder.use(open_ledger(directory))
    register_admins(builder, "after-retirement")
    builder.store.close()
    assert latest_signers(directory) == [short(OLD)]
    report = verify(directory, after)
    assert (None, "log_key_retired") in failures(report)
    assert not report.ok


def test_the_rotation_refuses_a_second_rotation_and_a_retirement_without_one(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    ledger(directory).store.close()
    assert rotate(tmp_path, directory, "--retire") == 2  # usage: nothing under way
    assert rotate(tmp_path, directory) == 0
    next_key = (directory / NEXT_LOG_KEY_FILE).read_bytes()
    assert rotate(tmp_path, directory) == 2
    assert (directory / NEXT_LOG_KEY_FILE).read_bytes() == next_key


def test_an_edition_1_log_refuses_the_rotation_and_keeps_its_key_and_trust_file(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    ledger(directory, legacy_policy_document()).store.close()
    trust = (directory / "trust.json").read_bytes()
    assert rotate(tmp_path, directory) == 1
    assert not (directory / NEXT_LOG_KEY_FILE).exists()
    assert (directory / "trust.json").read_bytes() == trust
    assert verify(directory, trust_of(directory)).ok


# --- the rules of log_key.added and log_key.retired ------------------------------------------------------


def refuse(builder: StoreBuilder, signer: Any, kind: str, body: dict[str, Any], code: str) -> None:
    size = builder.store.size
    with pytest.raises(Refused) as refused:
        builder.submit(signer, kind, "ledger", body)
    assert refused.value.code == code
    assert builder.store.size == size


def test_the_rules_of_the_rotation_entries(tmp_path: Path) -> None:
    builder = ledger(tmp_path / "data")
    root = key_for("root")
    new, old = {"verifier_key": format_verifier_key(NEW)}, {"verifier_key": format_verifier_key(OLD)}
    elsewhere = {"verifier_key": format_verifier_key(verifier_key_for("other.example/log", key_for("x").public_key()))}
    refuse(builder, builder.admin, "log_key.added", new, "not_root_signer")
    refuse(builder, root, "log_key.added", elsewhere, "log_key_wrong_origin")
    refuse(builder, root, "log_key.retired", {**old, "reason": "no successor yet"}, "log_key_last")
    builder.submit(root, "log_key.added", "ledger", new)
    refuse(builder, root, "log_key.added", new, "log_key_known")
    refuse(builder, builder.admin, "log_key.retired", {**old, "reason": "r"}, "not_root_signer")
    refuse(builder, root, "log_key.retired", {**new, "reason": "the only announced key"}, "log_key_last")
    builder.submit(root, "log_key.retired", "ledger", {**old, "reason": "rotated"})
    refuse(builder, root, "log_key.retired", {**old, "reason": "again"}, "log_key_known")
    refuse(builder, root, "log_key.added", old, "log_key_known")
    records = builder.store.state.log_keys
    assert records[new["verifier_key"]].retired_index is None
    assert records[old["verifier_key"]].retired_index == builder.store.size - 1
    builder.store.close()


def test_an_edition_1_log_refuses_the_kinds(tmp_path: Path) -> None:
    builder = ledger(tmp_path / "data", legacy_policy_document())
    refuse(builder, key_for("root"), "log_key.added", {"verifier_key": format_verifier_key(NEW)}, "rules_edition")
    builder.store.close()


def test_the_witness_policy_gains_the_new_log_key(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    builder = ledger(directory)
    builder.store.close()
    assert main(["witness", "policy", "--ledger", str(directory), "--quorum", "0"]) == 0
    before = trust_of(directory)
    assert verify(directory, before).ok
    assert rotate(tmp_path, directory) == 0
    assert rotate(tmp_path, directory, "--retire") == 0
    after = trust_of(directory)
    policy_logs = [key for key, _ in after.witness_policy.logs]  # type: ignore[union-attr]
    assert policy_logs == [OLD.public_key, after.verifier_key.public_key]
    assert (directory / "witness-policy").read_text() == after.witness_policy_text
    builder.use(open_ledger(directory))
    register_admins(builder, "after")
    builder.store.close()
    report = verify(directory, after)
    assert report.ok, report.failures
    # The negative twin: the policy from before the rotation lists no key that signs the log now.
    stale = TrustAnchor(
        ORIGIN,
        after.verifier_key,
        after.root_fingerprint,
        before.witness_policy_text,
        additional_verifier_keys=after.additional_verifier_keys,
    )
    assert (None, "witness_policy_log_unknown") in failures(verify(directory, stale))


def test_a_record_proved_before_the_rotation_verifies_with_the_trust_file_after_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "data"
    ledger(directory).store.close()
    leaf = tmp_path / "leaf.json"
    assert main(["prove", "--ledger", str(directory), "1", "--leaf-out", str(leaf)]) == 0
    bundle = tmp_path / "record.tlog-proof"
    bundle.write_text(capsys.readouterr().out)
    assert rotate(tmp_path, directory) == 0
    assert rotate(tmp_path, directory, "--retire") == 0
    capsys.readouterr()
    assert main(["verify-record", str(bundle), str(leaf), "--trust", str(directory / "trust.json")]) == 0
    assert capsys.readouterr().out.startswith("OK")
    # The negative twin: a trust file with the new key alone does not know the key that signed the bundle.
    new_only = tmp_path / "new-only.json"
    after = trust_of(directory)
    new_only.write_text(format_trust_file(TrustAnchor(ORIGIN, after.verifier_key, after.root_fingerprint)))
    assert main(["verify-record", str(bundle), str(leaf), "--trust", str(new_only)]) == 1
    assert "note_unknown_key" in capsys.readouterr().err
