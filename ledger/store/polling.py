"""SQLite's application recorder with a subscription, for the views' projection runner.

eventsourcing 9.5 subscribes through PostgreSQL's LISTEN/NOTIFY and has nothing for SQLite; this
recorder polls instead. It only adds `subscribe`: the store writes through it exactly as through
`SQLiteApplicationRecorder`, so one recorder configuration (`LedgerEvents.env_for`) serves the
store that writes the events and the projection that follows them.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from eventsourcing.persistence import Notification, StoredEvent, Subscription
from eventsourcing.sqlite import SQLiteApplicationRecorder


class PollingSubscription(Subscription[SQLiteApplicationRecorder]):
    """Notifications after `gt`, fetched in pages; when none are new, waits a moment and asks again.

    SQLite has no LISTEN/NOTIFY; another process's commits are only seen by asking. Polling every
    `interval` seconds bounds how stale a view can be; readers that need a given size wait for it.
    """

    interval = 0.05
    page = 500

    def __init__(self, recorder: SQLiteApplicationRecorder, gt: int | None = None, topics: Sequence[str] = ()) -> None:
        super().__init__(recorder=recorder, gt=gt, topics=topics)
        self._buffer: list[Notification] = []
        self._stopped = threading.Event()

    def stop(self) -> None:
        super().stop()
        self._stopped.set()

    @property
    def buffered(self) -> int:
        """Notifications fetched and not yet delivered: the next this many come without a query."""
        return len(self._buffer)

    def __next__(self) -> Notification:
        while not self._buffer:
            if self._has_been_stopped:
                raise StopIteration
            start = (self._last_notification_id or 0) + 1
            self._buffer = list(self._recorder.select_notifications(start, self.page, topics=self._topics))
            if not self._buffer:
                self._stopped.wait(self.interval)
        notification = self._buffer.pop(0)
        self._last_notification_id = notification.id
        return notification


class PollingSQLiteApplicationRecorder(SQLiteApplicationRecorder):
    """SQLite's application recorder, with the subscriptions a projection runner needs, and a point
    read of one stored event for the API's entry reads."""

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[Any]:
        return PollingSubscription(self, gt=gt, topics=topics)

    def select_event(self, originator_id: str, version: int) -> StoredEvent | None:
        """The stored event `version` of `originator_id`, read on this thread's own read-only
        connection: one indexed SELECT in autocommit (a snapshot of committed data, WAL), without
        the pool and transaction `select_events` takes (61 of a GET /v1/entries request's ~93 µs
        of CPU, by profile: issue 16). An in-memory database has no file to open: the pool's way."""
        if self.datastore.pool.is_sqlite_memory_mode:
            found = self.select_events(originator_id, gt=version - 1, lte=version)
            return found[0] if found else None
        connection = getattr(self._readers, "connection", None)
        if connection is None:
            path = Path(self.datastore.pool.db_name).resolve().as_uri()
            connection = sqlite3.connect(f"{path}?mode=ro", uri=True, isolation_level=None)
            self._readers.connection = connection
        row = connection.execute(self._select_event_statement, (originator_id, version)).fetchone()
        if row is None:
            return None
        return StoredEvent(originator_id=originator_id, originator_version=version, topic=row[0], state=row[1])

    @cached_property
    def _readers(self) -> threading.local:
        return threading.local()

    @cached_property
    def _select_event_statement(self) -> str:
        return f"SELECT topic, state FROM {self.events_table_name} WHERE originator_id = ? AND originator_version = ?"
