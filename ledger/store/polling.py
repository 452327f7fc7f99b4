"""SQLite's application recorder with a subscription, for the views' projection runner.

eventsourcing 9.5 subscribes through PostgreSQL's LISTEN/NOTIFY and has nothing for SQLite; this
recorder polls instead. It only adds `subscribe`: the store writes through it exactly as through
`SQLiteApplicationRecorder`, so one recorder configuration (`LedgerEvents.env_for`) serves the
store that writes the events and the projection that follows them.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import Notification, Subscription
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
    """SQLite's application recorder, with the subscriptions a projection runner needs."""

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> Subscription[Any]:
        return PollingSubscription(self, gt=gt, topics=topics)
