"""A small in-memory log for witness tests: leaves, checkpoints signed by a real key, forks."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.checkpoint import Checkpoint, sign_checkpoint
from ledger.crypto.keys import private_key_from_seed
from ledger.crypto.merkle import MerkleTree, hash_leaf
from ledger.crypto.note import format_verifier_key, verifier_key_for
from witness.protocol import AddCheckpoint, format_add_checkpoint

ORIGIN = "integritas.example/blora"


def log_key(label: str = "log") -> Ed25519PrivateKey:
    return private_key_from_seed(hashlib.sha256(label.encode()).digest())


class FakeLog:
    """A log whose leaves are ``<history>/<n>``; two histories share a prefix, then differ."""

    def __init__(self, history: str = "a", key: Ed25519PrivateKey | None = None, origin: str = ORIGIN) -> None:
        self.history = history
        self.key = key or log_key()
        self.origin = origin
        self.tree = MerkleTree()

    @property
    def vkey(self) -> str:
        return format_verifier_key(verifier_key_for(self.origin, self.key.public_key()))

    def grow(self, count: int, history: str | None = None) -> None:
        for _ in range(count):
            leaf = f"{history or self.history}/{self.tree.size}".encode()
            self.tree.append(hash_leaf(leaf))

    def checkpoint(self, size: int | None = None) -> str:
        size = self.tree.size if size is None else size
        return sign_checkpoint(Checkpoint(self.origin, size, self.tree.root(size)), self.key)

    def request(self, old: int, size: int | None = None) -> bytes:
        size = self.tree.size if size is None else size
        proof = self.tree.consistency_proof(old, size) if 0 < old < size else []
        return format_add_checkpoint(AddCheckpoint(old, tuple(proof), self.checkpoint(size)))


def fork(log: FakeLog, at: int, history: str) -> FakeLog:
    """A second log with the same key and origin, sharing the first ``at`` leaves: a split view."""
    other = FakeLog(history, log.key, log.origin)
    other.tree = MerkleTree.from_leaf_hashes(log.tree.leaf_hash(i) for i in range(at))
    return other
