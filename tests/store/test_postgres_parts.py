"""Every connection to a PostgreSQL ledger goes where the store's go (`Storage.postgres_parts`): the
store's (eventsourcing), the writer lock's and the tools' (`connect_postgres`), `pg_dump`'s and the
entry reads' on the event loop (tests/api/test_entry_read_postgres.py). A URL that leaves the host
or port out means 127.0.0.1 and 5432 for all of them, never libpq's defaults (a socket, `PGHOST`)."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from ledger.backup import _postgres_environment
from ledger.store.config import PostgresParts, Storage, connect_postgres

URL = "postgresql://ledger%40x:p%2Fw@/zona%20integritas"  # no host, no port


def test_the_parts_of_a_url_with_the_stores_defaults() -> None:
    assert Storage.postgres(URL).postgres_parts() == PostgresParts(
        "127.0.0.1", 5432, "ledger@x", "p/w", "zona integritas"
    )
    named = Storage.postgres("postgresql://u@db.internal:6543/ledger").postgres_parts()
    assert named == PostgresParts("db.internal", 6543, "u", "", "ledger")


def test_every_way_of_connecting_goes_to_the_same_place(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PGHOST", "elsewhere.invalid")
    monkeypatch.setenv("PGPORT", "5433")
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(psycopg, "connect", lambda **kwargs: seen.append(kwargs))
    connect_postgres(URL)  # the writer lock's, backup's, repair's, the verifier's
    assert seen == [
        {
            "host": "127.0.0.1",  # the twin of the old way: host=None, which libpq takes to PGHOST
            "port": 5432,
            "user": "ledger@x",
            "password": "p/w",
            "dbname": "zona integritas",
            "autocommit": True,
        }
    ]
    environment = _postgres_environment(URL)  # pg_dump's and pg_restore's
    assert (environment["PGHOST"], environment["PGPORT"], environment["PGDATABASE"]) == (
        "127.0.0.1",
        "5432",
        "zona integritas",
    )
    store = Storage.postgres(URL).eventsourcing_env()  # the store's
    assert (store["POSTGRES_HOST"], store["POSTGRES_PORT"], store["POSTGRES_DBNAME"]) == (
        "127.0.0.1",
        "5432",
        "zona integritas",
    )
