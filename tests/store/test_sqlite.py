"""The store contract on SQLite (eventsourcing.sqlite), the default storage (DESIGN §9)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.store.config import Storage
from tests.store.contract import StoreContract


def events_table(connection: sqlite3.Connection) -> str:
    """The one table that holds events, found by its columns rather than by name."""
    tables = [
        name
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if {"originator_id", "originator_version", "state"}
        <= {row[1] for row in connection.execute(f"PRAGMA table_info({name})")}
    ]
    assert len(tables) == 1, tables
    return str(tables[0])


class TestSQLiteStore(StoreContract):
    @pytest.fixture
    def storage(self, tmp_path: Path) -> Storage:
        self.path = tmp_path / "ledger.sqlite"
        return Storage.sqlite(self.path)

    def edit_stored_event(self, originator_id: str, version: int, old: bytes, new: bytes) -> None:
        with sqlite3.connect(self.path) as connection:
            table = events_table(connection)
            where = "WHERE originator_id = ? AND originator_version = ?"
            (state,) = connection.execute(f"SELECT state FROM {table} {where}", (originator_id, version)).fetchone()
            assert bytes(state).count(old) == 1
            connection.execute(
                f"UPDATE {table} SET state = ? {where}",
                (bytes(state).replace(old, new), originator_id, version),
            )
        connection.close()
