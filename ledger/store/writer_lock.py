"""One writer at a time per ledger, across threads and server processes.

The store decides a group of submissions on its in-memory state and saves them in one transaction.
Holding this lock from the catch-up before deciding until the save has committed means no other
writer can slip in between: the decisions are made on the true head, the save does not collide,
and no work is thrown away. (The database's unique keys still refuse a writer that ignores the
lock; the store treats that as a rare conflict and recovers.)

- SQLite, one host: `flock` on a lock file beside the database.
- PostgreSQL, many hosts: a session advisory lock on a dedicated connection.
- memory: the process lock alone.

Locks are shared per database within a process and are reentrant in the thread that holds them,
so two store objects on one database in one process (tests do this) cannot deadlock each other.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from ledger.store.config import Storage, connect_postgres


class WriterLock:
    """A reentrant lock held across processes while a writer decides and saves."""

    def __init__(self, storage: Storage) -> None:
        self._local = threading.RLock()
        self._depth = 0
        self._file: int | None = None
        self._connection: Any = None
        self._storage = storage
        identity = _identity(storage) if storage.kind != "memory" else "memory"
        self._key = int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], "big", signed=True)

    def __enter__(self) -> WriterLock:
        self._local.acquire()
        try:
            if self._depth == 0:
                self._acquire_shared()
        except BaseException:
            self._local.release()
            raise
        self._depth += 1
        return self

    def __exit__(self, *exc: object) -> None:
        self._depth -= 1
        try:
            if self._depth == 0:
                self._release_shared()
        finally:
            self._local.release()

    def _acquire_shared(self) -> None:
        if self._storage.kind == "sqlite":
            assert self._storage.sqlite_path is not None
            if self._file is None:
                path = Path(f"{self._storage.sqlite_path}.writer-lock")
                self._file = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._file, fcntl.LOCK_EX)
        elif self._storage.kind == "postgres":
            if self._connection is None:
                self._connection = connect_postgres(self._storage.postgres_dsn or "")
            self._connection.execute("SELECT pg_advisory_lock(%s)", (self._key,))

    def _release_shared(self) -> None:
        if self._storage.kind == "sqlite" and self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        elif self._storage.kind == "postgres" and self._connection is not None:
            self._connection.execute("SELECT pg_advisory_unlock(%s)", (self._key,))


_LOCKS: dict[str, WriterLock] = {}
_LOCKS_GUARD = threading.Lock()


def writer_lock(storage: Storage) -> WriterLock:
    """The process's one writer lock for the database `storage` names."""
    if storage.kind == "memory":
        return WriterLock(storage)  # a memory store's events are its own
    identity = _identity(storage)
    with _LOCKS_GUARD:
        lock = _LOCKS.get(identity)
        if lock is None:
            lock = _LOCKS[identity] = WriterLock(storage)
        return lock


def _identity(storage: Storage) -> str:
    if storage.kind == "sqlite":
        return f"sqlite:{Path(str(storage.sqlite_path)).resolve()}"
    if storage.kind == "postgres":
        return f"postgres:{storage.postgres_dsn}"
    raise ValueError(f"no shared writer lock for {storage.kind} storage")
