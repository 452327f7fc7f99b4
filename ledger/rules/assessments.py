"""Assessments and their remediation: `assessment.reviewed` records an internal (LKE) or national
review with its scores and opens remediation items; `remediation.completed` closes one.

The total and the failing checks are computed here from the scores and the policy, never taken from
the submitter; national reviews follow the steps screening (one appeal), desk, field.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.entry import SCORE_AREAS, Submission
from ledger.rules.messages import refused
from ledger.rules.policy import compute_total, failing_checks
from ledger.rules.state import (
    Assessment,
    Decision,
    KeyRecord,
    KindRule,
    LedgerState,
    RemediationItem,
    UnitState,
    current_policy,
    known_unit,
)

NATIONAL_STEPS = ("screening", "desk", "field")
MAX_SCREENINGS = 2  # one appeal (sanggah) of the administrative screening, PermenPANRB 90/2021


def decide_assessment_reviewed(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None
) -> Decision:
    entry = submission.entry
    body = entry.body
    unit = known_unit(state, submission)
    policy = current_policy(state)
    level, step, track = body["level"], body["step"], body["track"]
    if (level == "internal") != (step == "lke"):
        raise refused("level_step_mismatch", level=level, step=step)
    allowed_stages = ["building", "designated"] if level == "internal" else ["nominated"]
    if unit.stage not in allowed_stages:
        raise refused("assessment_stage", unit=unit.id, stage=unit.stage, level=level, allowed=allowed_stages)
    if track != unit.track:
        raise refused("track_mismatch", unit=unit.id, track=unit.track, claimed=track)
    if level == "national":
        _check_national_step(unit, step)
    for area in SCORE_AREAS:
        if Decimal(body["scores"][area]) > policy.weights[area]:
            raise refused("score_out_of_range", area=area, score=body["scores"][area], weight=f"{policy.weights[area]}")
    seen = set()
    for item in body["remediation"]:
        if item["id"] in unit.remediation or item["id"] in seen:
            raise refused("duplicate_remediation", item=item["id"], unit=unit.id)
        seen.add(item["id"])
    failing = failing_checks(body["scores"], track, policy)
    if body["outcome"] == "passed" and failing:
        raise refused(
            "passed_below_thresholds",
            checks=[check.as_message() for check in failing],
            evidence={"failing": [str(check) for check in failing]},
        )
    assessment = Assessment(
        index=index,
        leaf_hash=submission.leaf_hash,
        at=entry.at,
        level=level,
        year=body["year"],
        track=track,
        step=step,
        scores=body["scores"],
        total=compute_total(body["scores"]),
        outcome=body["outcome"],
        failing=tuple(failing),
    )
    return Decision(submission, index, key, assessment=assessment)


def _check_national_step(unit: UnitState, step: str) -> None:
    if step == "screening":
        if "desk" in unit.national or unit.screenings >= MAX_SCREENINGS:
            raise refused("screening_over")
        return
    before = NATIONAL_STEPS[NATIONAL_STEPS.index(step) - 1]
    earlier = unit.national.get(before)
    if earlier is None or earlier.outcome != "passed":
        raise refused("step_needs_previous", step=step, before=before)
    if step in unit.national:
        raise refused("step_recorded", step=step)


def evolve_assessment_reviewed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    assessment = decision.assessment
    assert assessment is not None
    if assessment.level == "internal":
        unit.internal = assessment
    else:
        unit.national[assessment.step] = assessment
        if assessment.step == "screening":
            unit.screenings += 1
    for item in entry.body["remediation"]:
        unit.remediation[item["id"]] = RemediationItem(
            id=item["id"], area=item["area"], text=item["text"], opened_at=entry.at, opened_index=decision.index
        )


def decide_remediation_completed(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None
) -> Decision:
    unit = known_unit(state, submission)
    item_id = submission.entry.body["item"]
    item = unit.remediation.get(item_id)
    if item is None:
        raise refused("unknown_remediation", unit=unit.id, item=item_id)
    if item.completed_index is not None:
        raise refused("remediation_closed", item=item_id, index=item.completed_index)
    return Decision(submission, index, key)


def evolve_remediation_completed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    item = state.units[entry.unit or ""].remediation[entry.body["item"]]
    item.completed_at, item.completed_index = entry.at, decision.index


RULES = {
    "assessment.reviewed": KindRule(decide_assessment_reviewed, evolve_assessment_reviewed),
    "remediation.completed": KindRule(decide_remediation_completed, evolve_remediation_completed),
}
