"""signed-head.json, the guard beside the log key (DESIGN §5: the last signed size is persisted and
checked before signing): what it holds, how it is read, and the check that the store runs at every
open and `integritas verify DIR` runs too.

Written by ledger.store, read by it and by the verifier's data-directory source; standard library
and the pure core only, so the verifier reads it without the store's libraries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.errors import Unavailable

FILE_NAME = "signed-head.json"


@dataclass(frozen=True)
class SignedHead:
    """The newest checkpoint this log signed (`tree_size`, `root_hash`), written and fsynced before its
    entries are committed, and the head before it (`previous`) while that commit is under way: what
    the store holds if the commit never happened. Settled (no `previous`) once the commit is done."""

    tree_size: int
    root_hash: str
    previous: tuple[int, str] | None = None

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {"tree_size": self.tree_size, "root_hash": self.root_hash}
        if self.previous is not None:
            document["previous"] = {"tree_size": self.previous[0], "root_hash": self.previous[1]}
        return document


def read_signed_head(path: Path) -> SignedHead | None:
    """signed-head.json, None if there is none; a damaged file is `invalid_signed_head`, never a JSON or
    key error."""

    def damaged(problem: str) -> Unavailable:
        return Unavailable(
            f"{path.name} {problem}: restore it from a backup, or run `integritas repair` to rewrite it "
            "from the latest stored checkpoint",
            code=codes.INVALID_SIGNED_HEAD,
        )

    def head_of(document: Any) -> tuple[int, str]:
        size, root = (document.get("tree_size"), document.get("root_hash")) if isinstance(document, dict) else (0, 0)
        if type(size) is not int or size < 0 or not isinstance(root, str):
            raise damaged("holds no tree_size and root_hash")
        return size, root

    try:
        document = json.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise damaged(f"cannot be read ({type(exc).__name__})") from exc
    size, root = head_of(document)
    previous = document.get("previous")
    return SignedHead(size, root, None if previous is None else head_of(previous))


def verify_signed_head(head: SignedHead, stored_size: int, root_of: Callable[[int], bytes]) -> None:
    """Refuse a stored log shorter than, or different from, the last checkpoint the log signed
    (`store_damaged`); `root_of(n)` is the root of the stored log's first n leaves."""
    size, root = head.tree_size, head.root_hash
    if size > stored_size and head.previous is not None and head.previous[0] == stored_size:
        # The guard was written for a group whose commit never happened (a full disk, a crash
        # between the two): that checkpoint was never acknowledged, the head before it holds.
        size, root = head.previous
    if size > stored_size:
        raise Unavailable(
            f"this server signed a checkpoint of size {size}, but the stored log has {stored_size} entries: "
            "entries were removed; restore them, do not append",
            code=codes.STORE_DAMAGED,
            signed_size=size,
            stored_size=stored_size,
        )
    if encode_base64(root_of(size)) != root:
        raise Unavailable(
            f"the stored log differs from the checkpoint of size {size} this server signed", code=codes.STORE_DAMAGED
        )
