"""The store contract on memory storage (eventsourcing.popo)."""

from __future__ import annotations

import pytest

from ledger.store.config import Storage
from tests.store.contract import StoreContract


class TestMemoryStore(StoreContract):
    persistent = False

    @pytest.fixture
    def storage(self) -> Storage:
        return Storage.memory()
