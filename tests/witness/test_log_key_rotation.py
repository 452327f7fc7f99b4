"""A witness through the log key's rotation (docs/operations.md, section 6): during the overlap the
log's checkpoints carry both keys' signatures and the witness cosigns them under either key; its
cosignature line follows both log signatures and verifies; `set_log_key` (`integritas witness
set-log-key`) moves it to the new key. The refused twins: once moved, a checkpoint signed by the old
key alone is not cosigned; a log the witness does not witness has no key to replace.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint, verify_checkpoint_by_any
from ledger.crypto.cosignature import add_cosignatures, verify_cosignature
from ledger.crypto.note import format_verifier_key, parse_note, verifier_key_for
from ledger.errors import NotFound
from tests.witness.logs import ORIGIN, FakeLog, log_key
from witness.app import create_witness_app
from witness.config import init_witness, open_witness, set_log_key
from witness.protocol import AddCheckpoint, format_add_checkpoint

NAME = "kejari-blora.example/witness"
OLD, NEW = log_key("log"), log_key("log-2")


def request(log: FakeLog, old: int, *keys: object) -> bytes:
    """An add-checkpoint request for the log's current size, the checkpoint signed by `keys` in order."""
    size = log.tree.size
    proof = log.tree.consistency_proof(old, size) if 0 < old < size else []
    note = sign_checkpoint(Checkpoint(ORIGIN, size, log.tree.root(size)), *keys)  # type: ignore[arg-type]
    return format_add_checkpoint(AddCheckpoint(old, tuple(proof), note))


def test_a_witness_cosigns_through_the_overlap_and_moves_to_the_new_key(tmp_path: Path) -> None:
    log = FakeLog(key=OLD)
    log.grow(4)
    init_witness(tmp_path / "w", NAME, [log.vkey])
    client = TestClient(create_witness_app(open_witness(tmp_path / "w")))
    assert client.post("/add-checkpoint", content=request(log, 0, OLD)).status_code == 200

    # The overlap: signed by both keys; the witness, still on the old key, cosigns.
    log.grow(3)
    both = request(log, 4, OLD, NEW)
    answer = client.post("/add-checkpoint", content=both)
    assert answer.status_code == 200, answer.text
    note_text = sign_checkpoint(Checkpoint(ORIGIN, 7, log.tree.root(7)), OLD, NEW)
    cosigned = add_cosignatures(note_text, answer.text)
    old_vkey, new_vkey = verifier_key_for(ORIGIN, OLD.public_key()), verifier_key_for(ORIGIN, NEW.public_key())
    assert [s.name for s in parse_note(cosigned).signatures] == [ORIGIN, ORIGIN, NAME]
    assert verify_checkpoint_by_any(cosigned, (old_vkey, new_vkey))[1] == (old_vkey, new_vkey)
    assert verify_cosignature(cosigned, open_witness(tmp_path / "w").key).name == NAME

    # The witness operator moves to the new key in the overlap; both-signed and new-only checkpoints pass.
    assert set_log_key(tmp_path / "w", format_verifier_key(new_vkey)) == new_vkey
    client = TestClient(create_witness_app(open_witness(tmp_path / "w")))
    log.grow(2)
    assert client.post("/add-checkpoint", content=request(log, 7, OLD, NEW)).status_code == 200
    log.grow(2)
    assert client.post("/add-checkpoint", content=request(log, 9, NEW)).status_code == 200
    # The negative twin: the retired key alone is no longer the log's, for this witness.
    log.grow(1)
    refused = client.post("/add-checkpoint", content=request(log, 11, OLD))
    assert refused.status_code == 403, refused.text


def test_set_log_key_needs_a_witnessed_log(tmp_path: Path) -> None:
    init_witness(tmp_path / "w", NAME, [])
    with pytest.raises(NotFound) as unknown:
        set_log_key(tmp_path / "w", format_verifier_key(verifier_key_for(ORIGIN, NEW.public_key())))
    assert unknown.value.code == "witness_log_unknown"
