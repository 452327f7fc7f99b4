"""The five edition-2 questions over the Blora demo, written under rules edition 2 (issue 11 item 11):
each names the demo's own answers, and every adverse row names a plainly fictional unit."""

from __future__ import annotations

from datetime import date

import pytest

from projections import queries as q
from projections.queries import MemoryViews


@pytest.fixture(scope="module")
def views(demo_offline: MemoryViews) -> MemoryViews:
    policy = demo_offline.fold.state.policy
    # The demo is edition 3 since issue 15: edition 2 with persons held as commitments, so the
    # edition-2 questions are asked of it unchanged.
    assert policy is not None and policy.rules == 3
    return demo_offline


def _units(answer: dict[str, object]) -> list[str]:
    return [row["unit"] for row in answer["data"]]  # type: ignore[attr-defined]


def test_the_demo_asks_as_of_its_last_entry(views: MemoryViews) -> None:
    assert views.as_of()["at"] == "2026-11-16T04:00:00Z"


def test_open_cases_the_fictional_puskesmas_only(views: MemoryViews) -> None:
    [row] = q.open_cases(views)["data"]
    assert (row["unit"], row["predicate"], row["case"], row["case_stage"], row["concerns"]) == (
        "fiktif-puskesmas",
        "wbk",
        "2025-1",
        "inquiry",
        "employee",
    )
    assert row["office_name"] == "Kepolisian Resor Blora"  # the office of the key that opened it


def test_unmonitored_in_2026_and_none_in_2025(views: MemoryViews) -> None:
    answer = q.unmonitored(views)
    assert answer["params"]["year"] == 2026
    assert [(r["unit"], r["designated_on"], r["last_monitored"]) for r in answer["data"]] == [
        ("fiktif-puskesmas", "2023-12-06", 2025)
    ]
    assert q.unmonitored(views, year=2025)["data"] == []


def test_lapsed_the_2022_proposal_proposed_again_in_2023(views: MemoryViews) -> None:
    rows = q.lapsed(views)["data"]
    assert [(r["unit"], r["cycle"], r["closes_on"], r["proposed_again"]) for r in rows] == [
        ("fiktif-puskesmas", 2022, "2022-12-31", 2023)
    ]
    assert views.unit("fiktif-puskesmas")["proposals"][-1]["decision"]["outcome"] == "designated"  # type: ignore[index]


def test_barred_the_fictional_dinas_whose_wbk_was_revoked(views: MemoryViews) -> None:
    [row] = q.barred(views)["data"]
    assert (row["unit"], row["predicate"], row["ground"], row["stage"]) == (
        "fiktif-dinas-a",
        "wbk",
        "suspect_named",
        "building",
    )
    assert row["barred_until"] == "2027-06-16T00:00:00Z" and row["days_left"] == 212
    assert q.barred(views, on=date(2027, 6, 16))["data"] == []


def test_proposals_per_cycle_against_the_quota(views: MemoryViews) -> None:
    rows = q.proposals(views)["data"]
    counts = ("quota", "proposed", "designated", "returned", "lapsed", "pending")
    assert [(r["cycle"], *(r[k] for k in counts)) for r in rows] == [
        (2019, 5, 0, 0, 0, 0, 0),
        (2020, 5, 0, 0, 0, 0, 0),
        (2021, 5, 3, 3, 0, 0, 0),
        (2022, 5, 3, 2, 0, 1, 0),
        (2023, 4, 4, 3, 1, 0, 0),
        (2024, 4, 2, 2, 0, 0, 0),
        (2025, 4, 2, 2, 0, 0, 0),
        (2026, 4, 2, 0, 0, 0, 2),
    ]
    assert all(r["proposed"] <= r["quota"] for r in rows)


def test_every_adverse_answer_names_a_fictional_unit(views: MemoryViews) -> None:
    adverse = _units(q.open_cases(views)) + _units(q.barred(views)) + _units(q.lapsed(views))
    assert adverse and all(unit.startswith("fiktif-") for unit in adverse)
