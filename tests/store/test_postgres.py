"""The store contract on PostgreSQL (eventsourcing.postgres), for several processes (DESIGN §9)."""

from __future__ import annotations

import psycopg
import pytest
from psycopg import sql

from ledger.store.config import Storage
from tests.store.contract import StoreContract

pytestmark = pytest.mark.postgres


def events_table(connection: psycopg.Connection) -> sql.Identifier:
    """The one table that holds events, found by its columns rather than by name."""
    rows = connection.execute(
        "SELECT table_schema, table_name FROM information_schema.columns"
        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')"
        " AND column_name IN ('originator_id', 'originator_version', 'state')"
        " GROUP BY table_schema, table_name HAVING count(*) = 3"
    ).fetchall()
    assert len(rows) == 1, rows
    return sql.Identifier(*rows[0])


class TestPostgresStore(StoreContract):
    @pytest.fixture
    def storage(self, postgres_url: str) -> Storage:
        self.url = postgres_url
        return Storage.postgres(postgres_url)

    def edit_stored_event(self, originator_id: str, version: int, old: bytes, new: bytes) -> None:
        with psycopg.connect(self.url) as connection:
            table = events_table(connection)
            where = sql.SQL("WHERE originator_id = %s AND originator_version = %s")
            row = connection.execute(
                sql.SQL("SELECT state FROM {} {}").format(table, where), (originator_id, version)
            ).fetchone()
            assert row is not None
            state = bytes(row[0])
            assert state.count(old) == 1
            connection.execute(
                sql.SQL("UPDATE {} SET state = %s {}").format(table, where),
                (state.replace(old, new), originator_id, version),
            )
