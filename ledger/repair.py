"""Repair of a data directory's derived data: the way back from damage the server refuses to start on.

The leaves are the ledger; everything else the store keeps is computed from them: the root stored
with each leaf, the checkpoint stored with the last leaf of each group (an Ed25519 signature of that
root, deterministic by RFC 8032 §5.1.6, so signing it again gives the same bytes), the signed-head
guard, and the status views. `repair_ledger` recomputes these, and only these, and only when the
leaves verify in full (signatures, rules, canonical form) against the directory's trust anchor and
hash to the root of the latest stored checkpoint, which must verify under the log key: damage to
anything that cannot be recomputed is refused (`repair_refused`), never papered over.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint
from ledger.crypto.keys import encode_base64, read_private_key
from ledger.crypto.merkle import MerkleTree, hash_leaf
from ledger.errors import VerificationFailed
from ledger.files import write_atomically
from ledger.log_sources import LOG_AGGREGATE_ID, POSTGRES_EVENTS_TABLE, SQLITE_EVENTS_TABLE, DataDirSource
from ledger.signed_head import SignedHead
from ledger.store.config import Storage, connect_postgres
from ledger.store.datadir import LOG_KEY_FILE, SIGNED_HEAD_FILE, TRUST_FILE, LedgerConfig, read_next_log_key
from ledger.store.writer_lock import writer_lock
from ledger.verify import TrustAnchor, verify_log

# What a verification of the directory may find that repair recomputes; anything else is refused.
REPAIRABLE = frozenset({codes.STORED_ROOT_MISMATCH, codes.STORED_CHECKPOINT_MISMATCH, codes.INVALID_SIGNED_HEAD})


@dataclass
class RepairReport:
    """What was recomputed and written back."""

    size: int
    roots: list[int] = field(default_factory=list)  # leaf indices whose stored root was rewritten
    checkpoints: list[int] = field(default_factory=list)  # leaf indices whose checkpoint was signed again
    signed_head: bool = False  # signed-head.json was rewritten


def repair_ledger(directory: Path, *, now: datetime, allow_open_key_file: bool = False) -> RepairReport:
    """Recompute and write back the derived data of the ledger in `directory`; refuse unless its leaves
    verify and match its latest signed checkpoint. Holds the writer lock: no server writes meanwhile."""
    config = LedgerConfig.read(directory)
    trust = TrustAnchor.load(directory / TRUST_FILE)
    log_key = read_private_key(directory / LOG_KEY_FILE, allow_open=allow_open_key_file)
    next_log_key = read_next_log_key(directory, allow_open=allow_open_key_file)
    with writer_lock(config.storage):
        report = verify_log(DataDirSource(directory), trust, now=now, workers=1)
        refused = [f for f in report.failures if f.code not in REPAIRABLE]
        if report.checkpoint is None or refused:
            found = "; ".join(f"{f.code} at {'log' if f.leaf_index is None else f.leaf_index}" for f in refused)
            raise VerificationFailed(
                "the leaves do not verify against the latest signed checkpoint, so nothing can be recomputed "
                f"from them ({found or 'no verified checkpoint'}): restore the ledger from a backup",
                code=codes.REPAIR_REFUSED,
            )
        source = DataDirSource(directory)
        tree = MerkleTree()
        for leaf in source.leaves(report.checkpoint.tree_size):
            tree.append(hash_leaf(leaf))
        result = RepairReport(tree.size)
        update = _event_updater(config.storage)
        for failure in report.failures:
            index = failure.leaf_index
            if failure.code == codes.STORED_ROOT_MISMATCH and index is not None:
                update(index, "root_hash", encode_base64(tree.root(index + 1)))
                result.roots.append(index)
            elif failure.code == codes.STORED_CHECKPOINT_MISMATCH and index is not None:
                keys = (log_key,) if next_log_key is None else (log_key, next_log_key)
                note = sign_checkpoint(Checkpoint(trust.origin, index + 1, tree.root(index + 1)), *keys)
                update(index, "checkpoint", note)
                result.checkpoints.append(index)
        if (
            any(f.code == codes.INVALID_SIGNED_HEAD for f in report.failures)
            or not (directory / SIGNED_HEAD_FILE).exists()
        ):
            head = SignedHead(tree.size, encode_base64(tree.root()))
            write_atomically(directory / SIGNED_HEAD_FILE, json.dumps(head.to_json()).encode("utf-8"))
            result.signed_head = True
    return result


def _event_updater(storage: Storage) -> Callable[[int, str, str], None]:
    """A function that sets one member of the stored state of the log event of leaf `index`, in the
    stored form of eventsourcing's JSON transcoder (compact, non-ASCII kept, members in order)."""

    def encode(state: bytes, member: str, value: str) -> bytes:
        event: dict[str, Any] = json.loads(state)
        event[member] = value
        return json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    if storage.kind == "postgres":
        assert storage.postgres_dsn is not None
        connection = connect_postgres(storage.postgres_dsn)

        def update_postgres(index: int, member: str, value: str) -> None:
            where = "WHERE originator_id = %s AND originator_version = %s"
            row = connection.execute(
                f"SELECT state FROM {POSTGRES_EVENTS_TABLE} {where}", (LOG_AGGREGATE_ID, index + 1)
            ).fetchone()
            state = encode(bytes(row[0]), member, value)
            connection.execute(
                f"UPDATE {POSTGRES_EVENTS_TABLE} SET state = %s {where}", (state, LOG_AGGREGATE_ID, index + 1)
            )

        return update_postgres
    assert storage.sqlite_path is not None
    path = storage.sqlite_path

    def update_sqlite(index: int, member: str, value: str) -> None:
        with sqlite3.connect(path) as connection:
            where = "WHERE originator_id = ? AND originator_version = ?"
            row = connection.execute(
                f"SELECT state FROM {SQLITE_EVENTS_TABLE} {where}", (LOG_AGGREGATE_ID, index + 1)
            ).fetchone()
            state = encode(row[0], member, value)
            connection.execute(
                f"UPDATE {SQLITE_EVENTS_TABLE} SET state = ? {where}", (state, LOG_AGGREGATE_ID, index + 1)
            )
        connection.close()

    return update_sqlite
