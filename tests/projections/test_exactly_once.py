"""Exactly once across crashes (DESIGN §9, projections.projector): the view rows an entry changes and
the tracking position of that entry commit in one transaction, so a projection killed at any
instant and restarted neither loses nor repeats an entry.

A child process (catch_up_child.py, the venv's python) keeps the views caught up while this process
appends to the log; it is SIGKILLed at seeded random moments, after a given number of entries, or
inside an entry's transaction; after each kill the view tables are checked with plain SQL, and after
the final catch-up every answer is checked against the offline fold of the same log."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ledger.log_sources import DataDirSource
from ledger.store.application import LedgerStore
from ledger.store.datadir import SQLITE_FILE
from projections.offline import fold_source
from projections.queries import DatabaseViews
from tests.projections.helpers import (
    BatchBuilder,
    assert_same_answers,
    every_answer,
    leaf_notification_ids,
    new_test_ledger,
    projector_for,
    signer_ids,
    unit_ids,
    unit_life,
    view_bookkeeping,
)

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("catch_up_child.py")
PYTHON = REPO / ".venv" / "bin" / "python"
SEED = 20200708
STORAGES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def spawn(directory: Path, *options: str) -> subprocess.Popen[str]:
    python = PYTHON if PYTHON.exists() else Path(sys.executable)
    return subprocess.Popen(
        [str(python), str(CHILD), str(directory), *options],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(child: subprocess.Popen[str], timeout: float = 60.0) -> tuple[int, str]:
    try:
        _, stderr = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        _, stderr = child.communicate()
        pytest.fail(f"the child did not finish in {timeout} s: {stderr[-2000:]}")
    return child.returncode, stderr


def check_consistent(directory: Path, leaf_ids: list[int]) -> int:
    """The views hold a prefix of the log, exactly once: one history row per leaf 0..n-1, meta says
    n, and the tracking position is leaf n-1's notification. Returns n."""
    facts = view_bookkeeping(directory)
    size = facts["tree_size"]
    assert facts["history_rows"] == facts["distinct_idx"] == size, facts
    if size:
        assert (facts["min_idx"], facts["max_idx"]) == (0, size - 1), facts
        assert facts["tracking"] == leaf_ids[size - 1], facts
    else:
        assert facts["tracking"] in (None, 0), facts
    return int(size)


def check_complete(directory: Path, store: LedgerStore) -> None:
    """Everything caught up: the views hold the whole log and answer as the offline fold does."""
    projector = projector_for(directory)
    leaf_ids = leaf_notification_ids(projector)
    assert len(leaf_ids) == store.size
    assert check_consistent(directory, leaf_ids) == store.size
    assert projector.tracked() == leaf_ids[-1]
    offline = fold_source(DataDirSource(directory))
    assert offline.as_of()["tree_size"] == store.size
    names = {"units": unit_ids(offline), "signers": signer_ids(offline)}
    assert_same_answers(every_answer(DatabaseViews(projector.view), **names), every_answer(offline, **names))


def views_size(directory: Path) -> int:
    """The views' size as the child last committed it (0 before any), read without locking anyone out."""
    with contextlib.closing(sqlite3.connect(f"file:{directory / SQLITE_FILE}?mode=ro", uri=True, timeout=5)) as db:
        try:
            row = db.execute("SELECT value FROM view_meta WHERE name = 'tree_size'").fetchone()
        except sqlite3.OperationalError:  # the child has not created the view tables yet
            return 0
    return int(row[0]) if row else 0


@pytest.fixture
def ledger(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Path, LedgerStore, BatchBuilder]]:
    postgres = None
    if getattr(request, "param", "sqlite") == "postgres":
        postgres = str(request.getfixturevalue("postgres_url"))
    directory = tmp_path / "ledger"
    store = new_test_ledger(directory, postgres_url=postgres)
    builder = BatchBuilder(store)
    builder.standard_cast()
    for n in range(10):
        unit_life(builder, f"unit-{n}", pacts=24)
    builder.flush()
    yield directory, store, builder
    store.close()


@pytest.mark.slow
def test_killed_at_random_moments_while_the_log_grows(ledger: tuple[Path, LedgerStore, BatchBuilder]) -> None:
    """Five rounds: the log grows by 6 units (168 entries), a child catches up and is SIGKILLed once
    its views pass a random size, after a random few milliseconds more (between or inside a
    transaction); the views are checked after every kill; a last child finishes the work."""
    directory, store, builder = ledger
    rng = random.Random(SEED)
    projector = projector_for(directory)
    sizes = [0]
    for round_ in range(5):
        for n in range(6):
            unit_life(builder, f"unit-{round_}-{n}", pacts=18)
        builder.flush()
        target = rng.randint(sizes[-1] + 1, store.size - 1)
        child = spawn(directory)
        deadline = time.monotonic() + 60
        while views_size(directory) < target and child.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0, 0.01))
        os.kill(child.pid, signal.SIGKILL)
        returncode, stderr = finish(child)
        assert returncode == -signal.SIGKILL, stderr
        size = check_consistent(directory, leaf_notification_ids(projector))
        assert target <= size <= store.size, (sizes, target, size, store.size)
        sizes.append(size)
    assert len(set(sizes)) == len(sizes), f"some rounds made no progress: {sizes}"

    returncode, stderr = finish(spawn(directory, "--until-size", str(store.size)))
    assert returncode == 0, stderr
    check_complete(directory, store)


@pytest.mark.parametrize("ledger", STORAGES, indirect=True)
def test_killed_between_entries_and_inside_a_transaction(ledger: tuple[Path, LedgerStore, BatchBuilder]) -> None:
    """A child that dies right after its N-th entry leaves exactly N more in the views; one that
    dies inside its N-th entry's transaction (rows and tracking written, not committed) N - 1."""
    directory, store, builder = ledger
    rng = random.Random(SEED + 1)
    projector = projector_for(directory)
    leaf_ids = leaf_notification_ids(projector)
    size = 0
    for option in ("--die-after", "--die-in-transaction", "--die-after", "--die-in-transaction"):
        count = rng.randint(1, 60)
        returncode, stderr = finish(spawn(directory, option, str(count)))
        assert returncode == -signal.SIGKILL, stderr
        expected = size + (count if option == "--die-after" else count - 1)
        size = check_consistent(directory, leaf_ids)
        assert size == expected, (option, count)
    # The log grows while nobody projects; a last child catches up from where the dead one stopped.
    for n in range(3):
        unit_life(builder, f"late-{n}", pacts=18)
    builder.flush()
    returncode, stderr = finish(spawn(directory, "--until-size", str(store.size)))
    assert returncode == 0, stderr
    check_complete(directory, store)


@pytest.mark.parametrize("ledger", STORAGES, indirect=True)
def test_killed_inside_the_first_transaction(ledger: tuple[Path, LedgerStore, BatchBuilder]) -> None:
    """Dying in the very first entry leaves views with nothing in them, not a half-written leaf 0."""
    directory, store, _ = ledger
    returncode, stderr = finish(spawn(directory, "--die-in-transaction", "1"))
    assert returncode == -signal.SIGKILL, stderr
    facts: dict[str, Any] = view_bookkeeping(directory)
    assert (facts["history_rows"], facts["tree_size"], facts["tracking"]) == (0, 0, None)
    returncode, stderr = finish(spawn(directory, "--until-size", str(store.size)))
    assert returncode == 0, stderr
    check_complete(directory, store)
