"""The ledger's domain events, as the `eventsourcing` library persists them (DESIGN §9).

Two kinds of aggregate share one event store:

- the **log** (aggregate id `log`): one `LeafAppended` event per accepted entry. Its version is the
  leaf index plus one, so leaf indices are dense by construction, and the database's unique
  (id, version) key makes two writers race for the same index and only one win. Each event holds
  the leaf bytes, the tree root after it, and the log's signed checkpoint when a receipt was issued at
  that size.
- one **stream** per entry stream (aggregate id = the stream id, e.g. `unit/dpmptsp`): a `Stream`
  whose version is `seq + 1`, so a stale `seq` collides in the database as well as in the rules.

An entry, its stream event and its log event are saved in one `Application.save` call: one
transaction, all or nothing. `LedgerEvents` is the one application that holds them: the store
(ledger.store.application) writes through it and the views (projections.projector) subscribe to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from eventsourcing.application import Application
from eventsourcing.domain import BaseAggregate, CanInitAggregate, CanMutateAggregate
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import Environment

from ledger.store.config import Storage
from ledger.store.polling import PollingSQLiteApplicationRecorder

LOG_ID = "log"  # no stream id can take this name (ledger.entry.STREAM_PATTERN)


@dataclass(frozen=True)
class TextIdEvent(CanMutateAggregate[str]):
    """Base of events whose aggregate ids are text (the stream ids), not UUIDs."""

    originator_id: str
    originator_version: int
    timestamp: datetime


@dataclass(frozen=True)
class TextIdCreated(CanInitAggregate[str], TextIdEvent):
    originator_topic: str


@dataclass(frozen=True)
class LeafAppended(TextIdEvent):
    """Leaf `originator_version - 1` of the log. `timestamp` is the log's clock at acceptance."""

    leaf: str  # the leaf bytes (canonical JSON, so valid UTF-8) as text
    root_hash: str  # base64 root of the tree of `originator_version` leaves
    checkpoint: str | None  # the signed checkpoint of that tree, if a receipt was issued at its size


class Stream(BaseAggregate[str]):
    """The entries of one stream, as (leaf index, base64 leaf hash) in `seq` order."""

    @dataclass(frozen=True)
    class Event(TextIdEvent):
        pass

    @dataclass(frozen=True)
    class Opened(Event, TextIdCreated):
        leaf_index: int
        leaf_hash: str

    @dataclass(frozen=True)
    class Appended(Event):
        leaf_index: int
        leaf_hash: str

        def apply(self, aggregate: Any) -> None:
            aggregate.entries.append((self.leaf_index, self.leaf_hash))

    def __init__(self, leaf_index: int, leaf_hash: str) -> None:
        self.entries: list[tuple[int, str]] = [(leaf_index, leaf_hash)]


def stream_event(stream: str, seq: int, leaf_index: int, leaf_hash: str, timestamp: datetime) -> Stream.Event:
    """The event that records entry `seq` of `stream`, without loading the stream's history."""
    if seq == 0:
        return Stream.Opened(
            originator_id=stream,
            originator_version=1,
            timestamp=timestamp,
            originator_topic=f"{Stream.__module__}:{Stream.__qualname__}",
            leaf_index=leaf_index,
            leaf_hash=leaf_hash,
        )
    return Stream.Appended(
        originator_id=stream,
        originator_version=seq + 1,
        timestamp=timestamp,
        leaf_index=leaf_index,
        leaf_hash=leaf_hash,
    )


class LedgerEvents(Application[str]):
    """The ledger's events as one `eventsourcing` Application, read-only here.

    The one place that names the application (its events table, `integritas_events` in PostgreSQL,
    and the views' tracking key) and configures its recorders: `LedgerStore` writes through it, and
    the views' projection (projections.projector) subscribes to it.
    """

    name = "Integritas"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # eventsourcing names a subclass after itself, and so its tables and tracking records; the
        # store (and any subclass of it) must read and write the same events as this application.
        super().__init_subclass__(**kwargs)
        cls.name = LedgerEvents.name

    @staticmethod
    def env_for(storage: Storage) -> dict[str, str]:
        """The storage's environment; SQLite's recorder can also be subscribed to, by polling; both
        databases' recorders read one event by its key (`select_event`)."""
        env = storage.eventsourcing_env()
        if storage.kind == "sqlite":
            recorder = PollingSQLiteApplicationRecorder
            env["APPLICATION_RECORDER_TOPIC"] = f"{recorder.__module__}:{recorder.__qualname__}"
        elif storage.kind == "postgres":  # a topic, not an import: psycopg loads only for PostgreSQL
            env["APPLICATION_RECORDER_TOPIC"] = "ledger.store.postgres:PointReadPostgresApplicationRecorder"
        return env

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Only the storage's own settings: eventsourcing would also merge os.environ, where a stray
        INTEGRITAS_PERSISTENCE_MODULE could send acknowledged entries to memory."""
        return Environment(name, dict(env or {}))

    def stored_size(self) -> int:
        """How many leaves the stored log holds (its last log event's version)."""
        last = self.recorder.select_events(LOG_ID, desc=True, limit=1)
        return last[0].originator_version if last else 0

    def log_events(self, start: int, stop: int) -> list[LeafAppended]:
        """The stored log events of leaves `start` up to `stop`."""
        select_event = getattr(self.recorder, "select_event", None)  # ledger.store.polling, .postgres
        if stop == start + 1 and select_event is not None:
            one = select_event(LOG_ID, stop)  # one leaf: a point read
            stored: Sequence[StoredEvent] = [] if one is None else [one]
        else:
            stored = self.recorder.select_events(LOG_ID, gt=start, lte=stop)
        events: list[LeafAppended] = [self.mapper.to_domain_event(record) for record in stored]  # type: ignore[misc]
        return events
