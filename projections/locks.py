"""Who writes the views: one process at a time, across processes and hosts.

The holder of this lock applies new entries to the view tables; everyone may read them. SQLite:
`flock` on a file beside the database; PostgreSQL: a session advisory lock.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ledger.store.config import Storage, connect_postgres

VIEWS_LOCK_KEY = 0x1A7E_0B5E_7715  # any constant distinct from the writer lock's keys


class ViewsLock:
    """A non-reentrant, process-wide lock on writing the views of one ledger."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._handle: Any = None
        self._guard = threading.Lock()

    def acquire(self, *, blocking: bool) -> bool:
        with self._guard:
            if self._handle is not None:
                return False  # held by this process already (the server's runner)
            if self.storage.kind == "sqlite":
                handle = os.open(f"{self.storage.sqlite_path}.views-lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
                except BlockingIOError:
                    os.close(handle)
                    return False
                self._handle = handle
                return True
            if self.storage.kind == "postgres":
                connection = connect_postgres(self.storage.postgres_dsn or "")
                function = "pg_advisory_lock" if blocking else "pg_try_advisory_lock"
                row = connection.execute(f"SELECT {function}(%s)", (VIEWS_LOCK_KEY,)).fetchone()
                if not blocking and not row[0]:
                    connection.close()
                    return False
                self._handle = connection
                return True
            return True  # memory: nothing to share

    def release(self) -> None:
        with self._guard:
            if self._handle is None:
                return
            if self.storage.kind == "sqlite":
                os.close(self._handle)  # closing the file releases the flock
            else:
                # Unlock explicitly before closing: the server ends a closed session's backend (and
                # releases its locks) a moment after the client has gone, so a caller that takes the
                # lock right after a release could still find it held (seen in CI under load).
                with contextlib.suppress(Exception):  # a lost session has released it already
                    self._handle.execute("SELECT pg_advisory_unlock(%s)", (VIEWS_LOCK_KEY,))
                self._handle.close()
            self._handle = None

    @contextmanager
    def held(self, *, blocking: bool) -> Iterator[bool]:
        acquired = self.acquire(blocking=blocking)
        try:
            yield acquired
        finally:
            if acquired:
                self.release()
