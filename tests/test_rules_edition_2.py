"""Tests of rules edition 2, the national process (issue 11; docs/design/rules-edition-2.md).

Every rule has its accepted case and its refused twin: the refusal is checked for its exact class
and `code` and for leaving the state exactly as it was (a deep copy compared field by field), as in
tests/test_rules.py. The ledger is built under the packaged edition-2 policy with the builder's
national root (`LedgerBuilder.standard_cast_edition_2`), in 2022 (the PermenPANRB 90/2021 model)
unless a test says otherwise.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes
from ledger.endorsement import sign_endorsement
from ledger.entry import Submission, format_time
from ledger.rules import legacy_policy_document, parse_failing_check
from tests.builder import (
    PASSING_10_2019_WBK,
    PASSING_WBK,
    LedgerBuilder,
    digest,
    key_for,
    passing_scores,
)
from tests.test_rules import accept, refuse

U = "dinkes"
OTHER = "dukcapil"


@pytest.fixture
def b() -> LedgerBuilder:
    builder = LedgerBuilder(start=datetime(2022, 1, 1, tzinfo=UTC))
    builder.standard_cast_edition_2()
    return builder


def key_body(name: str, role: str, **extra: Any) -> dict[str, Any]:
    key = key_for(name)
    body = {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": role,
        "scope": ["*"],
        "holder": {"name": name, "title": role},
    }
    return {**body, **extra}


def key_stream(name: str) -> str:
    return f"key/{fingerprint(key_for(name).public_key())}"


def stage_body(source: str, target: str, track: str = "wbk", **extra: Any) -> dict[str, Any]:
    return {"from": source, "to": target, "track": track, "note": "", **extra}


def national(b: LedgerBuilder, step: str, scores: dict[str, str], outcome: str = "passed", year: int = 2022) -> Any:
    body = {
        "level": "national",
        "year": year,
        "track": "wbk",
        "step": step,
        "scores": scores,
        "outcome": outcome,
        "remediation": [],
    }
    return b.sign(b.tpn, "assessment.reviewed", f"unit/{U}", body)


def internal(b: LedgerBuilder, scores: dict[str, str], year: int, outcome: str = "passed") -> Submission:
    body = {
        "level": "internal",
        "year": year,
        "track": "wbk",
        "step": "lke",
        "scores": scores,
        "outcome": outcome,
        "remediation": [],
    }
    return b.sign(b.tpi, "assessment.reviewed", f"unit/{U}", body)


# --- national keys -----------------------------------------------------------------------------------


def test_national_key_with_the_national_roots_endorsement_is_registered(b: LedgerBuilder) -> None:
    body = key_body("minister-2", "minister")
    body["endorsement"] = sign_endorsement(b.national_root, body)
    accept(b, b.sign(b.root, "key.registered", key_stream("minister-2"), body))
    assert b.state.keys[key_stream("minister-2").removeprefix("key/")].role == "minister"


def test_regency_root_cannot_register_a_minister_key_without_endorsement(b: LedgerBuilder) -> None:
    submission = b.sign(b.root, "key.registered", key_stream("minister-2"), key_body("minister-2", "minister"))
    refuse(b, submission, "endorsement_required")


@pytest.mark.parametrize("role", ["national_authority", "national_assessor", "minister"])
def test_endorsement_by_another_key_is_refused(b: LedgerBuilder, role: str) -> None:
    body = key_body("national-2", role)
    body["endorsement"] = sign_endorsement(key_for("regency-made-root"), body)  # not the policy's root
    refuse(b, b.sign(b.root, "key.registered", key_stream("national-2"), body), "endorsement_invalid")


def test_endorsement_of_other_members_is_refused(b: LedgerBuilder) -> None:
    endorsed = key_body("minister-2", "minister")
    body = {**endorsed, "holder": {"name": "someone else", "title": "minister"}}
    body["endorsement"] = sign_endorsement(b.national_root, endorsed)
    refuse(b, b.sign(b.root, "key.registered", key_stream("minister-2"), body), "endorsement_invalid")


def test_regency_key_without_endorsement_is_registered_and_with_one_refused(b: LedgerBuilder) -> None:
    body = key_body("tpi-2", "internal_assessor")
    endorsed = {**body, "endorsement": sign_endorsement(b.national_root, body)}
    refuse(b, b.sign(b.root, "key.registered", key_stream("tpi-2"), endorsed), "endorsement_unexpected")
    accept(b, b.sign(b.root, "key.registered", key_stream("tpi-2"), body))


def test_without_a_national_root_no_national_key_is_registered() -> None:
    b = LedgerBuilder(start=datetime(2022, 1, 1, tzinfo=UTC))
    policy = b.edition_2_policy()
    del policy["national_root"]
    b.genesis(policy)
    body = key_body("minister", "minister")
    body["endorsement"] = sign_endorsement(b.national_root, body)
    refuse(b, b.sign(b.root, "key.registered", key_stream("minister"), body), "no_national_root")
    accept(b, b.sign(b.root, "key.registered", key_stream("regent"), key_body("regent", "regent")))


def test_policy_set_keeps_the_national_root(b: LedgerBuilder) -> None:
    other_root = encode_base64(public_key_bytes(key_for("other-root").public_key()))
    changed = {**b.edition_2_policy(), "version": 2, "national_root": {"value": other_root, "source": "x"}}
    refuse(b, b.sign(b.admin, "policy.set", "ledger", {"policy": changed}), "national_root_changed")
    removed = {**b.edition_2_policy(), "version": 2}
    del removed["national_root"]
    refuse(b, b.sign(b.admin, "policy.set", "ledger", {"policy": removed}), "national_root_changed")
    accept(b, b.sign(b.admin, "policy.set", "ledger", {"policy": {**b.edition_2_policy(), "version": 2}}))
    assert b.state.policy is not None and b.state.policy.version == 2


def test_a_national_root_may_be_set_once_by_policy_set() -> None:
    b = LedgerBuilder(start=datetime(2022, 1, 1, tzinfo=UTC))
    policy = b.edition_2_policy()
    del policy["national_root"]
    b.genesis(policy)
    accept(b, b.sign(b.root, "policy.set", "ledger", {"policy": {**b.edition_2_policy(), "version": 2}}))
    assert b.state.policy is not None and b.state.policy.national_root is not None


def test_policy_set_may_not_lower_the_rules_edition(b: LedgerBuilder) -> None:
    legacy = {**legacy_policy_document(), "version": 5}
    refuse(b, b.sign(b.admin, "policy.set", "ledger", {"policy": legacy}), "rules_edition_lowered")


def test_edition_1_log_may_raise_its_edition() -> None:
    b = LedgerBuilder()
    b.standard_cast()
    accept(b, b.sign(b.root, "policy.set", "ledger", {"policy": {**b.edition_2_policy(), "version": 2}}))
    assert b.state.policy is not None and b.state.policy.rules == 2


# --- score models ------------------------------------------------------------------------------------


def test_10_2019_lke_for_2020_with_tlhp_is_accepted_and_with_performance_refused() -> None:
    b = LedgerBuilder(start=datetime(2020, 1, 1, tzinfo=UTC))
    b.standard_cast_edition_2()
    b.to_building_edition_2(U, headcount=2)
    with_performance = {**{k: v for k, v in PASSING_10_2019_WBK.items() if k != "tlhp"}, "performance": "4.00"}
    refuse(b, internal(b, with_performance, 2020), "score_areas_model")
    decision = accept(b, internal(b, PASSING_10_2019_WBK, 2020))
    assert decision.assessment is not None
    assert decision.assessment.total == Decimal("83.00")
    assert decision.assessment.failing == ()


def test_90_2021_lke_needs_performance_not_tlhp(b: LedgerBuilder) -> None:
    b.to_building_edition_2(U, headcount=2)
    refuse(b, internal(b, PASSING_10_2019_WBK, 2022), "score_areas_model")
    accept(b, internal(b, PASSING_WBK, 2022))


def test_a_year_no_model_covers_is_refused(b: LedgerBuilder) -> None:
    b.to_building_edition_2(U, headcount=2)
    refuse(b, internal(b, PASSING_10_2019_WBK, 2018), "no_model_for_year")
    accept(b, internal(b, PASSING_10_2019_WBK, 2019))


def test_scores_above_the_models_weights_are_refused(b: LedgerBuilder) -> None:
    b.to_building_edition_2(U, headcount=2)
    # 10/2019 weighs change management 5, 90/2021 weighs it 8 (ledger/policy/default.json).
    refuse(b, internal(b, {**PASSING_10_2019_WBK, "change_management": "6.00"}, 2021), "score_out_of_range")
    accept(b, internal(b, {**PASSING_WBK, "change_management": "6.00"}, 2022))


def test_10_2019_enablers_total_is_a_failing_check(b: LedgerBuilder) -> None:
    b.to_building_edition_2(U, headcount=2)
    low = {**PASSING_10_2019_WBK, "hr_management": "4.00", "ipkp": "20.00", "tlhp": "5.00"}  # enablers 40 - 0.0
    low = {**low, "oversight": "11.00", "ipak": "15.00"}  # enablers 39.00, total 79.00
    error = refuse(b, internal(b, low, 2021), "thresholds_not_met")
    assert error.params["checks"] == [{"code": "enablers_total_below", "params": {"score": "39.00", "needed": "40.00"}}]
    decision = accept(b, internal(b, low, 2021, outcome="failed"))
    assert decision.assessment is not None
    assert decision.assessment.failing == ("enablers total 39.00 is below 40.00",)
    assert parse_failing_check("enablers total 39.00 is below 40.00") == decision.assessment.failing[0]


def test_90_2021_enabler_share_and_result_minimums_are_failing_checks(b: LedgerBuilder) -> None:
    b.to_building_edition_2(U, headcount=2)
    low = {**PASSING_WBK, "business_process": "4.00", "performance": "2.00"}
    decision = accept(b, internal(b, low, 2022, outcome="failed"))
    assert decision.assessment is not None
    assert decision.assessment.failing == (
        "business_process 4.00 is below 4.20 (60.00% of 7.00)",
        "performance 2.00 is below 2.50",
    )
    refuse(b, internal(b, low, 2022), "thresholds_not_met")


# --- cycles ------------------------------------------------------------------------------------------


def test_national_authority_opens_a_cycle(b: LedgerBuilder) -> None:
    b.open_cycle(2022, quota=3, quotas={"kemenkes": 1})
    cycle = b.state.cycles[2022]
    assert (cycle.model, cycle.quota, cycle.quota_of("kemenkes"), cycle.quota_of("")) == (
        "permenpanrb-90-2021",
        3,
        1,
        3,
    )


def test_cycle_rules(b: LedgerBuilder) -> None:
    body = {
        "year": 2022,
        "model": "permenpanrb-90-2021",
        "proposal_deadline": "2022-06-30",
        "appeal_days": 7,
        "closes_on": "2022-12-31",
        "quota": 2,
    }
    refuse(b, b.sign(b.regent, "cycle.opened", "cycle/2022", body), "role_not_allowed")
    refuse(b, b.sign(b.national_authority, "cycle.opened", "cycle/2023", body), "invalid_cycle")
    wrong_model = {**body, "model": "permenpanrb-10-2019"}
    refuse(b, b.sign(b.national_authority, "cycle.opened", "cycle/2022", wrong_model), "model_mismatch")
    early = {**body, "closes_on": "2022-06-29"}
    refuse(b, b.sign(b.national_authority, "cycle.opened", "cycle/2022", early), "invalid_cycle")
    old = {**body, "year": 2018, "model": "permenpanrb-10-2019"}
    refuse(b, b.sign(b.national_authority, "cycle.opened", "cycle/2018", old), "no_model_for_year")
    accept(b, b.sign(b.national_authority, "cycle.opened", "cycle/2022", body))
    refuse(b, b.sign(b.national_authority, "cycle.opened", "cycle/2022", body), "cycle_exists")


def test_edition_1_log_still_refuses_what_it_did() -> None:
    b = LedgerBuilder()
    b.standard_cast()
    body = {
        "year": 2020,
        "model": "permenpanrb-10-2019",
        "proposal_deadline": "2020-06-30",
        "appeal_days": 7,
        "closes_on": "2020-12-31",
        "quota": 2,
    }
    refuse(b, b.sign(b.regent, "cycle.opened", "cycle/2020", body), "rules_edition")
    # The pact coverage gate of edition 1 stays: 5 of 10 pacts is below its 90 %.
    b.register_unit(U, 10)
    b.stage(U, "registered", "declared")
    b.sign_pacts(U, 5)
    refuse(
        b,
        b.sign(b.heads[U], "stage.advanced", f"unit/{U}", stage_body("declared", "building")),
        "pact_coverage_too_low",
    )
    # A minister key needs no endorsement, and nominated -> nominated is no transition of edition 1.
    accept(b, b.sign(b.root, "key.registered", key_stream("minister-2"), key_body("minister-2", "minister")))
    b.sign_pacts(U, 5, start=5)
    b.stage(U, "declared", "building")
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    b.stage(U, "building", "nominated")
    again = stage_body("nominated", "nominated")
    refuse(b, b.sign(b.regent, "stage.advanced", f"unit/{U}", again), "transition_not_allowed")


# --- pacts: no coverage gate -------------------------------------------------------------------------


def test_declared_to_building_at_half_coverage_is_accepted(b: LedgerBuilder) -> None:
    b.register_unit_edition_2(U, 10)
    b.stage(U, "registered", "declared")
    b.sign_pacts(U, 5, occasion="declaration")
    accept(b, b.sign(b.heads[U], "stage.advanced", f"unit/{U}", stage_body("declared", "building")))
    assert b.state.units[U].stage == "building"
    assert b.state.units[U].pact_coverage == Decimal("0.5")


# --- proposals ---------------------------------------------------------------------------------------


def proposal(
    b: LedgerBuilder, unit: str = U, cycle: int | None = 2022, source: str = "building", **extra: Any
) -> Submission:
    at = extra.pop("at", None)
    body = stage_body(source, "nominated", **extra)
    if cycle is not None:
        body["cycle"] = cycle
    return b.sign(b.regent, "stage.advanced", f"unit/{unit}", body, at=at)


def building_with_lke(b: LedgerBuilder, unit: str = U, year: int = 2022, **kwargs: Any) -> None:
    b.to_building_edition_2(unit, headcount=2, **kwargs)
    b.assess(unit, "internal", "lke", passing_scores(year), "passed", year=year)


def test_proposal_in_an_open_cycle(b: LedgerBuilder) -> None:
    b.open_cycle(2022)
    building_with_lke(b)
    refuse(b, proposal(b, cycle=None), "cycle_required")
    refuse(b, proposal(b, cycle=2023), "unknown_cycle")
    accept(b, proposal(b))
    unit = b.state.units[U]
    assert (unit.stage, unit.proposal_cycle, b.state.proposals) == ("nominated", 2022, {(2022, ""): 1})


def test_proposal_past_the_deadline_is_refused(b: LedgerBuilder) -> None:
    b.open_cycle(2022, deadline="2022-02-01")
    building_with_lke(b)
    b.clock = datetime(2022, 2, 1, 23, 0, tzinfo=UTC)
    refuse(b, proposal(b, at="2022-02-02T00:00:00Z"), "past_deadline")
    accept(b, proposal(b, at="2022-02-01T23:59:59Z"))


def test_proposal_past_the_quota_is_refused(b: LedgerBuilder) -> None:
    b.open_cycle(2022, quota=1, quotas={"kemenkes": 2})
    for unit in (U, OTHER):
        building_with_lke(b, unit)
    building_with_lke(b, "rsud", agency="kemenkes")
    building_with_lke(b, "puskesmas-a", agency="kemenkes")
    accept(b, proposal(b, U))
    refuse(b, proposal(b, OTHER), "quota_reached")
    accept(b, proposal(b, "rsud"))  # another agency, with its own quota of 2
    accept(b, proposal(b, "puskesmas-a"))
    assert b.state.proposals == {(2022, ""): 1, (2022, "kemenkes"): 2}


def test_proposal_needs_an_lke_of_the_cycles_model(b: LedgerBuilder) -> None:
    b.open_cycle(2022)
    b.to_building_edition_2(U, headcount=2)
    refuse(b, proposal(b), "no_passed_assessment")
    b.assess(U, "internal", "lke", PASSING_10_2019_WBK, "passed", year=2021)
    refuse(b, proposal(b), "model_mismatch")
    b.assess(U, "internal", "lke", {**PASSING_WBK, "ipak": "10.00"}, "failed", year=2022)
    refuse(b, proposal(b), "no_passed_assessment")
    b.assess(U, "internal", "lke", PASSING_WBK, "passed", year=2022)
    accept(b, proposal(b))


def test_proposal_with_open_remediation_is_refused(b: LedgerBuilder) -> None:
    b.open_cycle(2022)
    b.to_building_edition_2(U, headcount=2)
    item = {"id": "r1", "area": "oversight", "text": "tindak lanjut"}
    b.assess(U, "internal", "lke", PASSING_WBK, "passed", year=2022, remediation=[item])
    refuse(b, proposal(b), "open_remediation")
    b.submit(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "r1", "evidence": [digest("bukti")]})
    accept(b, proposal(b))


# --- lapse and re-proposal ---------------------------------------------------------------------------


def test_lapsed_proposal_refuses_national_steps_and_may_be_proposed_again(b: LedgerBuilder) -> None:
    b.open_cycle(2022, deadline="2022-03-01", closes_on="2022-03-31")
    building_with_lke(b)
    b.propose(U, 2022)
    refuse(b, proposal(b, source="nominated"), "proposal_not_lapsed")
    b.clock = datetime(2022, 3, 31, 23, 59, tzinfo=UTC)
    screening = {"cycle": 2022, "outcome": "passed", "notes": []}
    refuse(b, b.sign(b.tpn, "screening.recorded", f"unit/{U}", screening, at="2022-04-01T00:00:00Z"), "cycle_closed")
    accept(b, b.sign(b.tpn, "screening.recorded", f"unit/{U}", screening, at="2022-03-31T23:59:59Z"))
    b.clock = datetime(2022, 4, 1, tzinfo=UTC)
    refuse(b, national(b, "desk", PASSING_WBK), "cycle_closed")
    designation = stage_body("nominated", "designated", sk=b.decree("SK-1", "2022-04-01"))
    refuse(b, b.sign(b.minister, "stage.advanced", f"unit/{U}", designation), "cycle_closed")
    refuse(b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", stage_body("nominated", "building")), "cycle_closed")
    # The regent proposes it again in the next cycle, as long as it takes proposals.
    b.open_cycle(2023)
    b.clock = datetime(2023, 1, 2, tzinfo=UTC)
    refuse(
        b,
        b.sign(b.tpn, "stage.advanced", f"unit/{U}", stage_body("nominated", "nominated", cycle=2023)),
        "role_not_allowed",
    )
    accept(b, internal(b, PASSING_WBK, 2023))  # a lapsed unit may update its LKE meanwhile
    accept(b, proposal(b, cycle=2023, source="nominated"))
    unit = b.state.units[U]
    assert (unit.stage, unit.proposal_cycle, unit.screening) == ("nominated", 2023, None)
    assert b.state.proposals == {(2022, ""): 1, (2023, ""): 1}


def test_internal_assessment_while_nominated_needs_a_lapse(b: LedgerBuilder) -> None:
    b.open_cycle(2022)
    building_with_lke(b)
    b.propose(U, 2022)
    refuse(b, internal(b, PASSING_WBK, 2022), "assessment_not_allowed")


# --- screening, appeal, desk and field ----------------------------------------------------------------


@pytest.fixture
def nominated(b: LedgerBuilder) -> LedgerBuilder:
    b.to_nominated_edition_2(U, 2022, headcount=2)
    return b


def screening(
    b: LedgerBuilder, outcome: str = "passed", notes: list[str] | None = None, cycle: int = 2022, **kw: Any
) -> Submission:
    body = {"cycle": cycle, "outcome": outcome, "notes": notes if notes is not None else []}
    return b.sign(b.tpn, "screening.recorded", f"unit/{U}", body, **kw)


def appeal(b: LedgerBuilder, **kw: Any) -> Submission:
    body = {"cycle": 2022, "text": "dokumen telah dilengkapi", "documents": [digest("lampiran")]}
    return b.sign(b.heads[U], "appeal.filed", f"unit/{U}", body, **kw)


def decision_of_appeal(b: LedgerBuilder, outcome: str) -> Submission:
    return b.sign(b.tpn, "appeal.decided", f"unit/{U}", {"cycle": 2022, "outcome": outcome, "note": "diputus"})


def test_screening_is_a_document_check_recorded_once(nominated: LedgerBuilder) -> None:
    b = nominated
    refuse(b, national(b, "screening", PASSING_WBK), "screening_is_document_check")
    refuse(b, screening(b, cycle=2021), "not_proposed")
    refuse(b, screening(b, "passed_with_notes"), "notes_required")
    refuse(b, screening(b, "failed"), "notes_required")
    refuse(
        b,
        b.sign(b.tpi, "screening.recorded", f"unit/{U}", {"cycle": 2022, "outcome": "passed", "notes": []}),
        "role_not_allowed",
    )
    accept(b, screening(b, "passed_with_notes", ["SPTJM belum bermeterai"]))
    assert b.state.units[U].screening is not None
    refuse(b, screening(b), "screening_recorded")


def test_desk_needs_a_passed_screening_and_field_a_passed_desk(nominated: LedgerBuilder) -> None:
    b = nominated
    refuse(b, national(b, "desk", PASSING_WBK), "assessment_not_allowed")
    b.screen(U, 2022, "passed_with_notes", ["catatan"])
    refuse(b, national(b, "field", PASSING_WBK), "assessment_not_allowed")
    refuse(b, national(b, "desk", PASSING_10_2019_WBK, year=2021), "model_mismatch")
    accept(b, national(b, "desk", PASSING_WBK))
    refuse(b, national(b, "desk", PASSING_WBK), "assessment_not_allowed")
    accept(b, national(b, "field", PASSING_WBK))


def test_appeal_of_a_failed_screening_once_within_the_window(nominated: LedgerBuilder) -> None:
    b = nominated
    refuse(b, appeal(b), "nothing_to_appeal")
    b.screen(U, 2022, "failed", ["LKE tidak lengkap"])
    screened_at = b.clock
    refuse(b, national(b, "desk", PASSING_WBK), "assessment_not_allowed")
    refuse(b, decision_of_appeal(b, "granted"), "no_appeal")
    refuse(
        b, b.sign(b.tpn, "appeal.filed", f"unit/{U}", {"cycle": 2022, "text": "x", "documents": []}), "role_not_allowed"
    )
    window_end = screened_at + timedelta(days=7)  # the cycle's appeal_days (LedgerBuilder.open_cycle)
    refuse(b, appeal(b, at=format_time(window_end + timedelta(seconds=1))), "appeal_window_closed")
    accept(b, appeal(b, at=format_time(window_end)))
    b.clock = window_end
    refuse(b, appeal(b), "appeal_filed")
    accept(b, decision_of_appeal(b, "granted"))
    refuse(b, decision_of_appeal(b, "rejected"), "no_appeal")  # the decision is final
    accept(b, national(b, "desk", PASSING_WBK))  # a granted appeal opens the desk evaluation


def test_send_back_after_a_failed_screening_needs_the_window_to_close(nominated: LedgerBuilder) -> None:
    b = nominated
    send_back = stage_body("nominated", "building")
    refuse(b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", send_back), "no_failed_review")
    b.screen(U, 2022, "failed", ["LKE tidak lengkap"])
    window_end = b.clock + timedelta(days=7)
    refuse(b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", send_back, at=format_time(window_end)), "no_failed_review")
    accept(
        b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", send_back, at=format_time(window_end + timedelta(seconds=1)))
    )
    unit = b.state.units[U]
    assert (unit.stage, unit.proposal_cycle, unit.screening, unit.internal) == ("building", None, None, None)


def test_send_back_after_a_rejected_appeal(nominated: LedgerBuilder) -> None:
    b = nominated
    b.screen(U, 2022, "failed", ["LKE tidak lengkap"])
    accept(b, appeal(b))
    send_back = stage_body("nominated", "building")
    refuse(b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", send_back), "no_failed_review")  # undecided
    accept(b, decision_of_appeal(b, "rejected"))
    refuse(b, national(b, "desk", PASSING_WBK), "assessment_not_allowed")
    accept(b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", send_back))


def test_send_back_after_a_failed_desk_evaluation(nominated: LedgerBuilder) -> None:
    b = nominated
    b.screen(U, 2022)
    b.assess(U, "national", "desk", PASSING_WBK, "passed", year=2022)
    send_back = stage_body("nominated", "building")
    refuse(b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", send_back), "no_failed_review")
    accept(b, national(b, "field", {**PASSING_WBK, "ipak": "10.00"}, outcome="failed"))
    accept(b, b.sign(b.tpn, "stage.advanced", f"unit/{U}", send_back))


# --- designation by decree ---------------------------------------------------------------------------


def designation(b: LedgerBuilder, unit: str = U, **extra: Any) -> Submission:
    return b.sign(b.minister, "stage.advanced", f"unit/{unit}", stage_body("nominated", "designated", **extra))


def evaluated(b: LedgerBuilder, unit: str) -> None:
    b.to_nominated_edition_2(unit, 2022, headcount=2)
    b.screen(unit, 2022)
    for step in ("desk", "field"):
        b.assess(unit, "national", step, PASSING_WBK, "passed", year=2022)


def test_designation_needs_a_decree_and_a_passed_field_evaluation(b: LedgerBuilder) -> None:
    b.to_nominated_edition_2(U, 2022, headcount=2)
    sk = b.decree("100/KEP/2022", "2022-03-01")
    refuse(b, designation(b, sk=sk), "no_passed_assessment")
    b.screen(U, 2022)
    b.assess(U, "national", "desk", PASSING_WBK, "passed", year=2022)
    refuse(b, designation(b, sk=sk), "no_passed_assessment")
    b.assess(U, "national", "field", PASSING_WBK, "passed", year=2022)
    refuse(b, designation(b), "decree_required")
    refuse(b, designation(b, decree="100/KEP/2022"), "decree_required")  # the edition-1 text is not a decree
    accept(b, designation(b, sk=sk))
    unit = b.state.units[U]
    assert (unit.stage, unit.predicate, unit.predicate_decree) == ("designated", "wbk", b.state.decrees["100/KEP/2022"])


def test_one_decree_designates_a_batch(b: LedgerBuilder) -> None:
    b.open_cycle(2022)
    for unit in (U, OTHER, "rsud"):
        evaluated(b, unit)
    sk = b.decree("100/KEP/2022", "2022-05-01")
    accept(b, designation(b, U, sk=sk))
    accept(b, designation(b, OTHER, sk=sk))
    refuse(b, designation(b, "rsud", sk={**sk, "date": "2022-05-02"}), "decree_mismatch")
    refuse(b, designation(b, "rsud", sk={**sk, "document": digest("another SK")}), "decree_mismatch")
    assert b.state.units[OTHER].predicate == "wbk"


# --- revocation --------------------------------------------------------------------------------------


def revocation(b: LedgerBuilder, predicate: str, sk: dict[str, str], unit: str = U, **extra: Any) -> Submission:
    body = {"predicate": predicate, "ground": "suspect_named", "sk": sk, "note": "fictional test unit", **extra}
    return b.sign(b.minister, "predicate.revoked", f"unit/{unit}", body)


def test_wbk_revoked_from_a_unit_building_toward_wbbm(b: LedgerBuilder) -> None:
    b.to_designated_edition_2(U, 2022, headcount=2)
    b.stage(U, "designated", "declared", "wbbm")
    b.stage(U, "declared", "building", "wbbm")
    sk = b.decree("200/KEP/2023", "2023-01-10")
    refuse(b, revocation(b, "wbbm", sk), "predicate_not_held")
    refuse(
        b,
        b.sign(b.tpn, "predicate.revoked", f"unit/{U}", {"predicate": "wbk", "ground": "other", "sk": sk, "note": "x"}),
        "role_not_allowed",
    )
    refuse(b, revocation(b, "wbk", sk, basis=digest("not a leaf")), "unknown_basis")
    accept(b, revocation(b, "wbk", sk))
    unit = b.state.units[U]
    assert (unit.stage, unit.predicate, unit.predicate_decree) == ("revoked", "none", None)
    assert unit.barred_until == "2025-01-09T00:00:00Z"  # 730 days from the decree's date
    assert unit.revocation is not None and unit.revocation.ground == "suspect_named"
    refuse(b, revocation(b, "wbk", b.decree("201/KEP/2023", "2023-01-11")), "predicate_not_held")


def test_designated_to_revoked_by_stage_is_refused_in_edition_2(b: LedgerBuilder) -> None:
    b.to_designated_edition_2(U, 2022, headcount=2)
    body = stage_body("designated", "revoked", note="alasan")
    refuse(b, b.sign(b.minister, "stage.advanced", f"unit/{U}", body), "use_predicate_revoked")


def test_revoked_unit_declares_at_once_but_is_barred_from_proposals(b: LedgerBuilder) -> None:
    b.to_designated_edition_2(U, 2022, headcount=2)
    accept(b, revocation(b, "wbk", b.decree("200/KEP/2022", "2022-03-01")))
    b.stage(U, "revoked", "declared", "wbk")
    b.stage(U, "declared", "building", "wbk")
    b.open_cycle(2024)
    b.clock = datetime(2024, 1, 1, tzinfo=UTC)
    b.assess(U, "internal", "lke", PASSING_WBK, "passed", year=2024)
    error = refuse(b, proposal(b, cycle=2024), "barred")
    assert error.params["until"] == "2024-02-29T00:00:00Z"  # 2022-03-01 + 730 days (2024 is a leap year)
    accept(b, proposal(b, cycle=2024, at="2024-02-29T00:00:00Z"))


def test_revocation_decree_joins_the_decrees(b: LedgerBuilder) -> None:
    b.to_designated_edition_2(U, 2022, headcount=2, sk=b.decree("100/KEP/2022", "2022-02-01"))
    refuse(b, revocation(b, "wbk", b.decree("100/KEP/2022", "2022-03-01")), "decree_mismatch")


# --- monitoring --------------------------------------------------------------------------------------


def test_monitoring_of_a_unit_holding_a_predicate(b: LedgerBuilder) -> None:
    b.to_building_edition_2(OTHER, headcount=2)
    refuse(
        b,
        b.sign(b.tpn, "monitoring.recorded", f"unit/{OTHER}", {"year": 2022, "outcome": "maintained", "note": "x"}),
        "no_predicate",
    )
    b.to_designated_edition_2(U, 2022, headcount=2)
    monitoring = {"year": 2023, "outcome": "concerns", "note": "pemantauan"}
    refuse(b, b.sign(b.regent, "monitoring.recorded", f"unit/{U}", monitoring), "role_not_allowed")
    accept(b, b.sign(b.tpi, "monitoring.recorded", f"unit/{U}", monitoring))
    decision = accept(b, b.sign(b.tpn, "monitoring.recorded", f"unit/{U}", monitoring))
    assert b.state.units[U].monitored == {2023: decision.index}


def test_a_wbbm_cycle_under_10_2019_designates_with_its_model() -> None:
    b = LedgerBuilder(start=datetime(2020, 1, 1, tzinfo=UTC))
    b.standard_cast_edition_2()
    b.to_designated_edition_2(U, 2020, headcount=2)
    assert b.state.units[U].predicate == "wbk"
    b.stage(U, "designated", "declared", "wbbm")
    b.stage(U, "declared", "building", "wbbm")
    b.open_cycle(2021)
    b.assess(U, "internal", "lke", passing_scores(2021, "wbbm"), "passed", "wbbm", year=2021)
    b.propose(U, 2021, "wbbm")
    b.screen(U, 2021)
    for step in ("desk", "field"):
        b.assess(U, "national", step, passing_scores(2021, "wbbm"), "passed", "wbbm", year=2021)
    b.stage(U, "nominated", "designated", "wbbm", sk=b.decree("300/KEP/2021", "2021-03-01"))
    assert b.state.units[U].predicate == "wbbm"


# --- an edition-1 log raised to edition 2 ------------------------------------------------------------


def test_edition_1_log_raised_to_edition_2_needs_endorsed_keys_and_cycles() -> None:
    b = LedgerBuilder(start=datetime(2021, 1, 1, tzinfo=UTC))
    b.standard_cast()  # edition 1: its minister and TPN keys carry no endorsement
    b.to_building(U)
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    b.stage(U, "building", "nominated")
    accept(b, b.sign(b.root, "policy.set", "ledger", {"policy": {**b.edition_2_policy(), "version": 2}}))
    screening_body = {"cycle": 2022, "outcome": "passed", "notes": []}
    refuse(b, b.sign(b.tpn, "screening.recorded", f"unit/{U}", screening_body), "endorsement_required")
    b.tpn = b.register_key("tpn-endorsed", "national_assessor", endorse=True)
    b.national_authority = b.register_key("kemenpanrb", "national_authority", endorse=True)
    b.clock = datetime(2022, 1, 1, tzinfo=UTC)
    b.open_cycle(2022)
    refuse(b, b.sign(b.tpn, "screening.recorded", f"unit/{U}", screening_body), "not_proposed")
    # The edition-1 nomination names no cycle: the regent proposes the unit again, in a cycle.
    b.assess(U, "internal", "lke", PASSING_WBK, "passed", year=2022)
    accept(b, proposal(b, source="nominated"))
    accept(b, b.sign(b.tpn, "screening.recorded", f"unit/{U}", screening_body))
    # A key may always revoke itself, endorsed or not.
    accept(b, b.sign(b.minister, "key.revoked", key_stream("minister"), {"reason": "diganti"}))
