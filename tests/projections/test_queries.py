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
# Stage changed within 700 days of 2023-06-01 (or, for rsud-soeprapto, after it): not stalled.
MOVED_SINCE_2021 = {"bppkad", "dinkominfo", "rsud-soeprapto", "dpupr"}
STALLED_700 = {u for u, o in DEMO_OUTCOMES.items() if o.stage != "designated"} - MOVED_SINCE_2021


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
    assert answer["as_of"] == {"tree_size": 4681, "root_hash": encode_base64(checkpoint.root_hash), "at": last}
    assert last == "2023-07-03T06:00:00Z"
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
    longer_page = q.stalled(views, days=700, on=ON, limit=200)  # the same 37 rows
    assert longer_page["data"] == answer["data"] and longer_page["digest"] != answer["digest"]
    other_type = q.stalled(views, days=700, on=ON, type_="rsud", limit=1)
    same_rows = q.stalled(views, days=0, on=ON, type_="rsud", limit=1)  # the longest stalled rsud either way
    assert other_type["data"] == same_rows["data"] and other_type["digest"] != same_rows["digest"]


def test_database_and_memory_views_give_the_same_answers(
    database_views: DatabaseViews, demo_offline: MemoryViews
) -> None:
    units = ["dpupr", "kec-jiken", "rsud-soeprapto", "dinkes"]
    signers = [demo_fingerprint(name) for name in (KAJARI, "minister", "witness/regent/1", "admin")]
    online = every_answer(database_views, units=units, signers=signers)
    offline = every_answer(demo_offline, units=units, signers=signers)
    assert {n: a["digest"] for n, a in online.items()} == {n: a["digest"] for n, a in offline.items()}
    assert online == offline


# --- stalled --------------------------------------------------------------------------------------------------


def test_stalled_seven_hundred_days_before_june_2023(views: Views) -> None:
    answer = q.stalled(views, days=700, on=ON)
    assert answer["params"] == {"days": 700, "on": "2023-06-01", "type": None, "stage": None, "track": None}
    assert answer["page"] == {"offset": 0, "limit": 100, "total": 37}
    assert set(_units(answer)) == STALLED_700
    # Longest first, ties by unit id.
    assert _units(answer)[:5] == ["rsud-soetijono", "dinpusip", "dinpermades", "kec-bogorejo", "kec-jiken"]
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
    }
    assert first["days"] == 1487
    jiken = next(row for row in answer["data"] if row["unit"] == "kec-jiken")
    assert (jiken["stage"], jiken["since"], jiken["days"]) == ("declared", "2020-07-08T02:29:00Z", 1058)
    assert jiken["last_activity"]["kind"] == "oversight.noted"


def test_stalled_never_lists_a_designated_unit(views: Views) -> None:
    answer = q.stalled(views, days=0, on=ON, limit=500)
    assert not {"dpmptsp", "dindukcapil", "kec-cepu"} & set(_units(answer))
    # rsud-soeprapto's stage changed after `on` (2023-06-05): it has not waited at all.
    assert "rsud-soeprapto" not in _units(answer)
    assert answer["page"]["total"] == 40


def test_stalled_filters(views: Views) -> None:
    longer = q.stalled(views, days=1000, on=ON)
    assert longer["page"]["total"] == 24
    assert all(row["days"] >= 1000 and row["since"] <= "2020-09-05" for row in longer["data"])
    kecamatan = q.stalled(views, days=700, on=ON, type_="kecamatan")
    assert set(_units(kecamatan)) == {u for u in STALLED_700 if u.startswith("kec-")}
    assert len(kecamatan["data"]) == 15 and "kec-cepu" not in _units(kecamatan)
    declared = q.stalled(views, days=700, on=ON, stage="declared")
    assert _units(declared) == ["dinpermades", "kec-bogorejo", "kec-jiken"]
    assert [row["days"] for row in declared["data"]] == [1058, 1058, 1058]
    wbbm = q.stalled(views, days=300, on=date(2024, 6, 1), track="wbbm")
    assert [(row["unit"], row["stage"], row["days"]) for row in wbbm["data"]] == [("rsud-soeprapto", "nominated", 362)]
    assert q.stalled(views, days=365, on=ON, track="wbbm")["data"] == []
    building_dinas = q.stalled(views, days=700, on=ON, type_="dinas", stage="building")
    assert _units(building_dinas)[0] == "dinpusip"
    assert {row["type"] for row in building_dinas["data"]} == {"dinas"}


def test_stalled_pages_in_a_stable_order(views: Views) -> None:
    whole = q.stalled(views, days=700, on=ON, limit=500)["data"]
    assert _all_pages(q.stalled, views, days=700, on=ON, limit=8) == whole
    page = q.stalled(views, days=700, on=ON, offset=35, limit=10)
    assert page["page"] == {"offset": 35, "limit": 10, "total": 37}
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
        ("kec-jiken", 20, 26, 6, "0.7692"),
        ("dinpermades", 36, 44, 8, "0.8182"),
        ("kec-bogorejo", 18, 22, 4, "0.8182"),
        ("kec-todanan", 27, 30, 3, "0.9000"),
        ("rsud-soetijono", 517, 562, 45, "0.9199"),
        ("dinpertan", 155, 165, 10, "0.9394"),
        ("disdik", 228, 240, 12, "0.9500"),
        ("rsud-soeprapto", 308, 318, 10, "0.9686"),
        ("dpupr", 149, 150, 1, "0.9933"),
    ]
    # The employees known to lack a valid pact: those released from it (who may not have left).
    released = {r["unit"]: [(e["reason"], e["released_at"]) for e in r["released"]] for r in answer["data"]}
    assert released["dpupr"] == [("other", "2022-05-24T02:30:00Z")]
    assert released["disdik"] == [("retired", "2021-11-01T01:00:00Z")]
    assert released["rsud-soeprapto"] == [("retired", "2021-07-01T01:00:00Z")]
    assert released["kec-jiken"] == []  # the six who never signed are not known by name
    assert all(
        set(e) == {"number", "name", "released_at", "reason", "index"} for r in answer["data"] for e in r["released"]
    )


def test_pact_gaps_filters(views: Views) -> None:
    assert _units(q.pact_gaps(views, below="0.9")) == ["kec-jiken", "dinpermades", "kec-bogorejo"]
    assert _units(q.pact_gaps(views, below="0.95")) == [
        "kec-jiken",
        "dinpermades",
        "kec-bogorejo",
        "kec-todanan",
        "rsud-soetijono",
        "dinpertan",
    ]
    assert _units(q.pact_gaps(views, type_="kecamatan")) == ["kec-jiken", "kec-bogorejo", "kec-todanan"]
    assert _units(q.pact_gaps(views, stage="declared")) == ["kec-jiken", "dinpermades", "kec-bogorejo"]
    assert _units(q.pact_gaps(views, type_="rsud", stage="nominated")) == ["rsud-soeprapto"]
    assert q.pact_gaps(views, below="0")["data"] == []
    page = q.pact_gaps(views, offset=2, limit=3)
    assert (_units(page), page["page"]) == (
        ["kec-bogorejo", "kec-todanan", "rsud-soetijono"],
        {"offset": 2, "limit": 3, "total": 9},
    )


# --- remediation ----------------------------------------------------------------------------------------------


def test_open_remediation_oldest_first(views: Views) -> None:
    answer = q.open_remediation(views, on=ON)
    assert answer["params"] == {"older_than": 0, "on": "2023-06-01", "type": None, "unit": None}
    assert [(r["unit"], r["id"], r["area"], r["age_days"]) for r in answer["data"]] == [
        ("rsud-soetijono", "2021-lke-2", "ipkp", 654),
        ("rsud-soetijono", "2021-lke-3", "oversight", 654),
        ("dinkes", "2021-lke-1", "accountability", 605),
        ("dinkes", "2021-lke-2", "ipak", 605),
        ("bppkad", "2022-screening-2", "change_management", 339),
        ("kec-blora", "2022-lke-2", "public_service", 283),
    ]
    indices = [r["opened_index"] for r in answer["data"]]
    assert indices == sorted(indices)
    row = answer["data"][4]
    assert row == {
        "unit": "bppkad",
        "name": "Badan Pengelola Pendapatan, Keuangan dan Aset Daerah",
        "stage": "building",
        "id": "2022-screening-2",
        "area": "change_management",
        "text": row["text"],
        "opened_at": "2022-06-27T06:00:00Z",
        "opened_index": row["opened_index"],
        "age_days": 339,
    }
    assert row["text"].startswith("Tim kerja ZI")


def test_open_remediation_filters(views: Views) -> None:
    def items(**kwargs: Any) -> list[tuple[str, str]]:
        return [(r["unit"], r["id"]) for r in q.open_remediation(views, **kwargs)["data"]]

    assert items(older_than=365, on=ON) == [
        ("rsud-soetijono", "2021-lke-2"),
        ("rsud-soetijono", "2021-lke-3"),
        ("dinkes", "2021-lke-1"),
        ("dinkes", "2021-lke-2"),
    ]
    assert items(older_than=620, on=ON) == [("rsud-soetijono", "2021-lke-2"), ("rsud-soetijono", "2021-lke-3")]
    # Counted to another day: on 1 January 2022 only RSUD Blora's items were 100 days old.
    assert items(older_than=100, on=date(2022, 1, 1)) == [
        ("rsud-soetijono", "2021-lke-2"),
        ("rsud-soetijono", "2021-lke-3"),
    ]
    assert items(unit="dinkes", on=ON) == [("dinkes", "2021-lke-1"), ("dinkes", "2021-lke-2")]
    assert items(type_="kecamatan", on=ON) == [("kec-blora", "2022-lke-2")]
    assert items(type_="badan", on=ON) == [("bppkad", "2022-screening-2")]
    assert items(unit="dpmptsp", on=ON) == []
    assert items(older_than=10_000, on=ON) == []


# --- failed reviews -------------------------------------------------------------------------------------------


def test_failed_reviews_newest_first_with_checks_and_remediation(views: Views) -> None:
    answer = q.failed_reviews(views)
    assert answer["params"] == {"since": None, "until": None, "level": None, "track": None, "type": None, "unit": None}
    assert [(r["unit"], r["level"], r["step"], r["year"]) for r in answer["data"]] == [
        ("rsud-soeprapto", "national", "field", 2022),
        ("kec-blora", "internal", "lke", 2022),
        ("bppkad", "national", "screening", 2022),
        ("bppkad", "national", "screening", 2022),
        ("dinsos", "internal", "lke", 2021),
        ("dinkes", "internal", "lke", 2021),
        ("dindukcapil", "national", "field", 2021),
        ("rsud-soetijono", "internal", "lke", 2021),
        ("kec-cepu", "national", "desk", 2021),
        ("rsud-soeprapto", "national", "screening", 2021),
        ("dindukcapil", "internal", "lke", 2021),
    ]
    indices = [r["index"] for r in answer["data"]]
    assert indices == sorted(indices, reverse=True)
    assert all(r["outcome"] == "failed" and r["failing_checks"] and r["remediation"] for r in answer["data"])
    field = answer["data"][0]
    assert field["track"] == "wbbm" and field["remediation"] == ["2022-field-2", "2022-field-3"]
    assert {"ipkp", "public_service"} <= {check.split(" ")[0] for check in field["failing_checks"]}


def test_failed_reviews_filters(views: Views) -> None:
    def found(**kwargs: Any) -> list[tuple[str, str]]:
        return [(r["unit"], r["at"]) for r in q.failed_reviews(views, **kwargs)["data"]]

    assert found(since="2022-01-01T00:00:00Z") == [
        ("rsud-soeprapto", "2022-09-26T06:00:00Z"),
        ("kec-blora", "2022-08-22T06:00:00Z"),
        ("bppkad", "2022-06-27T06:00:00Z"),
        ("bppkad", "2022-06-13T06:00:00Z"),
    ]
    assert found(until="2021-07-01T00:00:00Z") == [
        ("rsud-soeprapto", "2021-06-07T06:00:00Z"),
        ("dindukcapil", "2021-02-22T06:00:00Z"),
    ]
    # [since, until): the bound is inclusive at the start and exclusive at the end.
    assert found(since="2022-06-27T06:00:00Z", until="2022-08-22T06:00:00Z") == [("bppkad", "2022-06-27T06:00:00Z")]
    assert len(found(level="national")) == 6
    assert {u for u, _ in found(level="internal")} == {"kec-blora", "dinsos", "dinkes", "rsud-soetijono", "dindukcapil"}
    assert found(track="wbbm") == [("rsud-soeprapto", "2022-09-26T06:00:00Z")]
    assert [u for u, _ in found(type_="kecamatan")] == ["kec-blora", "kec-cepu"]
    assert found(unit="dpmptsp") == []
    assert found(level="national", since="2022-01-01T00:00:00Z", unit="bppkad") == [
        ("bppkad", "2022-06-27T06:00:00Z"),
        ("bppkad", "2022-06-13T06:00:00Z"),
    ]


def test_failed_reviews_of_bppkad_screening_and_appeal(views: Views) -> None:
    appeal, screening = q.failed_reviews(views, unit="bppkad")["data"]
    assert (screening["remediation"], appeal["remediation"]) == (["2022-screening-1"], ["2022-screening-2"])
    assert screening["failing_checks"][0].startswith("accountability ")
    assert appeal["failing_checks"][0].startswith("change_management ")


# --- signer activity -------------------------------------------------------------------------------------------


def test_signer_activity_of_the_kajari(views: Views) -> None:
    kajari = demo_fingerprint(KAJARI)
    answer = q.signer_activity(views, kajari)
    assert answer["params"] == {"signer": kajari, "since": None, "until": None}
    assert answer["page"] == {"offset": 0, "limit": 100, "total": 7}
    assert answer["data"]["signer"]["role"] == "overseer"
    assert answer["data"]["signer"]["entries"] == 7
    entries = answer["data"]["entries"]
    assert [(e["unit"], e["summary"]["topic"]) for e in entries] == [
        ("dpmptsp", "accompaniment"),
        ("dindukcapil", "accompaniment"),
        ("dpupr", "accompaniment"),
        ("bppkad", "accompaniment"),
        ("dpupr", "finding"),
        ("dpupr", "case_opened"),
        ("dinpusip", "accompaniment"),
    ]
    assert [e["index"] for e in entries] == sorted(e["index"] for e in entries)
    assert all(e["kind"] == "oversight.noted" and e["signer"] == kajari for e in entries)


def test_signer_activity_in_a_time_range(views: Views) -> None:
    kajari = demo_fingerprint(KAJARI)
    since = q.signer_activity(views, kajari, since="2022-01-01T00:00:00Z")
    assert [(e["unit"], e["at"]) for e in since["data"]["entries"]] == [
        ("dpupr", "2022-02-21T04:00:00Z"),
        ("dpupr", "2022-05-23T04:00:00Z"),
        ("dinpusip", "2022-06-06T04:00:00Z"),
    ]
    assert since["page"]["total"] == 3
    until = q.signer_activity(views, kajari, until="2020-01-01T00:00:00Z")
    assert [e["unit"] for e in until["data"]["entries"]] == ["dpmptsp", "dindukcapil"]
    between = q.signer_activity(views, kajari, since="2020-07-21T00:00:00Z", until="2022-05-23T04:00:00Z")
    assert [e["unit"] for e in between["data"]["entries"]] == ["bppkad", "dpupr"]
    # The signer's own document does not depend on the range.
    assert since["data"]["signer"] == until["data"]["signer"]


def test_signer_activity_shows_a_key_revoked_later(views: Views) -> None:
    answer = q.signer_activity(views, demo_fingerprint("witness/regent/1"), limit=500)
    signer, entries = answer["data"]["signer"], answer["data"]["entries"]
    assert len(entries) == 44 and signer["revoked_index"] is not None
    assert all(e["index"] < signer["revoked_index"] for e in entries)  # valid when it signed
    assert _all_pages(q.signer_activity, views, demo_fingerprint("witness/regent/1"), limit=10) == entries


# --- unit history and status -----------------------------------------------------------------------------------


def test_unit_history_across_its_streams_in_log_order(views: Views) -> None:
    answer = q.unit_history(views, "dpupr", limit=500)
    assert answer["page"] == {"offset": 0, "limit": 500, "total": 171}
    rows = answer["data"]
    assert [r["index"] for r in rows] == sorted(r["index"] for r in rows)
    assert {r["stream"].split("/")[0] for r in rows} == {"unit", "pact", "witness", "oversight"}
    kinds = [r["kind"] for r in rows]
    # 1 registration, 5 stage changes, 4 assessments, 150 pacts and 1 release, 7 witnesses, 3 notes
    assert (kinds.count("unit.registered"), kinds.count("stage.advanced"), kinds.count("assessment.reviewed")) == (
        1,
        5,
        4,
    )
    assert (kinds.count("pact.signed"), kinds.count("pact.released")) == (150, 1)
    assert (kinds.count("declaration.witnessed"), kinds.count("oversight.noted")) == (7, 3)
    assert rows[0]["kind"] == "unit.registered" and rows[-1]["summary"] == {
        "from": "designated",
        "to": "revoked",
        "track": "wbk",
        "note": rows[-1]["summary"]["note"],
    }
    assert all(r["unit"] == "dpupr" for r in rows)
    assert _all_pages(q.unit_history, views, "dpupr", limit=50) == rows
    last_page = q.unit_history(views, "dpupr", offset=150, limit=50)
    assert last_page["page"] == {"offset": 150, "limit": 50, "total": 171} and last_page["data"] == rows[150:]


def test_unit_status_and_list(views: Views) -> None:
    status = q.unit_status(views, "dpupr")
    assert (status["query"], status["params"]) == ("unit", {"unit": "dpupr"})
    assert (status["data"]["stage"], status["data"]["barred_until"]) == ("revoked", "2024-06-19T03:00:00Z")
    listed = q.unit_list(views, limit=500)
    assert listed["page"] == {"offset": 0, "limit": 500, "total": 44}
    assert _units(listed) == sorted(DEMO_OUTCOMES)
    assert next(u for u in listed["data"] if u["unit"] == "dpupr") == status["data"]


def test_unit_list_filters_and_sorts(views: Views) -> None:
    def listed(**kwargs: Any) -> list[str]:
        return _units(q.unit_list(views, limit=500, **kwargs))

    assert listed(stage="designated") == ["dindukcapil", "dpmptsp", "kec-cepu"]
    assert listed(predicate="wbk") == ["dindukcapil", "dpmptsp", "kec-cepu", "rsud-soeprapto"]
    assert listed(track="wbbm") == ["rsud-soeprapto"]
    assert listed(type_="rsud") == ["rsud-soeprapto", "rsud-soetijono"]
    assert listed(type_="kantor") == ["kesbangpol"]
    assert listed(stage="building", type_="badan") == ["bappeda", "bkd", "bpbd", "bppkad"]
    assert listed(below="0.9") == ["dinpermades", "kec-bogorejo", "kec-jiken"]
    by_coverage = listed(sort="coverage")
    assert by_coverage[:5] == ["kec-jiken", "dinpermades", "kec-bogorejo", "kec-todanan", "rsud-soetijono"]
    assert len(by_coverage) == 44
    assert listed(sort="coverage", below="0.95")[-1] == "dinpertan"
    by_stage = q.unit_list(views, sort="stage", limit=500)["data"]
    assert [u["stage"] for u in by_stage] == sorted(u["stage"] for u in by_stage)
    assert [u["unit"] for u in by_stage][-3:] == ["dinkominfo", "rsud-soeprapto", "dpupr"]
    by_name = q.unit_list(views, sort="name", limit=500)["data"]
    assert [u["name"] for u in by_name] == sorted(u["name"] for u in by_name)
    page = q.unit_list(views, sort="coverage", offset=3, limit=2)
    assert (_units(page), page["page"]) == (["kec-todanan", "rsud-soetijono"], {"offset": 3, "limit": 2, "total": 44})


def test_region_counts(views: Views) -> None:
    answer = q.region_counts(views)
    assert answer["data"] == {
        "by_stage": {"building": 35, "declared": 3, "designated": 3, "nominated": 2, "revoked": 1},
        "by_predicate": {"none": 40, "wbk": 4},
    }


# --- refusals ------------------------------------------------------------------------------------------------------


PAGED = {
    "units": lambda v, **k: q.unit_list(v, **k),
    "stalled": lambda v, **k: q.stalled(v, on=ON, **k),
    "pact-gaps": lambda v, **k: q.pact_gaps(v, **k),
    "remediation": lambda v, **k: q.open_remediation(v, on=ON, **k),
    "failed-reviews": lambda v, **k: q.failed_reviews(v, **k),
    "history": lambda v, **k: q.unit_history(v, "dpupr", **k),
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
            outcomes.append(q.unit_history(views, "dpupr", offset=-5, limit=3)["digest"])
        except MalformedInput as exc:
            outcomes.append(exc.code)
    assert outcomes[0] == outcomes[1]


def test_a_time_range_with_an_offset_means_the_same_instant(views: Views) -> None:
    try:
        found = q.failed_reviews(views, since="2022-06-27T12:00:00+07:00", until="2022-06-28T00:00:00Z")
    except MalformedInput as exc:  # refusing a non-UTC time would be as good as reading it right
        assert exc.code == "invalid_parameter"
        return
    assert [(r["unit"], r["at"]) for r in found["data"]] == [("bppkad", "2022-06-27T06:00:00Z")]


@pytest.mark.parametrize("since", ["yesterday", "2022-13-45T00:00:00Z"])
def test_a_time_that_is_not_rfc3339_is_invalid(views: Views, since: str) -> None:
    with pytest.raises(MalformedInput) as raised:
        q.failed_reviews(views, since=since)
    assert raised.value.code == "invalid_parameter"


def test_every_query_over_every_unit_and_signer(views: Views, demo_offline: MemoryViews) -> None:
    """Smoke: every unit and signer is answerable, and history pages cover each unit's rows."""
    answers = every_answer(views, units=sorted(DEMO_OUTCOMES), signers=signer_ids(demo_offline))
    histories = {name: a for name, a in answers.items() if name.startswith("history ") and not name.endswith("page 2")}
    assert len(histories) == 44
    assert sum(min(a["page"]["total"], 500) for a in histories.values()) >= 4000
    signers = {name: a for name, a in answers.items() if name.startswith("signer ")}
    assert sum(a["data"]["signer"]["entries"] for a in signers.values()) == 4681
