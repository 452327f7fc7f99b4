"""What a ledger store offers its readers: the API, the web pages, the export (DESIGN §8).

`LedgerReader` is the whole read surface of `LedgerStore`; code that only reads takes a
`LedgerReader`, never the store's fields, so that every read goes through the store's lock where
its memory can change (see `LedgerStore`) and the type checker says when a reader reaches past it.
Everything returned is a value the caller may keep: keys are copies, stream heads and checkpoints
are frozen.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.note import VerifierKey
from ledger.crypto.tiles import Tile
from ledger.rules import KeyRecord, Person, Policy, StreamHead
from ledger.trust import TrustAnchor


@dataclass(frozen=True)
class StoredLeaf:
    """One leaf of the log: its index, its bytes (an entry and its signature) and its hash."""

    index: int
    leaf: bytes
    leaf_hash: bytes

    def document(self) -> dict[str, Any]:
        """The leaf as JSON, {"entry": ..., "signature": ...}: the log's canonical JSON, checked when
        it was accepted, so read here without checking it again."""
        document: dict[str, Any] = json.loads(self.leaf)
        return document


class LedgerReader(Protocol):
    """The reads of one ledger. Sizes and indices beyond what this process knows are caught up from
    the event store first (another process may have appended); "the latest" is as of `refresh`."""

    @property
    def origin(self) -> str: ...

    @property
    def verifier_key(self) -> VerifierKey: ...

    @property
    def verifier_key_text(self) -> str: ...

    @property
    def size(self) -> int:
        """The number of leaves this process knows."""
        ...

    def refresh(self, max_age: float = 0.1) -> None:
        """Catch up before a read of the latest, unless that was done less than `max_age` s ago."""
        ...

    def ensure(self, size: int) -> None:
        """Catch up if the log may have grown to `size` through another process."""
        ...

    def signed_checkpoint(self) -> SignedCheckpoint:
        """The latest signed checkpoint; raises NotFound (empty_log) before the first entry."""
        ...

    def latest_checkpoint(self) -> str:
        """The latest signed checkpoint's note text."""
        ...

    def trust_anchor(self) -> TrustAnchor: ...

    def ledger_name(self) -> str | None: ...

    def policy(self) -> Policy | None: ...

    def stream_head(self, stream: str) -> StreamHead | None: ...

    def stream_entries(self, stream: str) -> list[tuple[int, bytes]]:
        """(leaf index, leaf hash) of each entry of `stream` in `seq` order."""
        ...

    def key(self, fingerprint: str) -> KeyRecord | None: ...

    def person(self, pseudonym: str) -> Person | None:
        """What the log knows of a person (rules edition 3), or None."""
        ...

    def registered_keys(self) -> list[KeyRecord]:
        """Every registered key, in registration order."""
        ...

    def entry(self, index: int) -> StoredLeaf: ...

    def leaf(self, index: int) -> bytes: ...

    def leaf_hash(self, index: int) -> bytes: ...

    def leaves(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]: ...

    def root(self, size: int | None = None) -> bytes: ...

    def inclusion_proof(self, index: int, size: int) -> list[bytes]: ...

    def consistency_proof(self, first: int, second: int) -> list[bytes]: ...

    def tile_hashes(self, tile: Tile) -> bytes: ...

    def record_proof(self, index: int, checkpoint: SignedCheckpoint | None = None) -> str:
        """A C2SP tlog-proof of leaf `index` against the latest checkpoint (or `checkpoint`)."""
        ...
