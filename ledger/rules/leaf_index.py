"""Leaf hash -> leaf index of every leaf the fold accepted, in ~45 bytes a leaf (issue 16, item 4).

The rules need this index for two things: the store answers a submission already in the log with
its first receipt (a duplicate is never appended twice), and `basis` members name an earlier leaf by
its hash (ledger.rules.stages, ledger.rules.national). A dict of 32-byte keys costs ~150 bytes a
leaf, 1.4 GiB at the national 10^7 entries; this keeps the hashes in one bytearray (32 bytes a leaf,
row `i` holding leaf `i`'s hash) and an open-addressing table (linear probing) of row numbers in an
`array` of 4-byte unsigned integers, at most two-thirds full.

A process that keeps the log's Merkle tree anyway (the verifier) hands the tree's own leaf hashes in
as the rows (`LeafIndex(rows=tree.leaf_rows)`), and the index then adds only its table: ~10 bytes a
leaf. The owner appends each leaf's hash to the rows right after the fold adds the leaf, before any
lookup: a lookup sees only rows that exist.

A slot is only a hint: every candidate is compared with the full 32-byte hash in its row before it
is answered, so hashes that collide in their slot (or share any prefix) can never answer for each
other. Slots come from Python's `hash()` of the leaf hash, keyed per process (PEP 456, SipHash), so
a writer who grinds leaf hashes for a shared slot cannot build the long probe chains a fixed prefix
would allow; the table is therefore rebuilt, not copied, when the index is pickled.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

HASH_SIZE = 32
_EMPTY = 0  # a slot holds row + 1, so that zeroed memory is an empty table
_FIRST_CAPACITY = 8
_MAX_INDEX = (1 << 32) - 2  # the table's unsigned 4-byte slots hold index + 1
# Where probing for a hash starts: Python's per-process keyed hash (a test may force collisions).
_hint = hash


class LeafIndex(Mapping[bytes, int]):
    """A read-mostly mapping of 32-byte leaf hashes to leaf indices, added in increasing index order.

    Indices may skip (the verifier and the views give a refused leaf its index without adding it);
    skipped rows are zero bytes that no slot points at. Setting a hash already present points it
    at its new index, as a dict would. With `rows` (another's leaf hashes, 32 bytes each, by leaf
    index), the index never writes them: it checks that leaf `i`'s row, if there yet, is its hash.
    """

    __slots__ = ("_count", "_hashes", "_mask", "_shared", "_table")

    def __init__(
        self,
        items: Mapping[bytes, int] | Iterable[tuple[bytes, int]] = (),
        *,
        rows: bytearray | None = None,
        expected: int = 0,
    ) -> None:
        """`expected`: how many leaves the caller knows are coming (the verifier: the checkpoint's
        size), so that the table is made once at its final size instead of doubled up to it."""
        self._shared = rows is not None
        self._hashes = bytearray() if rows is None else rows
        capacity = _FIRST_CAPACITY
        while 2 * (capacity - 1) <= 3 * expected:
            capacity *= 2
        self._table = array("I", bytes(4 * capacity))
        self._mask = capacity - 1
        self._count = 0
        pairs = items.items() if isinstance(items, Mapping) else items
        for leaf_hash, index in sorted(pairs, key=lambda pair: pair[1]):
            self[leaf_hash] = index

    # --- lookups ------------------------------------------------------------------------------------

    def _slot(self, leaf_hash: bytes) -> int:
        """The table slot holding `leaf_hash`'s row, or the empty slot where it would go."""
        table, hashes, mask = self._table, self._hashes, self._mask
        slot = _hint(leaf_hash) & mask
        stored = table[slot]
        while stored != _EMPTY:
            # The candidate's full 32 bytes, compared in place (a row not there yet never matches).
            if hashes.startswith(leaf_hash, (stored - 1) << 5):
                return slot
            slot = (slot + 1) & mask
            stored = table[slot]
        return slot

    def get(self, leaf_hash: object, default: Any = None) -> Any:
        if type(leaf_hash) is not bytes or len(leaf_hash) != HASH_SIZE:
            return default
        stored = self._table[self._slot(leaf_hash)]
        return default if stored == _EMPTY else stored - 1

    def __getitem__(self, leaf_hash: bytes) -> int:
        index: int | None = self.get(leaf_hash)
        if index is None:
            raise KeyError(leaf_hash)
        return index

    def __contains__(self, leaf_hash: object) -> bool:
        return self.get(leaf_hash) is not None

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[bytes]:
        """The hashes in leaf index order."""
        hashes = self._hashes
        for row in sorted(stored - 1 for stored in self._table if stored != _EMPTY):
            yield bytes(hashes[row << 5 : (row + 1) << 5])

    # --- adding -------------------------------------------------------------------------------------

    def __setitem__(self, leaf_hash: bytes, index: int) -> None:
        if type(leaf_hash) is not bytes or len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"a leaf hash is {HASH_SIZE} bytes")
        rows = len(self._hashes) >> 5
        if self._shared:
            if index < rows and not self._hashes.startswith(leaf_hash, index << 5):
                raise ValueError(f"leaf {index}'s row holds another hash")
        elif index < rows:
            # Only an index not yet used may be given, or a hash its own row again: rewriting a
            # row another hash points at would make that hash answer wrongly.
            if self._hashes[index << 5 : (index + 1) << 5] != leaf_hash or self.get(leaf_hash) is None:
                raise ValueError(f"leaf {index} is below the next leaf index, {rows}")
            return
        if index >= _MAX_INDEX:
            raise ValueError(f"leaf index {index} does not fit the table")
        if 3 * self._count >= 2 * self._mask:
            self._grow()
        slot = self._slot(leaf_hash)
        if self._table[slot] == _EMPTY:
            self._count += 1
        if not self._shared:
            if index > rows:
                self._hashes += bytes((index - rows) << 5)  # rows of refused leaves: never pointed at
            self._hashes += leaf_hash
        self._table[slot] = index + 1

    def _grow(self) -> None:
        """Double the table and re-place every row (seconds at 10^7 leaves, once per doubling)."""
        old = self._table
        capacity = 2 * (self._mask + 1)
        self._table = array("I", bytes(4 * capacity))
        self._mask = capacity - 1
        table, hashes, mask = self._table, self._hashes, self._mask
        for stored in old:
            if stored == _EMPTY:
                continue
            start = (stored - 1) << 5
            slot = _hint(bytes(hashes[start : start + HASH_SIZE])) & mask
            while table[slot] != _EMPTY:
                slot = (slot + 1) & mask
            table[slot] = stored

    # --- copying ------------------------------------------------------------------------------------

    def __reduce__(self) -> tuple[Any, ...]:
        # Slots depend on this process's hash key: a copy (deepcopy, pickle) is rebuilt from pairs.
        return (type(self), (list(self.items()),))

    def __repr__(self) -> str:
        return f"LeafIndex({self._count} leaves)"
