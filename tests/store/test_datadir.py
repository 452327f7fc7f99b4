"""The data directory's guard against a database that lost its newest entries (DESIGN §5)."""

from __future__ import annotations

import json
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ledger.crypto.keys import encode_base64, private_key_from_seed
from ledger.entry import Submission
from ledger.errors import Unavailable
from ledger.files import write_atomically
from ledger.rules import legacy_policy_document
from ledger.signed_head import SignedHead, read_signed_head, verify_signed_head
from ledger.store.application import LedgerStore, StoreDamaged, _Ticket
from ledger.store.datadir import SIGNED_HEAD_FILE, init_ledger, open_ledger
from tests.builder import LedgerBuilder, digest


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


def burst_ledger(directory: Path, count: int) -> tuple[LedgerStore, list[Submission]]:
    """A ledger (rules edition 2) with one unit, and `count` pacts of it signed, not yet appended."""
    store = init_ledger(
        directory,
        origin="guard.example/log",
        name="Guard",
        root_key=private_key_from_seed(b"r" * 32),
        log_key=private_key_from_seed(b"l" * 32),
    )

    class Builder(LedgerBuilder):
        @property
        def state(self):  # type: ignore[override]
            return store.state

    builder = Builder(apply=store.append, origin="guard.example/log")
    builder.root = private_key_from_seed(b"r" * 32)
    builder.admin = builder.register_key("admin", "administrator")
    builder.register_unit("dpmptsp", 1000)
    registrar = builder.registrars["dpmptsp"]
    body = {"pact_digest": digest("pakta"), "signed_on": "2020-07-08", "occasion": "yearly"}
    pacts = [
        builder.sign(
            registrar,
            "pact.signed",
            f"pact/dpmptsp/{n:018d}",
            {**body, "employee": {"name": f"Pegawai {n}", "number": f"{n:018d}"}},
            at="2020-07-08T09:00:00Z",
        )
        for n in range(count)
    ]
    return store, pacts


def test_after_a_burst_of_concurrent_appends_the_guard_is_settled_at_the_head(tmp_path: Path) -> None:
    """Groups committed while others queue leave their settling to the next group's intent; the last
    group of the burst settles: the guard names the head alone, and a lost last leaf is caught."""
    store, pacts = burst_ledger(tmp_path / "l", 64)
    before = store.size
    with ThreadPoolExecutor(16) as pool:
        receipts = list(pool.map(store.append, pacts))
    assert store.size == before + 64 and len({r.leaf_index for r in receipts}) == 64
    head = read_signed_head(tmp_path / "l" / SIGNED_HEAD_FILE)
    assert head == SignedHead(store.size, encode_base64(store.root()))
    size = store.size
    # The twin: the guard refuses the log without its last leaf (whichever group that leaf was in).
    with pytest.raises(Unavailable, match=f"signed a checkpoint of size {size}"):
        verify_signed_head(head, size - 1, store.root)
    store.close()
    with sqlite3.connect(tmp_path / "l" / "ledger.sqlite") as db:
        db.execute("DELETE FROM stored_events WHERE originator_id = 'log' AND originator_version = ?", (size,))
    with pytest.raises(StoreDamaged):  # by the stored checkpoints or by the guard, as the groups fell
        open_ledger(tmp_path / "l")


def test_a_commit_with_submissions_queued_leaves_settling_to_the_next_group(tmp_path: Path) -> None:
    store, pacts = burst_ledger(tmp_path / "l", 1)
    path = tmp_path / "l" / SIGNED_HEAD_FILE
    size, root = store.size, encode_base64(store.root())
    intent = SignedHead(size + 1, encode_base64(b"\x01" * 32), (size, root))
    write_atomically(path, json.dumps(intent.to_json()).encode())
    store._queue.append(_Ticket(pacts[0]))  # a submission waiting for the next group
    store._settle_later_if_busy(size, store.root())
    assert read_signed_head(path) == intent  # not settled: the next group's intent replaces it
    store._queue.clear()
    store._settle_later_if_busy(size, store.root())
    assert read_signed_head(path) == SignedHead(size, root)  # nothing queued: settled at once
    store.close()
