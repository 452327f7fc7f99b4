"""Export a ledger as a C2SP tlog-tiles directory (DESIGN §5), for offline audit.

    DIR/checkpoint                 the latest signed checkpoint
    DIR/tile/<L>/<N>[.p/<W>]       hash tiles
    DIR/tile/entries/<N>[.p/<W>]   entry bundles (the leaf bytes)
    DIR/trust.json                 origin, verifier key, root key fingerprint

The same paths are what the HTTP API serves under /tlog/. Everything is written at the size of
the checkpoint taken at the start, so an export is one consistent tree even while the log grows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.tiles import TILE_WIDTH, entry_bundles_for_size, format_entry_bundle, tiles_for_size
from ledger.files import make_private_directory, write_atomically
from ledger.store.reader import LedgerReader
from ledger.trust import TRUST_FILE, format_trust_file

__all__ = ["TRUST_FILE", "export_log"]


def export_log(
    store: LedgerReader,
    directory: Path,
    progress: Callable[[int, int], None] | None = None,
    *,
    checkpoint: SignedCheckpoint | None = None,
    witness_policy: str | None = None,
) -> int:
    """Write the tiles directory of the store's latest checkpoint (or of `checkpoint`, one of this
    log's, e.g. the cosigned one) into `directory`; return its size. With a witness policy,
    trust.json carries it (`witness_policy`)."""
    checkpoint = checkpoint or store.signed_checkpoint()
    size = checkpoint.tree_size
    make_private_directory(directory)
    for tile in tiles_for_size(size):
        _write(directory / tile.path, store.tile_hashes(tile))
    done = 0
    for bundle in entry_bundles_for_size(size):
        start = bundle.index * TILE_WIDTH
        leaves = list(store.leaves(start, start + bundle.width))
        _write(directory / bundle.path, format_entry_bundle(leaves))
        done += bundle.width
        if progress:
            progress(done, size)
    trust = dataclasses.replace(store.trust_anchor(), witness_policy_text=witness_policy)
    _write(directory / TRUST_FILE, format_trust_file(trust).encode())
    # The checkpoint last: a reader that finds it finds every tile it names.
    _write(directory / "checkpoint", checkpoint.text.encode("utf-8"))
    return size


def _write(path: Path, data: bytes) -> None:
    # Private like the data directory: entry bundles hold names and employee numbers; whoever hands
    # an export to an auditor copies it on purpose.
    if not path.parent.is_dir():
        make_private_directory(path.parent)
    write_atomically(path, data)
