"""The point read of one leaf (`PollingSQLiteApplicationRecorder.select_event` on SQLite,
`PointReadPostgresApplicationRecorder.select_event` on PostgreSQL), which the API's entry reads
use (issue 16): the same events as eventsourcing's `select_events`, committed data only, a
connection per thread (SQLite) or of the recorder's pool (PostgreSQL)."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from ledger.store.application import LedgerStore
from ledger.store.config import Storage
from ledger.store.events import LOG_ID
from ledger.store.polling import PollingSQLiteApplicationRecorder
from ledger.store.postgres import PointReadPostgresApplicationRecorder
from tests.builder import LOG_TIME, ORIGIN, LedgerBuilder, key_for


def sqlite_store(path: Path) -> LedgerStore:
    return cast_store(Storage.sqlite(path))


def cast_store(storage: Storage) -> LedgerStore:
    store = LedgerStore(storage, ORIGIN, key_for("log"), clock=lambda: LOG_TIME)

    class Builder(LedgerBuilder):
        @property
        def state(self):  # type: ignore[no-untyped-def]
            return store.state

    Builder(apply=store.append).standard_cast()
    return store


def point_reader(store: LedgerStore) -> PollingSQLiteApplicationRecorder:
    recorder = store.recorder
    assert isinstance(recorder, PollingSQLiteApplicationRecorder)
    return recorder


def test_a_point_read_gives_the_event_select_events_gives(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "ledger.sqlite")
    recorder = point_reader(store)
    for version in range(1, store.size + 1):
        (expected,) = recorder.select_events(LOG_ID, gt=version - 1, lte=version)
        assert recorder.select_event(LOG_ID, version) == expected
    assert [store.leaf(i) for i in range(store.size)] == list(store.leaves())
    store.close()


def test_a_version_not_stored_is_none(tmp_path: Path) -> None:
    """The twin: nothing beyond the log, nothing before it, nothing of another aggregate."""
    store = sqlite_store(tmp_path / "ledger.sqlite")
    recorder = point_reader(store)
    assert recorder.select_event(LOG_ID, store.size + 1) is None
    assert recorder.select_event(LOG_ID, 0) is None
    assert recorder.select_event("no-such-stream", 1) is None
    store.close()


def test_each_thread_reads_on_its_own_connection_and_sees_new_commits(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "ledger.sqlite")
    recorder = point_reader(store)
    size = store.size
    assert recorder.select_event(LOG_ID, size) is not None  # this thread's connection, opened
    seen: list[object] = []
    other = threading.Thread(target=lambda: seen.append(recorder.select_event(LOG_ID, size)))
    other.start()
    other.join()
    assert seen == [recorder.select_event(LOG_ID, size)]

    class Builder(LedgerBuilder):
        @property
        def state(self):  # type: ignore[no-untyped-def]
            return store.state

    builder = Builder(apply=store.append)
    builder.admin = key_for("admin")
    builder.register_unit("later", 3)  # appended after this thread's connection was opened
    assert store.size > size
    assert recorder.select_event(LOG_ID, store.size) == recorder.select_events(LOG_ID, gt=store.size - 1)[0]
    store.close()


def test_on_postgres_a_point_read_gives_the_event_select_events_gives(postgres_url: str) -> None:
    store = cast_store(Storage.postgres(postgres_url))
    recorder = store.recorder
    assert isinstance(recorder, PointReadPostgresApplicationRecorder)
    for version in range(1, store.size + 1):
        (expected,) = recorder.select_events(LOG_ID, gt=version - 1, lte=version)
        assert recorder.select_event(LOG_ID, version) == expected
    assert [store.leaf(i) for i in range(store.size)] == list(store.leaves())
    # The twin: nothing beyond the log, nothing before it, nothing of another aggregate.
    assert recorder.select_event(LOG_ID, store.size + 1) is None
    assert recorder.select_event(LOG_ID, 0) is None
    assert recorder.select_event("no-such-stream", 1) is None
    store.close()


def test_on_postgres_the_event_loops_point_read_gives_the_same_events(postgres_url: str) -> None:
    """`AsyncPointReader` (asyncpg, the API's entry reads on the event loop) reads what the
    recorder's `select_event` reads, and nothing where it reads nothing."""
    store = cast_store(Storage.postgres(postgres_url))
    recorder = store.recorder
    assert isinstance(recorder, PointReadPostgresApplicationRecorder)
    reader = store.reader_on_loop()
    assert reader is not None

    async def read_all() -> list[object]:
        try:
            found = [await reader.select_event(LOG_ID, version) for version in range(0, store.size + 2)]
            found.append(await reader.select_event("no-such-stream", 1))
            return found
        finally:
            await reader.close()

    found = asyncio.run(read_all())
    assert found[1 : store.size + 1] == [recorder.select_event(LOG_ID, v) for v in range(1, store.size + 1)]
    assert found[0] is None and found[store.size + 1] is None and found[-1] is None  # the twins
    store.close()


def test_a_store_on_sqlite_or_in_memory_has_no_reader_on_the_event_loop(tmp_path: Path) -> None:
    store = sqlite_store(tmp_path / "ledger.sqlite")
    assert store.reader_on_loop() is None  # a local page is read on the loop by `entry`
    store.close()
