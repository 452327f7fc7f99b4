"""Views recomputed offline from any log source (DESIGN §7): a ledger directory or an export.

Reads leaves with ledger.log_sources (no server, no eventsourcing) and folds the first `size` of
them; the answers then carry the digest an auditor compares with the server's. `digest_command` is
the command line that does it for a given answer, as the pages print it.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from typing import Any

from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import MerkleTree
from ledger.errors import NotFound
from ledger.verify import LogSource
from projections.catalog import CATALOG
from projections.fold import ViewFold
from projections.queries import MemoryViews, default_on


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


def digest_command(answer: dict[str, Any], source: str = "log") -> str:
    """The `integritas views digest` command that recomputes `answer`, and so its digest, from `source`.

    It names the answer's log size, its query and subject, and every parameter not at its default,
    paging included. `on` is left out when it is the default (the date of `as_of.at`), which the
    same prefix gives offline too.
    """
    query = CATALOG[answer["query"]]
    params, page = answer["params"], answer.get("page", {})
    log_day = default_on(answer["as_of"])
    words = ["integritas", "views", "digest", source, "--at-size", str(answer["as_of"]["tree_size"]), query.name]
    offline = {p.name for p in query.on("cli")}
    if not offline >= set(params):
        raise ValueError(f"{query.name} answers with parameters the command line lacks: {set(params) - offline}")
    for param in query.on("cli"):
        value = page[param.name] if param.name in ("offset", "limit") else params[param.name]
        if param.subject:
            words.append(str(value))
            continue
        default = query.defaults[param.name]
        if param.name == "on" and log_day is not None:
            default = log_day.isoformat()
        if value is not None and value != default:
            words += [param.option, str(value)]
    return shlex.join(words)
