"""Export a ledger as a C2SP tlog-tiles directory (DESIGN §5), for offline audit.

    DIR/checkpoint                 the latest signed checkpoint
    DIR/tile/<L>/<N>[.p/<W>]       hash tiles
    DIR/tile/entries/<N>[.p/<W>]   entry bundles (the leaf bytes)
    DIR/trust.json                 origin, verifier key, root key fingerprint

The same paths are what the HTTP API serves under /tlog/. Everything is written at the size of
the checkpoint taken at the start, so an export is one consistent tree even while the log grows.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ledger.crypto.tiles import TILE_WIDTH, entry_bundles_for_size, format_entry_bundle, tiles_for_size
from ledger.files import make_private_directory, write_atomically
from ledger.store.reader import LedgerReader
from ledger.trust import TRUST_FILE, format_trust_file

__all__ = ["TRUST_FILE", "export_log"]


def export_log(store: LedgerReader, directory: Path, progress: Callable[[int, int], None] | None = None) -> int:
    """Write the tiles directory of the store's latest checkpoint into `directory`; return its size."""
    checkpoint = store.signed_checkpoint()
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
    _write(directory / TRUST_FILE, format_trust_file(store.trust_anchor()).encode())
    # The checkpoint last: a reader that finds it finds every tile it names.
    _write(directory / "checkpoint", checkpoint.text.encode("utf-8"))
    return size


def _write(path: Path, data: bytes) -> None:
    # Private like the data directory: entry bundles hold names and employee numbers; whoever hands
    # an export to an auditor copies it on purpose.
    if not path.parent.is_dir():
        make_private_directory(path.parent)
    write_atomically(path, data)
