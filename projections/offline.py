"""Views recomputed offline from any log source (DESIGN §7): a ledger directory or an export.

Reads leaves with ledger.log_sources (no server, no eventsourcing) and folds the first `size` of
them; the answers then carry the digest an auditor compares with the server's.
"""

from __future__ import annotations

from collections.abc import Callable

from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import MerkleTree
from ledger.errors import NotFound
from ledger.verify import LogSource
from projections.fold import ViewFold
from projections.queries import MemoryViews


def fold_source(
    source: LogSource, size: int | None = None, progress: Callable[[int, int], None] | None = None
) -> MemoryViews:
    """The views of the first `size` leaves of `source` (default: its checkpoint's size)."""
    from ledger.crypto.checkpoint import SignedCheckpoint

    checkpoint = SignedCheckpoint(source.checkpoint())
    available, origin = checkpoint.tree_size, checkpoint.origin
    size = available if size is None else size
    if size > available:
        raise NotFound(f"the log has {available} leaves, not {size}", code=codes.SIZE_OUT_OF_RANGE)
    fold = ViewFold(origin, keep_history=True)
    tree = MerkleTree()
    for index, leaf in enumerate(source.leaves(size)):
        tree.append(fold.apply(index, leaf).leaf_hash)
        if progress and index % 4096 == 0:
            progress(index, size)
    return MemoryViews(fold, encode_base64(tree.root()))
