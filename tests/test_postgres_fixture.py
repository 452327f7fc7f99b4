"""Smoke test for the ``postgres_dsn`` fixture and the test server setup."""

from __future__ import annotations

from typing import Any

import psycopg


def test_postgres_dsn_gives_fresh_database(postgres_dsn: dict[str, Any]) -> None:
    assert set(postgres_dsn) == {"host", "port", "user", "password", "dbname", "dsn", "url"}
    with psycopg.connect(postgres_dsn["dsn"]) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
        row = conn.execute("SELECT current_database()").fetchone()
        assert row is not None and row[0] == postgres_dsn["dbname"]
        listen = conn.execute("SHOW listen_addresses").fetchone()
        assert listen is not None and listen[0] == "127.0.0.1"
        encoding = conn.execute("SHOW server_encoding").fetchone()
        assert encoding is not None and encoding[0] == "UTF8"
    with psycopg.connect(postgres_dsn["url"]) as conn:  # the URL form the ledger's configuration takes
        row = conn.execute("SELECT current_database()").fetchone()
        assert row is not None and row[0] == postgres_dsn["dbname"]


def test_postgres_dsn_parts_connect(postgres_dsn: dict[str, Any]) -> None:
    with psycopg.connect(
        host=postgres_dsn["host"],
        port=postgres_dsn["port"],
        user=postgres_dsn["user"],
        password=postgres_dsn["password"],
        dbname=postgres_dsn["dbname"],
    ) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
