"""The server's views runner writes at most once per `WRITE_INTERVAL` under a stream of events,
gathering what arrived meanwhile, and at once after a quiet spell (projections.projector._Batches;
issue 16: under a stream of appends each write held one or two entries, and on PostgreSQL its
statements cost the server more CPU than the append)."""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from projections import projector
from projections.projector import WRITE_INTERVAL, _Batches


class Stream:
    """A subscription fed by a thread: `buffered` says whether an event waits (as the real ones say)."""

    def __init__(self) -> None:
        self.events: queue.Queue[int | None] = queue.Queue()
        self.put_at: list[float] = []
        self.subscription = self

    @property
    def buffered(self) -> bool:
        return not self.events.empty()

    def __iter__(self) -> Iterator[tuple[int, Any]]:
        while (event := self.events.get()) is not None:
            yield event, None

    def feed(self, spans: list[tuple[int, float]]) -> threading.Thread:
        """Put `count` events `gap` seconds apart for each (count, gap), then the end."""

        def run() -> None:
            n = 0
            for count, gap in spans:
                for _ in range(count):
                    self.put_at.append(time.monotonic())
                    self.events.put(n)
                    n += 1
                    time.sleep(gap)
            self.events.put(None)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread


@pytest.fixture(autouse=True)
def buffers_as_the_stream_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projector, "delivered_without_waiting", lambda subscription: subscription.buffered)


def batches(spans: list[tuple[int, float]]) -> tuple[list[tuple[float, list[int]]], Stream]:
    stream = Stream()
    stream.feed(spans)
    return [(time.monotonic(), [event for event, _ in batch]) for batch, _ in _Batches(stream)], stream


def test_a_stream_of_events_is_written_once_per_interval() -> None:
    written, stream = batches([(150, 0.002)])  # ~0.3 s of events
    events = [event for _, batch in written for event in batch]
    assert events == list(range(150))  # each once, in order
    times = [at for at, _ in written]
    assert all(later - earlier >= WRITE_INTERVAL * 0.9 for earlier, later in itertools.pairwise(times))
    streamed = stream.put_at[-1] - stream.put_at[0]
    assert len(written) <= streamed / WRITE_INTERVAL + 3 and max(len(batch) for _, batch in written) >= 10


def test_an_event_after_a_quiet_spell_is_written_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(projector, "WRITE_INTERVAL", 0.5)
    written, stream = batches([(2, 0.7), (1, 0.0)])  # three events, 0.7 s apart
    assert [batch for _, batch in written] == [[0], [1], [2]]
    # Each went out well within the interval (had it waited for the interval: 0.5 s at least).
    assert all(at - put < 0.25 for (at, _), put in zip(written, stream.put_at, strict=True))


def test_without_the_interval_each_event_of_a_stream_is_its_own_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """The twin: what the check above tells apart."""
    monkeypatch.setattr(projector, "WRITE_INTERVAL", 0.0)
    written, _ = batches([(150, 0.002)])
    assert len(written) > 100
