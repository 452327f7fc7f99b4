"""Fixtures of the store tests: PostgreSQL as the URL that `Storage.postgres` reads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest


@pytest.fixture
def postgres_url(postgres_dsn: dict[str, Any]) -> str:
    """The fresh test database of `postgres_dsn` as postgresql://user:password@host:port/dbname.

    `postgres_dsn["dsn"]` is a libpq key=value string, which `Storage.postgres` does not take.
    """
    user = quote(postgres_dsn["user"] or "", safe="")
    password = quote(postgres_dsn["password"] or "", safe="")
    host, port, dbname = postgres_dsn["host"], postgres_dsn["port"], postgres_dsn["dbname"]
    return f"postgresql://{user}:{password}@{host}:{port}/{quote(dbname, safe='')}"
