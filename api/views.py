"""Running the status projection inside the server (DESIGN §7), one process at a time.

Every server process may read the views; one of them, the holder of the views lock, runs the
projection (eventsourcing's runner) that keeps them current. If it stops, another takes over
within a second. The lock: `flock` beside the SQLite file, or a PostgreSQL advisory lock.
"""

from __future__ import annotations

import logging
import threading
import time

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
        lock = self.projector.views_lock
        while not self._stop.is_set():
            if lock.acquire(blocking=False):
                try:
                    self.projector.run()
                    while not self._stop.wait(1.0):
                        if not self.projector.running():
                            log.error("the views projection stopped; starting it again")
                            self.projector.stop()
                            self.projector.run()
                except Exception:
                    log.exception("the views projection stopped")
                finally:
                    self.projector.stop()
                    lock.release()
            self._stop.wait(1.0)
