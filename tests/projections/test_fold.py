"""The view fold (projections.fold) over the Blora demo ledger: what it says of named units, signers,
employees and the region is what the demo's story (demo) tells; and it is the rules' fold,
not a second copy of them (DESIGN §1.3, §7)."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from demo.cast import DEMO_UNITS
from demo.story import DEMO_OUTCOMES, REVOKED_ON
from ledger.crypto.keys import encode_base64
from ledger.entry import SCORE_AREAS, WITNESS_OFFICES, Submission, format_time, parse_leaf
from ledger.errors import LedgerError
from ledger.rules import LedgerState, failing_checks, legacy_policy_document, parse_policy
from ledger.rules import fold as rules_fold
from ledger.store.datadir import open_ledger
from projections.fold import ViewFold
from projections.projector import counts
from projections.queries import MemoryViews
from tests.builder import LOG_TIME, ORIGIN, LedgerBuilder, key_for
from tests.projections.helpers import DemoLedger, demo_fingerprint

POLICY = parse_policy(legacy_policy_document())
REFUSED_CODES = ("transition_not_allowed", "stale_head", "malformed_json", "unknown_signer")
KAJARI = "overseer/district_prosecutor"
KAPOLRES = "overseer/district_police_chief"


@pytest.fixture(scope="module")
def fold(demo_offline: MemoryViews) -> ViewFold:
    return demo_offline.fold


@pytest.fixture(scope="module")
def docs(fold: ViewFold) -> dict[str, dict[str, Any]]:
    return {unit: fold.unit_document(unit) for unit in fold.state.units}


def _areas(checks: list[str]) -> set[str]:
    """The score areas (or `total`) a list of failing checks names, e.g. 'ipak 14.74 is below 15.75'."""
    return {check.split(" ", 1)[0] for check in checks}


def _check_result(result: dict[str, Any], unit: str) -> None:
    """A result's total is the sum of its scores, and its failing checks are the rules' own."""
    assert result["unit"] == unit
    assert set(result["scores"]) == set(SCORE_AREAS)
    assert Decimal(result["total"]) == sum(Decimal(score) for score in result["scores"].values())
    assert result["failing_checks"] == list(failing_checks(result["scores"], result["track"], POLICY))


# --- the whole region ---------------------------------------------------------------------------------------


def test_the_fold_accepts_every_demo_leaf(fold: ViewFold, demo: DemoLedger) -> None:
    assert fold.size == demo.size == 4681
    assert fold.refused == []
    assert len(fold.history_log or []) == demo.size
    assert [row["index"] for row in fold.history_log or []] == list(range(demo.size))


def test_every_unit_ends_where_the_story_says(docs: dict[str, dict[str, Any]]) -> None:
    assert len(docs) == 44
    assert {u: (d["stage"], d["track"], d["predicate"]) for u, d in docs.items()} == {
        u: (o.stage, o.track, o.predicate) for u, o in DEMO_OUTCOMES.items()
    }
    assert {u: (d["name"], d["type"]) for u, d in docs.items()} == {u: (s.name, s.type) for u, s in DEMO_UNITS.items()}


def test_region_counts_by_stage_and_predicate(fold: ViewFold) -> None:
    region = counts(fold)
    assert region == {
        "by_stage": {"building": 35, "declared": 3, "designated": 3, "nominated": 2, "revoked": 1},
        "by_predicate": {"none": 40, "wbk": 4},
    }
    assert sum(region["by_stage"].values()) == sum(region["by_predicate"].values()) == 44
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


def test_six_open_remediation_items_in_the_region(docs: dict[str, dict[str, Any]]) -> None:
    open_items = {
        u: [(i["id"], i["area"]) for i in d["remediation_open"]] for u, d in docs.items() if d["remediation_open"]
    }
    assert open_items == {
        "bppkad": [("2022-screening-2", "change_management")],
        "rsud-soetijono": [("2021-lke-2", "ipkp"), ("2021-lke-3", "oversight")],
        "dinkes": [("2021-lke-1", "accountability"), ("2021-lke-2", "ipak")],
        "kec-blora": [("2022-lke-2", "public_service")],
    }


# --- named units ----------------------------------------------------------------------------------------------


def test_dpmptsp_designated_wbk_with_its_results(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["dpmptsp"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("designated", "wbk", "wbk")
    assert doc["stage_since"] == "2021-12-08T03:00:00Z"  # 10:00 WIB, the 2021 designation
    assert doc["barred_until"] is None
    # 46 registered, one transferred to BPPKAD in July 2021: every remaining employee has a pact.
    assert doc["headcount"] == 45
    assert doc["pact_coverage"] == {"valid": 45, "headcount": 45, "ratio": "1.0000"}
    assert [(r["reason"], r["released_at"]) for r in doc["released_pacts"]] == [("transfer", "2021-07-01T01:00:00Z")]
    # The TPI monitors it after designation: the latest internal result is the 2022 LKE.
    internal, national = doc["internal"], doc["national"]
    assert (internal["year"], internal["step"], internal["outcome"]) == (2022, "lke", "passed")
    assert (national["year"], national["step"], national["outcome"]) == (2021, "field", "passed")
    for result in (internal, national):
        _check_result(result, "dpmptsp")
        assert result["failing_checks"] == [] and result["remediation"] == []
    assert Decimal(national["total"]) >= Decimal("75")
    assert doc["remediation_open"] == []
    assert [(n["office"], n["topic"], n["at"]) for n in doc["oversight_notes"]] == [
        ("district_prosecutor", "accompaniment", "2019-03-11T04:00:00Z")
    ]
    assert doc["last_activity"] == {"at": internal["at"], "index": internal["index"], "kind": "assessment.reviewed"}


def test_dpupr_revoked_and_barred_two_years(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["dpupr"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("revoked", "wbk", "none")
    assert doc["stage_since"] == format_time(REVOKED_ON) == "2022-06-20T03:00:00Z"
    assert doc["barred_until"] == format_time(REVOKED_ON + timedelta(days=730)) == "2024-06-19T03:00:00Z"
    # The head, named a suspect, is released from the unit; everyone else still holds a pact.
    assert doc["pact_coverage"] == {"valid": 149, "headcount": 150, "ratio": "0.9933"}
    assert [(r["reason"], r["released_at"]) for r in doc["released_pacts"]] == [("other", "2022-05-24T02:30:00Z")]
    assert (doc["internal"]["step"], doc["internal"]["outcome"]) == ("lke", "passed")
    assert (doc["national"]["step"], doc["national"]["outcome"], doc["national"]["year"]) == ("field", "passed", 2021)
    assert [(n["office"], n["topic"]) for n in doc["oversight_notes"]] == [
        ("district_prosecutor", "accompaniment"),
        ("district_prosecutor", "finding"),
        ("district_prosecutor", "case_opened"),
    ]
    assert {n["signer"] for n in doc["oversight_notes"]} == {demo_fingerprint(KAJARI)}
    assert doc["last_activity"] == {"at": "2022-06-20T03:00:00Z", "index": doc["stage_index"], "kind": "stage.advanced"}


def test_rsud_soeprapto_nominated_on_wbbm(docs: dict[str, dict[str, Any]], demo: DemoLedger) -> None:
    doc = docs["rsud-soeprapto"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("nominated", "wbbm", "wbk")
    assert doc["stage_since"] == "2023-06-05T03:00:00Z"
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
        "screening",
        "passed",
    )
    _check_result(internal, "rsud-soeprapto")
    _check_result(national, "rsud-soeprapto")
    assert Decimal(internal["total"]) >= Decimal("85")  # the WBBM bar
    assert doc["remediation_open"] == []
    # The declaration shown is the latest: the 2022 WBBM declaration, witnessed by all seven offices.
    wbbm = [
        s
        for s in map(parse_leaf, demo.leaves)
        if s.entry.stream == "unit/rsud-soeprapto"
        and s.entry.kind == "stage.advanced"
        and s.entry.body["to"] == "declared"
    ]
    assert [s.entry.body["track"] for s in wbbm] == ["wbk", "wbbm"]
    assert doc["declaration"]["leaf_hash"] == encode_base64(wbbm[-1].leaf_hash)
    assert [w["office"] for w in doc["declaration"]["witnesses"]] == list(WITNESS_OFFICES)
    assert doc["declaration"]["witnesses"][0]["signer"] == demo_fingerprint("witness/regent/2")
    assert doc["last_activity"] == {"at": national["at"], "index": demo.size - 1, "kind": "assessment.reviewed"}


@pytest.mark.parametrize(("unit", "valid", "headcount", "ratio"), [
    ("kec-jiken", 20, 26, "0.7692"),
    ("kec-bogorejo", 18, 22, "0.8182"),
    ("dinpermades", 36, 44, "0.8182"),
])  # fmt: skip
def test_stalled_in_declared_below_ninety_percent(
    docs: dict[str, dict[str, Any]], unit: str, valid: int, headcount: int, ratio: str
) -> None:
    doc, spec = docs[unit], DEMO_UNITS[unit]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("declared", "wbk", "none")
    assert doc["stage_since"].startswith("2020-07-08T")  # the ceremony
    assert valid == spec.headcount * spec.pact_percent // 100
    assert doc["pact_coverage"] == {"valid": valid, "headcount": headcount, "ratio": ratio}
    assert Decimal(ratio) < POLICY.min_pact_coverage == Decimal("0.9")
    assert doc["internal"] is None and doc["national"] is None and doc["remediation_open"] == []
    # Declared at the 2020 ceremony and witnessed by the seven Forkopimda offices.
    witnesses = doc["declaration"]["witnesses"]
    assert len(witnesses) == 7
    assert [w["office"] for w in witnesses] == list(WITNESS_OFFICES)
    assert witnesses[0]["signer"] == demo_fingerprint("witness/regent/1")
    assert all(w["at"].startswith("2020-07-08T") for w in witnesses)


def test_kec_jiken_last_activity_is_the_kapolres_note(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["kec-jiken"]
    [note] = doc["oversight_notes"]
    assert (note["office"], note["topic"], note["at"]) == (
        "district_police_chief",
        "accompaniment",
        "2022-09-12T04:00:00Z",
    )
    assert note["signer"] == demo_fingerprint(KAPOLRES)
    assert doc["last_activity"] == {"at": note["at"], "index": note["index"], "kind": "oversight.noted"}


def test_dinkominfo_nominated_awaiting_the_tpn(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["dinkominfo"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("nominated", "wbk", "none")
    assert doc["stage_since"] == "2022-09-05T03:00:00Z"
    assert (doc["internal"]["year"], doc["internal"]["outcome"]) == (2022, "passed")
    _check_result(doc["internal"], "dinkominfo")
    assert doc["national"] is None
    assert doc["last_activity"]["kind"] == "stage.advanced"


def test_rsud_soetijono_failed_lke_with_two_items_open(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["rsud-soetijono"]
    assert (doc["stage"], doc["track"], doc["predicate"]) == ("building", "wbk", "none")
    assert doc["pact_coverage"] == {"valid": 517, "headcount": 562, "ratio": "0.9199"}
    internal = doc["internal"]
    assert (internal["year"], internal["step"], internal["outcome"]) == (2021, "lke", "failed")
    _check_result(internal, "rsud-soetijono")
    assert {"business_process", "ipkp", "oversight"} <= _areas(internal["failing_checks"])
    assert internal["remediation"] == ["2021-lke-1", "2021-lke-2", "2021-lke-3"]
    assert [(i["id"], i["opened_at"], i["opened_index"]) for i in doc["remediation_open"]] == [
        ("2021-lke-2", internal["at"], internal["index"]),
        ("2021-lke-3", internal["at"], internal["index"]),
    ]
    assert [n["topic"] for n in doc["oversight_notes"]] == ["finding", "case_opened", "case_closed"]
    assert doc["last_activity"]["kind"] == "oversight.noted"
    assert doc["last_activity"]["at"] == "2022-03-28T04:00:00Z"


def test_bppkad_failed_screening_and_its_appeal(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["bppkad"]
    assert (doc["stage"], doc["stage_since"]) == ("building", "2022-07-11T03:00:00Z")
    national = doc["national"]
    assert (national["step"], national["outcome"], national["at"]) == ("screening", "failed", "2022-06-27T06:00:00Z")
    _check_result(national, "bppkad")
    assert "change_management" in _areas(national["failing_checks"])
    assert national["remediation"] == ["2022-screening-2"]
    # 112 registered, one employee transferred in from DPMPTSP.
    assert doc["pact_coverage"] == {"valid": 113, "headcount": 113, "ratio": "1.0000"}


def test_dindukcapil_designated_after_two_failures(docs: dict[str, dict[str, Any]]) -> None:
    doc = docs["dindukcapil"]
    assert (doc["stage"], doc["predicate"], doc["stage_since"]) == ("designated", "wbk", "2022-12-07T03:00:00Z")
    assert (doc["national"]["year"], doc["national"]["step"], doc["national"]["outcome"]) == (2022, "field", "passed")
    assert doc["remediation_open"] == []
    assert doc["pact_coverage"] == {"valid": 61, "headcount": 61, "ratio": "1.0000"}


def test_only_dpupr_is_barred(docs: dict[str, dict[str, Any]]) -> None:
    assert {u: d["barred_until"] for u, d in docs.items() if d["barred_until"]} == {"dpupr": "2024-06-19T03:00:00Z"}


def test_every_declaration_has_its_seven_witnesses(docs: dict[str, dict[str, Any]]) -> None:
    assert {u: len(d["declaration"]["witnesses"]) for u, d in docs.items()} == dict.fromkeys(docs, 7)


# --- signers ------------------------------------------------------------------------------------------------------


def test_the_kajari_overseers_activity(fold: ViewFold) -> None:
    doc = fold.signer_document(demo_fingerprint(KAJARI))
    assert doc["role"] == "overseer" and doc["scope"] == ["*"]
    assert doc["holder"]["title"] == "Kepala Kejaksaan Negeri Blora, pendampingan ZI"
    assert doc["revoked_index"] is None
    assert doc["entries"] == 7
    assert doc["by_kind"] == {"oversight.noted": 7}
    assert doc["first"]["at"] == "2019-03-11T04:00:00Z"  # DPMPTSP's accompaniment
    assert doc["last"]["at"] == "2022-06-06T04:00:00Z"  # Dinpusip, stalled since 2019
    noted = sum(
        1
        for d in map(fold.unit_document, fold.state.units)
        for n in d["oversight_notes"]
        if n["signer"] == doc["signer"]
    )
    assert noted == 7


def test_the_kapolres_and_the_witnesses(fold: ViewFold) -> None:
    kapolres = fold.signer_document(demo_fingerprint(KAPOLRES))
    assert (kapolres["entries"], kapolres["last"]["at"]) == (7, "2022-09-12T04:00:00Z")
    # The Kajari attests every declaration: 6 of 2019, 38 of 2020, the WBBM one of 2022.
    witness = fold.signer_document(demo_fingerprint("witness/district_prosecutor"))
    assert (witness["role"], witness["entries"], witness["by_kind"]) == ("witness", 45, {"declaration.witnessed": 45})
    # The regent's witness key of 2016-2021 attested the 44 first declarations and was revoked at the handover.
    old = fold.signer_document(demo_fingerprint("witness/regent/1"))
    new = fold.signer_document(demo_fingerprint("witness/regent/2"))
    assert old["entries"] == 44 and old["revoked_index"] is not None
    assert old["last"]["index"] < old["revoked_index"] < new["first"]["index"]
    assert (new["entries"], new["revoked_index"]) == (1, None)


def test_the_minister_designated_five_and_revoked_one(fold: ViewFold) -> None:
    doc = fold.signer_document(demo_fingerprint("minister"))
    assert (doc["role"], doc["entries"], doc["by_kind"]) == ("minister", 6, {"stage.advanced": 6})
    history = [row for row in fold.history_log or [] if row["signer"] == doc["signer"]]
    assert [(row["unit"], row["summary"]["to"]) for row in history] == [
        ("dpmptsp", "designated"),
        ("rsud-soeprapto", "designated"),
        ("dpupr", "designated"),
        ("dpupr", "revoked"),
        ("dindukcapil", "designated"),
        ("kec-cepu", "designated"),
    ]


def test_a_revoked_unit_heads_key(fold: ViewFold) -> None:
    old = fold.signer_document(demo_fingerprint("unit_head/dpupr"))
    acting = fold.signer_document(demo_fingerprint("unit_head/dpupr/2"))
    assert old["role"] == acting["role"] == "unit_head" and old["scope"] == ["dpupr"]
    assert old["revoked_index"] is not None and old["revoked_index"] < acting["registered_index"]
    assert old["by_kind"] == {"stage.advanced": 2}  # declared, building
    assert acting["entries"] == 0 and acting["holder"]["title"] == "Plt. Kepala Dinas PUPR Kabupaten Blora"


# --- employees -----------------------------------------------------------------------------------------------------


def _employees(fold: ViewFold, unit: str) -> list[dict[str, Any]]:
    return [fold.employee_document(u, n) for u, n in sorted(fold.employees) if u == unit]


def test_a_transferred_employee_released_in_one_unit_signs_in_the_other(
    fold: ViewFold, docs: dict[str, dict[str, Any]]
) -> None:
    [released] = docs["dindukcapil"]["released_pacts"]
    before = fold.employee_document("dindukcapil", released["number"])
    after = fold.employee_document("kec-cepu", released["number"])
    assert before["valid"] is False and after["valid"] is True
    assert before["name"] == after["name"] == released["name"]
    assert [(e["kind"], e.get("reason")) for e in before["events"]] == [
        ("pact.signed", None),
        ("pact.released", "transfer"),
    ]
    assert [e["kind"] for e in after["events"]] == ["pact.signed"]
    assert after["events"][0]["signed_on"] == "2021-03-01"
    assert before["events"][1]["at"] == "2021-03-01T01:00:00Z" < after["events"][0]["at"]


def test_a_retired_employee_and_the_newcomer(fold: ViewFold, docs: dict[str, dict[str, Any]]) -> None:
    [retired] = docs["disdik"]["released_pacts"]
    assert retired["reason"] == "retired"
    history = fold.employee_document("disdik", retired["number"])
    assert history["valid"] is False
    assert [e["kind"] for e in history["events"]] == ["pact.signed", "pact.released"]
    employees = _employees(fold, "disdik")
    assert len(employees) == 229  # 228 signers and the retiree
    assert sum(e["valid"] for e in employees) == docs["disdik"]["pact_coverage"]["valid"] == 228
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
