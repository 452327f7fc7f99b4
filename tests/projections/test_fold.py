"""The view fold (projections.fold) over the Blora demo ledger: what it says of named units, signers,
employees and the region is what the demo's story (demo) tells; and it is the rules' fold,
not a second copy of them (DESIGN §1.3, §7)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from demo.cast import DEMO_UNITS
from demo.procedure import model_failures
from demo.story import DEMO_OUTCOMES, REVOKED_ON
from ledger.crypto.keys import encode_base64
from ledger.entry import Submission, parse_leaf
from ledger.errors import LedgerError
from ledger.rules import LedgerState
from ledger.rules import fold as rules_fold
from ledger.store.datadir import open_ledger
from projections.fold import ViewFold
from projections.projector import counts
from projections.queries import MemoryViews
from tests.builder import LOG_TIME, ORIGIN, LedgerBuilder, key_for
from tests.projections.helpers import DemoLedger, demo_fingerprint

REFUSED_CODES = ("transition_not_allowed", "stale_head", "malformed_json", "unknown_signer")
KAJARI = "overseer/district_prosecutor"
KAPOLRES = "overseer/district_police_chief"
FORKOPIMDA_AND_INSPEKTUR = [
    "bupati-blora",
    "dprd-blora",
    "kejari-blora",
    "polres-blora",
    "kodim-0721",
    "pn-blora",
    "yonif-410",
    "inspektorat-blora",
]


@pytest.fixture(scope="module")
def fold(demo_offline: MemoryViews) -> ViewFold:
    return demo_offline.fold


@pytest.fixture(scope="module")
def docs(fold: ViewFold) -> dict[str, dict[str, Any]]:
    return {unit: fold.unit_document(unit) for unit in fold.state.units}


def _areas(checks: list[str]) -> set[str]:
    """The score areas (or `total`) a list of failing checks names, e.g. 'ipak 14.74 is below 15.75'."""
    return {check.split(" ", 1)[0] for check in checks}


def _check_result(fold: ViewFold, result: dict[str, Any], unit: str) -> None:
    """A result's total is the sum of its scores in the areas of its year's model, and a passed one
    clears that model's bar (demo.procedure's check) while a failed one does not."""
    assert result["unit"] == unit
    policy = fold.state.policy
    assert policy is not None
    model = policy.model_for_year(result["year"])
    assert model is not None
    assert set(result["scores"]) == set(model.areas)
    assert Decimal(result["total"]) == sum(Decimal(score) for score in result["scores"].values())
    assert bool(model_failures(result["scores"], result["track"], model)) == (result["outcome"] == "failed")
    assert bool(result["failing_checks"]) == (result["outcome"] == "failed")


# --- the whole region ---------------------------------------------------------------------------------------


def test_the_fold_accepts_every_demo_leaf(fold: ViewFold, demo: DemoLedger) -> None:
    assert fold.size == demo.size == 6495
    assert fold.refused == []
    assert len(fold.history_log or []) == demo.size
    assert [row["index"] for row in fold.history_log or []] == list(range(demo.size))


def test_every_unit_ends_where_the_story_says(docs: dict[str, dict[str, Any]]) -> None:
    assert len(docs) == 51
    assert {u: (d["stage"], d["track"], d["predicate"]) for u, d in docs.items()} == {
        u: (o.stage, o.track, o.predicate) for u, o in DEMO_OUTCOMES.items()
    }
    assert {u: (d["name"], d["type"]) for u, d in docs.items()} == {u: (s.name, s.type) for u, s in DEMO_UNITS.items()}


def test_region_counts_by_stage_and_predicate(fold: ViewFold) -> None:
    region = counts(fold)
    assert region == {
        "by_stage": {"building": 38, "declared": 1, "designated": 10, "nominated": 2},
        "by_predicate": {"none": 41, "wbbm": 1, "wbk": 9},
    }
    assert sum(region["by_stage"].values()) == sum(region["by_predicate"].values()) == 51
    assert region["by_stage"] == dict(sorted(Counter(o.stage for o in DEMO_OUTCOMES.values()).items()))


def test_the_views_state_is_the_stores_rules_state(fold: ViewFold, demo: DemoLedger, tmp_path: Path) -> None:
    """Stage, coverage, remediation and bars come from the same rules the store replays."""
    store = open_ledger(demo.copy(tmp_path / "ledger"))
    try:
        for unit_id, unit in store.state.units.items():
            view = fold.state.units[unit_id]
            assert (view.stage, view.track, view.predicate, view.stage_since, view.barred_until) == (
                unit.stage,
                unit.track,
                unit.predicate,
                unit.stage_since,
                unit.barred_until,
            )
            assert view.valid_pacts == unit.valid_pacts and view.headcount == unit.headcount
            assert [i.id for i in view.open_remediation] == [i.id for i in unit.open_remediation]
        assert fold.state.keys.keys() == store.state.keys.keys()
    finally:
        store.close()


def test_one_open_remediation_item_in_the_region(docs: dict[str, dict[str, Any]]) -> None:
    open_items = {
        u: [(i["id"], i["area"]) for i in d["remediation_open"]] for u, d in docs.items() if d["remediation_open"]
    }
    assert open_items == {"fiktif-dinas-b": [("2025-lke-3", "public_service")]}


# --- named units ----------------------------------------------------------------------------------------------


def test_dpmptsp_designated_wbk_with_its_results(fold: ViewFold, docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["dpmptsp"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("designated", "wbk", "wbk")
    assert doc["stage_since"] == "2021-12-08T03:00:00Z"  # 10:00 WIB, the 2021 batch decree
    assert doc["barred_until"] is None
    # 46 registered, one transferred to BPPKAD in July 2021: every remaining employee has a pact.
    assert doc["headcount"] == 45
    assert doc["pact_coverage"] == {"valid": 45, "headcount": 45, "ratio": "1.0000"}
    assert [(r["reason"], r["released_at"]) for r in doc["released_pacts"]] == [("transfer", "2021-07-01T01:00:00Z")]
    internal, national = doc["internal"], doc["national"]
    assert (internal["year"], internal["step"], internal["outcome"]) == (2021, "lke", "passed")
    assert (national["year"], national["step"], national["outcome"]) == (2021, "field", "passed")
    for result in (internal, national):
        _check_result(fold, result, "dpmptsp")
        assert result["failing_checks"] == [] and result["remediation"] == []
        assert "tlhp" in result["scores"]  # the 2021 cycle ran under PermenPANRB 10/2019
    assert Decimal(national["total"]) >= Decimal("75")
    assert doc["remediation_open"] == []
    assert [(n["office"], n["topic"], n["at"]) for n in doc["oversight_notes"]] == [
        ("kejari-blora", "accompaniment", "2019-03-11T04:00:00Z")
    ]
    # The TPI monitors it every autumn: its last activity is the 2026 monitoring.
    assert doc["last_activity"] == {"at": "2026-10-05T06:00:00Z", "index": 6485, "kind": "monitoring.recorded"}


def test_dinas_contoh_a_lost_its_wbk_on_the_wbbm_track_and_is_barred(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["fiktif-dinas-a"]
    assert doc["name"] == "Dinas Contoh A (unit fiktif)"
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("building", "wbk", "none")
    assert doc["stage_since"] == "2025-10-06T02:00:00Z"  # declared again at once, building since October
    assert doc["barred_until"] == "2027-06-16T00:00:00Z"  # 730 days from the decree of 16 June 2025
    assert REVOKED_ON.isoformat() == "2025-06-16"
    # The head, named a suspect, is released from the unit; everyone else still holds a pact.
    assert doc["pact_coverage"] == {"valid": 51, "headcount": 52, "ratio": "0.9808"}
    assert [(r["reason"], r["released_at"]) for r in doc["released_pacts"]] == [("other", "2025-04-15T02:30:00Z")]
    assert (doc["national"]["step"], doc["national"]["outcome"], doc["national"]["year"]) == ("field", "passed", 2021)
    assert [(n["office"], n["topic"]) for n in doc["oversight_notes"]] == [("kejari-blora", "finding")]
    assert {n["signer"] for n in doc["oversight_notes"]} == {demo_fingerprint(KAJARI)}
    assert doc["last_activity"] == {"at": "2026-03-16T04:00:00Z", "index": 6478, "kind": "case.closed"}


def test_rsud_soeprapto_designated_wbbm(fold: ViewFold, docs: dict[str, dict[str, Any]], demo: DemoLedger) -> None:
    doc = docs["rsud-soeprapto"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("designated", "wbbm", "wbbm")
    assert doc["stage_since"] == "2023-12-06T03:05:00Z"
    # 97 % of 318 signed; one retired in 2021 and a new employee signed in 2022.
    assert doc["pact_coverage"] == {"valid": 308, "headcount": 318, "ratio": "0.9686"}
    assert [r["reason"] for r in doc["released_pacts"]] == ["retired"]
    internal, national = doc["internal"], doc["national"]
    assert (internal["year"], internal["track"], internal["step"], internal["outcome"]) == (
        2023,
        "wbbm",
        "lke",
        "passed",
    )
    assert (national["year"], national["track"], national["step"], national["outcome"]) == (
        2023,
        "wbbm",
        "field",
        "passed",
    )
    _check_result(fold, internal, "rsud-soeprapto")
    _check_result(fold, national, "rsud-soeprapto")
    assert Decimal(national["total"]) >= Decimal("85")  # the WBBM bar
    assert doc["remediation_open"] == []
    # The declaration shown is the latest: the 2022 WBBM declaration, witnessed by the Forkopimda, the
    # Inspektur and the hospital's supervisory board, each office the key's.
    wbbm = [
        s
        for s in map(parse_leaf, demo.leaves)
        if s.entry.stream == "unit/rsud-soeprapto"
        and s.entry.kind == "stage.advanced"
        and s.entry.body["to"] == "declared"
    ]
    assert [s.entry.body["track"] for s in wbbm] == ["wbk", "wbbm"]
    assert doc["declaration"]["leaf_hash"] == encode_base64(wbbm[-1].leaf_hash)
    offices = [w["office"] for w in doc["declaration"]["witnesses"]]
    assert offices == [*FORKOPIMDA_AND_INSPEKTUR, "dewas-rsud-soeprapto"]
    assert doc["declaration"]["witnesses"][0]["signer"] == demo_fingerprint("witness/regent/2")
    assert doc["last_activity"] == {"at": "2026-10-06T06:00:00Z", "index": 6486, "kind": "monitoring.recorded"}


@pytest.mark.parametrize(("unit", "valid", "headcount", "ratio"), [
    ("fiktif-kecamatan", 15, 25, "0.6000"),
])  # fmt: skip
def test_stalled_in_declared_below_full_coverage(
    docs: dict[str, dict[str, Any]], unit: str, valid: int, headcount: int, ratio: str
) -> None:
    doc, spec = docs[unit], DEMO_UNITS[unit]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("declared", "wbk", "none")
    assert doc["stage_since"].startswith("2021-03-15T")
    assert valid == spec.headcount * spec.pact_percent // 100
    assert doc["pact_coverage"] == {"valid": valid, "headcount": headcount, "ratio": ratio}
    assert doc["internal"] is None and doc["national"] is None and doc["remediation_open"] == []
    # Witnessed by the Forkopimda and the Inspektur, the regent's key of 2021.
    witnesses = doc["declaration"]["witnesses"]
    assert [w["office"] for w in witnesses] == FORKOPIMDA_AND_INSPEKTUR
    assert witnesses[0]["signer"] == demo_fingerprint("witness/regent/2")
    assert all(w["at"].startswith("2021-03-15T") for w in witnesses)


def test_building_at_half_coverage(docs: dict[str, dict[str, Any]]) -> None:
    """Edition 2: coverage is measured and shown, never a gate: Dinas Contoh B builds at 50 %."""
    doc = docs["fiktif-dinas-b"]
    assert (doc["stage"], doc["pact_coverage"]["ratio"]) == ("building", "0.5000")


def test_the_kapolres_note_at_kecamatan_contoh_is_its_last_activity(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["fiktif-kecamatan"]
    [note] = doc["oversight_notes"]
    assert (note["office"], note["topic"], note["at"]) == ("polres-blora", "accompaniment", "2026-05-18T04:00:00Z")
    assert note["signer"] == demo_fingerprint(KAPOLRES)
    assert doc["last_activity"] == {"at": note["at"], "index": note["index"], "kind": "oversight.noted"}


def test_the_2026_proposals_await_the_field_evaluation(fold: ViewFold, docs: dict[str, dict[str, Any]]) -> None:
    for unit, since in (("dinsos", "2026-03-16T03:00:00Z"), ("disdik", "2026-04-06T03:00:00Z")):
        doc = docs[unit]
        assert (doc["stage"], doc["track"], doc["predicate"], doc["stage_since"]) == ("nominated", "wbk", "none", since)
        assert (doc["internal"]["year"], doc["internal"]["outcome"]) == (2026, "passed")
        _check_result(fold, doc["internal"], unit)
        national = doc["national"]
        assert (national["year"], national["step"], national["outcome"]) == (2026, "desk", "passed")


def test_dinas_contoh_b_failed_lke_with_one_item_open(fold: ViewFold, docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["fiktif-dinas-b"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("building", "wbk", "none")
    assert doc["stage_since"] == "2023-07-10T03:00:00Z"  # sent back after its appeal was rejected
    internal = doc["internal"]
    assert (internal["year"], internal["step"], internal["outcome"]) == (2025, "lke", "failed")
    _check_result(fold, internal, "fiktif-dinas-b")
    assert "public_service" in _areas(internal["failing_checks"])
    assert internal["remediation"] == ["2025-lke-3"]
    assert [(i["id"], i["opened_at"], i["opened_index"]) for i in doc["remediation_open"]] == [
        ("2025-lke-3", internal["at"], internal["index"]),
    ]
    assert doc["last_activity"] == {"at": internal["at"], "index": internal["index"], "kind": "assessment.reviewed"}


def test_bppkad_designated_in_2023(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["bppkad"]
    assert (doc["stage"], doc["stage_since"]) == ("designated", "2023-12-06T03:00:00Z")
    assert (doc["national"]["year"], doc["national"]["step"], doc["national"]["outcome"]) == (2023, "field", "passed")
    # 112 registered, one employee transferred in from DPMPTSP.
    assert doc["pact_coverage"] == {"valid": 113, "headcount": 113, "ratio": "1.0000"}


def test_dindukcapil_designated_in_2022(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["dindukcapil"]
    assert (doc["stage"], doc["predicate"], doc["stage_since"]) == ("designated", "wbk", "2022-12-07T03:00:00Z")
    assert (doc["national"]["year"], doc["national"]["step"], doc["national"]["outcome"]) == (2022, "field", "passed")
    assert doc["remediation_open"] == []
    assert doc["pact_coverage"] == {"valid": 61, "headcount": 61, "ratio": "1.0000"}


def test_only_dinas_contoh_a_is_barred(docs: dict[str, dict[str, Any]]) -> None:
    assert {u: d["barred_until"] for u, d in docs.items() if d["barred_until"]} == {
        "fiktif-dinas-a": "2027-06-16T00:00:00Z"
    }


def test_every_declaration_has_its_witnesses(docs: dict[str, dict[str, Any]]) -> None:
    """Eight offices witness every declaration; a hospital's supervisory board its hospital's too."""
    counted = {u: len(d["declaration"]["witnesses"]) for u, d in docs.items()}
    assert counted == {**dict.fromkeys(docs, 8), "rsud-soetijono": 9, "rsud-soeprapto": 9}


# --- signers ------------------------------------------------------------------------------------------------------


def test_the_kajari_overseers_activity(fold: ViewFold) -> None:
    doc = fold.signer_document(demo_fingerprint(KAJARI))
    assert doc["role"] == "overseer" and doc["scope"] == ["*"]
    assert doc["holder"]["title"] == "Pendampingan ZI, Kejaksaan Negeri Blora"
    assert doc["revoked_index"] is None
    assert doc["entries"] == 10
    assert doc["by_kind"] == {"oversight.noted": 7, "case.opened": 1, "case.advanced": 1, "case.closed": 1}
    assert doc["first"]["at"] == "2019-03-11T04:00:00Z"  # DPMPTSP's accompaniment
    assert doc["last"]["at"] == "2026-11-16T04:00:00Z"  # Disdik's accompaniment
    noted = sum(
        1
        for d in map(fold.unit_document, fold.state.units)
        for n in d["oversight_notes"]
        if n["signer"] == doc["signer"]
    )
    assert noted == 7


def test_the_kapolres_and_the_witnesses(fold: ViewFold) -> None:
    kapolres = fold.signer_document(demo_fingerprint(KAPOLRES))
    assert (kapolres["entries"], kapolres["last"]["at"]) == (8, "2026-05-18T04:00:00Z")
    # The Kajari and the Inspektur attest every declaration: 6 of 2019, 38 of 2020, 2 invented units of
    # 2020, 5 puskesmas and kecamatan of 2021, the WBBM ones of 2022 and 2023 and Contoh A's of 2025.
    for office in ("witness/district_prosecutor", "witness/inspector"):
        witness = fold.signer_document(demo_fingerprint(office))
        assert (witness["role"], witness["entries"], witness["by_kind"]) == (
            "witness",
            54,
            {"declaration.witnessed": 54},
        )
    # The regent's witness key of 2016-2021 attested the 46 first declarations and was revoked at the handover.
    old = fold.signer_document(demo_fingerprint("witness/regent/1"))
    new = fold.signer_document(demo_fingerprint("witness/regent/2"))
    newest = fold.signer_document(demo_fingerprint("witness/regent/3"))
    assert old["entries"] == 46 and old["revoked_index"] is not None
    assert old["last"]["index"] < old["revoked_index"] < new["first"]["index"]
    assert (new["entries"], newest["entries"], newest["revoked_index"]) == (7, 1, None)
    assert new["revoked_index"] is not None and new["last"]["index"] < new["revoked_index"] < newest["first"]["index"]


def test_the_minister_designated_twelve_times_and_revoked_one_wbk(fold: ViewFold) -> None:
    doc = fold.signer_document(demo_fingerprint("minister"))
    assert (doc["role"], doc["entries"], doc["by_kind"]) == (
        "minister",
        13,
        {"stage.advanced": 12, "predicate.revoked": 1},
    )
    history = [row for row in fold.history_log or [] if row["signer"] == doc["signer"]]
    assert [(row["unit"], row["summary"].get("to", row["kind"])) for row in history] == [
        ("dpmptsp", "designated"),
        ("rsud-soeprapto", "designated"),
        ("fiktif-dinas-a", "designated"),
        ("dindukcapil", "designated"),
        ("kec-cepu", "designated"),
        ("bppkad", "designated"),
        ("fiktif-puskesmas", "designated"),
        ("rsud-soeprapto", "designated"),
        ("dinkominfo", "designated"),
        ("pkm-blora", "designated"),
        ("fiktif-dinas-a", "predicate.revoked"),
        ("kec-blora", "designated"),
        ("pkm-cepu", "designated"),
    ]


def test_the_national_authority_opened_eight_cycles(fold: ViewFold) -> None:
    doc = fold.signer_document(demo_fingerprint("national_authority"))
    assert (doc["role"], doc["entries"], doc["by_kind"]) == ("national_authority", 8, {"cycle.opened": 8})


def test_a_revoked_unit_heads_key(fold: ViewFold) -> None:
    old = fold.signer_document(demo_fingerprint("unit_head/fiktif-dinas-a"))
    acting = fold.signer_document(demo_fingerprint("unit_head/fiktif-dinas-a/2"))
    assert old["role"] == acting["role"] == "unit_head" and old["scope"] == ["fiktif-dinas-a"]
    assert old["revoked_index"] is not None and old["revoked_index"] < acting["registered_index"]
    assert old["by_kind"] == {"stage.advanced": 4}  # declared, building, declared for WBBM, building
    assert acting["by_kind"] == {"stage.advanced": 2}  # declared again, building
    assert acting["holder"]["title"] == "Plt. Kepala Dinas Contoh A (unit fiktif)"


# --- employees -----------------------------------------------------------------------------------------------------


def _employees(fold: ViewFold, unit: str) -> list[dict[str, Any]]:
    return [fold.employee(u, n) for u, n in fold.employees() if u == unit]


def test_a_transferred_employee_released_in_one_unit_signs_in_the_other(
    fold: ViewFold, docs: dict[str, dict[str, Any]]
) -> None:
    [released] = docs["dindukcapil"]["released_pacts"]
    before = fold.employee("dindukcapil", released["number"])
    after = fold.employee("kec-cepu", released["number"])
    assert before["valid"] is False and after["valid"] is True
    assert before["name"] == after["name"] == released["name"]
    assert [(e["kind"], e.get("reason")) for e in before["events"]] == [
        ("pact.signed", None),
        ("pact.released", "transfer"),
    ]
    # Signed on transfer, then again each January since Kecamatan Cepu holds WBK (2024-2026).
    assert [e["kind"] for e in after["events"]] == ["pact.signed"] * 4
    assert after["events"][0]["signed_on"] == "2021-03-01"
    assert before["events"][1]["at"] == "2021-03-01T01:00:00Z" < after["events"][0]["at"]


def test_a_retired_employee_and_the_newcomer(fold: ViewFold, docs: dict[str, dict[str, Any]]) -> None:
    [retired] = docs["disdik"]["released_pacts"]
    assert retired["reason"] == "retired"
    history = fold.employee("disdik", retired["number"])
    assert history["valid"] is False
    assert [e["kind"] for e in history["events"]] == ["pact.signed", "pact.released"]
    employees = _employees(fold, "disdik")
    assert len(employees) == 231  # 230 signers and the retiree
    assert sum(e["valid"] for e in employees) == docs["disdik"]["pact_coverage"]["valid"] == 230
    newcomers = [e for e in employees if e["events"][0]["signed_on"] == "2022-04-04"]
    assert len(newcomers) == 1 and newcomers[0]["valid"] is True


def test_rsud_soeprapto_employees_re_signed_for_wbbm(fold: ViewFold) -> None:
    employees = _employees(fold, "rsud-soeprapto")
    shapes = Counter(tuple(e["kind"] for e in doc["events"]) for doc in employees)
    assert shapes == {
        ("pact.signed", "pact.signed"): 307,  # everyone who held a pact in January 2022 re-signed
        ("pact.signed", "pact.released"): 1,  # retired in 2021, before the WBBM declaration
        ("pact.signed",): 1,  # appointed in 2022
    }
    re_signed = next(doc for doc in employees if len(doc["events"]) == 2 and doc["valid"])
    first, second = re_signed["events"]
    assert first["signed_on"] < "2020" and second["signed_on"] == "2022-01-17"
    assert sum(doc["valid"] for doc in employees) == 308


def test_dpmptsp_employees_re_sign_every_january(fold: ViewFold) -> None:
    employees = _employees(fold, "dpmptsp")
    shapes = Counter(tuple(e["kind"] for e in doc["events"]) for doc in employees)
    assert shapes == {("pact.signed",) * 4: 45, ("pact.signed", "pact.released"): 1}
    signed_on = Counter(e["signed_on"][:4] for doc in employees for e in doc["events"] if e["kind"] == "pact.signed")
    assert (signed_on["2024"], signed_on["2025"], signed_on["2026"]) == (45, 45, 45)


# --- the rules decide ---------------------------------------------------------------------------------------------


def test_the_time_of_a_prefix_is_that_of_its_last_entry_refused_or_not() -> None:
    """`last_at` (answers' `as_of.at`) follows the last leaf that parses as an entry, even one the rules
    refuse; a leaf too damaged to parse has no time and leaves it where it was."""
    state = LedgerState(origin=ORIGIN)
    leaves: list[bytes] = []

    def keep(submission: Submission) -> Any:
        decision = rules_fold(state, submission, LOG_TIME)
        leaves.append(submission.leaf_bytes)
        return decision

    builder = LedgerBuilder(state=state, apply=keep)
    builder.standard_cast()
    builder.register_unit("dinsos", headcount=4)
    stranger = builder.sign(key_for("stranger"), "unit.headcount_set", "unit/dinsos", {"headcount": 2})
    view = ViewFold(ORIGIN)
    assert view.last_at is None  # an empty log has no time
    for index, leaf in enumerate(leaves):
        view.apply(index, leaf)
        assert view.last_at == parse_leaf(leaf).entry.at
    accepted = view.last_at
    assert accepted is not None and stranger.entry.at > accepted
    view.apply(len(leaves), stranger.leaf_bytes)
    assert [r["index"] for r in view.refused] == [len(leaves)]
    assert view.last_at == stranger.entry.at
    view.apply(len(leaves) + 1, b'{"entry": "not json')
    assert view.last_at == stranger.entry.at


def test_a_refused_leaf_of_a_damaged_log_is_recorded_not_applied() -> None:
    """Leaves the rules refuse (a stage skipped, a replayed entry, garbage, a stranger's key) are
    listed in `refused` with the rule's code; state, documents and history are as if they were absent."""
    state = LedgerState(origin=ORIGIN)
    leaves: list[bytes] = []

    def keep(submission: Submission) -> Any:
        decision = rules_fold(state, submission, LOG_TIME)
        leaves.append(submission.leaf_bytes)
        return decision

    builder = LedgerBuilder(state=state, apply=keep)
    builder.standard_cast()
    builder.register_unit("dinsos", headcount=4)
    builder.stage("dinsos", "registered", "declared")
    builder.sign_pacts("dinsos", 2)
    good = len(leaves)
    # Signed by the right role on the stream's head: only the stage machine says no.
    skipped = builder.sign(
        builder.regent,
        "stage.advanced",
        "unit/dinsos",
        {"from": "declared", "to": "nominated", "track": "wbk", "note": ""},
    )
    stranger = builder.sign(key_for("stranger"), "unit.headcount_set", "unit/dinsos", {"headcount": 2})
    damage = [skipped.leaf_bytes, leaves[-1], b'{"entry": "not json', stranger.leaf_bytes]
    builder.sign_pacts("dinsos", 2, start=2)  # accepted entries after the damage still apply
    damaged = [*leaves[:good], *damage, *leaves[good:]]

    view = ViewFold(ORIGIN, keep_history=True)
    for index, leaf in enumerate(damaged):
        view.apply(index, leaf)

    refused_at = [good, good + 1, good + 2, good + 3]
    assert [(r["index"], r["code"]) for r in view.refused] == list(zip(refused_at, REFUSED_CODES, strict=True))
    assert all(r["message"] for r in view.refused)
    doc = view.unit_document("dinsos")
    assert doc["stage"] == "declared"  # not nominated
    assert doc["headcount"] == 4  # not the stranger's 2
    assert doc["pact_coverage"] == {"valid": 4, "headcount": 4, "ratio": "1.0000"}
    assert view.size == len(damaged)
    assert [row["index"] for row in view.history_log or []] == [i for i in range(len(damaged)) if i not in refused_at]
    assert "stage.advanced" not in view.signer_document(skipped.entry.signer)["by_kind"]
    assert view.signer_document(stranger.entry.signer)["entries"] == 0
    # The views' state is the rules' state of the undamaged log (leaf indices shifted by the damage).
    pacts = {n: (p.valid, p.signed_on) for n, p in view.state.units["dinsos"].pacts.items()}
    assert pacts == {n: (p.valid, p.signed_on) for n, p in state.units["dinsos"].pacts.items()}


def test_apply_refuses_a_leaf_out_of_order(fold: ViewFold, demo: DemoLedger) -> None:
    view = ViewFold(fold.state.origin)
    view.apply(0, demo.leaves[0])
    with pytest.raises(LedgerError, match="cannot apply leaf 2") as raised:
        view.apply(2, demo.leaves[2])
    assert raised.value.code == "view_out_of_order"
    assert view.size == 1
