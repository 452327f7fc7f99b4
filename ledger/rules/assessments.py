"""Assessments and their remediation: `assessment.reviewed` records an internal (LKE) or national
review with its scores and opens remediation items; `remediation.completed` closes one.

The total and the failing checks are computed here from the scores and the policy, never taken from
the submitter; national reviews follow the steps screening (one appeal), desk, field.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.entry import Submission
from ledger.rules.cycles import lapsed, open_proposal
from ledger.rules.messages import refused
from ledger.rules.policy import ScoreModel, edition_1_model, model_failing_checks, model_total
from ledger.rules.state import (
    Assessment,
    Decision,
    KeyRecord,
    KindRule,
    LedgerState,
    RemediationItem,
    UnitState,
    current_policy,
    edition_2,
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
    if edition_2(state):
        return _decide_edition_2(state, submission, index, key, unit)
    allowed_stages = ["building", "designated"] if level == "internal" else ["nominated"]
    if unit.stage not in allowed_stages:
        raise refused("assessment_stage", unit=unit.id, stage=unit.stage, level=level, allowed=allowed_stages)
    if track != unit.track:
        raise refused("track_mismatch", unit=unit.id, track=unit.track, claimed=track)
    if level == "national":
        _check_national_step(unit, step)
    return _scored(submission, index, key, unit, edition_1_model(policy))


def _decide_edition_2(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None, unit: UnitState
) -> Decision:
    """Edition 2: the scores are exactly the areas of the year's model (10/2019 or 90/2021, chosen by
    year), each at most its weight; the screening is a document check (`screening.recorded`); desk
    and field evaluations belong to a live proposal and use its cycle's model."""
    entry = submission.entry
    body = entry.body
    level, step, track, year = body["level"], body["step"], body["track"], body["year"]
    if level == "internal":
        # A lapsed proposal may be proposed again, so its unit may update its LKE meanwhile.
        allowed = (
            ["building", "designated", "nominated"] if lapsed(state, unit, entry.time) else ["building", "designated"]
        )
    else:
        allowed = ["nominated"]
    if unit.stage not in allowed:
        raise refused("assessment_stage", unit=unit.id, stage=unit.stage, level=level, allowed=allowed)
    if track != unit.track:
        raise refused("track_mismatch", unit=unit.id, track=unit.track, claimed=track)
    model = current_policy(state).model_for_year(year)
    if model is None:
        raise refused("no_model_for_year", year=year)
    if level == "national":
        if step == "screening":
            raise refused("screening_is_document_check")
        cycle = open_proposal(state, unit, unit.proposal_cycle or year, entry.time)
        if model.id != cycle.model:
            raise refused("assessment_model_mismatch", year=year, model=model.id, cycle=cycle.year, needed=cycle.model)
        _check_national_step_edition_2(unit, step)
    return _scored(submission, index, key, unit, model)


def _scored(submission: Submission, index: int, key: KeyRecord | None, unit: UnitState, model: ScoreModel) -> Decision:
    """What both editions check of the scores under `model` (edition 1's bar is a model of its own),
    the remediation items and the outcome, and the assessment they make."""
    entry = submission.entry
    body = entry.body
    scores, track = body["scores"], body["track"]
    if set(scores) != set(model.areas):  # edition 1's schema already requires its nine areas
        raise refused("score_areas_model", model=model.id, areas=list(model.areas))
    for area in model.areas:
        if Decimal(scores[area]) > model.weights[area]:
            raise refused("score_out_of_range", area=area, score=scores[area], weight=f"{model.weights[area]}")
    _check_new_remediation(unit, body["remediation"])
    failing = model_failing_checks(scores, track, model)
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
        level=body["level"],
        year=body["year"],
        track=track,
        step=body["step"],
        scores=scores,
        total=model_total(scores, model),
        outcome=body["outcome"],
        failing=tuple(failing),
    )
    return Decision(submission, index, key, assessment=assessment)


def _check_national_step_edition_2(unit: UnitState, step: str) -> None:
    """Desk evaluation after a screening passed (with or without notes) or a granted appeal; field
    evaluation after a passed desk evaluation; each once per proposal."""
    if step == "desk":
        screening, appeal = unit.screening, unit.appeal
        cleared = (screening is not None and screening.outcome in ("passed", "passed_with_notes")) or (
            appeal is not None and appeal.outcome == "granted"
        )
        if not cleared:
            raise refused("step_needs_previous", step=step, before="screening")
    else:
        desk = unit.national.get("desk")
        if desk is None or desk.outcome != "passed":
            raise refused("step_needs_previous", step=step, before="desk")
    if step in unit.national:
        raise refused("step_recorded", step=step)


def _check_new_remediation(unit: UnitState, items: list[dict[str, str]]) -> None:
    seen = set()
    for item in items:
        if item["id"] in unit.remediation or item["id"] in seen:
            raise refused("duplicate_remediation", item=item["id"], unit=unit.id)
        seen.add(item["id"])


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
