"""The oversight questions (DOMAIN.md) over the demo's views (projections.queries): their filters,
their stable order and pagination, their envelope (as_of, digest), and their refusals. Each test
runs over the materialised views (DatabaseViews) and over the offline fold (MemoryViews)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest

from demo.cast import DEMO_UNITS
from demo.story import DEMO_OUTCOMES
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.keys import encode_base64
from ledger.entry import parse_leaf
from ledger.errors import MalformedInput, NotFound
from ledger.log_sources import DataDirSource
from projections import queries as q
from projections.queries import DatabaseViews, MemoryViews, Views
from tests.projections.helpers import ON, DemoLedger, demo_fingerprint, every_answer, projector_for, signer_ids

KAJARI = "overseer/district_prosecutor"
# Stage changed within 700 days of 2026-11-30: not stalled (the two proposals of 2026, and Dinas
# Contoh A, declared again after its revocation).
MOVED_SINCE_2024 = {"dinsos", "disdik", "fiktif-dinas-a"}
STALLED_700 = {u for u, o in DEMO_OUTCOMES.items() if o.stage != "designated"} - MOVED_SINCE_2024


@pytest.fixture(scope="module")
def database_views(demo: DemoLedger, tmp_path_factory: pytest.TempPathFactory) -> Iterator[DatabaseViews]:
    directory = demo.copy(tmp_path_factory.mktemp("queries") / "ledger")
    projector = projector_for(directory)
    projector.rebuild()
    yield DatabaseViews(projector.view)


@pytest.fixture(params=["database", "memory"])
def views(request: pytest.FixtureRequest, database_views: DatabaseViews, demo_offline: MemoryViews) -> Views:
    return database_views if request.param == "database" else demo_offline


def _units(answer: dict[str, Any]) -> list[str]:
    return [row["unit"] for row in answer["data"]]


def _all_pages(query: Any, *args: Any, limit: int, **kwargs: Any) -> list[Any]:
    rows: list[Any] = []
    offset = 0
    while True:
        page = query(*args, offset=offset, limit=limit, **kwargs)
        assert page["page"] == {"offset": offset, "limit": limit, "total": page["page"]["total"]}
        data = page["data"]["entries"] if isinstance(page["data"], dict) else page["data"]
        rows += data
        offset += limit
        if offset >= page["page"]["total"]:
            return rows


# --- the envelope ---------------------------------------------------------------------------------------------


def test_every_answer_carries_as_of_and_the_digest_of_the_whole_answer(views: Views, demo: DemoLedger) -> None:
    checkpoint = SignedCheckpoint(DataDirSource(demo.directory).checkpoint()).checkpoint
    last = parse_leaf(demo.leaves[-1]).entry.at
    answer = q.stalled(views, days=700, on=ON)
    assert set(answer) == {"query", "params", "as_of", "data", "page", "digest"}
    assert answer["query"] == "stalled"
    assert answer["as_of"] == {"tree_size": 6495, "root_hash": encode_base64(checkpoint.root_hash), "at": last}
    assert last == "2026-11-16T04:00:00Z"
    # SHA-256 of the RFC 8785 form of the answer but its digest (plain strings and integers: sorted keys,
    # no spaces): query, params, as_of, page and data.
    whole = {name: value for name, value in answer.items() if name != "digest"}
    canonical = json.dumps(whole, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert answer["digest"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    for name in ("query", "params", "as_of", "page", "data"):
        changed = json.loads(canonical)
        changed[name] = {"changed": True}
        altered = json.dumps(changed, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert answer["digest"] != hashlib.sha256(altered.encode("utf-8")).hexdigest(), name


def test_the_digest_moves_with_the_page_and_the_parameters_even_when_the_rows_do_not(views: Views) -> None:
    answer = q.stalled(views, days=700, on=ON)
    longer_page = q.stalled(views, days=700, on=ON, limit=200)  # the same 38 rows
    assert longer_page["data"] == answer["data"] and longer_page["digest"] != answer["digest"]
    other_type = q.stalled(views, days=700, on=ON, type_="rsud", limit=1)
    same_rows = q.stalled(views, days=0, on=ON, type_="rsud", limit=1)  # the longest stalled rsud either way
    assert other_type["data"] == same_rows["data"] and other_type["digest"] != same_rows["digest"]


def test_database_and_memory_views_give_the_same_answers(
    database_views: DatabaseViews, demo_offline: MemoryViews
) -> None:
    units = ["fiktif-dinas-a", "fiktif-kecamatan", "rsud-soeprapto", "dinkes"]
    signers = [demo_fingerprint(name) for name in (KAJARI, "minister", "witness/regent/1", "admin")]
    online = every_answer(database_views, units=units, signers=signers)
    offline = every_answer(demo_offline, units=units, signers=signers)
    assert {n: a["digest"] for n, a in online.items()} == {n: a["digest"] for n, a in offline.items()}
    assert online == offline


# --- stalled --------------------------------------------------------------------------------------------------


def test_stalled_seven_hundred_days_before_the_end_of_november_2026(views: Views) -> None:
    answer = q.stalled(views, days=700, on=ON)
    assert answer["params"] == {"days": 700, "on": "2026-11-30", "type": None, "stage": None, "track": None}
    assert answer["page"] == {"offset": 0, "limit": 100, "total": 38}
    assert set(_units(answer)) == STALLED_700
    # Longest first, ties by unit id.
    assert _units(answer)[:5] == ["rsud-soetijono", "dinpusip", "dinpermades", "kec-banjarejo", "kec-ngawen"]
    keys = [(-row["days"], row["unit"]) for row in answer["data"]]
    assert keys == sorted(keys)
    first = answer["data"][0]
    assert first == {
        "unit": "rsud-soetijono",
        "name": "RSUD dr. R. Soetijono Blora",
        "type": "rsud",
        "stage": "building",
        "track": "wbk",
        "since": "2019-05-06T02:00:00Z",
        "days": (ON - date(2019, 5, 6)).days,
        "last_activity": first["last_activity"],
        "lapsed": None,  # rules edition 2: the cycle of a lapsed, undecided proposal (none here)
    }
    assert first["days"] == 2765
    stalled_declared = next(row for row in answer["data"] if row["unit"] == "fiktif-kecamatan")
    assert (stalled_declared["stage"], stalled_declared["since"], stalled_declared["days"]) == (
        "declared",
        "2021-03-15T02:06:00Z",
        2086,
    )
    assert stalled_declared["last_activity"]["kind"] == "oversight.noted"


def test_stalled_never_lists_a_designated_unit(views: Views) -> None:
    answer = q.stalled(views, days=0, on=ON, limit=500)
    designated = {u for u, o in DEMO_OUTCOMES.items() if o.stage == "designated"}
    assert len(designated) == 10 and not designated & set(_units(answer))
    assert answer["page"]["total"] == 41
    # Counted to an earlier day, a unit whose stage changed after it has not waited at all.
    early = q.stalled(views, days=0, on=date(2026, 3, 1), limit=500)
    assert "dinsos" not in _units(early) and "disdik" not in _units(early)  # nominated in March and April
    assert early["page"]["total"] == 39


def test_stalled_filters(views: Views) -> None:
    longer = q.stalled(views, days=2200, on=ON)
    assert longer["page"]["total"] == 35
    assert all(row["days"] >= 2200 and row["since"] <= "2020-10-22" for row in longer["data"])
    kecamatan = q.stalled(views, days=700, on=ON, type_="kecamatan")
    assert set(_units(kecamatan)) == {u for u in STALLED_700 if DEMO_UNITS[u].type == "kecamatan"}
    assert len(kecamatan["data"]) == 15 and not {"kec-cepu", "kec-blora"} & set(_units(kecamatan))
    declared = q.stalled(views, days=700, on=ON, stage="declared")
    assert _units(declared) == ["fiktif-kecamatan"]
    assert [row["days"] for row in declared["data"]] == [2086]
    nominated = q.stalled(views, days=200, on=ON, stage="nominated")
    assert [(row["unit"], row["days"]) for row in nominated["data"]] == [("dinsos", 259), ("disdik", 238)]
    # The one unit on the WBBM track holds WBBM now: nothing on that track waits.
    assert q.stalled(views, days=0, on=ON, track="wbbm")["data"] == []
    puskesmas = q.stalled(views, days=365, on=ON, type_="puskesmas")
    assert [(row["unit"], row["stage"]) for row in puskesmas["data"]] == [("pkm-randublatung", "building")]
    building_dinas = q.stalled(views, days=700, on=ON, type_="dinas", stage="building")
    assert _units(building_dinas)[0] == "dinpusip"
    assert {row["type"] for row in building_dinas["data"]} == {"dinas"}


def test_stalled_pages_in_a_stable_order(views: Views) -> None:
    whole = q.stalled(views, days=700, on=ON, limit=500)["data"]
    assert _all_pages(q.stalled, views, days=700, on=ON, limit=8) == whole
    page = q.stalled(views, days=700, on=ON, offset=35, limit=10)
    assert page["page"] == {"offset": 35, "limit": 10, "total": 38}
    assert page["data"] == whole[35:]


def test_stalled_counts_to_the_day_of_the_logs_last_entry_by_default(views: Views, demo: DemoLedger) -> None:
    last = parse_leaf(demo.leaves[-1]).entry.at
    day = date.fromisoformat(last[:10])
    answer = q.stalled(views, days=700)
    assert answer["params"]["on"] == day.isoformat() != date.today().isoformat()
    # The default is that day exactly: the same answer, digest and all, as asking for it.
    assert answer == q.stalled(views, days=700, on=day)
    assert q.stalled(views, days=700, on=day + timedelta(days=1))["digest"] != answer["digest"]
    remediation = q.open_remediation(views)
    assert remediation["params"]["on"] == day.isoformat()
    assert remediation == q.open_remediation(views, on=day)


# --- pact gaps -----------------------------------------------------------------------------------------------


def test_pact_gaps_below_full_coverage(views: Views) -> None:
    answer = q.pact_gaps(views)
    assert answer["params"] == {"below": "1", "type": None, "stage": None}
    assert [(r["unit"], r["valid"], r["headcount"], r["missing"], r["ratio"]) for r in answer["data"]] == [
        ("fiktif-dinas-b", 20, 40, 20, "0.5000"),  # built at 50 %: coverage is no gate in edition 2
        ("fiktif-kecamatan", 15, 25, 10, "0.6000"),
        ("dinpertan", 158, 165, 7, "0.9576"),
        ("disdik", 230, 240, 10, "0.9583"),
        ("kec-todanan", 29, 30, 1, "0.9667"),
        ("rsud-soeprapto", 308, 318, 10, "0.9686"),
        ("rsud-soetijono", 545, 562, 17, "0.9698"),
        ("fiktif-dinas-a", 51, 52, 1, "0.9808"),
    ]
    # The employees known to lack a valid pact: those released from it (who may not have left).
    released = {r["unit"]: [(e["reason"], e["released_at"]) for e in r["released"]] for r in answer["data"]}
    assert released["fiktif-dinas-a"] == [("other", "2025-04-15T02:30:00Z")]
    assert released["disdik"] == [("retired", "2021-02-01T01:00:00Z")]
    assert released["rsud-soeprapto"] == [("retired", "2021-11-01T01:00:00Z")]
    assert released["fiktif-kecamatan"] == []  # the ten who never signed are not known by name
    assert all(
        set(e) == {"number", "name", "released_at", "reason", "index"} for r in answer["data"] for e in r["released"]
    )


def test_pact_gaps_filters(views: Views) -> None:
    assert _units(q.pact_gaps(views, below="0.9")) == ["fiktif-dinas-b", "fiktif-kecamatan"]
    assert _units(q.pact_gaps(views, below="0.9600")) == ["fiktif-dinas-b", "fiktif-kecamatan", "dinpertan", "disdik"]
    assert _units(q.pact_gaps(views, type_="kecamatan")) == ["fiktif-kecamatan", "kec-todanan"]
    assert _units(q.pact_gaps(views, stage="declared")) == ["fiktif-kecamatan"]
    assert _units(q.pact_gaps(views, type_="rsud", stage="designated")) == ["rsud-soeprapto"]
    assert q.pact_gaps(views, below="0")["data"] == []
    page = q.pact_gaps(views, offset=2, limit=3)
    assert (_units(page), page["page"]) == (
        ["dinpertan", "disdik", "kec-todanan"],
        {"offset": 2, "limit": 3, "total": 8},
    )


# --- remediation ----------------------------------------------------------------------------------------------


def test_open_remediation_oldest_first(views: Views) -> None:
    answer = q.open_remediation(views, on=ON)
    assert answer["params"] == {"older_than": 0, "on": "2026-11-30", "type": None, "unit": None}
    assert [(r["unit"], r["id"], r["area"], r["age_days"]) for r in answer["data"]] == [
        ("fiktif-dinas-b", "2025-lke-3", "public_service", 595),
    ]
    indices = [r["opened_index"] for r in answer["data"]]
    assert indices == sorted(indices)
    row = answer["data"][0]
    assert row == {
        "unit": "fiktif-dinas-b",
        "name": "Dinas Contoh B (unit fiktif)",
        "stage": "building",
        "id": "2025-lke-3",
        "area": "public_service",
        "text": row["text"],
        "opened_at": "2025-04-14T06:00:00Z",
        "opened_index": row["opened_index"],
        "age_days": 595,
    }
    assert row["text"].startswith("Standar pelayanan")


def test_open_remediation_filters(views: Views) -> None:
    def items(**kwargs: Any) -> list[tuple[str, str]]:
        return [(r["unit"], r["id"]) for r in q.open_remediation(views, **kwargs)["data"]]

    assert items(older_than=365, on=ON) == [("fiktif-dinas-b", "2025-lke-3")]
    assert items(older_than=600, on=ON) == []
    # Counted to another day: on 1 June 2025 the item was 48 days old.
    assert items(older_than=30, on=date(2025, 6, 1)) == [("fiktif-dinas-b", "2025-lke-3")]
    assert items(older_than=100, on=date(2025, 6, 1)) == []
    assert items(unit="fiktif-dinas-b", on=ON) == [("fiktif-dinas-b", "2025-lke-3")]
    assert items(type_="dinas", on=ON) == [("fiktif-dinas-b", "2025-lke-3")]
    assert items(type_="kecamatan", on=ON) == []
    assert items(unit="dpmptsp", on=ON) == []
    assert items(older_than=10_000, on=ON) == []


# --- failed reviews -------------------------------------------------------------------------------------------


def test_failed_reviews_newest_first_with_checks_and_remediation(views: Views) -> None:
    answer = q.failed_reviews(views)
    assert answer["params"] == {"since": None, "until": None, "level": None, "track": None, "type": None, "unit": None}
    # Only Dinas Contoh B (an invented unit) ever fails a review in the demo: two LKEs and, in the
    # 2023 cycle, the TPN's administrative screening (a document check: its notes are its reasons).
    assert [(r["unit"], r["level"], r["step"], r["year"]) for r in answer["data"]] == [
        ("fiktif-dinas-b", "internal", "lke", 2025),
        ("fiktif-dinas-b", "national", "screening", 2023),
        ("fiktif-dinas-b", "internal", "lke", 2022),
    ]
    indices = [r["index"] for r in answer["data"]]
    assert indices == sorted(indices, reverse=True)
    assert all(r["outcome"] == "failed" and r["failing_checks"] for r in answer["data"])
    screening = answer["data"][1]
    assert (screening["total"], screening["scores"], screening["remediation"]) == (None, {}, [])
    assert screening["failing_checks"] == [
        "Surat pernyataan tanggung jawab mutlak (SPTJM) tidak ditandatangani pimpinan unit",
        "Data dukung area penguatan pengawasan tidak diunggah",
    ]
    latest = answer["data"][0]
    assert latest["track"] == "wbk" and latest["remediation"] == ["2025-lke-3"]
    assert {"public_service"} <= {check.split(" ")[0] for check in latest["failing_checks"]}


def test_failed_reviews_filters(views: Views) -> None:
    def found(**kwargs: Any) -> list[tuple[str, str]]:
        return [(r["unit"], r["at"]) for r in q.failed_reviews(views, **kwargs)["data"]]

    assert found(since="2023-01-01T00:00:00Z") == [
        ("fiktif-dinas-b", "2025-04-14T06:00:00Z"),
        ("fiktif-dinas-b", "2023-06-12T06:00:00Z"),
    ]
    assert found(until="2023-01-01T00:00:00Z") == [("fiktif-dinas-b", "2022-08-15T06:00:00Z")]
    # [since, until): the bound is inclusive at the start and exclusive at the end.
    assert found(since="2022-08-15T06:00:00Z", until="2025-04-14T06:00:00Z") == [
        ("fiktif-dinas-b", "2023-06-12T06:00:00Z"),
        ("fiktif-dinas-b", "2022-08-15T06:00:00Z"),
    ]
    assert found(level="national") == [("fiktif-dinas-b", "2023-06-12T06:00:00Z")]
    assert {u for u, _ in found(level="internal")} == {"fiktif-dinas-b"}
    assert found(track="wbbm") == []
    assert [u for u, _ in found(type_="dinas")] == ["fiktif-dinas-b"] * 3
    assert found(type_="kecamatan") == []
    assert found(unit="dpmptsp") == []
    assert found(level="internal", since="2022-01-01T00:00:00Z", unit="fiktif-dinas-b") == [
        ("fiktif-dinas-b", "2025-04-14T06:00:00Z"),
        ("fiktif-dinas-b", "2022-08-15T06:00:00Z"),
    ]


def test_failed_reviews_of_dinas_contoh_b_name_their_checks(views: Views) -> None:
    latest, first = q.failed_reviews(views, unit="fiktif-dinas-b", level="internal")["data"]
    assert (first["remediation"], latest["remediation"]) == (["2022-lke-1", "2022-lke-2"], ["2025-lke-3"])
    assert [check.split(" ")[0] for check in first["failing_checks"]] == ["accountability", "oversight"]
    assert latest["failing_checks"][0].startswith("public_service ")


# --- signer activity -------------------------------------------------------------------------------------------


def test_signer_activity_of_the_kajari(views: Views) -> None:
    kajari = demo_fingerprint(KAJARI)
    answer = q.signer_activity(views, kajari)
    assert answer["params"] == {"signer": kajari, "since": None, "until": None}
    assert answer["page"] == {"offset": 0, "limit": 100, "total": 10}
    assert answer["data"]["signer"]["role"] == "overseer"
    assert answer["data"]["signer"]["entries"] == 10
    entries = answer["data"]["entries"]
    assert [(e["unit"], e["kind"], e["summary"].get("topic")) for e in entries] == [
        ("dpmptsp", "oversight.noted", "accompaniment"),
        ("dindukcapil", "oversight.noted", "accompaniment"),
        ("dpupr", "oversight.noted", "accompaniment"),
        ("bppkad", "oversight.noted", "accompaniment"),
        ("dinpusip", "oversight.noted", "accompaniment"),
        ("fiktif-dinas-a", "oversight.noted", "finding"),
        ("fiktif-dinas-a", "case.opened", None),
        ("fiktif-dinas-a", "case.advanced", None),
        ("fiktif-dinas-a", "case.closed", None),
        ("disdik", "oversight.noted", "accompaniment"),
    ]
    assert [e["index"] for e in entries] == sorted(e["index"] for e in entries)
    assert all(e["signer"] == kajari for e in entries)


def test_signer_activity_in_a_time_range(views: Views) -> None:
    kajari = demo_fingerprint(KAJARI)
    since = q.signer_activity(views, kajari, since="2023-01-01T00:00:00Z")
    assert [(e["unit"], e["at"]) for e in since["data"]["entries"]] == [
        ("fiktif-dinas-a", "2023-10-16T04:00:00Z"),
        ("fiktif-dinas-a", "2024-11-11T04:00:00Z"),
        ("fiktif-dinas-a", "2025-04-14T04:00:00Z"),
        ("fiktif-dinas-a", "2026-03-16T04:00:00Z"),
        ("disdik", "2026-11-16T04:00:00Z"),
    ]
    assert since["page"]["total"] == 5
    until = q.signer_activity(views, kajari, until="2020-01-01T00:00:00Z")
    assert [e["unit"] for e in until["data"]["entries"]] == ["dpmptsp", "dindukcapil"]
    between = q.signer_activity(views, kajari, since="2020-07-21T00:00:00Z", until="2024-11-11T04:00:00Z")
    assert [e["unit"] for e in between["data"]["entries"]] == ["bppkad", "dinpusip", "fiktif-dinas-a"]
    # The signer's own document does not depend on the range.
    assert since["data"]["signer"] == until["data"]["signer"]


def test_signer_activity_shows_a_key_revoked_later(views: Views) -> None:
    answer = q.signer_activity(views, demo_fingerprint("witness/regent/1"), limit=500)
    signer, entries = answer["data"]["signer"], answer["data"]["entries"]
    assert len(entries) == 46 and signer["revoked_index"] is not None
    assert all(e["index"] < signer["revoked_index"] for e in entries)  # valid when it signed
    assert _all_pages(q.signer_activity, views, demo_fingerprint("witness/regent/1"), limit=10) == entries


# --- unit history and status -----------------------------------------------------------------------------------


def test_unit_history_across_its_streams_in_log_order(views: Views) -> None:
    answer = q.unit_history(views, "fiktif-dinas-a", limit=500)
    assert answer["page"] == {"offset": 0, "limit": 500, "total": 252}
    rows = answer["data"]
    assert [r["index"] for r in rows] == sorted(r["index"] for r in rows)
    assert {r["stream"].split("/")[0] for r in rows} == {"unit", "pact", "witness", "oversight", "case"}
    kinds = [r["kind"] for r in rows]
    # 1 registration, 8 stage changes, 3 assessments, 206 pacts and 1 release, 24 witnesses, 1 note, 3 case entries
    assert (kinds.count("unit.registered"), kinds.count("stage.advanced"), kinds.count("assessment.reviewed")) == (
        1,
        8,
        3,
    )
    assert (kinds.count("pact.signed"), kinds.count("pact.released")) == (206, 1)
    assert (kinds.count("declaration.witnessed"), kinds.count("oversight.noted")) == (24, 1)
    assert (kinds.count("predicate.revoked"), kinds.count("monitoring.recorded")) == (1, 3)
    assert [k for k in kinds if k.startswith("case.")] == ["case.opened", "case.advanced", "case.closed"]
    assert rows[0]["kind"] == "unit.registered" and rows[-1]["summary"] == {"outcome": "convicted"}
    assert all(r["unit"] == "fiktif-dinas-a" for r in rows)
    assert _all_pages(q.unit_history, views, "fiktif-dinas-a", limit=50) == rows
    last_page = q.unit_history(views, "fiktif-dinas-a", offset=250, limit=50)
    assert last_page["page"] == {"offset": 250, "limit": 50, "total": 252} and last_page["data"] == rows[250:]


def test_unit_status_and_list(views: Views) -> None:
    status = q.unit_status(views, "fiktif-dinas-a")
    assert (status["query"], status["params"]) == ("unit", {"unit": "fiktif-dinas-a"})
    assert (status["data"]["stage"], status["data"]["barred_until"]) == ("building", "2027-06-16T00:00:00Z")
    listed = q.unit_list(views, limit=500)
    assert listed["page"] == {"offset": 0, "limit": 500, "total": 51}
    assert _units(listed) == sorted(DEMO_OUTCOMES)
    assert next(u for u in listed["data"] if u["unit"] == "fiktif-dinas-a") == status["data"]


def test_unit_list_filters_and_sorts(views: Views) -> None:
    def listed(**kwargs: Any) -> list[str]:
        return _units(q.unit_list(views, limit=500, **kwargs))

    assert listed(stage="designated") == [
        "bppkad",
        "dindukcapil",
        "dinkominfo",
        "dpmptsp",
        "fiktif-puskesmas",
        "kec-blora",
        "kec-cepu",
        "pkm-blora",
        "pkm-cepu",
        "rsud-soeprapto",
    ]
    assert listed(predicate="wbbm") == ["rsud-soeprapto"]
    assert len(listed(predicate="wbk")) == 9 and "rsud-soeprapto" not in listed(predicate="wbk")
    assert listed(track="wbbm") == ["rsud-soeprapto"]
    assert listed(type_="rsud") == ["rsud-soeprapto", "rsud-soetijono"]
    assert listed(type_="puskesmas") == ["fiktif-puskesmas", "pkm-blora", "pkm-cepu", "pkm-randublatung"]
    assert listed(type_="kantor") == ["kesbangpol"]
    assert listed(stage="building", type_="badan") == ["bappeda", "bkd", "bpbd"]
    assert listed(below="0.9") == ["fiktif-dinas-b", "fiktif-kecamatan"]
    by_coverage = listed(sort="coverage")
    assert by_coverage[:5] == ["fiktif-dinas-b", "fiktif-kecamatan", "dinpertan", "disdik", "kec-todanan"]
    assert len(by_coverage) == 51
    assert listed(sort="coverage", below="0.97")[-1] == "rsud-soetijono"
    by_stage = q.unit_list(views, sort="stage", limit=500)["data"]
    assert [u["stage"] for u in by_stage] == sorted(u["stage"] for u in by_stage)
    assert [u["unit"] for u in by_stage][-2:] == ["dinsos", "disdik"]
    by_name = q.unit_list(views, sort="name", limit=500)["data"]
    assert [u["name"] for u in by_name] == sorted(u["name"] for u in by_name)
    page = q.unit_list(views, sort="coverage", offset=3, limit=2)
    assert (_units(page), page["page"]) == (["disdik", "kec-todanan"], {"offset": 3, "limit": 2, "total": 51})


def test_region_counts(views: Views) -> None:
    answer = q.region_counts(views)
    assert answer["data"] == {
        "by_stage": {"building": 38, "declared": 1, "designated": 10, "nominated": 2},
        "by_predicate": {"none": 41, "wbbm": 1, "wbk": 9},
    }


# --- refusals ------------------------------------------------------------------------------------------------------


PAGED = {
    "units": lambda v, **k: q.unit_list(v, **k),
    "stalled": lambda v, **k: q.stalled(v, on=ON, **k),
    "pact-gaps": lambda v, **k: q.pact_gaps(v, **k),
    "remediation": lambda v, **k: q.open_remediation(v, on=ON, **k),
    "failed-reviews": lambda v, **k: q.failed_reviews(v, **k),
    "history": lambda v, **k: q.unit_history(v, "fiktif-dinas-a", **k),
    "signer": lambda v, **k: q.signer_activity(v, demo_fingerprint(KAJARI), **k),
}


@pytest.mark.parametrize("query", sorted(PAGED))
@pytest.mark.parametrize("limit", [0, -1, 501, 10**6])
def test_a_limit_out_of_range_is_invalid(views: Views, query: str, limit: int) -> None:
    with pytest.raises(MalformedInput) as raised:
        PAGED[query](views, limit=limit)
    assert raised.value.code == "invalid_parameter"
    assert str(limit) in raised.value.message


@pytest.mark.parametrize("below", ["abc", "", "1.5", "-0.1", "NaN", "Infinity", "1e3"])
def test_a_ratio_that_is_not_between_zero_and_one_is_invalid(views: Views, below: str) -> None:
    for query in (q.pact_gaps, q.unit_list):
        with pytest.raises(MalformedInput) as raised:
            query(views, below=below)
        assert raised.value.code == "invalid_parameter"


def test_an_unknown_sort_is_invalid(views: Views) -> None:
    with pytest.raises(MalformedInput) as raised:
        q.unit_list(views, sort="headcount")
    assert raised.value.code == "invalid_parameter"
    assert "unit, name, stage, coverage" in raised.value.message


def test_unknown_unit_and_signer_are_not_found(views: Views) -> None:
    for query in (q.unit_status, q.unit_history):
        with pytest.raises(NotFound) as raised:
            query(views, "kec-atlantis")
        assert raised.value.code == "unknown_unit"
        assert "kec-atlantis" in raised.value.message
    with pytest.raises(NotFound) as raised:
        q.signer_activity(views, "0" * 64)
    assert raised.value.code == "unknown_signer"


@pytest.mark.parametrize("query", ["stalled", "history", "signer"])
def test_a_negative_offset_is_invalid(views: Views, query: str) -> None:
    with pytest.raises(MalformedInput) as raised:
        PAGED[query](views, offset=-5, limit=3)
    assert raised.value.code == "invalid_parameter"


def test_a_negative_offset_gets_one_answer_online_and_offline(
    database_views: DatabaseViews, demo_offline: MemoryViews
) -> None:
    outcomes = []
    for views in (database_views, demo_offline):
        try:
            outcomes.append(q.unit_history(views, "fiktif-dinas-a", offset=-5, limit=3)["digest"])
        except MalformedInput as exc:
            outcomes.append(exc.code)
    assert outcomes[0] == outcomes[1]


def test_a_time_range_with_an_offset_means_the_same_instant(views: Views) -> None:
    try:
        found = q.failed_reviews(views, since="2022-08-15T12:00:00+07:00", until="2022-08-16T00:00:00Z")
    except MalformedInput as exc:  # refusing a non-UTC time would be as good as reading it right
        assert exc.code == "invalid_parameter"
        return
    assert [(r["unit"], r["at"]) for r in found["data"]] == [("fiktif-dinas-b", "2022-08-15T06:00:00Z")]


@pytest.mark.parametrize("since", ["yesterday", "2022-13-45T00:00:00Z"])
def test_a_time_that_is_not_rfc3339_is_invalid(views: Views, since: str) -> None:
    with pytest.raises(MalformedInput) as raised:
        q.failed_reviews(views, since=since)
    assert raised.value.code == "invalid_parameter"


def test_every_query_over_every_unit_and_signer(views: Views, demo_offline: MemoryViews) -> None:
    """Smoke: every unit and signer is answerable, and history pages cover each unit's rows."""
    answers = every_answer(views, units=sorted(DEMO_OUTCOMES), signers=signer_ids(demo_offline))
    histories = {name: a for name, a in answers.items() if name.startswith("history ") and not name.endswith("page 2")}
    assert len(histories) == 51
    assert sum(min(a["page"]["total"], 500) for a in histories.values()) >= 5500
    signers = {name: a for name, a in answers.items() if name.startswith("signer ")}
    assert sum(a["data"]["signer"]["entries"] for a in signers.values()) == 6495
