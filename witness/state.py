"""The witness's state: for each log (by origin) the latest checkpoint it cosigned.

C2SP tlog-witness, add-checkpoint: "The witness MUST persist the new checkpoint before
responding", and "checking the old size against the latest checkpoint and persisting the new
checkpoint must be performed atomically". Both hold here because the check runs inside one SQLite
``BEGIN IMMEDIATE`` transaction (which takes the database's write lock, so concurrent requests,
in this process or another, are serialised), and the cosignature is made only after ``COMMIT``
returns with ``synchronous=FULL``: a witness killed at any instant restarts from a state that
already holds every tree it has cosigned, so it never cosigns a smaller or inconsistent tree.

Refused requests that the log did sign (an inconsistent tree, a wrong proof) are kept in the
``evidence`` table: tlog-witness allows it "as it might be proof of log misbehavior".
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ledger.crypto.merkle import EMPTY_ROOT

__all__ = ["Evidence", "Latest", "Refusal", "WitnessState"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS latest (
    origin TEXT PRIMARY KEY,
    tree_size INTEGER NOT NULL,
    root_hash BLOB NOT NULL,
    checkpoint TEXT NOT NULL,
    cosigned TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS evidence (
    id INTEGER PRIMARY KEY,
    origin TEXT NOT NULL,
    received_at INTEGER NOT NULL,
    reason TEXT NOT NULL,
    request BLOB NOT NULL
);
"""


@dataclass(frozen=True)
class Latest:
    """The latest checkpoint cosigned for one log: its size, root, and the note as cosigned."""

    origin: str
    tree_size: int
    root_hash: bytes
    checkpoint: str  # the log-signed note as received
    cosigned: str  # the same note with this witness's cosignature line

    @classmethod
    def nothing(cls, origin: str) -> Latest:
        """The state before any cosignature: size 0 (tlog-witness: "or zero if it never cosigned")."""
        return cls(origin, 0, EMPTY_ROOT, "", "")


@dataclass(frozen=True)
class Evidence:
    """A refused, log-signed add-checkpoint request, kept as possible proof of misbehaviour."""

    id: int
    origin: str
    received_at: int
    reason: str
    request: bytes


class Refusal(Exception):
    """A decision not to advance; with ``evidence`` set, the request is kept before refusing."""

    def __init__(self, status: int, message: str, *, body: str | None = None, evidence: bytes | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.body = body if body is not None else message + "\n"
        self.evidence = evidence


class WitnessState:
    """The SQLite file ``state.sqlite`` in a witness directory."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with self._connect() as connection:
            connection.executescript(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")  # a COMMIT is on disk before it returns
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        connection = self._connect()
        try:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
        finally:
            connection.close()

    def latest(self, origin: str) -> Latest:
        """The latest cosigned checkpoint of ``origin``, or :meth:`Latest.nothing`."""
        connection = self._connect()
        try:
            return _read(connection, origin)
        finally:
            connection.close()

    def advance(self, origin: str, decide: Callable[[Latest], Latest]) -> Latest:
        """Run ``decide`` on the current state and store what it returns, atomically.

        ``decide`` raises :class:`Refusal` to leave the state as it is; a refusal carrying
        evidence has its request stored (in the same transaction) before it propagates.
        """
        refusal: Refusal | None = None
        with self._transaction() as connection:
            current = _read(connection, origin)
            try:
                new = decide(current)
            except Refusal as exc:
                if exc.evidence is None:
                    raise
                connection.execute(
                    "INSERT INTO evidence (origin, received_at, reason, request) VALUES (?, ?, ?, ?)",
                    (origin, int(time.time()), exc.message, exc.evidence),
                )
                refusal = exc
            else:
                if new.tree_size < current.tree_size:  # the invariant, checked where it is kept
                    raise AssertionError("a witness never moves back")
                connection.execute(
                    "INSERT INTO latest (origin, tree_size, root_hash, checkpoint, cosigned, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (origin) DO UPDATE SET tree_size = excluded.tree_size, "
                    "root_hash = excluded.root_hash, checkpoint = excluded.checkpoint, "
                    "cosigned = excluded.cosigned, updated_at = excluded.updated_at",
                    (origin, new.tree_size, new.root_hash, new.checkpoint, new.cosigned, int(time.time())),
                )
        if refusal is not None:
            raise refusal
        return new

    def evidence(self, origin: str | None = None) -> list[Evidence]:
        """The refused log-signed requests kept so far, oldest first."""
        connection = self._connect()
        try:
            rows = connection.execute(
                "SELECT id, origin, received_at, reason, request FROM evidence "
                "WHERE ? IS NULL OR origin = ? ORDER BY id",
                (origin, origin),
            ).fetchall()
        finally:
            connection.close()
        return [Evidence(row[0], row[1], row[2], row[3], bytes(row[4])) for row in rows]


def _read(connection: sqlite3.Connection, origin: str) -> Latest:
    row = connection.execute(
        "SELECT tree_size, root_hash, checkpoint, cosigned FROM latest WHERE origin = ?", (origin,)
    ).fetchone()
    if row is None:
        return Latest.nothing(origin)
    return Latest(origin, row[0], bytes(row[1]), row[2], row[3])
