"""Running the status projection inside the server (DESIGN §7), one process at a time.

Every server process may read the views; one of them, the holder of the views lock, runs the
projection (eventsourcing's runner) that keeps them current. If it stops, another takes over
within a second. The lock: `flock` beside the SQLite file, or a PostgreSQL advisory lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import threading
import time
from typing import Any

from ledger.store.config import Storage
from projections.projector import ViewProjector

log = logging.getLogger("integritas.views")


class ViewService:
    """Owns the projector; runs it while this process holds the views lock."""

    def __init__(self, storage: Storage, origin: str) -> None:
        self.storage = storage
        self.projector = ViewProjector(storage, origin)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._lead, name="views", daemon=True)
        self._lock_handle: Any = None

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)
        self.projector.stop()

    def wait_for(self, size: int, timeout: float = 10.0) -> bool:
        """Block until the views hold at least `size` leaves (reads-your-writes); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.projector.size() < size:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def _lead(self) -> None:
        while not self._stop.is_set():
            if self._try_lock():
                try:
                    self.projector.run()
                    while not self._stop.wait(1.0):
                        pass
                except Exception:
                    log.exception("the views projection stopped")
                finally:
                    self.projector.stop()
                    self._unlock()
            self._stop.wait(1.0)

    def _try_lock(self) -> bool:
        if self.storage.kind == "sqlite":
            handle = os.open(f"{self.storage.sqlite_path}.views-lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(handle)
                return False
            self._lock_handle = handle
            return True
        if self.storage.kind == "postgres":
            from ledger.store.writer_lock import _connect

            connection = _connect(self.storage)
            got = connection.execute("SELECT pg_try_advisory_lock(%s)", (VIEWS_LOCK_KEY,)).fetchone()[0]
            if not got:
                connection.close()
                return False
            self._lock_handle = connection
            return True
        return False

    def _unlock(self) -> None:
        if self._lock_handle is None:
            return
        if self.storage.kind == "sqlite":
            os.close(self._lock_handle)  # closing releases the flock
        else:
            self._lock_handle.close()  # ending the session releases the advisory lock
        self._lock_handle = None


VIEWS_LOCK_KEY = 0x1A7E_0B5E_7715  # any constant distinct from the writer lock's keys
