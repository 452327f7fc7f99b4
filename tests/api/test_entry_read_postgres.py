"""`GET /v1/entries/{i}` on PostgreSQL reads the leaf on the event loop (asyncpg,
`ledger.store.postgres.AsyncPointReader`; issue 16) and answers the bytes the thread pool's read
answers; when that read fails (a database refusing it, a connection dropped under it) the thread
pool's read answers instead, and a dropped connection is made again."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.entries import stored_entry_json
from api.settings import Settings
from api.tokens import TokenFile
from ledger.store.config import PostgresParts, Storage
from ledger.store.datadir import init_ledger, open_ledger
from ledger.store.postgres import APPLICATION_NAME, AsyncPointReader
from tests.builder import ORIGIN, LedgerBuilder, key_for


@pytest.fixture
def ledger(tmp_path: Path, postgres_url: str) -> tuple[Path, str]:
    directory = tmp_path / "ledger"
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji",
        root_key=key_for("root"),
        log_key=key_for("log"),
        postgres_dsn=postgres_url,
    )
    try:
        builder = LedgerBuilder(state=store.state, apply=store.append, origin=ORIGIN)
        builder.admin = builder.register_key("admin", "administrator")
        for n in range(5):
            builder.register_unit(f"u{n}")
    finally:
        store.close()
    return directory, postgres_url


@pytest.fixture
def client(ledger: tuple[Path, str]) -> Iterator[TestClient]:
    directory, url = ledger
    _, token = TokenFile(directory / "tokens.json").add("auditor", "auditor")
    with TestClient(create_app(Settings(ledger_dir=directory, postgres_dsn=url))) as client:
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


@pytest.fixture
def loop_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The versions the event loop's reader answered (not those that failed)."""
    answered: list[int] = []
    select_event = AsyncPointReader.select_event

    async def counted(self: AsyncPointReader, originator_id: str, version: int) -> Any:
        event = await select_event(self, originator_id, version)
        answered.append(version)
        return event

    monkeypatch.setattr(AsyncPointReader, "select_event", counted)
    return answered


def test_every_entry_is_read_on_the_event_loop_with_the_thread_pools_bytes(
    client: TestClient, loop_reads: list[int]
) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    assert client.app.state.reads_on_loop is not None  # type: ignore[attr-defined]
    for index in range(store.size):
        response = client.get(f"/v1/entries/{index}")
        assert response.status_code == 200
        assert response.content == stored_entry_json(store, index)
    assert loop_reads == list(range(1, store.size + 1))  # each one read on the loop
    # The twin: an index past the log is not read there, and answers as it always did.
    missing = client.get(f"/v1/entries/{store.size}")
    assert missing.status_code == 404 and missing.json()["code"] == "index_out_of_range"
    assert loop_reads == list(range(1, store.size + 1))


def test_a_dropped_connection_is_made_again(
    client: TestClient, ledger: tuple[Path, str], loop_reads: list[int]
) -> None:
    """A connection the database dropped (a restart, an administrator) is seen closed by the next read,
    which connects again; if the read meets it first, that read fails over to the thread pool's."""
    assert client.get("/v1/entries/1").status_code == 200
    assert loop_reads == [2]
    with psycopg.connect(ledger[1], autocommit=True) as admin:
        dropped = [
            pid
            for pid, _ in admin.execute(
                "SELECT pid, pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND application_name = %s",
                (APPLICATION_NAME,),
            )
        ]
    assert dropped, "the reader's connection was not found"
    answers = [client.get(f"/v1/entries/{index}") for index in (2, 3)]
    assert [(answer.status_code, answer.json()["index"]) for answer in answers] == [(200, 2), (200, 3)]
    assert loop_reads[-1] == 4  # the last on the loop again, on a new connection
    with psycopg.connect(ledger[1], autocommit=True) as admin:
        (readers,) = admin.execute(  # a dropped backend may still be listed while it exits
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s AND pid <> ALL(%s)",
            (APPLICATION_NAME, dropped),
        ).fetchone()  # type: ignore[misc]
    assert readers == 1


def test_a_database_refusing_the_loops_connections_leaves_the_thread_pool_reading(
    ledger: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, loop_reads: list[int], caplog: pytest.LogCaptureFixture
) -> None:
    directory, url = ledger
    _, token = TokenFile(directory / "tokens.json").add("auditor", "auditor")
    init = AsyncPointReader.__init__

    def no_such_database(self: AsyncPointReader, recorder: Any, where: PostgresParts, **kwargs: Any) -> None:
        init(self, recorder, dataclasses.replace(where, dbname="no_such_database"), **kwargs)

    monkeypatch.setattr(AsyncPointReader, "__init__", no_such_database)
    with (
        caplog.at_level(logging.WARNING, logger="integritas.api"),
        TestClient(create_app(Settings(ledger_dir=directory, postgres_dsn=url))) as client,
    ):
        answers = [client.get(f"/v1/entries/{i}", headers={"Authorization": f"Bearer {token}"}) for i in range(3)]
        assert [answer.status_code for answer in answers] == [200, 200, 200]
        assert [answer.content for answer in answers] == [
            stored_entry_json(client.app.state.store, i)  # type: ignore[attr-defined]
            for i in range(3)
        ]
    assert loop_reads == []  # none answered on the loop
    # One attempt: after a failed connection the reader rests (AsyncPointReader.REST) instead of
    # trying again, and failing, on every request.
    assert caplog.text.count("entry read on the event loop failed (InvalidCatalogNameError)") == 1


def test_a_leaf_from_the_loop_that_is_not_the_trees_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Whatever the loop's connection reads is checked against the tree: another leaf (another
    database, a row changed underneath) is not answered; the thread pool's read answers instead."""
    select_event = AsyncPointReader.select_event

    async def the_next_leaf(self: AsyncPointReader, originator_id: str, version: int) -> Any:
        return await select_event(self, originator_id, version + 1)

    monkeypatch.setattr(AsyncPointReader, "select_event", the_next_leaf)
    store = client.app.state.store  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING, logger="integritas.api"):
        answer = client.get("/v1/entries/1")
    assert answer.status_code == 200 and answer.content == stored_entry_json(store, 1)
    assert "entry read on the event loop failed (StoreDamaged)" in caplog.text


def test_the_loops_connections_go_where_the_stores_go(
    ledger: tuple[Path, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """From the URL's parts with the store's defaults (127.0.0.1, 5432), not asyncpg's (PGHOST,
    PGPORT, ... and sockets): a URL that leaves the port out means 5432 for both."""
    import asyncpg

    monkeypatch.setenv("PGPORT", "5433")
    monkeypatch.setenv("PGHOST", "elsewhere.invalid")
    seen: list[dict[str, Any]] = []

    async def connect(**kwargs: Any) -> Any:
        seen.append(kwargs)
        raise OSError("not connecting in this test")

    monkeypatch.setattr(asyncpg, "connect", connect)
    storage = Storage.postgres("postgresql://ledger%40x:p%2Fw@db.internal/zona%20integritas")
    directory, url = ledger
    store = open_ledger(directory, storage=Storage.postgres(url))
    try:
        reader = AsyncPointReader(store.recorder, storage.postgres_parts())  # type: ignore[arg-type]
        with pytest.raises(OSError):
            asyncio.run(reader.select_event("log", 1))
        assert not reader.ready()  # resting after the failure
    finally:
        store.close()
    assert seen == [
        {
            "host": "db.internal",
            "port": 5432,
            "user": "ledger@x",
            "password": "p/w",
            "database": "zona integritas",
            "timeout": AsyncPointReader.TIMEOUT,
            "server_settings": {"application_name": APPLICATION_NAME},
        }
    ]
