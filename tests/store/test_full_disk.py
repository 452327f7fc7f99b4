"""A full disk (issue 10, item 2), on a real small file system (tmpfs).

Before: signed-head.json was written after the commit; when that write failed, the client got 500
for an entry that was committed, the guard lagged the log, and every failure reloaded the store.
Now: the guard is written and fsynced before the commit and settled after it; a disk without room
answers 503 storage_full before anything is decided; whatever fails, an entry is acknowledged if
and only if it was committed, and the guard never lags what was acknowledged.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ledger import files
from ledger.crypto.keys import private_key_from_seed
from ledger.rules import legacy_policy_document
from ledger.store.application import LedgerStore, StorageFull
from ledger.store.datadir import SIGNED_HEAD_FILE, init_ledger, open_ledger
from tests.api.api_builder import JSON, assert_problem
from tests.builder import LedgerBuilder

ORIGIN = "full.example/log"
ROOT = private_key_from_seed(b"r" * 32)
LOG = private_key_from_seed(b"l" * 32)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MiB tmpfs mounted for the test (as root); skipped where mounting is impossible."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "--lazy", str(mount_point)], check=False, capture_output=True)


class Builder(LedgerBuilder):
    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        super().__init__(apply=store.append, origin=ORIGIN)
        self.root = ROOT

    @property
    def state(self):  # type: ignore[no-untyped-def,override]
        return self.store.state


def new_ledger(directory: Path) -> tuple[LedgerStore, Builder]:
    store = init_ledger(
        directory, origin=ORIGIN, name="Penuh", root_key=ROOT, log_key=LOG, policy=legacy_policy_document()
    )
    builder = Builder(store)
    builder.admin = builder.register_key("admin", "administrator")
    return store, builder


def unit(builder: Builder, number: int) -> bytes:
    """A unit registration, signed, as the JSON a client sends."""
    name = f"Unit {number} " + "x" * 200
    body = {"name": name, "type": "dinas", "headcount": 10}
    submission = builder.sign(builder.admin, "unit.registered", f"unit/u{number}", body)
    return json.dumps(submission.to_json()).encode()


def fill(directory: Path, leave: int) -> Path:
    """Fill the file system of `directory` until `leave` bytes (or fewer) are free."""
    filler = directory / "filler"
    with filler.open("wb") as handle:
        while True:
            free = os.statvfs(directory).f_bavail * os.statvfs(directory).f_frsize
            if free <= leave:
                break
            try:
                handle.write(b"\0" * min(1 << 20, free - leave))
                handle.flush()
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    return filler


def guard(directory: Path) -> dict[str, object]:
    document: dict[str, object] = json.loads((directory / SIGNED_HEAD_FILE).read_bytes())
    return document


def test_a_disk_without_room_is_503_storage_full_with_nothing_half_done(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = small_disk / "ledger"
    store, builder = new_ledger(directory)
    size = store.size
    reloads: list[int] = []
    real_reload = store.reload
    monkeypatch.setattr(store, "reload", lambda: (reloads.append(1), real_reload())[1])
    with TestClient(create_app(Settings(ledger_dir=directory), store=store), raise_server_exceptions=False) as client:
        filler = fill(small_disk, leave=256 * 1024)
        for number in range(3):
            response = client.post("/v1/entries", content=unit(builder, number), headers=JSON)
            assert_problem(response, 503, "storage_full")
        assert store.size == size
        assert guard(directory) == {"tree_size": size, "root_hash": guard(directory)["root_hash"]}
        assert reloads == [], "the store reloaded itself on a failure"
        filler.unlink()
        response = client.post("/v1/entries", content=unit(builder, 0), headers=JSON)
        assert response.status_code == 201, response.text
    assert store.size == size + 1
    assert guard(directory)["tree_size"] == size + 1
    store.close()
    assert open_ledger(directory).size == size + 1


def test_whatever_fails_on_a_full_disk_an_entry_is_acknowledged_if_and_only_if_it_was_committed(
    small_disk: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Past the room check (as when something else fills the disk meanwhile): the guard write or the
    # SQLite commit meets ENOSPC, wherever the disk runs out.
    monkeypatch.setattr(LedgerStore, "_check_room", lambda self, tickets: None)
    directory = small_disk / "ledger"
    store, builder = new_ledger(directory)
    fill(small_disk, leave=192 * 1024)
    acknowledged, failed = [], 0
    for number in range(400):
        try:
            receipt = store.append(
                builder.sign(
                    builder.admin,
                    "unit.registered",
                    f"unit/u{number}",
                    {"name": f"Unit {number} " + "x" * 200, "type": "dinas", "headcount": 10},
                )
            )
        except StorageFull:
            failed += 1
            if failed >= 5:
                break
            continue
        acknowledged.append(receipt)
        head = guard(directory)
        assert head["tree_size"] >= receipt.tree_size, "the guard lags what was acknowledged"
    assert failed >= 5, "the disk never filled"
    assert acknowledged, "nothing fitted at all"
    stored = store.size
    store.close()
    (small_disk / "filler").unlink()
    reopened = open_ledger(directory)  # the guard agrees with the stored log
    assert reopened.size == stored == acknowledged[-1].tree_size
    for receipt in acknowledged:
        assert reopened.tree.leaf_hash(receipt.leaf_index) == receipt.leaf_hash


def test_a_guard_write_that_fails_leaves_nothing_committed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The same, injected: the guard is written before the commit, so its failure commits nothing.
    directory = tmp_path / "ledger"
    store, builder = new_ledger(directory)
    size, head = store.size, guard(directory)
    real_write = files.write_atomically

    def full(path: Path, data: bytes, mode: int = 0o600) -> None:
        if path.name == SIGNED_HEAD_FILE:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_write(path, data, mode)

    monkeypatch.setattr("ledger.store.application.write_atomically", full)
    with pytest.raises(StorageFull):
        builder.register_unit("u1")
    assert store.size == size and guard(directory) == head
    store.close()
    assert open_ledger(directory).size == size
