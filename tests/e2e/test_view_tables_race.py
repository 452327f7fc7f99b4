"""Server workers starting together (api/app.py lifespan: open the store, build the views service).

Regression, views: `ViewProjector` creates the view tables and eventsourcing's tracking table; that
ran outside any lock, and two workers starting together on a fresh ledger collided; the second
one's startup failed and uvicorn stopped the whole server ("Child process [...] failed to start,
stopping the parent process"). Seen in the end-to-end runs of `integritas serve --workers 2`, in
about one start in five to ten:

- PostgreSQL: the second `CREATE TABLE IF NOT EXISTS` waited on the first's uncommitted catalog row
  and failed: "duplicate key value violates unique constraint pg_type_typname_nsp_index ...
  (integritas_views_tracking, 2200) already exists";
- SQLite: both saw no tracking table, so both inserted its migration record after creating it; the
  second failed: "IntegrityError: Failed to record tracking for __migration__ 1".

Those tables are now created under the ledger's writer lock (projections/projector.py). PostgreSQL
also failed on eventsourcing's own DDL at every Application construction (`CREATE OR REPLACE
FUNCTION es_insert_events_text`, "tuple concurrently updated"); `LedgerStore.__init__` and the
projector's `LedgerEvents` now construct under the writer lock too.

Two more, found when the workers below ran the app's whole lifespan instead of its first two
steps (a CI run had lost its PostgreSQL two-worker server right after it answered, session 6):
the views runner's own `LedgerEvents` ran eventsourcing's DDL outside the writer lock ("tuple
concurrently updated" against a starting worker; about 1 start in 7 here), and a starting worker's
`CREATE INDEX IF NOT EXISTS` on a view table deadlocked with the running views writer ("deadlock
detected", on restarts). The runner now skips the DDL (projections/projector.py) and PostgreSQL's
view recorder creates nothing when every table and index is there (projections/recorders.py).

WORKERS processes, each running the app's lifespan as a uvicorn worker does at its start (and then
its shutdown), are released at the same instant, on a fresh ledger and then on the same ledger again
(restarts); every one must start.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import (
    PYTHON,
    ROOT,
    clean_environment,
    create_database,
    drop_database,
    postgres_server,
    prepare_ledger,
)

WORKERS = 8
ROUNDS = 2  # on a fresh ledger, then a restart
READY_TIMEOUT = 60.0
RUN_TIMEOUT = 60.0

WORKER = """
import asyncio, pathlib, sys, time
from api.app import create_app
from api.settings import Settings

directory, signals, number = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2]), sys.argv[3]
(signals / f"ready-{number}").touch()
deadline = time.monotonic() + 60
while not (signals / "go").exists():
    if time.monotonic() > deadline:
        sys.exit("no go")
    time.sleep(0.001)


async def start_and_stop() -> None:
    # What a uvicorn worker does at its start: the app's whole lifespan (api/app.py), then its end.
    app = create_app(Settings(ledger_dir=directory))
    async with app.router.lifespan_context(app):
        store = app.state.store
        print("started, size", store.size, "tracked", app.state.views.projector.tracked(), flush=True)


asyncio.run(start_and_stop())
"""


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgres",
            marks=[pytest.mark.postgres],
        ),
    ]
)
def fresh_ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Path]:
    """A ledger directory whose database holds the event tables only (as after `integritas init`)."""
    directory = tmp_path / "ledger"
    if request.param == "sqlite":
        prepare_ledger(directory, None)
        yield directory
        return
    server = postgres_server()
    dbname, url = create_database(server)
    try:
        prepare_ledger(directory, url)
        yield directory
    finally:
        drop_database(server, dbname)


def start_together(ledger_dir: Path, signals: Path, workers: int = WORKERS) -> list[str]:
    """Start `workers` worker startups at the same instant; the failures, one line each."""
    signals.mkdir()
    processes = [
        subprocess.Popen(
            [PYTHON, "-c", WORKER, str(ledger_dir), str(signals), str(n)],
            cwd=ROOT,
            env=clean_environment(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while len(list(signals.glob("ready-*"))) < workers:
            assert time.monotonic() < deadline, "the workers did not get ready"
            assert all(p.poll() is None for p in processes), "a worker exited before the start"
            time.sleep(0.01)
        (signals / "go").touch()
        results = [p.communicate(timeout=RUN_TIMEOUT) for p in processes]
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    failures = []
    for n, (process, (out, err)) in enumerate(zip(processes, results, strict=True)):
        if process.returncode != 0 or "started, size" not in out:
            failures.append(f"worker {n}: exit {process.returncode}: {err.strip()[-3000:] or out.strip()}")
    return failures


def test_workers_starting_together_all_start(fresh_ledger: Path, tmp_path: Path) -> None:
    """On a fresh ledger (tables created by whoever is first), then again on the same ledger (a restart)."""
    for round_number in range(ROUNDS):
        failures = start_together(fresh_ledger, tmp_path / f"signals-{round_number}")
        what = "a fresh ledger" if round_number == 0 else f"restart {round_number}"
        assert not failures, f"{what}: " + "\n".join(failures)
