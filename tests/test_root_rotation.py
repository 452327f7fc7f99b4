"""The root key's handover (`root.rotated`, rules edition 2; docs/operations.md section 7): signed by
the current root, with the new root's signature of the handover as proof of possession; afterwards
the new key is the root and the old one signs nothing. trust.json keeps the genesis root, and the
verifier follows the handovers from it.

Every acceptance has its refused twin: a handover not signed by the current root (an administrator,
the old root after the handover), a possession by another key or of another handover, a new root
the log already knows, an edition-1 log; a trust file pinning the new root instead of the genesis
root.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, write_private_key
from ledger.crypto.note import format_verifier_key, verifier_key_for
from ledger.errors import Refused
from ledger.rules import default_policy_document, legacy_policy_document
from ledger.rules.ledger_kinds import root_possession_message
from ledger.store.datadir import init_ledger, open_ledger
from ledger.trust import TrustAnchor
from tests.builder import key_for
from tests.store.contract import StoreBuilder
from tests.tampering_helpers import SMALL_GENESIS_AT, failures, verify

ORIGIN = "akar.integritas.example/log"
ROOT, NEW_ROOT = key_for("root"), key_for("root-2")


def ledger(directory: Path, policy: dict[str, Any] | None = None) -> StoreBuilder:
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji rotasi kunci akar",
        root_key=ROOT,
        log_key=key_for("log"),
        genesis_at=SMALL_GENESIS_AT,
        policy=policy or default_policy_document(),
    )
    builder = StoreBuilder(store)
    builder.admin = builder.register_key("admin", "administrator")
    return builder


def handover(old: Any, new: Any, *, origin: str = ORIGIN, possessor: Any = None) -> dict[str, str]:
    """The body of `root.rotated` from `old` to `new`; `possessor` signs the possession (`new` unless told)."""
    message = root_possession_message(origin, fingerprint(old.public_key()), fingerprint(new.public_key()))
    return {
        "root_key": encode_base64(public_key_bytes(new.public_key())),
        "possession": encode_base64((possessor or new).sign(message)),
    }


def refuse(builder: StoreBuilder, signer: Any, kind: str, stream: str, body: dict[str, Any], code: str) -> None:
    size = builder.store.size
    with pytest.raises(Refused) as refused:
        builder.submit(signer, kind, stream, body)
    assert refused.value.code == code
    assert builder.store.size == size


def test_the_new_root_takes_over_and_the_old_one_signs_nothing(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    builder = ledger(directory)
    trust = TrustAnchor.load(directory / "trust.json")
    builder.submit(ROOT, "root.rotated", "ledger", handover(ROOT, NEW_ROOT))
    state = builder.store.state
    new_fingerprint = fingerprint(NEW_ROOT.public_key())
    assert state.root_fingerprint == new_fingerprint
    assert state.genesis_root_fingerprint == trust.root_fingerprint == fingerprint(ROOT.public_key())
    assert state.keys[new_fingerprint].role == "administrator" and state.keys[new_fingerprint].scope == ("*",)
    # The new root registers keys and signs the log key's rotation; the old root is refused for both.
    builder.register_key("admin-2", "administrator", by=NEW_ROOT)
    added = {"verifier_key": format_verifier_key(verifier_key_for(ORIGIN, key_for("log-2").public_key()))}
    refuse(builder, ROOT, "log_key.added", "ledger", added, "revoked_signer")
    refuse(builder, builder.admin, "log_key.added", "ledger", added, "not_root_signer")
    builder.submit(NEW_ROOT, "log_key.added", "ledger", added)
    with pytest.raises(Refused) as refused:
        builder.register_key("late", "administrator", by=ROOT)
    assert refused.value.code == "revoked_signer"
    # The trust anchor the store hands out still pins the genesis root, and the log verifies with it.
    assert builder.store.trust_anchor().root_fingerprint == trust.root_fingerprint
    builder.store.close()
    report = verify(directory, trust)
    assert report.ok, report.failures
    # The negative twin of that decision: a trust file pinning the new root does not anchor this log.
    pinned_new = TrustAnchor(ORIGIN, trust.verifier_key, new_fingerprint)
    assert failures(verify(directory, pinned_new))[0] == (0, "untrusted_root")


def test_a_forged_root_rotation_is_refused(tmp_path: Path) -> None:
    builder = ledger(tmp_path / "data")
    stranger = key_for("stranger")
    # Not signed by the current root: an administrator hands the root to itself or to another key.
    refuse(builder, builder.admin, "root.rotated", "ledger", handover(builder.admin, stranger), "not_root_signer")
    # The possession is not the new key's, or is of another handover (another log, another old root).
    wrong_possessor = handover(ROOT, NEW_ROOT, possessor=stranger)
    refuse(builder, ROOT, "root.rotated", "ledger", wrong_possessor, "root_possession_invalid")
    other_log = handover(ROOT, NEW_ROOT, origin="elsewhere.example/log")
    refuse(builder, ROOT, "root.rotated", "ledger", other_log, "root_possession_invalid")
    from_admin = handover(builder.admin, NEW_ROOT)  # a possession made out to another old root
    refuse(builder, ROOT, "root.rotated", "ledger", from_admin, "root_possession_invalid")
    # The root passes to a new key only.
    refuse(builder, ROOT, "root.rotated", "ledger", handover(ROOT, builder.admin), "root_key_known")
    refuse(builder, ROOT, "root.rotated", "ledger", handover(ROOT, ROOT), "root_key_known")
    # After a real handover, the old root cannot hand the root on again.
    builder.submit(ROOT, "root.rotated", "ledger", handover(ROOT, NEW_ROOT))
    refuse(builder, ROOT, "root.rotated", "ledger", handover(ROOT, stranger), "revoked_signer")
    builder.submit(NEW_ROOT, "root.rotated", "ledger", handover(NEW_ROOT, key_for("root-3")))
    assert builder.store.state.root_fingerprint == fingerprint(key_for("root-3").public_key())
    builder.store.close()


def test_an_edition_1_log_refuses_the_handover(tmp_path: Path) -> None:
    builder = ledger(tmp_path / "data", legacy_policy_document())
    refuse(builder, ROOT, "root.rotated", "ledger", handover(ROOT, NEW_ROOT), "rules_edition")
    builder.store.close()


def test_keys_rotate_root_appends_the_handover_and_keeps_the_trust_file(tmp_path: Path) -> None:
    directory = tmp_path / "data"
    ledger(directory).store.close()
    trust = (directory / "trust.json").read_bytes()
    write_private_key(ROOT, tmp_path / "root.key")
    write_private_key(NEW_ROOT, tmp_path / "root-2.key")
    rotate = ["keys", "rotate-root", "--ledger", str(directory)]
    keys = ["--root-key", str(tmp_path / "root.key"), "--new-root-key", str(tmp_path / "root-2.key")]
    assert main([*rotate, *keys]) == 0
    assert main([*rotate, *keys]) == 1  # the old root is revoked: the same handover again is refused
    store = open_ledger(directory)
    try:
        assert store.state.root_fingerprint == fingerprint(NEW_ROOT.public_key())
    finally:
        store.close()
    assert (directory / "trust.json").read_bytes() == trust
    assert verify(directory, TrustAnchor.load(directory / "trust.json")).ok
