"""The materialised views (projections.recorders, projections.projector) in SQLite and PostgreSQL:
kept current entry by entry, rebuilt in bulk, or folded offline from an export, the views of one log
at one size give one answer per question (DESIGN §7); a damaged view row is caught by recomputing
offline and repaired by `integritas views rebuild`; a writer reads its own writes over HTTP."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from api.tokens import TokenFile
from api.views import ViewService
from cli.main import main
from ledger.log_sources import DataDirSource, ExportSource
from ledger.store.application import LedgerStore
from ledger.store.export import export_log
from projections import projector as projector_module
from projections import queries as q
from projections import recorders as recorders_module
from projections.offline import fold_source
from projections.projector import ViewProjector
from projections.queries import DatabaseViews
from projections.recorders import Rebuilding, ViewDocuments, ViewRecorder
from tests.builder import PASSING_WBK
from tests.projections.helpers import (
    ON,
    BatchBuilder,
    DemoLedger,
    StoreBuilder,
    append_leaves,
    assert_same_answers,
    demo_prefix_ledger,
    demo_signers,
    every_answer,
    new_test_ledger,
    projector_for,
    signer_ids,
    unit_ids,
    unit_life,
)

STORAGES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
WAIT = 5.0  # seconds a runner-backed view may take to reach a size (it polls every 50 ms)


@pytest.fixture(params=STORAGES)
def postgres(request: pytest.FixtureRequest) -> str | None:
    """None for SQLite; for PostgreSQL the URL of a fresh database (skipped without a server)."""
    return None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


def _online(projector: ViewProjector, **names: Any) -> dict[str, dict[str, Any]]:
    return every_answer(DatabaseViews(projector.view), **names)


def _wait_for_size(projector: ViewProjector, size: int, timeout: float = WAIT) -> int:
    deadline = time.monotonic() + timeout
    while projector.size() < size and time.monotonic() < deadline:
        time.sleep(0.02)
    return projector.size()


@pytest.fixture
def small(tmp_path: Path, postgres: str | None) -> Iterator[tuple[Path, LedgerStore, BatchBuilder]]:
    """A small builder ledger (about 200 entries: five units' first year, one unit designated)."""
    directory = tmp_path / "ledger"
    store = new_test_ledger(directory, postgres_url=postgres)
    builder = BatchBuilder(store)
    builder.standard_cast()
    for n in range(5):
        unit_life(builder, f"dinas-{n}", pacts=18)
    builder.to_designated("dpmptsp")
    builder.flush()
    yield directory, store, builder
    store.close()


# --- incremental, rebuilt and offline views agree -----------------------------------------------------------


@pytest.mark.slow
def test_incremental_rebuilt_and_offline_views_agree(
    demo: DemoLedger, demo_offline: Any, tmp_path: Path, postgres: str | None
) -> None:
    """The demo's first 4,096 leaves rebuilt in bulk, then the rest appended in two rounds, each
    caught up entry by entry (the second by a restarted projector): after the rebuild and every round
    the views answer every question as the offline fold of the log at that size does; at the end a
    rebuild changes no answer, and an export folded offline at 4,096 gives the answers of that size."""
    directory = tmp_path / "ledger"
    store = demo_prefix_ledger(directory, demo.leaves, 4096, postgres_url=postgres)
    projector = projector_for(directory)
    assert projector.rebuild() == 4096
    recorded: dict[int, tuple[dict[str, Any], dict[str, dict[str, Any]]]] = {}
    try:
        previous = 4096
        for size in (4096, 4400, demo.size):
            append_leaves(store, demo.leaves, size)
            if size == demo.size:
                projector = projector_for(directory)  # a restart: the fold's memory comes from the log
            assert projector.catch_up() == size - previous
            assert projector.catch_up() == 0
            assert projector.size() == size
            offline = fold_source(DataDirSource(directory), size)
            names = {"units": unit_ids(offline), "signers": demo_signers(offline)}  # who exists at this size
            online = _online(projector, **names)
            assert_same_answers(online, every_answer(offline, **names))
            assert {a["as_of"]["tree_size"] for a in online.values()} == {size}
            recorded[size], previous = (names, online), size

        names, incremental = recorded[demo.size]
        assert names["units"] == sorted(demo_offline.fold.state.units) and names["signers"] == demo_signers()
        assert projector.rebuild() == demo.size
        assert_same_answers(_online(projector, **names), incremental)
        assert projector.catch_up() == 0

        export = tmp_path / "export"
        assert export_log(store, export) == demo.size
        source = ExportSource(export)
        for size in (4096, demo.size):  # the sizes whose leaves end on a tile boundary of the export
            names, answers = recorded[size]
            assert_same_answers(every_answer(fold_source(source, size), **names), answers)
    finally:
        store.close()


def test_the_online_views_equal_the_offline_fold_of_an_integritas_export(
    small: tuple[Path, LedgerStore, BatchBuilder], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory, store, _ = small
    projector = projector_for(directory)
    assert projector.catch_up() == store.size
    assert main(["export", "--ledger", str(directory), str(tmp_path / "export")]) == 0
    assert f"exported {store.size} entries" in capsys.readouterr().out
    offline = fold_source(ExportSource(tmp_path / "export"))
    names = {"units": unit_ids(offline), "signers": signer_ids(offline)}
    online = _online(projector, **names)
    assert_same_answers(online, every_answer(offline, **names))
    assert online["unit dpmptsp"]["data"]["stage"] == "designated"
    assert [r["id"] for r in online["remediation"]["data"]] == [f"dinas-{n}-2" for n in range(5)]


def test_an_earlier_answer_is_recomputed_from_a_later_export(
    small: tuple[Path, LedgerStore, BatchBuilder], tmp_path: Path
) -> None:
    directory, store, builder = small
    projector = projector_for(directory)
    projector.catch_up()
    earlier = q.unit_list(DatabaseViews(projector.view))
    StoreBuilder(store).continue_from(builder).register_unit("kec-jati")
    export_log(store, tmp_path / "export")
    again = q.unit_list(fold_source(ExportSource(tmp_path / "export"), earlier["as_of"]["tree_size"]))
    assert (again["as_of"], again["digest"]) == (earlier["as_of"], earlier["digest"])


@pytest.mark.parametrize("batches", ["national", "tiny"])
def test_catching_up_after_each_append_equals_one_rebuild(
    small: tuple[Path, LedgerStore, BatchBuilder], batches: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entry by entry (many small rounds, two projectors taking turns after restarts) or all at once.
    The rebuild writes its history rows, pact events and assessments while it folds, and its
    documents in batches: with tiny batches, a small log goes through every boundary a national one
    does."""
    if batches == "tiny":
        monkeypatch.setattr(projector_module, "ROWS_BATCH", 3)
        monkeypatch.setattr(recorders_module, "BATCH_ROWS", 2)
    directory, store, builder = small
    projector = projector_for(directory)
    projector.catch_up()
    writer = StoreBuilder(store).continue_from(builder)
    writer.register_unit("kec-jiken", headcount=3)
    assert projector.catch_up() == 3  # the unit, its head's key and its registrar's key
    for step in range(3):
        writer.sign_pacts("kec-jiken", 1, start=step)
        if step == 1:
            projector = projector_for(directory)
        assert projector.catch_up() == 1
    writer.stage("kec-jiken", "registered", "declared")
    writer.stage("kec-jiken", "declared", "building")
    writer.assess("kec-jiken", "internal", "lke", PASSING_WBK, "passed")
    writer.stage("kec-jiken", "building", "nominated")
    assert projector.catch_up() == 4
    offline = fold_source(DataDirSource(directory))
    names = {"units": unit_ids(offline), "signers": signer_ids(offline)}
    incremental = _online(projector, **names)
    projector_for(directory).rebuild()
    assert_same_answers(_online(projector_for(directory), **names), incremental)
    assert_same_answers(incremental, every_answer(offline, **names))
    assert incremental["unit kec-jiken"]["data"]["stage"] == "nominated"


def test_view_tables_hold_one_row_per_leaf_and_the_employees(small: tuple[Path, LedgerStore, BatchBuilder]) -> None:
    directory, store, _ = small
    projector = projector_for(directory)
    projector.catch_up()
    views = DatabaseViews(projector.view)
    total, rows = views.history(limit=10_000)
    assert total == store.size and [r["index"] for r in rows] == list(range(store.size))
    offline = fold_source(DataDirSource(directory))
    for unit in unit_ids(offline):
        assert views.employees(unit) == offline.employees(unit)
    released = next(e for e in views.employees("dinas-0") if not e["valid"])
    assert [e["kind"] for e in released["events"]] == ["pact.signed", "pact.released"]
    assert views.assessments() == offline.assessments()
    assert projector.view.meta()["refused"] == []


def test_views_whose_employee_documents_hold_their_events_are_split_by_their_leader(
    small: tuple[Path, LedgerStore, BatchBuilder],
) -> None:
    """Views written before the pact events had rows of their own (issue 16) held them inside each
    employee's document: they read the same until the views' leader splits them, before it folds a
    new entry, and a pact entry after the split adds to the employee's events (without the split the
    new event's row would stand alone and the older events be lost with the rewritten document)."""
    directory, _, builder = small
    projector = projector_for(directory)
    projector.catch_up()
    view = projector.view
    offline = fold_source(DataDirSource(directory))
    units = unit_ids(offline)
    # The old layout: every employee's events inside its document, no rows, no meta.
    for unit in units:
        for employee in offline.employees(unit):
            view.corrupt_for_test(
                f"UPDATE view_employees SET doc = {view.P} WHERE unit = {view.P} AND number = {view.P}",
                (json.dumps(employee), unit, employee["number"]),
            )
    # An older release's rebuild clears the meta, not the rows of this table: they are stale.
    view.corrupt_for_test("UPDATE view_employee_events SET event = '{\"stale\": true}'")
    view.corrupt_for_test("DELETE FROM view_meta WHERE name = 'employee_events'")
    views = DatabaseViews(view)
    for unit in units:
        assert views.employees(unit) == offline.employees(unit)  # read as they are, until split

    released = next(e for e in views.employees("dinas-0") if not e["valid"])
    builder.sign_pacts("dinas-0", 1, start=int(released["number"][-5:]))  # signed again after the release
    builder.flush()
    assert projector_for(directory).catch_up() == 1
    assert view.meta()["employee_events"] == projector_module.EMPLOYEE_EVENTS
    with view._cursor(commit=False) as c:
        c.execute("SELECT COUNT(*) AS n FROM view_employee_events")
        rows = int(c.fetchone()["n"])
        c.execute("SELECT doc FROM view_employees")
        assert not any("events" in json.loads(row["doc"]) for row in c.fetchall())
    offline = fold_source(DataDirSource(directory))
    assert rows == sum(len(e["events"]) for unit in units for e in offline.employees(unit)) > 0
    for unit in units:
        assert DatabaseViews(view).employees(unit) == offline.employees(unit)
    again = DatabaseViews(view).employee("dinas-0", released["number"])
    assert again is not None and [e["kind"] for e in again["events"]] == ["pact.signed", "pact.released", "pact.signed"]


@pytest.mark.parametrize("how", ["one by one", "in a batch"])
def test_a_failed_view_write_loses_no_row_of_the_entries_it_held(
    small: tuple[Path, LedgerStore, BatchBuilder], how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write of the views that fails for another reason than a duplicate (a lock, a dropped
    connection) rolls back, while the fold already holds its entries: the projection forgets the
    fold and folds again to the tables' position before it goes on, so the next round writes those
    entries' history rows and pact events. Kept, they would be skipped as "already in the views",
    and an employee's event lost for good (the twin: without the forgetting, this test fails)."""
    directory, store, builder = small
    projector = projector_for(directory)
    projector.catch_up()
    employees = [e for e in DatabaseViews(projector.view).employees("dinas-0") if e["valid"]][:2]
    for employee in employees:
        builder.sign_pacts("dinas-0", 1, start=int(employee["number"][-5:]))  # signed again: one more event
    builder.flush()
    write, failures = projector.view.write, [RuntimeError("the database went away (simulated)")]

    def failing_once(*args: Any, **kwargs: Any) -> None:
        if failures:
            raise failures.pop()
        write(*args, **kwargs)

    monkeypatch.setattr(projector.view, "write", failing_once)
    if how == "one by one":  # the catch-up's way
        with pytest.raises(RuntimeError, match="went away"):
            projector.catch_up()
        assert projector.catch_up() == 2
    else:  # the server's runner: what was delivered, in one write
        pending = list(projector._notifications(projector.tracked()))
        batch = [
            (projector.events.mapper.to_domain_event(n), Tracking(projector_module.APPLICATION_NAME, n.id))
            for n in pending
        ]
        with pytest.raises(RuntimeError, match="went away"):
            projector.projection.process_events(batch)
        projector.start()
        projector.projection.process_events(batch)
    offline = fold_source(DataDirSource(directory))
    online = DatabaseViews(projector.view)
    for employee in employees:
        now = online.employee("dinas-0", employee["number"])
        assert now == offline.employee("dinas-0", employee["number"])
        assert now is not None and len(now["events"]) == len(employee["events"]) + 1
    assert online.history(limit=10_000)[0] == store.size
    names = {"units": unit_ids(offline), "signers": signer_ids(offline)}
    assert_same_answers(every_answer(online, **names), every_answer(offline, **names))


def test_views_written_before_as_of_had_a_time_get_it_at_the_next_catch_up(
    small: tuple[Path, LedgerStore, BatchBuilder],
) -> None:
    """A release before `as_of.at` wrote no `at` in the views' meta: the next catch-up (or server start)
    folds what the views hold and writes it, with no new entry needed."""
    directory, _, _ = small
    projector = projector_for(directory)
    projector.catch_up()
    offline = fold_source(DataDirSource(directory))
    assert offline.as_of()["at"] is not None
    assert DatabaseViews(projector.view).as_of() == offline.as_of()
    projector.view.corrupt_for_test(f"DELETE FROM view_meta WHERE name = {projector.view.P}", ("at",))
    assert DatabaseViews(projector.view).as_of()["at"] is None  # as the older release left them
    again = projector_for(directory)
    assert again.catch_up() == 0
    assert DatabaseViews(again.view).as_of() == offline.as_of()
    assert q.stalled(DatabaseViews(again.view), days=0) == q.stalled(offline, days=0)


# --- a damaged view is caught and repaired ---------------------------------------------------------------------


def test_a_corrupted_view_row_is_detected_offline_and_repaired_by_rebuild(
    small: tuple[Path, LedgerStore, BatchBuilder], capsys: pytest.CaptureFixture[str]
) -> None:
    directory, store, _ = small
    projector = projector_for(directory)
    projector.catch_up()
    view: ViewRecorder = projector.view
    offline = fold_source(DataDirSource(directory))
    names = {"units": unit_ids(offline), "signers": signer_ids(offline)}
    truth = every_answer(offline, **names)
    assert_same_answers(_online(projector, **names), truth)

    # Someone with database access promotes a unit and hides a remediation item and a history line.
    doc = view.unit("dinas-3")
    assert doc is not None
    doc.update(stage="designated", predicate="wbk", remediation_open=[])
    view.corrupt_for_test(f"UPDATE view_units SET doc = {view.P} WHERE unit = {view.P}", (json.dumps(doc), "dinas-3"))
    view.corrupt_for_test(
        f"DELETE FROM view_history WHERE idx = {view.P}", (truth["history dinas-1"]["data"][3]["index"],)
    )

    damaged = _online(projector, **names)
    differing = sorted(name for name in truth if damaged[name]["digest"] != truth[name]["digest"])
    assert {"unit dinas-3", "units", "remediation", "stalled 0", "history dinas-1", "history dinas-1 page 2"} <= set(
        differing
    )
    assert "unit dinas-0" not in differing and "history dinas-0" not in differing
    assert "counts" not in differing  # region counts live in view_meta, which was left alone
    # Same as_of, different digest: the offline recomputation names the damaged answers.
    assert damaged["unit dinas-3"]["as_of"] == truth["unit dinas-3"]["as_of"]

    assert main(["views", "rebuild", "--ledger", str(directory)]) == 0
    assert f"views rebuilt from {store.size} entries" in capsys.readouterr().out
    assert_same_answers(_online(projector_for(directory), **names), truth)


# --- reads-your-writes -----------------------------------------------------------------------------------------


def test_a_runner_backed_view_reaches_each_appended_size(small: tuple[Path, LedgerStore, BatchBuilder]) -> None:
    directory, store, builder = small
    projector = projector_for(directory)
    projector.run()
    try:
        assert _wait_for_size(projector, store.size) == store.size
        writer = StoreBuilder(store).continue_from(builder)
        writer.register_unit("kec-cepu", headcount=2)
        for target in ("declared", "building"):
            if target == "building":
                writer.sign_pacts("kec-cepu", 2)
            receipt = writer.stage("kec-cepu", "registered" if target == "declared" else "declared", target)
            assert _wait_for_size(projector, receipt.leaf_index + 1) >= receipt.leaf_index + 1
            unit = DatabaseViews(projector.view).unit("kec-cepu")
            assert unit is not None and unit["stage"] == target
        assert projector.size() == store.size
    finally:
        projector.stop()


def test_the_runner_writes_what_has_arrived_at_once_with_the_same_answers(
    small: tuple[Path, LedgerStore, BatchBuilder],
) -> None:
    """The server's runner (projections.projector.BatchingRunner) folds the events waiting for it and
    writes them in one transaction: fewer writes than entries, and the views answer as the offline fold."""
    directory, store, _ = small
    projector = projector_for(directory)
    tracked: list[Any] = []
    write = projector.view.write

    def counted(documents: ViewDocuments, **rest: Any) -> None:
        tracked.append(rest["tracking"])
        write(documents, **rest)

    projector.view.write = counted  # type: ignore[method-assign]
    projector.run()
    try:
        assert _wait_for_size(projector, store.size) == store.size
    finally:
        projector.stop()
    positions = [tracking.notification_id for tracking in tracked if tracking is not None]
    assert positions == sorted(positions) and len(positions) < store.size / 2
    offline = fold_source(DataDirSource(directory))
    names = {"units": unit_ids(offline), "signers": signer_ids(offline)}
    assert_same_answers(_online(projector, **names), every_answer(offline, **names))
    assert projector.catch_up() == 0


@pytest.fixture
def token(tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "tokens.json"
    return path, TokenFile(path).add("Kejaksaan Negeri Blora", "overseer")[1]


def test_after_index_reads_your_writes_over_http(
    small: tuple[Path, LedgerStore, BatchBuilder], token: tuple[Path, str]
) -> None:
    directory, store, builder = small
    path, secret = token
    headers = {"authorization": f"Bearer {secret}"}
    app = create_app(Settings(ledger_dir=directory, token_file=path), store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        writer = StoreBuilder(store).continue_from(builder)
        writer.register_unit("kec-jepon", headcount=2)
        declared = writer.stage("kec-jepon", "registered", "declared")
        response = client.get(f"/v1/units/kec-jepon?after={declared.leaf_index}", headers=headers)
        assert response.status_code == 200, response.text
        answer = response.json()
        assert answer["data"]["stage"] == "declared"
        assert answer["as_of"]["tree_size"] >= declared.leaf_index + 1

        writer.sign_pacts("kec-jepon", 1)
        released = writer.submit(
            writer.registrars["kec-jepon"], "pact.released", "pact/kec-jepon/198001012010000000", {"reason": "retired"}
        )
        gaps = client.get(f"/v1/oversight/pact-gaps?after={released.leaf_index}&below=0.5", headers=headers)
        assert gaps.status_code == 200, gaps.text
        [row] = gaps.json()["data"]
        assert (row["unit"], row["valid"], row["missing"]) == ("kec-jepon", 0, 2)
        assert [e["reason"] for e in row["released"]] == ["retired"]
        history = client.get(f"/v1/units/kec-jepon/history?after={released.leaf_index}", headers=headers).json()
        assert [row["kind"] for row in history["data"]][-2:] == ["pact.signed", "pact.released"]
        assert history["page"]["total"] == 4
        unit = client.get(f"/v1/units/kec-jepon?after={released.leaf_index}", headers=headers).json()
        assert unit["data"]["pact_coverage"] == {"valid": 0, "headcount": 2, "ratio": "0.0000"}
        assert [r["reason"] for r in unit["data"]["released_pacts"]] == ["retired"]

        # The answer can be checked offline at its own size.
        offline = fold_source(DataDirSource(directory), unit["as_of"]["tree_size"])
        assert q.unit_status(offline, "kec-jepon")["digest"] == unit["digest"]
        stalled = client.get(f"/v1/oversight/stalled?days=0&on={ON}&after={released.leaf_index}", headers=headers)
        answer = stalled.json()
        again = q.stalled(fold_source(DataDirSource(directory), answer["as_of"]["tree_size"]), days=0, on=ON)
        assert answer["digest"] == again["digest"]

        beyond = client.get(f"/v1/units/kec-jepon?after={app.state.store.size + 5}", headers=headers)
        assert beyond.status_code == 404 and beyond.json()["code"] == "index_out_of_range"
        assert client.get("/v1/units/kec-jepon").status_code == 401


# --- known faults -----------------------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_the_server_projection_survives_a_catch_up_by_another_process(
    small: tuple[Path, LedgerStore, BatchBuilder],
) -> None:
    directory, store, builder = small
    service = ViewService(store.storage, store.origin)
    service.start()
    try:
        assert service.wait_for(store.size, timeout=WAIT)
        writer = StoreBuilder(store).continue_from(builder)
        # While the server leads, a catch-up elsewhere writes nothing: the server keeps the views.
        writer.register_unit("kec-kunduran", headcount=2)
        assert projector_for(directory).catch_up() == 0
        # A writer that ignores the views lock (an older server, say) gets to new entries first: the
        # server's runner must notice that its memory is behind the tables and carry on.
        with service.projector.projection.lock:
            writer.register_unit("kec-sambong", headcount=2)
            rogue = projector_for(directory)
            rogue.views_lock.acquire = lambda *, blocking: True  # type: ignore[method-assign]
            assert rogue.catch_up() >= 3
        receipt = writer.stage("kec-kunduran", "registered", "declared")
        assert service.wait_for(receipt.leaf_index + 1, timeout=3.0), (
            f"views stuck at {service.projector.size()}, log at {store.size}"
        )
    finally:
        with contextlib.suppress(Exception):  # a dead runner re-raises its error when stopped
            service.stop()


def test_a_failed_rebuild_leaves_the_views_as_they_were(
    small: tuple[Path, LedgerStore, BatchBuilder], monkeypatch: pytest.MonkeyPatch
) -> None:
    directory, store, builder = small
    projector = projector_for(directory)
    projector.catch_up()
    tracked = projector.tracked()
    finish = Rebuilding.finish

    def failing(self: Rebuilding, documents: ViewDocuments, tracking: Any) -> None:
        finish(self, documents, tracking)  # the old rows deleted, every new one written in the transaction; then
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Rebuilding, "finish", failing)
    with pytest.raises(OSError):
        projector.rebuild()
    monkeypatch.undo()

    fresh = projector_for(directory)
    assert (fresh.tracked(), fresh.size()) == (tracked, store.size)
    StoreBuilder(store).continue_from(builder).register_unit("kec-sambong", headcount=2)
    assert fresh.catch_up() == 3
    assert fresh.size() == store.size


def test_an_answer_is_read_from_one_snapshot(small: tuple[Path, LedgerStore, BatchBuilder]) -> None:
    directory, store, builder = small
    projector = projector_for(directory)
    projector.run()
    try:
        assert _wait_for_size(projector, store.size) == store.size
        writer = StoreBuilder(store).continue_from(builder)

        def change_while_reading() -> None:
            receipt = writer.submit(writer.admin, "unit.headcount_set", "unit/dinas-2", {"headcount": 40})
            assert _wait_for_size(projector, receipt.leaf_index + 1) == store.size

        def answer_slowly(views: DatabaseViews, unit: str) -> dict[str, Any]:
            as_of = views.as_of()  # a request starts reading ...
            worker = threading.Thread(target=change_while_reading)  # ... the runner writes ...
            worker.start()
            worker.join()
            answer = q.unit_status(views, unit)  # ... and the request reads on
            assert answer["as_of"] == as_of
            return answer

        answer = q.read(projector.view, answer_slowly, "dinas-2")
        offline = fold_source(DataDirSource(directory), answer["as_of"]["tree_size"])
        assert answer["digest"] == q.unit_status(offline, "dinas-2")["digest"], (
            f"as_of {answer['as_of']['tree_size']} but headcount {answer['data']['headcount']}"
        )
    finally:
        projector.stop()


def test_a_rebuild_on_sqlite_gives_its_write_ahead_log_back(
    small: tuple[Path, LedgerStore, BatchBuilder], monkeypatch: pytest.MonkeyPatch, postgres: str | None
) -> None:
    """A rebuild is one transaction: on SQLite the whole views pass through the write-ahead log, which
    is truncated after it (else the disk holds the views twice). Twin: without that step the log is
    left holding them."""
    if postgres is not None:
        pytest.skip("a PostgreSQL ledger has no SQLite write-ahead log")
    directory, _, _ = small
    projector = projector_for(directory)
    database = Path(str(projector.storage.sqlite_path))
    wal = Path(f"{database}-wal")
    projector.rebuild()
    assert not wal.exists() or wal.stat().st_size == 0
    monkeypatch.setattr(projector_module, "give_back_wal", lambda database: None)
    projector_for(directory).rebuild()
    assert wal.exists() and wal.stat().st_size > 100_000
