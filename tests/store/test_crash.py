"""Crash safety (DESIGN §9): an accepted entry, its leaf and the tree state commit atomically or
not at all, so after a SIGKILL at any instant the log verifies and nothing acknowledged is lost.

A child process (crash_writer.py) appends in a loop and prints each receipt only after `append`
returned; the test kills it at random moments (seeded), reopens the store and checks the log,
then starts the child again on the log it left.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ledger.crypto.checkpoint import verify_checkpoint
from ledger.crypto.keys import decode_base64
from ledger.crypto.merkle import hash_leaf, root_from_leaf_hashes
from ledger.store.application import LedgerStore, StoreDamaged
from ledger.store.config import Storage
from tests.builder import ORIGIN
from tests.store.contract import LOG_KEY, StoreBuilder

WRITER = Path(__file__).with_name("crash_writer.py")
ROUNDS = 6
SEED = 20300101
READY_TIMEOUT = 30.0


class Writer:
    """The child process and the lines it printed, read on a thread so it never blocks."""

    def __init__(self, args: list[str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(WRITER), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.lines: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def wait_ready(self) -> int:
        deadline = time.monotonic() + READY_TIMEOUT
        while not self.lines:
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.kill()
                assert self.process.stderr is not None
                pytest.fail(f"the writer did not start:\n{self.process.stderr.read()}")
            time.sleep(0.01)
        word, size = self.lines[0].split()
        assert word == "ready"
        return int(size)

    def kill(self) -> list[tuple[int, bytes]]:
        """SIGKILL the child; return its acknowledgements (complete lines only)."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()
        self.reader.join()
        for stream in (self.process.stdout, self.process.stderr):
            assert stream is not None
            stream.close()
        acknowledged = []
        for line in self.lines[1:]:
            if line.endswith("\n"):
                index, leaf_hash = line.split()
                acknowledged.append((int(index), decode_base64(leaf_hash, size=32)))
        return acknowledged


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Storage, list[str]]:
    if request.param == "sqlite":
        path = tmp_path / "ledger.sqlite"
        return Storage.sqlite(path), ["sqlite", str(path)]
    url = request.getfixturevalue("postgres_url")
    return Storage.postgres(url), ["postgres", url]


def open_checked(storage: Storage, round_: int) -> LedgerStore:
    try:
        return LedgerStore(storage, ORIGIN, LOG_KEY)
    except StoreDamaged as exc:
        pytest.fail(f"after kill {round_} the store does not open: {exc}")


def test_acknowledged_entries_survive_sigkill(target: tuple[Storage, list[str]]) -> None:
    storage, args = target
    store = LedgerStore(storage, ORIGIN, LOG_KEY)
    builder = StoreBuilder(store)
    builder.standard_cast()
    builder.register_unit("dpm")
    cast_size = store.size
    store.close()

    rng = random.Random(SEED)
    acknowledged: dict[int, bytes] = {}
    size = cast_size
    for round_ in range(1, ROUNDS + 1):
        writer = Writer(args)
        assert writer.wait_ready() == size
        time.sleep(rng.uniform(0.05, 0.5))
        acks = writer.kill()

        # A single writer: its acknowledgements are the next indices, in order.
        assert [index for index, _ in acks] == list(range(size, size + len(acks)))
        acknowledged.update(acks)

        store = open_checked(storage, round_)
        try:
            leaves = list(store.leaves())
            hashes = [hash_leaf(leaf) for leaf in leaves]
            assert len(leaves) == store.size
            # Everything acknowledged is there; at most the one append in flight is extra.
            assert size + len(acks) <= store.size <= size + len(acks) + 1
            for index, leaf_hash in acknowledged.items():
                assert hashes[index] == leaf_hash, f"leaf {index} changed after kill {round_}"
            root = root_from_leaf_hashes(hashes)
            assert store.tree.root() == root
            checkpoint = verify_checkpoint(store.latest_checkpoint(), store.verifier_key)
            assert (checkpoint.tree_size, checkpoint.root_hash) == (store.size, root)
            # The stream events committed with their leaves: none missing, none extra.
            notes = store.stream_entries("oversight/dpm")
            assert notes == [(i, hashes[i]) for i in range(cast_size, store.size)]
            size = store.size
        finally:
            store.close()

    assert len(acknowledged) >= ROUNDS, "the writer was killed before it acknowledged anything"
