"""The data directory's guard against a database that lost its newest entries (DESIGN §5)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from ledger.crypto.keys import private_key_from_seed
from ledger.rules import legacy_policy_document
from ledger.store.application import StoreDamaged
from ledger.store.datadir import SIGNED_HEAD_FILE, init_ledger, open_ledger
from tests.builder import LedgerBuilder


def make_ledger(directory: Path) -> int:
    store = init_ledger(
        directory,
        origin="guard.example/log",
        name="Guard",
        root_key=private_key_from_seed(b"r" * 32),
        log_key=private_key_from_seed(b"l" * 32),
        policy=legacy_policy_document(),
    )

    class Builder(LedgerBuilder):
        @property
        def state(self):  # type: ignore[override]
            return store.state

    builder = Builder(apply=store.append, origin="guard.example/log")
    builder.root = private_key_from_seed(b"r" * 32)
    builder.admin = builder.register_key("admin", "administrator")
    builder.register_unit("dpmptsp")
    return store.size


def test_reopening_an_intact_ledger_passes(tmp_path: Path) -> None:
    size = make_ledger(tmp_path / "l")
    assert open_ledger(tmp_path / "l").size == size
    assert f'"tree_size": {size}' in (tmp_path / "l" / SIGNED_HEAD_FILE).read_text()


def test_a_database_that_lost_its_last_entries_refuses_to_open(tmp_path: Path) -> None:
    size = make_ledger(tmp_path / "l")
    with sqlite3.connect(tmp_path / "l" / "ledger.sqlite") as db:
        # Remove the last leaf together with its stream event, as a restore from an old backup would.
        db.execute("DELETE FROM stored_events WHERE originator_id = 'log' AND originator_version = ?", (size,))
        db.execute("DELETE FROM stored_events WHERE rowid = (SELECT MAX(rowid) FROM stored_events)")
    with pytest.raises(StoreDamaged, match=f"signed a checkpoint of size {size}") as caught:
        open_ledger(tmp_path / "l")
    assert caught.value.evidence == {"signed_size": size, "stored_size": size - 1}
