"""The views of rules edition 2 (docs/design/rules-edition-2.md) over a builder-made ledger
(tests/projections/edition_2.py): what unit and signer documents say of cycles, proposals,
screening, appeals, decrees, revocation, monitoring and cases, and the five new oversight
questions (open-cases, unmonitored, lapsed, barred, proposals) with their empty twin. Each query
runs over the materialised views and the offline fold of the same data directory, which must agree
to the digest."""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from ledger.errors import MalformedInput
from ledger.log_sources import DataDirSource
from projections import queries as q
from projections.fold import ViewFold
from projections.offline import digest_command, fold_source
from projections.queries import DatabaseViews, MemoryViews, Views
from tests.builder import ORIGIN, LedgerBuilder, key_for
from tests.projections import edition_2 as story
from tests.projections.helpers import projector_for


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("edition-2")
    story.build(root / "story", story.edition_2_story)
    story.build(root / "twin", story.empty_twin)
    return {"story": root / "story", "twin": root / "twin"}


@pytest.fixture(scope="module")
def both(ledgers: dict[str, Path]) -> Iterator[dict[str, dict[str, Views]]]:
    """For each ledger, its materialised views (caught up entry by entry) and its offline fold."""
    out: dict[str, dict[str, Views]] = {}
    for name, directory in ledgers.items():
        projector = projector_for(directory)
        projector.catch_up()  # entry by entry: each document is written when its unit changes
        out[name] = {"database": DatabaseViews(projector.view), "memory": fold_source(DataDirSource(directory))}
    yield out


@pytest.fixture(params=["database", "memory"])
def views(request: pytest.FixtureRequest, both: dict[str, dict[str, Views]]) -> Views:
    return both["story"][request.param]


@pytest.fixture(params=["database", "memory"])
def twin(request: pytest.FixtureRequest, both: dict[str, dict[str, Views]]) -> Views:
    return both["twin"][request.param]


def _rows(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return list(answer["data"])


# --- documents ---------------------------------------------------------------------------------------


def test_the_store_accepted_every_entry_and_the_views_refuse_none(both: dict[str, dict[str, Views]]) -> None:
    memory = both["story"]["memory"]
    assert isinstance(memory, MemoryViews)
    assert memory.fold.refused == []
    assert memory.fold.edition == 2


def test_a_designated_unit_with_its_decree_monitoring_and_open_case(views: Views) -> None:
    doc = views.unit(story.DESIGNATED)
    assert doc is not None
    assert (doc["stage"], doc["predicate"], doc["agency"]) == ("designated", "wbk", "")
    [proposal] = doc["proposals"]
    assert proposal["cycle"] == 2022 and proposal["lapsed"] is False
    assert proposal["screening"]["outcome"] == "passed_with_notes"
    assert proposal["screening"]["notes"] == ["Surat pernyataan belum bermeterai"]
    assert proposal["decision"]["outcome"] == "designated"
    [decree] = doc["decrees"]
    assert decree | {"index": 0, "at": ""} == {
        "act": "designation",
        "predicate": "wbk",
        **story.BATCH_DECREE,
        "index": 0,
        "at": "",
    }
    assert [(m["year"], m["outcome"]) for m in doc["monitoring"]] == [(2023, "maintained")]
    [case] = doc["cases"]
    assert (case["id"], case["stage"], case["concerns"], case["closed"]) == (
        "2023-01",
        "investigation",
        "employee",
        None,
    )
    assert (case["office"], case["office_name"]) == ("kejari-blora", "Kejaksaan Negeri Blora")
    assert doc["open_cases"] == 1
    assert doc["revocation"] is None


def test_the_notes_name_who_signed_and_the_office_of_the_key(views: Views) -> None:
    doc = views.unit(story.DESIGNATED)
    assert doc is not None
    [note] = doc["oversight_notes"]
    assert note["holder"] == {"name": "kajari", "title": "overseer"}
    assert note["office"] == "kejari-blora"  # the body names none: the key's
    assert note["signer_office"] == {"id": "kejari-blora", "name": "Kejaksaan Negeri Blora"}


def test_a_wbk_revoked_while_building_toward_wbbm(views: Views) -> None:
    doc = views.unit(story.REVOKED)
    assert doc is not None
    assert (doc["stage"], doc["predicate"]) == ("revoked", "none")
    assert doc["barred_until"] is not None and doc["barred_until"][:10] == story.BARRED_UNTIL
    revocation = doc["revocation"]
    assert (revocation["predicate"], revocation["ground"], revocation["decree"]) == (
        "wbk",
        "suspect_named",
        story.REVOCATION_DECREE["number"],
    )
    assert [d["act"] for d in doc["decrees"]] == ["designation", "revocation"]
    [case] = doc["cases"]
    assert case["closed"]["outcome"] == "referred" and doc["open_cases"] == 0


def test_an_appeal_granted_then_lapsed_and_proposed_again(views: Views) -> None:
    doc = views.unit(story.APPEALED)
    assert doc is not None
    first, second = doc["proposals"]
    assert first["screening"]["outcome"] == "failed"
    assert first["appeal"]["decided"]["outcome"] == "granted"
    assert first["lapsed"] is True and first["decision"]["outcome"] == "proposed_again"
    assert (second["cycle"], second["lapsed"], second["decision"]) == (2023, False, None)


def test_a_lapsed_proposal_is_marked_when_the_log_passes_the_cycles_end() -> None:
    """The document changes with time alone: the first entry after 31 December marks the lapse."""
    fold = ViewFold(ORIGIN)
    builder = LedgerBuilder(
        state=fold.state,  # sign on the fold's own stream heads
        apply=lambda submission: fold.apply(fold.size, submission.leaf_bytes),
        start=datetime(2021, 11, 2, tzinfo=UTC),
    )
    builder.standard_cast_edition_2()
    builder.clock = story.START
    builder.open_cycle(2022)
    story._building(builder, story.LAPSED, "kecamatan")
    story._nominate(builder, story.LAPSED, 2022)
    assert fold.unit_document(story.LAPSED)["proposals"][-1]["lapsed"] is False
    builder.clock = datetime(2022, 12, 30, tzinfo=UTC)
    changes = fold.apply(fold.size, builder.sign(builder.admin, "unit.registered", "unit/x", _unit("x")).leaf_bytes)
    assert story.LAPSED not in changes.units
    assert fold.unit_document(story.LAPSED)["proposals"][-1]["lapsed"] is False  # 31 December: not yet
    builder.clock = datetime(2023, 1, 1, tzinfo=UTC)
    changes = fold.apply(fold.size, builder.sign(builder.admin, "unit.registered", "unit/y", _unit("y")).leaf_bytes)
    assert story.LAPSED in changes.units  # its materialised document is written again
    assert fold.unit_document(story.LAPSED)["proposals"][-1]["lapsed"] is True


def _unit(name: str) -> dict[str, Any]:
    return {"name": f"Unit {name}", "type": "dinas", "headcount": 5}


def test_history_lines_of_the_new_kinds(views: Views) -> None:
    _, rows = views.history(unit=story.REVOKED, limit=500)
    summaries = {row["kind"]: row["summary"] for row in rows}
    assert summaries["predicate.revoked"] == {
        "predicate": "wbk",
        "ground": "suspect_named",
        "decree": story.REVOCATION_DECREE["number"],
    }
    assert summaries["screening.recorded"] == {"cycle": 2022, "outcome": "passed_with_notes"}
    assert summaries["case.opened"] == {"stage": "investigation", "concerns": "unit_head"}
    assert summaries["case.closed"] == {"outcome": "referred"}
    _, rows = views.history(unit=story.DESIGNATED, limit=500)
    [note] = [row["summary"] for row in rows if row["kind"] == "oversight.noted"]
    assert note == {"office": "kejari-blora", "office_name": "Kejaksaan Negeri Blora", "topic": "accompaniment"}
    designation = [r for r in rows if r["kind"] == "stage.advanced" and r["summary"]["to"] == "designated"]
    assert designation[0]["summary"]["decree"] == story.BATCH_DECREE["number"]


def test_a_signer_document_names_the_office_of_its_key(views: Views) -> None:
    from ledger.crypto.keys import fingerprint

    document = views.signer(fingerprint(key_for("kajari").public_key()))
    assert document is not None
    assert document["office"] == {"id": "kejari-blora", "name": "Kejaksaan Negeri Blora"}


def test_online_and_offline_answers_agree_to_the_digest(both: dict[str, dict[str, Views]]) -> None:
    for name, pair in both.items():
        online, offline = (_every_new_answer(pair["database"]), _every_new_answer(pair["memory"]))
        assert {k: a["digest"] for k, a in online.items()} == {k: a["digest"] for k, a in offline.items()}, name
        units = [u["unit"] for u in pair["memory"].units()]
        for unit in units:
            assert pair["database"].unit(unit) == pair["memory"].unit(unit), unit


def _every_new_answer(views: Views) -> dict[str, dict[str, Any]]:
    return {
        "open-cases": q.open_cases(views),
        "unmonitored": q.unmonitored(views),
        "unmonitored 2024": q.unmonitored(views, year=2024),
        "lapsed": q.lapsed(views),
        "barred": q.barred(views),
        "proposals": q.proposals(views),
        "stalled": q.stalled(views),
    }


# --- the new questions -------------------------------------------------------------------------------------


def test_open_cases_names_the_designated_unit_only(views: Views, twin: Views) -> None:
    answer = q.open_cases(views)
    [row] = _rows(answer)
    assert (row["unit"], row["predicate"], row["case"], row["case_stage"]) == (
        story.DESIGNATED,
        "wbk",
        "2023-01",
        "investigation",
    )
    assert row["office_name"] == "Kejaksaan Negeri Blora"
    assert _rows(q.open_cases(views, concerns="unit_head")) == []  # the closed case concerned a unit head
    assert _rows(q.open_cases(twin)) == []


def test_unmonitored_by_year(views: Views, twin: Views) -> None:
    default = q.unmonitored(views)
    assert default["params"]["year"] == 2023  # the year of the log's last entry
    assert _rows(default) == []  # monitored in 2023
    [row] = _rows(q.unmonitored(views, year=2024))
    assert (row["unit"], row["designated_on"], row["last_monitored"]) == (story.DESIGNATED, "2022-11-30", 2023)
    assert _rows(q.unmonitored(views, year=2022)) == []  # designated in 2022: not due that year
    assert _rows(q.unmonitored(twin, year=2024)) == []


def test_lapsed_proposals(views: Views, twin: Views) -> None:
    rows = _rows(q.lapsed(views))
    assert [(r["unit"], r["cycle"], r["proposed_again"]) for r in rows] == [
        (story.APPEALED, 2022, 2023),
        (story.LAPSED, 2022, None),
    ]
    assert rows[0]["screening"] == "failed" and rows[0]["closes_on"] == "2022-12-31"
    assert _rows(q.lapsed(views, cycle=2023)) == []
    assert _rows(q.lapsed(twin)) == []


def test_barred_until_the_bar_ends(views: Views, twin: Views) -> None:
    answer = q.barred(views)
    [row] = _rows(answer)
    assert (row["unit"], row["predicate"], row["ground"], row["decree"]) == (
        story.REVOKED,
        "wbk",
        "suspect_named",
        story.REVOCATION_DECREE["number"],
    )
    assert row["barred_until"][:10] == story.BARRED_UNTIL
    assert (
        row["days_left"] == (date.fromisoformat(story.BARRED_UNTIL) - date.fromisoformat(answer["params"]["on"])).days
    )
    assert _rows(q.barred(views, on=date(2025, 2, 18))) != []
    assert _rows(q.barred(views, on=date.fromisoformat(story.BARRED_UNTIL))) == []  # the bar is over that day
    assert _rows(q.barred(twin)) == []


def test_proposals_against_the_quota(views: Views, twin: Views) -> None:
    rows = _rows(q.proposals(views))
    by_cycle = {r["cycle"]: r for r in rows}
    assert [(r["cycle"], r["agency"]) for r in rows] == [(2022, ""), (2023, "")]
    assert {k: by_cycle[2022][k] for k in ("quota", "proposed", "remaining", "designated", "lapsed", "pending")} == {
        "quota": 5,
        "proposed": 4,
        "remaining": 1,
        "designated": 2,
        "lapsed": 2,
        "pending": 0,
    }
    assert (by_cycle[2023]["proposed"], by_cycle[2023]["pending"]) == (1, 1)
    assert [r["cycle"] for r in _rows(q.proposals(views, cycle=2023))] == [2023]
    [empty] = _rows(q.proposals(twin))
    assert (empty["cycle"], empty["proposed"], empty["remaining"]) == (2022, 0, 5)


def test_stalled_counts_a_lapsed_proposal_and_not_a_designated_unit(views: Views) -> None:
    rows = {r["unit"]: r for r in _rows(q.stalled(views, days=700))}
    assert rows[story.LAPSED]["lapsed"] == 2022 and rows[story.LAPSED]["days"] < 700  # its cycle closed
    assert story.DESIGNATED not in rows
    assert story.APPEALED not in rows  # proposed again in 2023


# --- the command line ------------------------------------------------------------------------------------

COMMAND_LINE = {
    "open-cases": ["open-cases", "--concerns", "employee"],
    "unmonitored": ["unmonitored", "--year", "2024"],
    "lapsed": ["lapsed", "--cycle", "2022"],
    "barred": ["barred", "--on", "2024-01-01"],
    "proposals": ["proposals"],
}


@pytest.mark.parametrize("query", sorted(COMMAND_LINE))
def test_the_command_line_asks_each_new_question_and_recomputes_it_offline(
    ledgers: dict[str, Path], both: dict[str, dict[str, Views]], capsys: pytest.CaptureFixture[str], query: str
) -> None:
    ledger, argv = ledgers["story"], COMMAND_LINE[query]
    assert main(["oversight", *argv, "--ledger", str(ledger), "--json"]) == 0
    online = json.loads(capsys.readouterr().out)
    assert online["query"] == query and online["data"] != []
    assert main(["views", "digest", str(ledger), *argv, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == online
    printed = shlex.split(digest_command(online))  # what a page prints under the answer
    assert main(["views", "digest", str(ledger), *printed[4:]]) == 0
    assert capsys.readouterr().out.split()[0] == online["digest"]


def test_the_command_line_refuses_a_year_out_of_range(
    ledgers: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["oversight", "unmonitored", "--year", "12", "--ledger", str(ledgers["story"])]) == 1
    assert "invalid_parameter" in capsys.readouterr().err


def test_a_year_out_of_range_is_an_invalid_parameter(views: Views) -> None:
    for ask in (lambda: q.unmonitored(views, year=12), lambda: q.lapsed(views, cycle=3000)):
        with pytest.raises(MalformedInput) as raised:
            ask()
        assert raised.value.code == "invalid_parameter"
    assert q.proposals(views, cycle=2999)["data"] == []  # a year, if no cycle's


def test_failed_reviews_list_a_failed_screening_with_its_notes_and_not_a_passed_one(views: Views) -> None:
    rows = q.failed_reviews(views, level="national")["data"]
    assert [(r["unit"], r["step"], r["year"]) for r in rows] == [(story.APPEALED, "screening", 2022)]
    assert rows[0]["failing_checks"] == ["LKE tidak ditandatangani kepala unit"]
    assert (rows[0]["total"], rows[0]["scores"], rows[0]["outcome"]) == (None, {}, "failed")
    # The designated unit's screening passed with notes: a note is not a failure.
    assert q.failed_reviews(views, unit=story.DESIGNATED)["data"] == []
