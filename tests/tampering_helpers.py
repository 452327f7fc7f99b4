"""Helpers of the export, verification and tampering tests: the demo ledger and its keys, small
ledgers, and logs changed behind the store's back.

An export (ledger.store.export) is a C2SP tlog-tiles directory of entry bundles, hash tiles and a
checkpoint. `read_export` gives its leaves; `write_export` writes leaves back as entry bundles and,
when asked, rebuilds the hash tiles and signs a new checkpoint with a given key. A test changes
leaves and chooses which layers still agree with them: only the fold notices a change whose tiles
and checkpoint were rebuilt by the real log key (a log that lies), the tiles notice one whose tiles
were left alone. Data directories are edited with plain SQL on the log aggregate's rows
(originator_id 'log', originator_version = leaf index + 1), as tests/store/contract.py does.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from demo.build import DEMO_SEED, build_demo
from ledger.crypto.checkpoint import Checkpoint, SignedCheckpoint, sign_checkpoint
from ledger.crypto.keys import encode_base64, private_key_from_seed
from ledger.crypto.merkle import MerkleTree, hash_leaf
from ledger.crypto.tiles import TILE_WIDTH, entry_bundles_for_size, format_entry_bundle, tile_hashes, tiles_for_size
from ledger.entry import parse_leaf, sign_entry, submission_from_json
from ledger.log_sources import ExportSource, open_source
from ledger.rules import legacy_policy_document
from ledger.store.application import LedgerStore
from ledger.store.datadir import init_ledger
from ledger.store.export import export_log
from ledger.verify import Report, TrustAnchor, verify_log
from tests.builder import LOG_TIME, key_for
from tests.store.contract import StoreBuilder, fixed_clock, note_body

VERIFY_NOW = LOG_TIME  # the verifier's clock: 2030, after every entry of the demo and small ledgers
DEMO_SIZE = 6495
SQLITE_EVENTS = "stored_events"
LOG_ID = "log"


def demo_key(name: str) -> Ed25519PrivateKey:
    """A key of the demo story, derived as the demo documents: sha256(f"{seed}/{name}")."""
    return private_key_from_seed(hashlib.sha256(f"{DEMO_SEED}/{name}".encode()).digest())


@dataclass(frozen=True)
class DemoLedger:
    """The Blora demo ledger: its data directory (SQLite), its export, its store and leaves."""

    directory: Path
    export: Path
    store: LedgerStore
    leaves: tuple[bytes, ...]
    trust: TrustAnchor

    @property
    def origin(self) -> str:
        return self.store.origin


def build_demo_ledger(base: Path) -> DemoLedger:
    store = build_demo(base / "ledger")
    export_log(store, base / "export")
    trust = TrustAnchor.load(base / "export" / "trust.json")
    return DemoLedger(base / "ledger", base / "export", store, tuple(store.leaves()), trust)


def verify(location: Path, trust: TrustAnchor, **options: Any) -> Report:
    """`verify_log` of the log at `location` at the fixed clock, one worker unless told."""
    options.setdefault("workers", 1)
    return verify_log(open_source(str(location)), trust, now=VERIFY_NOW, **options)


def failures(report: Report) -> list[tuple[int | None, str]]:
    """(leaf index, code) of every failure, in the order of `ordered`."""
    return ordered((f.leaf_index, f.code) for f in report.failures)


def ordered(pairs: Iterable[tuple[int | None, str]]) -> list[tuple[int | None, str]]:
    """(leaf index, code) pairs in a fixed order: by leaf index, then the log-wide ones, by code."""
    return sorted(pairs, key=lambda pair: (pair[0] is None, pair[0] or 0, pair[1]))


# --- exports ------------------------------------------------------------------------------------------


def copy_tree(source: Path, destination: Path) -> Path:
    shutil.copytree(source, destination)
    return destination


def export_size(directory: Path) -> int:
    return SignedCheckpoint((directory / "checkpoint").read_text(encoding="utf-8")).tree_size


def read_export(directory: Path) -> list[bytes]:
    """The leaves of an export, at its checkpoint's size."""
    return list(ExportSource(directory).leaves(export_size(directory)))


def write_export(
    directory: Path,
    leaves: Sequence[bytes],
    *,
    origin: str,
    log_key: Ed25519PrivateKey | None = None,
    tiles: bool = True,
) -> str | None:
    """Write `leaves` as the export's entry bundles (replacing all of them).

    With `tiles`, the hash tiles are rebuilt from the leaves (replacing all of them); with
    `log_key`, a checkpoint of the leaves signed by that key replaces the export's, and is returned.
    """
    shutil.rmtree(directory / "tile" / "entries", ignore_errors=True)
    for bundle in entry_bundles_for_size(len(leaves)):
        start = bundle.index * TILE_WIDTH
        _write(directory / bundle.path, format_entry_bundle(leaves[start : start + bundle.width]))
    tree = MerkleTree.from_leaf_hashes(hash_leaf(leaf) for leaf in leaves)
    if tiles:
        for level in (directory / "tile").iterdir():
            if level.name != "entries":
                shutil.rmtree(level)
        for tile in tiles_for_size(len(leaves)):
            _write(directory / tile.path, tile_hashes(tree, tile))
    if log_key is None:
        return None
    checkpoint = sign_checkpoint(Checkpoint(origin, len(leaves), tree.root()), log_key)
    _write(directory / "checkpoint", checkpoint.encode("utf-8"))
    return checkpoint


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


# --- leaves ---------------------------------------------------------------------------------------------


def flip_bit(data: bytes, bit: int) -> bytes:
    """`data` with bit `bit` (0 = the lowest bit of the first byte) inverted."""
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def resign(leaf: bytes, key: Ed25519PrivateKey, edit: Callable[[dict[str, Any]], None]) -> bytes:
    """The leaf of the same entry after `edit` changed it (as JSON), validly signed by `key`."""
    entry = json.loads(json.dumps(parse_leaf(leaf).entry.to_json()))
    edit(entry)
    return sign_entry(entry, key).leaf_bytes


def break_signature(leaf: bytes) -> bytes:
    """The leaf with one bit of its signature flipped: still canonical, no longer valid."""
    submission = parse_leaf(leaf)
    document = {"entry": submission.entry.to_json(), "signature": encode_base64(flip_bit(submission.signature, 0))}
    return submission_from_json(document).leaf_bytes


def independent_notes(leaves: Sequence[bytes]) -> list[int]:
    """Indices of oversight notes that are the last of their stream and whose hash no leaf names.

    A note decides nothing for later entries, so breaking one of these makes exactly that leaf
    fail: no later entry chains on it (`prev`) or cites it (`basis`, `declaration`).
    """
    last: dict[str, int] = {}
    for index, leaf in enumerate(leaves):
        last[parse_leaf(leaf).entry.stream] = index
    text = b"\n".join(leaves)
    return [
        index
        for index in sorted(last.values())
        if parse_leaf(leaves[index]).entry.kind == "oversight.noted"
        and encode_base64(hash_leaf(leaves[index])).encode() not in text
    ]


# --- data directories -------------------------------------------------------------------------------------


def edit_sqlite_leaf(directory: Path, index: int, old: bytes, new: bytes) -> None:
    """Replace the one occurrence of `old` by `new` in the stored state of leaf `index`."""
    with sqlite3.connect(directory / "ledger.sqlite") as connection:
        where = "WHERE originator_id = ? AND originator_version = ?"
        (state,) = connection.execute(f"SELECT state FROM {SQLITE_EVENTS} {where}", (LOG_ID, index + 1)).fetchone()
        assert bytes(state).count(old) == 1, f"{old!r} is not once in leaf {index}"
        connection.execute(
            f"UPDATE {SQLITE_EVENTS} SET state = ? {where}", (bytes(state).replace(old, new), LOG_ID, index + 1)
        )
    connection.close()


def delete_sqlite_leaf(directory: Path, index: int) -> None:
    """Delete the log event of leaf `index` (its stream event stays: the verifier reads the log only)."""
    with sqlite3.connect(directory / "ledger.sqlite") as connection:
        deleted = connection.execute(
            f"DELETE FROM {SQLITE_EVENTS} WHERE originator_id = ? AND originator_version = ?", (LOG_ID, index + 1)
        ).rowcount
        assert deleted == 1
    connection.close()


def delete_last_sqlite_leaf(directory: Path) -> int:
    """Delete the last leaf's log event and the stream event saved with it; return the new size."""
    with sqlite3.connect(directory / "ledger.sqlite") as connection:
        (size,) = connection.execute(
            f"SELECT MAX(originator_version) FROM {SQLITE_EVENTS} WHERE originator_id = ?", (LOG_ID,)
        ).fetchone()
        connection.execute(
            f"DELETE FROM {SQLITE_EVENTS} WHERE originator_id = ? AND originator_version = ?", (LOG_ID, size)
        )
        connection.execute(f"DELETE FROM {SQLITE_EVENTS} WHERE rowid = (SELECT MAX(rowid) FROM {SQLITE_EVENTS})")
    connection.close()
    return int(size) - 1


# --- a small ledger ---------------------------------------------------------------------------------------

SMALL_GENESIS_AT = datetime(2020, 1, 1, tzinfo=UTC)


def small_ledger(directory: Path, *, postgres_dsn: str | None = None, notes: int = 3) -> StoreBuilder:
    """A data directory with genesis, an administrator, an overseer, unit dpm and `notes` notes.

    Its store appends one entry at a time, so every leaf has its own signed checkpoint.
    """
    store = init_ledger(
        directory,
        origin="small.integritas.example/log",
        name="Uji kecil",
        root_key=key_for("root"),
        log_key=key_for("log"),
        postgres_dsn=postgres_dsn,
        genesis_at=SMALL_GENESIS_AT,
        clock=fixed_clock,
        policy=legacy_policy_document(),
    )
    builder = StoreBuilder(store)
    builder.admin = builder.register_key("admin", "administrator")
    builder.overseer = builder.register_key("kajari", "overseer")
    builder.register_unit("dpm")
    add_notes(builder, notes)
    return builder


def add_notes(builder: StoreBuilder, count: int, text: str = "catatan") -> None:
    for n in range(count):
        builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body(f"{text} {n}"))
