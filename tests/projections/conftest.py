"""Fixtures of the projection tests: the Blora demo ledger (built once per session, copied where a
test writes), its offline fold, and PostgreSQL as the URL that `Storage.postgres` reads."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from demo.build import build_demo
from ledger.log_sources import DataDirSource
from projections.offline import fold_source
from projections.queries import MemoryViews
from tests.projections.helpers import DemoLedger


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoLedger:
    directory = tmp_path_factory.mktemp("projections-demo") / "ledger"
    store = build_demo(directory)
    leaves = tuple(store.leaves())
    store.close()
    return DemoLedger(directory, leaves)


@pytest.fixture(scope="session")
def demo_offline(demo: DemoLedger) -> MemoryViews:
    """The demo's views folded offline from its data directory (keeps its history lines)."""
    return fold_source(DataDirSource(demo.directory))


@pytest.fixture
def postgres_url(postgres_dsn: dict[str, Any]) -> str:
    """The fresh test database of `postgres_dsn` as postgresql://user:password@host:port/dbname
    (the logic of tests/store/conftest.py: `Storage.postgres` takes no libpq key=value string)."""
    user = quote(postgres_dsn["user"] or "", safe="")
    password = quote(postgres_dsn["password"] or "", safe="")
    host, port, dbname = postgres_dsn["host"], postgres_dsn["port"], postgres_dsn["dbname"]
    return f"postgresql://{user}:{password}@{host}:{port}/{quote(dbname, safe='')}"
