"""Shared test fixtures.

``postgres_dsn`` gives each test its own freshly created PostgreSQL database on
the server named by ``INTEGRITAS_TEST_POSTGRES`` (set by ``./scripts/test``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest


@pytest.fixture
def postgres_dsn() -> Iterator[dict[str, Any]]:
    """Create a uniquely named database, yield its connection data, drop it.

    Yields ``{"host", "port", "user", "password", "dbname", "dsn", "url"}``: `dsn` as libpq's
    key=value string, `url` as the postgresql://user:password@host:port/dbname that the ledger's
    configuration (`Storage.postgres`, `--postgres`) takes.
    """
    server = os.environ.get("INTEGRITAS_TEST_POSTGRES")
    if not server:
        message = "no PostgreSQL: run ./scripts/test"
        if os.environ.get("INTEGRITAS_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (INTEGRITAS_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)

    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(server)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    dbname = f"integritas_test_{worker}_{uuid.uuid4().hex[:12]}"

    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    host, port = params.get("host", "127.0.0.1"), int(str(params.get("port") or 5432))
    user, password = quote(params.get("user") or "", safe=""), quote(params.get("password") or "", safe="")
    try:
        yield {
            "host": host,
            "port": port,
            "user": params.get("user"),
            "password": params.get("password"),
            "dbname": dbname,
            "dsn": make_conninfo(server, dbname=dbname),
            "url": f"postgresql://{user}:{password}@{host}:{port}/{quote(dbname, safe='')}",
        }
    finally:
        with psycopg.connect(server, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


@pytest.fixture
def postgres_url(postgres_dsn: dict[str, Any]) -> str:
    """The fresh test database of `postgres_dsn` as the postgresql:// URL the ledger takes."""
    url: str = postgres_dsn["url"]
    return url


@pytest.fixture(autouse=True)
def _integritas_environment_restored() -> Iterator[None]:
    """`integritas serve` run in-process exports INTEGRITAS_* settings for its workers: whatever a test
    sets there is undone after it, so that no later test's Settings() reads it."""
    saved = {name: value for name, value in os.environ.items() if name.startswith("INTEGRITAS_")}
    yield
    for name in [name for name in os.environ if name.startswith("INTEGRITAS_")]:
        del os.environ[name]
    os.environ.update(saved)
