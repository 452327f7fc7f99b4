"""The oversight queries select their page in SQL over the selection tables (projections.selection,
issue 16): on SQLite and PostgreSQL they answer exactly as the offline fold does, for every filter,
order and page; views written before those tables answer the same in Python and are filled by the
views' leader; and the tables are what the SQL reads (a damaged row changes the answer)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from projections import queries as q
from projections import selection
from projections.queries import DatabaseViews, MemoryViews, Views
from projections.recorders import UNIT_INDEX_ROWS
from tests.projections.helpers import ON, DemoLedger, assert_same_answers, demo_prefix_ledger, projector_for

STORAGES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def oversight_answers(views: Views) -> dict[str, dict[str, Any]]:
    """Every oversight question with a spread of filters, orders, pages and days (the demo has rows)."""
    out: dict[str, dict[str, Any]] = {}
    for sort in q.UNIT_ORDERS:
        out[f"units by {sort}"] = q.unit_list(views, sort=sort, limit=7, offset=3)
    for below in ("0", "0.5", "0.9", "0.99995", "1"):
        out[f"units below {below}"] = q.unit_list(views, below=below, limit=500)
        out[f"pact gaps below {below}"] = q.pact_gaps(views, below=below, limit=500)
    for filters in ({"type_": "kecamatan"}, {"stage": "building"}, {"predicate": "wbk"}, {"track": "wbk"}):
        out[f"units {filters}"] = q.unit_list(views, **filters, sort="name", limit=500)  # type: ignore[arg-type]
    out["pact gaps page 2"] = q.pact_gaps(views, offset=5, limit=5)
    out["pact gaps dinas building"] = q.pact_gaps(views, type_="dinas", stage="building")
    for on in (None, ON, date(2022, 6, 1), date(2040, 1, 1)):
        for days in (-1, 0, 90, 180, 365, 10**9):
            out[f"stalled {days} on {on}"] = q.stalled(views, days=days, on=on, limit=500)
        for older in (0, 30, 365, 10**9):
            out[f"remediation {older} on {on}"] = q.open_remediation(views, older_than=older, on=on, limit=500)
        out[f"barred on {on}"] = q.barred(views, on=on, limit=500)
    out["stalled page 2"] = q.stalled(views, days=0, on=ON, offset=2, limit=3)
    out["stalled kecamatan"] = q.stalled(views, days=0, on=ON, type_="kecamatan", stage="building")
    out["remediation page 2"] = q.open_remediation(views, on=ON, offset=1, limit=2)
    out["remediation dinas"] = q.open_remediation(views, on=ON, type_="dinas")
    for unit in ("fiktif-puskesmas", "fiktif-dinas-a", "no-such-unit"):
        out[f"remediation of {unit}"] = q.open_remediation(views, on=ON, unit=unit)
        out[f"failed reviews of {unit}"] = q.failed_reviews(views, unit=unit)
    for filters in (
        {},
        {"level": "national"},
        {"level": "internal", "track": "wbk"},
        {"type_": "dinas"},
        {"since": "2022-01-01", "until": "2024-01-01T07:00:00+07:00"},
    ):
        out[f"failed reviews {filters}"] = q.failed_reviews(views, **filters, limit=500)  # type: ignore[arg-type]
    out["failed reviews page 2"] = q.failed_reviews(views, offset=1, limit=2)
    for filters in ({}, {"type_": "puskesmas"}, {"concerns": "employee"}, {"concerns": "unit"}):
        out[f"open cases {filters}"] = q.open_cases(views, **filters)  # type: ignore[arg-type]
    for year in (None, 2023, 2024, 2025, 2026, 2030):
        out[f"unmonitored {year}"] = q.unmonitored(views, year=year, limit=500)
    out["unmonitored dinas"] = q.unmonitored(views, type_="dinas")
    for cycle in (None, 2021, 2022, 2023):
        out[f"lapsed {cycle}"] = q.lapsed(views, cycle=cycle)
        out[f"proposals {cycle}"] = q.proposals(views, cycle=cycle)
    out["lapsed puskesmas"] = q.lapsed(views, type_="puskesmas")
    out["barred dinas"] = q.barred(views, type_="dinas", on=ON)
    out["proposals page 2"] = q.proposals(views, offset=2, limit=2)
    return out


@pytest.fixture(scope="module")
def truth(demo_offline: MemoryViews) -> dict[str, dict[str, Any]]:
    return oversight_answers(demo_offline)


@pytest.fixture(params=STORAGES)
def built(request: pytest.FixtureRequest, demo: DemoLedger, tmp_path: Path) -> Iterator[Path]:
    """The demo ledger with its views rebuilt, in SQLite or PostgreSQL."""
    postgres = None if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))
    directory = tmp_path / "ledger"
    store = demo_prefix_ledger(directory, demo.leaves, demo.size, postgres_url=postgres)
    store.close()
    assert projector_for(directory).rebuild() == demo.size
    yield directory


def _online(directory: Path) -> tuple[DatabaseViews, dict[str, dict[str, Any]]]:
    recorder = projector_for(directory).view
    with recorder.snapshot():
        views = DatabaseViews(recorder)
        return views, oversight_answers(views)


def test_the_demo_has_rows_for_every_question(truth: dict[str, dict[str, Any]]) -> None:
    for name in ("units below 1", "stalled 180 on None", "remediation 0 on None", "failed reviews {}"):
        assert truth[name]["page"]["total"] > 0, name
    for name in ("open cases {}", "unmonitored None", "lapsed None", "barred on None", "proposals None"):
        assert truth[name]["page"]["total"] > 0, name


def test_rebuilt_views_select_in_sql_and_answer_as_the_offline_fold(
    built: Path, truth: dict[str, dict[str, Any]]
) -> None:
    views, online = _online(built)
    assert views.select_units == views.recorder.select_units  # the SQL, not the Python twin
    assert views.select_items == views.recorder.select_items
    assert_same_answers(online, truth)


def test_views_written_before_the_selection_tables_answer_in_python_until_their_leader_fills_them(
    built: Path, truth: dict[str, dict[str, Any]]
) -> None:
    projector = projector_for(built)
    for table in UNIT_INDEX_ROWS:
        projector.view.corrupt_for_test(f"DELETE FROM {table}")
    projector.view.corrupt_for_test("DELETE FROM view_meta WHERE name = 'unit_index'")

    views, online = _online(built)
    assert views.select_units != views.recorder.select_units  # the Python twin over the documents
    assert_same_answers(online, truth)

    assert projector.catch_up() == 0  # nothing new to fold; the leader fills the tables
    assert projector.view.meta()["unit_index"] == selection.UNIT_INDEX
    views, online = _online(built)
    assert views.select_units == views.recorder.select_units
    assert_same_answers(online, truth)


def test_a_damaged_selection_row_changes_the_answers_that_read_it(
    built: Path, truth: dict[str, dict[str, Any]]
) -> None:
    """The negative twin: the SQL reads the selection tables, so their rows decide the answers."""
    projector = projector_for(built)
    view = projector.view
    stalled = truth["stalled 180 on None"]["data"][0]["unit"]
    damage = f"UPDATE view_unit_index SET stage_day = {view.P} WHERE unit = {view.P}"
    view.corrupt_for_test(damage, ("2999-01-01", stalled))
    view.corrupt_for_test("DELETE FROM view_unit_cases")
    _, damaged = _online(built)
    differing = {name for name in truth if damaged[name]["digest"] != truth[name]["digest"]}
    assert {"stalled 180 on None", "open cases {}"} <= differing
    assert "units by unit" not in differing and "lapsed None" not in differing


def test_days_are_counted_to_the_day_asked_without_rewriting_the_views(built: Path, demo_offline: MemoryViews) -> None:
    """The stored days are compared with `on` by the query: a later day stalls more units, ends bars,
    ages remediation, and the answers agree with the offline fold's on every day."""
    recorder = projector_for(built).view
    last = q.default_on(demo_offline.as_of())
    assert last is not None
    bars = []
    for step in range(0, 900, 60):
        on = last + timedelta(days=step)
        with recorder.snapshot():
            online = DatabaseViews(recorder)
            assert q.stalled(online, on=on, limit=500) == q.stalled(demo_offline, on=on, limit=500)
            assert q.barred(online, on=on, limit=500) == q.barred(demo_offline, on=on, limit=500)
            assert q.open_remediation(online, on=on, older_than=365, limit=500) == q.open_remediation(
                demo_offline, on=on, older_than=365, limit=500
            )
            bars.append(q.barred(online, on=on)["page"]["total"])
    assert bars[0] > 0 and bars[-1] == 0  # the demo's bar ends within those days


def test_facets_of_a_document() -> None:
    doc = {
        "unit": "fiktif-a",
        "name": "Dinas Fiktif A",
        "type": "dinas",
        "stage": "building",
        "track": "wbk",
        "predicate": "wbk",
        "stage_since": "2024-03-01T20:00:00Z",
        "barred_until": "2027-06-16T00:00:00Z",
        "pact_coverage": {"valid": 9, "headcount": 12, "ratio": "0.7500"},
        "remediation_open": [{"id": "r1", "opened_at": "2024-01-02T03:04:05Z", "opened_index": 40}],
        "proposals": [
            {"cycle": 2022, "agency": "", "lapsed": True, "decision": None},
            {"cycle": 2023, "agency": "", "lapsed": False, "decision": {"outcome": "designated"}},
        ],
        "decrees": [{"act": "designation", "predicate": "wbk", "date": "2023-12-06"}],
        "monitoring": [{"year": 2024}, {"year": 2024}, {"year": 2025}],
        "cases": [{"opened_index": 50, "concerns": "employee", "closed": None}, {"opened_index": 20, "closed": 7}],
    }
    facets = selection.unit_facets(doc)
    assert (facets["ratio"], facets["stage_day"], facets["barred_day"], facets["designated_year"]) == (
        7500,
        "2024-03-01",
        "2027-06-16",
        2023,
    )
    assert (facets["stage_rank"], facets["predicate_rank"], facets["lapsed_cycle"]) == (
        q_stage_rank("building"),
        -1,
        None,
    )
    assert selection.remediation_rows(doc) == [("fiktif-a", 0, 40, "r1", "2024-01-02")]
    assert selection.case_rows(doc) == [("fiktif-a", 0, 50, "employee")]
    assert selection.proposal_rows(doc) == [
        ("fiktif-a", 0, 2022, "", "lapsed"),
        ("fiktif-a", 1, 2023, "", "designated"),
    ]
    assert selection.monitoring_rows(doc) == [("fiktif-a", 2024), ("fiktif-a", 2025)]
    doc["proposals"][-1] |= {"lapsed": True, "decision": None}  # type: ignore[index]
    assert selection.unit_facets(doc)["lapsed_cycle"] == 2023


def q_stage_rank(stage: str) -> int:
    from ledger.entry import STAGES

    return STAGES.index(stage)


@pytest.mark.parametrize(
    ("below", "bound"),
    [("0", 0), ("1", 10_000), ("0.5", 5_000), ("0.50001", 5_001), ("0.5000000000000000000000000000000001", 5_001)],
)
def test_a_ratio_bound_is_exact(below: str, bound: int) -> None:
    """`ratio < below` as scaled integers, without rounding the asker's digits (28 is Decimal's default precision)."""
    from decimal import Decimal

    assert selection.ratio_bound(Decimal(below)) == bound
    ratios = [Decimal(n).scaleb(-4) for n in range(10_001)]
    assert [r < Decimal(below) for r in ratios] == [n < bound for n in range(10_001)]


def test_a_bound_past_the_calendar_selects_every_day_or_none() -> None:
    assert selection.day_before(date(2026, 1, 31), 30) == "2026-01-01"
    assert selection.day_before(date(2026, 1, 31), 10**9) < "0001-01-01"
    assert selection.day_before(date(2026, 1, 31), -(10**9)) > "9999-12-31"


def test_documents_are_parsed_only_for_the_page(built: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The point of it all: a page of 2 reads 2 unit documents, not every unit's."""
    parsed: list[str] = []
    real = json.loads

    def counting(text: str, *args: Any, **kwargs: Any) -> Any:
        value = real(text, *args, **kwargs)
        if isinstance(value, dict) and "pact_coverage" in value:
            parsed.append(value["unit"])
        return value

    monkeypatch.setattr("projections.recorders.json.loads", counting)
    recorder = projector_for(built).view
    with recorder.snapshot():
        views = DatabaseViews(recorder)
        assert views.select_units(selection.UnitWhere(), "unit", 0, 1_000)[0] > 2
        parsed.clear()
        for ask in (q.unit_list, q.pact_gaps, q.stalled, q.open_remediation):
            parsed.clear()
            answer = ask(views, limit=2)
            assert len(answer["data"]) == min(2, answer["page"]["total"]) and len(set(parsed)) <= 2, ask.__name__
        assert answer["page"]["total"] >= 1
