"""The log's Merkle tree: RFC 6962 §2.1 hashes, proofs of RFC 9162 §2.1.3 and §2.1.4 (DESIGN §5).

Hashes (RFC 6962 §2.1, RFC 9162 §2.1.1) with SHA-256: a leaf hash is SHA-256(0x00 || leaf), an
interior node is SHA-256(0x01 || left || right), and the empty tree's root is SHA-256 of nothing.

:class:`MerkleTree` keeps the leaf hashes and the complete subtree hashes of level 4 and of every
level from 8 up, so the root, inclusion proofs (RFC 9162 §2.1.3.1) and consistency proofs
(§2.1.4.1) at any size up to the current one come from O(log n) stored nodes and a few dozen hashes.

The verifiers (RFC 9162 §2.1.3.2 and §2.1.4.2) follow the semantics of transparency-dev/merkle's
``proof`` package, whose JSON vectors the tests run: preconditions first (sizes, hash lengths, exact
proof length), then the hash chain. Every failure raises
:class:`~ledger.errors.VerificationFailed` carrying the roots and the proof as evidence, so that a
caller can publish what did not verify.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any, Final

from ledger import codes
from ledger.errors import MalformedInput, NotFound, VerificationFailed

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MerkleTree",
    "hash_children",
    "hash_leaf",
    "root_from_inclusion_proof",
    "root_from_leaf_hashes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE: Final = 32
"""Bytes in every hash of the tree (SHA-256)."""

EMPTY_ROOT: Final[bytes] = hashlib.sha256(b"").digest()
"""Root of the tree with no leaves: SHA-256 of the empty string (RFC 9162 §2.1.1)."""

_sha256 = hashlib.sha256


def hash_leaf(leaf: bytes) -> bytes:
    """Return the leaf hash SHA-256(0x00 || leaf) of RFC 6962 §2.1."""
    return _sha256(b"\x00" + leaf).digest()


def hash_children(left: bytes, right: bytes) -> bytes:
    """Return the interior node hash SHA-256(0x01 || left || right) of RFC 6962 §2.1.

    Lengths are not checked here: this is the inner loop of every root and proof, and its callers
    check their inputs once.
    """
    return _sha256(b"\x01" + left + right).digest()


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle Tree Hash (RFC 9162 §2.1.1) of already-hashed leaves.

    Raises :class:`~ledger.errors.MalformedInput` if a leaf hash is not 32 bytes.
    """
    level = list(hashes)
    _check_leaf_hashes(level)
    if not level:
        return EMPTY_ROOT
    while len(level) > 1:
        # Pairing neighbours left to right and carrying an odd last node up unchanged builds the
        # same tree as the recursive definition, whose split point (the largest power of two below
        # n) always leaves complete pairs on the left; a loop over levels replaces the recursion.
        paired = [
            _sha256(b"\x01" + left + right).digest() for left, right in zip(level[0::2], level[1::2], strict=False)
        ]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return level[0]


STORED_FROM: Final = 8
"""The lowest of the upper levels, all stored (C2SP tlog-tiles' tile height: tiles read stored nodes)."""

MIDDLE: Final = 4
"""The one level stored below STORED_FROM besides the leaves: a node of levels 1-3 is hashed again
from at most 8 leaves, one of levels 5-7 from at most 8 nodes of this level."""

_BLOCK: Final = 1 << STORED_FROM  # leaves under one node of level STORED_FROM
_MIDDLE_BLOCK: Final = 1 << MIDDLE  # leaves under one node of level MIDDLE
_MIDDLES_A_BLOCK: Final = 1 << (STORED_FROM - MIDDLE)


class MerkleTree:
    """An in-memory, append-only Merkle tree over leaf hashes.

    It stores the leaf hashes, the hashes of the complete subtrees of 16 leaves (level MIDDLE, 4)
    and those of ``2**k`` leaves for every ``k >= STORED_FROM`` (8), one bytearray a level, 32 bytes
    a hash. A node of levels 1-3 or 5-7 is hashed again, when a root or proof needs it, from the
    at most 8 stored nodes under it. A tree of any size up to :attr:`size` is a prefix of this one,
    and each of its nodes is either stored or combined from at most log2(n) stored ones and a few
    dozen hashes, so roots and proofs at old sizes cost O(log n); tiles, whose levels are multiples
    of 8, read stored nodes only.

    About 34 bytes a leaf: levels 1-3 and 5-7 would be another 30 (0.6 against 0.3 GB at 10^7
    leaves, in the server and the verifier: issue 16, bounded memory); a list of 32-byte objects
    would be about 160.
    """

    __slots__ = ("_leaves", "_middle", "_upper")

    def __init__(self) -> None:
        """Create an empty tree."""
        self._leaves = bytearray()
        self._middle = bytearray()  # the nodes of level MIDDLE
        self._upper: list[bytearray] = []  # _upper[k]: the nodes of level STORED_FROM + k

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> MerkleTree:
        """Return a tree holding ``leaf_hashes`` in order."""
        tree = cls()
        tree.extend(leaf_hashes)
        return tree

    @property
    def size(self) -> int:
        """Number of leaves."""
        return len(self._leaves) >> 5

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash and return the new size.

        Raises :class:`~ledger.errors.MalformedInput` if ``leaf_hash`` is not 32 bytes.
        """
        if type(leaf_hash) is not bytes or len(leaf_hash) != HASH_SIZE:
            _check_leaf_hashes([leaf_hash])
        leaves = self._leaves
        leaves += leaf_hash
        size = len(leaves) >> 5
        if size & (_MIDDLE_BLOCK - 1):
            return size
        middle = self._middle
        middle += _block_hash(leaves, size - _MIDDLE_BLOCK, _MIDDLE_BLOCK)
        if size & (_BLOCK - 1):
            return size
        # A block of 2**STORED_FROM leaves is complete: store its node, which may complete a pair
        # one level up, and so on.
        node = _block_hash(middle, (size >> MIDDLE) - _MIDDLES_A_BLOCK, _MIDDLES_A_BLOCK)
        upper = self._upper
        index, level = (size >> STORED_FROM) - 1, 0
        if not upper:
            upper.append(bytearray())
        row = upper[0]
        row += node
        while index & 1:
            node = _sha256(b"\x01" + row[(index - 1) << 5 : index << 5] + node).digest()
            level += 1
            index >>= 1
            if level == len(upper):
                upper.append(bytearray())
            row = upper[level]
            row += node
        return size

    def extend(self, leaf_hashes: Iterable[bytes]) -> int:
        """Append leaf hashes in order and return the new size.

        Every hash is checked before the tree changes, so a bad one leaves the tree as it was.
        Raises :class:`~ledger.errors.MalformedInput` if a leaf hash is not 32 bytes.
        """
        new = list(leaf_hashes)
        _check_leaf_hashes(new)
        leaves, middle, upper = self._leaves, self._middle, self._upper
        leaves += b"".join(new)
        size = len(leaves) >> 5
        middle += b"".join(
            [_block_hash(leaves, block << MIDDLE, _MIDDLE_BLOCK) for block in range(len(middle) >> 5, size >> MIDDLE)]
        )
        stored = len(upper[0]) >> 5 if upper else 0
        blocks = [
            _block_hash(middle, block * _MIDDLES_A_BLOCK, _MIDDLES_A_BLOCK)
            for block in range(stored, size >> STORED_FROM)
        ]
        if not blocks:
            return size
        if not upper:
            upper.append(bytearray())
        upper[0] += b"".join(blocks)
        level = 0
        # Level by level, hash only the pairs completed by this batch, 64 bytes (a pair) at a time.
        while True:
            row = upper[level]
            done = len(upper[level + 1]) >> 5 if level + 1 < len(upper) else 0
            start, end = 2 * done, (len(row) >> 5) & ~1
            if start >= end:
                break
            if level + 1 == len(upper):
                upper.append(bytearray())
            pairs = bytes(row[start << 5 : end << 5])
            upper[level + 1] += b"".join(
                [_sha256(b"\x01" + pairs[i : i + 64]).digest() for i in range(0, len(pairs), 64)]
            )
            level += 1
        return size

    @property
    def leaf_rows(self) -> bytearray:
        """The leaf hashes, 32 bytes each in leaf order: the tree's own storage, lent to a reader
        that would otherwise keep a second copy (ledger.rules.leaf_index). Never to be written."""
        return self._leaves

    def leaf_hash(self, index: int) -> bytes:
        """Return the hash of leaf ``index``.

        Raises :class:`~ledger.errors.NotFound` if there is no such leaf.
        """
        if not 0 <= index < self.size:
            raise NotFound(f"leaf index {index} is not below size {self.size}", code=codes.LEAF_NOT_FOUND)
        return bytes(self._leaves[index << 5 : (index + 1) << 5])

    def subtree_hash(self, level: int, index: int) -> bytes:
        """Return the hash of the complete subtree of ``2**level`` leaves from ``index * 2**level``.

        Only complete subtrees have one (the nodes of C2SP tlog-tiles); raises
        :class:`~ledger.errors.NotFound` for a subtree the tree does not complete yet.
        """
        if level < 0 or index < 0:
            raise MalformedInput(
                f"subtree level {level} and index {index} must not be negative",
                code=codes.SUBTREE_OUT_OF_RANGE,
            )
        if (index + 1) << level > self.size:
            raise NotFound(
                f"subtree {index} at level {level} is not complete in a tree of size {self.size}",
                code=codes.SUBTREE_NOT_FOUND,
            )
        return self._node(level, index)

    def root(self, size: int | None = None) -> bytes:
        """Return the root hash of the first ``size`` leaves (default: all of them)."""
        if size is None:
            size = self.size
        self._check_size(size)
        return self._range_hash(0, size) if size else EMPTY_ROOT

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """Return the inclusion proof PATH(index, D[0:size]) of RFC 9162 §2.1.3.1, lowest first.

        Raises :class:`~ledger.errors.MalformedInput` unless ``0 <= index < size`` and
        :class:`~ledger.errors.NotFound` if ``size`` is beyond the tree.
        """
        self._check_size(size)
        if not 0 <= index < size:
            raise MalformedInput(f"index {index} is not below size {size}", code=codes.INDEX_OUT_OF_RANGE)
        proof: list[bytes] = []
        begin, end = 0, size
        # Walk from the root down to the leaf; each step splits the range at k, the largest power
        # of two below its length, and the proof records the half the leaf is not in.
        while end - begin > 1:
            middle = begin + _split(end - begin)
            if index < middle:
                proof.append(self._range_hash(middle, end))
                end = middle
            else:
                proof.append(self._range_hash(begin, middle))
                begin = middle
        proof.reverse()
        return proof

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """Return the consistency proof PROOF(first, D[0:second]) of RFC 9162 §2.1.4.1.

        The proof is empty when ``first`` is 0 or equal to ``second``. Raises
        :class:`~ledger.errors.MalformedInput` unless ``0 <= first <= second`` and
        :class:`~ledger.errors.NotFound` if ``second`` is beyond the tree.
        """
        self._check_size(second)
        if not 0 <= first <= second:
            raise MalformedInput(
                f"first size {first} is not between 0 and second size {second}",
                code=codes.SIZE_OUT_OF_RANGE,
            )
        if first in (0, second):
            return []
        proof: list[bytes] = []
        begin, end = 0, second
        # SUBPROOF(m, D[n], b) unrolled: `known` is b, true while the subtree ending at `first` is
        # the whole old tree, whose root the verifier already holds.
        known = True
        while first != end:
            middle = begin + _split(end - begin)
            if first <= middle:
                proof.append(self._range_hash(middle, end))
                end = middle
            else:
                proof.append(self._range_hash(begin, middle))
                begin = middle
                known = False
        if not known:
            proof.append(self._range_hash(begin, end))
        proof.reverse()
        return proof

    def _check_size(self, size: int) -> None:
        if size < 0:
            raise MalformedInput(f"size {size} is negative", code=codes.SIZE_OUT_OF_RANGE)
        if size > self.size:
            raise NotFound(f"size {size} is beyond the tree's {self.size} leaves", code=codes.SIZE_NOT_FOUND)

    def _range_hash(self, begin: int, end: int) -> bytes:
        # The ranges asked for are nodes of some RFC 9162 tree: `begin` is a multiple of the largest
        # power of two not above `end - begin`, so the range splits into complete subtrees, largest
        # first, and its hash folds them from the right just as MTH's recursion would.
        parts: list[bytes] = []
        offset, remaining = begin, end - begin
        while remaining:
            level = remaining.bit_length() - 1
            parts.append(self._node(level, offset >> level))
            offset += 1 << level
            remaining -= 1 << level
        node = parts.pop()
        while parts:
            node = _sha256(b"\x01" + parts.pop() + node).digest()
        return node

    def _node(self, level: int, index: int) -> bytes:
        """The hash of a complete subtree: stored, or hashed from the stored level below it."""
        if level >= STORED_FROM:
            row = self._upper[level - STORED_FROM]
            return bytes(row[index << 5 : (index + 1) << 5])
        rows, base = (self._middle, MIDDLE) if level >= MIDDLE else (self._leaves, 0)
        count = 1 << (level - base)
        return _block_hash(rows, index * count, count)


def _block_hash(rows: bytearray, start: int, count: int) -> bytes:
    """The root of the complete subtree over the `count` (a power of two) nodes of one level from
    `start` (one node: itself)."""
    level = bytes(rows[start << 5 : (start + count) << 5])
    while len(level) > HASH_SIZE:
        level = b"".join([_sha256(b"\x01" + level[i : i + 64]).digest() for i in range(0, len(level), 64)])
    return level


def root_from_inclusion_proof(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes]) -> bytes:
    """Return the root that ``proof`` gives for ``leaf_hash`` at ``index`` in a tree of ``size``.

    RFC 9162 §2.1.3.2 without the final comparison. Raises
    :class:`~ledger.errors.VerificationFailed` (code ``inclusion_proof_invalid``) unless
    ``0 <= index < size``, the leaf hash and every proof hash are 32 bytes and the proof has exactly
    the length that ``index`` and ``size`` call for.
    """
    evidence = {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": leaf_hash,
        "proof": list(proof),
    }
    if not 0 <= index < size:
        raise _inclusion_failed(f"leaf index {index} is not below tree size {size}", evidence)
    _check_hash(leaf_hash, "leaf hash", codes.INCLUSION_PROOF_INVALID, evidence)
    inner, border = _decompose_inclusion(index, size)
    if len(proof) != inner + border:
        raise _inclusion_failed(f"proof has {len(proof)} hashes, want {inner + border}", evidence)
    for position, node in enumerate(proof):
        _check_hash(node, f"proof hash {position}", codes.INCLUSION_PROOF_INVALID, evidence)
    return _chain_border(_chain_inner(leaf_hash, proof[:inner], index), proof[inner:])


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that ``proof`` shows ``leaf_hash`` at ``index`` in the tree of ``size`` with ``root``.

    RFC 9162 §2.1.3.2. Raises :class:`~ledger.errors.VerificationFailed` (code
    ``inclusion_proof_invalid``) with the expected and computed roots, the proof, the index and the
    size as evidence.
    """
    evidence = {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": leaf_hash,
        "proof": list(proof),
        "expected_root": root,
    }
    _check_hash(root, "root", codes.INCLUSION_PROOF_INVALID, evidence)
    try:
        computed = root_from_inclusion_proof(leaf_hash, index, size, proof)
    except VerificationFailed as exc:
        # The published evidence should say which root the refused proof was checked against.
        exc.evidence["expected_root"] = root
        raise
    if computed != root:
        raise _inclusion_failed(
            f"proof for leaf {index} in tree size {size} gives root {computed.hex()}, want {root.hex()}",
            {**evidence, "computed_root": computed},
        )


def verify_consistency(
    first_size: int, second_size: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``second_size`` and ``second_root`` extends that of ``first_size``.

    RFC 9162 §2.1.4.2, with the edge cases of transparency-dev/merkle: equal sizes need an empty
    proof and identical roots. A first size of 0 needs an empty proof, the empty tree's root as
    ``first_root`` and a 32-byte ``second_root``: every tree extends the empty one (the C2SP
    tlog-witness rule for an old size of 0). Raises :class:`~ledger.errors.VerificationFailed`
    (code ``consistency_proof_invalid``) with both sizes, both roots, the proof and any computed
    root as evidence.
    """
    evidence: dict[str, Any] = {
        "first_size": first_size,
        "second_size": second_size,
        "first_root": first_root,
        "second_root": second_root,
        "proof": list(proof),
    }
    if not 0 <= first_size <= second_size:
        raise _consistency_failed(f"first size {first_size} is not between 0 and second size {second_size}", evidence)
    if first_size in (0, second_size) and proof:
        raise _consistency_failed(f"proof has {len(proof)} hashes, want 0", evidence)
    if first_size == 0:
        # Only one tree has no leaves, so its root is not a claim to check but a constant.
        if first_root != EMPTY_ROOT:
            raise _consistency_failed(
                f"first root {first_root.hex()} is not the empty tree's root {EMPTY_ROOT.hex()}",
                evidence,
            )
        if second_size == 0:
            if second_root != EMPTY_ROOT:
                raise _consistency_failed(
                    f"second root {second_root.hex()} is not the empty tree's root {EMPTY_ROOT.hex()}",
                    evidence,
                )
            return
        _check_hash(second_root, "second root", codes.CONSISTENCY_PROOF_INVALID, evidence)
        return
    if first_size == second_size:
        # Nothing is hashed, so like transparency-dev/merkle (whose vectors accept equal roots of
        # any length here) this compares the roots and checks nothing else.
        if first_root != second_root:
            raise _consistency_failed(
                f"roots differ at equal size {first_size}: {first_root.hex()} and {second_root.hex()}",
                evidence,
            )
        return

    _check_hash(first_root, "first root", codes.CONSISTENCY_PROOF_INVALID, evidence)
    _check_hash(second_root, "second root", codes.CONSISTENCY_PROOF_INVALID, evidence)
    # The proof is the inclusion proof, in the second tree, of the largest complete subtree that
    # ends at first_size (at level `shift`), preceded by that subtree's hash unless the old tree is
    # itself that subtree (RFC 9162 §2.1.4.2 step 2: then the verifier already holds its root).
    inner, border = _decompose_inclusion(first_size - 1, second_size)
    shift = (first_size & -first_size).bit_length() - 1
    inner -= shift
    whole = first_size == 1 << shift
    want = inner + border + (0 if whole else 1)
    if len(proof) != want:
        raise _consistency_failed(f"proof has {len(proof)} hashes, want {want}", evidence)
    for position, node in enumerate(proof):
        _check_hash(node, f"proof hash {position}", codes.CONSISTENCY_PROOF_INVALID, evidence)
    seed, path = (first_root, list(proof)) if whole else (proof[0], list(proof[1:]))
    mask = (first_size - 1) >> shift

    # The old root uses only the siblings left of the path: those on its right came after it.
    old = _chain_border(_chain_inner_left(seed, path[:inner], mask), path[inner:])
    if old != first_root:
        raise _consistency_failed(
            f"proof gives root {old.hex()} at size {first_size}, want {first_root.hex()}",
            {**evidence, "computed_first_root": old},
        )
    new = _chain_border(_chain_inner(seed, path[:inner], mask), path[inner:])
    if new != second_root:
        raise _consistency_failed(
            f"proof gives root {new.hex()} at size {second_size}, want {second_root.hex()}",
            {**evidence, "computed_second_root": new},
        )


def _split(n: int) -> int:
    # RFC 9162 §2.1.1: k is the largest power of two smaller than n (n >= 2).
    return 1 << ((n - 1).bit_length() - 1)


def _decompose_inclusion(index: int, size: int) -> tuple[int, int]:
    # `inner` counts the levels below the node where the paths to `index` and to the last leaf
    # meet; `border` counts the left siblings above it, one per set bit of index above that level.
    inner = (index ^ (size - 1)).bit_length()
    border = (index >> inner).bit_count()
    return inner, border


def _chain_inner(seed: bytes, siblings: Sequence[bytes], index: int) -> bytes:
    # Below the node where the paths to `index` and to the tree's last leaf meet, bit i of `index`
    # says on which side the sibling at level i sits (RFC 9162 §2.1.3.2 step 4).
    for level, sibling in enumerate(siblings):
        right = (index >> level) & 1
        seed = hash_children(sibling, seed) if right else hash_children(seed, sibling)
    return seed


def _chain_inner_left(seed: bytes, siblings: Sequence[bytes], index: int) -> bytes:
    # As _chain_inner, keeping only the siblings on the left: the subtree as it was before the
    # leaves right of `index` were appended.
    for level, sibling in enumerate(siblings):
        if (index >> level) & 1:
            seed = hash_children(sibling, seed)
    return seed


def _chain_border(seed: bytes, siblings: Sequence[bytes]) -> bytes:
    # Above that node the path runs along the tree's right border, where every sibling is a
    # complete subtree on the left.
    for sibling in siblings:
        seed = hash_children(sibling, seed)
    return seed


def _check_leaf_hashes(hashes: list[bytes]) -> None:
    # map() over the whole list runs at C speed; only a failing batch pays for the loop below.
    if set(map(type, hashes)) <= {bytes} and set(map(len, hashes)) <= {HASH_SIZE}:
        return
    for position, value in enumerate(hashes):
        if not isinstance(value, bytes) or len(value) != HASH_SIZE:
            shown = f"{len(value)} bytes" if isinstance(value, bytes | bytearray) else type(value).__name__
            raise MalformedInput(
                f"leaf hash {position} is {shown}, want {HASH_SIZE} bytes", code=codes.INVALID_LEAF_HASH
            )


def _check_hash(value: bytes, what: str, code: str, evidence: dict[str, Any]) -> None:
    if len(value) != HASH_SIZE:
        raise VerificationFailed(f"{what} has {len(value)} bytes, want {HASH_SIZE}", code=code, **evidence)


def _inclusion_failed(message: str, evidence: dict[str, Any]) -> VerificationFailed:
    return VerificationFailed(message, code=codes.INCLUSION_PROOF_INVALID, **evidence)


def _consistency_failed(message: str, evidence: dict[str, Any]) -> VerificationFailed:
    return VerificationFailed(message, code=codes.CONSISTENCY_PROOF_INVALID, **evidence)
