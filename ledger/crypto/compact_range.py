"""Compact ranges: the right edge of a Merkle tree, enough to extend it and compute its root.

A tree of size n is the perfect subtrees of the binary decomposition of n (RFC 9162 §2.1.1).
Keeping just their hashes lets a writer compute the roots of the tree extended by new leaves
without touching the tree itself, which the store needs to sign a checkpoint before the new
leaves are known to be saved. The name and idea follow transparency-dev/merkle's `compact` package.
"""

from __future__ import annotations

from ledger.crypto.merkle import EMPTY_ROOT, MerkleTree, hash_children


class CompactRange:
    """The perfect subtrees covering leaves [0, size), largest first, as (level, hash) pairs."""

    def __init__(self, size: int = 0, nodes: list[tuple[int, bytes]] | None = None) -> None:
        self.size = size
        self._nodes: list[tuple[int, bytes]] = nodes or []

    @classmethod
    def of(cls, tree: MerkleTree) -> CompactRange:
        """The compact range of `tree` at its current size, read from its stored subtree hashes."""
        nodes = []
        start = 0
        for level in reversed(range(tree.size.bit_length())):
            if tree.size & (1 << level):
                nodes.append((level, tree.subtree_hash(level, start >> level)))
                start += 1 << level
        return cls(tree.size, nodes)

    def append(self, leaf_hash: bytes) -> None:
        """Add one leaf hash, merging equal-sized subtrees like a binary counter carries."""
        level, node = 0, leaf_hash
        while self._nodes and self._nodes[-1][0] == level:
            _, left = self._nodes.pop()
            level, node = level + 1, hash_children(left, node)
        self._nodes.append((level, node))
        self.size += 1

    def root(self) -> bytes:
        """The RFC 6962 root of the leaves so far: smaller subtrees fold into larger ones."""
        if not self._nodes:
            return EMPTY_ROOT
        root = self._nodes[-1][1]
        for _, node in reversed(self._nodes[:-1]):
            root = hash_children(node, root)
        return root
