"""Fixtures of the projection tests: the Blora demo ledger (built once per session, copied where a
test writes), its offline fold, and PostgreSQL as the URL that `Storage.postgres` reads."""

from __future__ import annotations

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
