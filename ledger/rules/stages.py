"""The stage machine of DESIGN §4: `stage.advanced` moves a unit from one stage to the next.

Each transition is signed by one role (`TRANSITIONS`) and has its own conditions: a declaration
respects bars and tracks, building needs pact coverage, a nomination a passed internal assessment
that clears the thresholds with no open remediation, a designation a passed national field review.

Rules edition 2 (docs/design/rules-edition-2.md) has its own transitions (`EDITION_2_TRANSITIONS`)
and conditions (`_decide_edition_2`): a proposal belongs to a cycle (deadline, quota, bar, the
cycle's model), a designation carries its decree, and there is no pact coverage gate.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ledger.crypto.keys import decode_base64
from ledger.entry import Submission, format_time
from ledger.rules.cycles import check_not_lapsed, known_cycle, lapsed
from ledger.rules.messages import refused
from ledger.rules.national import appeal_until, check_decree, decree_of
from ledger.rules.policy import Policy, ScoreModel, edition_1_model, model_failing_checks, predicate_check
from ledger.rules.state import (
    Decision,
    KeyRecord,
    KindRule,
    LedgerState,
    UnitState,
    current_policy,
    edition_2,
    known_unit,
)

# (from, to) -> the role that signs it.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("registered", "declared"): "unit_head",
    ("declared", "building"): "unit_head",
    ("building", "nominated"): "regent",
    ("nominated", "building"): "national_assessor",
    ("nominated", "designated"): "minister",
    ("designated", "declared"): "unit_head",
    ("designated", "revoked"): "minister",
    ("revoked", "declared"): "unit_head",
}

# Rules edition 2 (docs/design/rules-edition-2.md): the regent proposes a lapsed proposal again in a
# later cycle; a predicate is revoked by `predicate.revoked` (any stage), not by a stage change.
EDITION_2_TRANSITIONS: dict[tuple[str, str], str] = {
    **{pair: role for pair, role in TRANSITIONS.items() if pair != ("designated", "revoked")},
    ("nominated", "nominated"): "regent",
}


def transition_role(body: Mapping[str, Any], edition_2: bool = False) -> str:
    """The role that signs the transition `body` asks for; refused if the stage machine has none."""
    pair = (body["from"], body["to"])
    if edition_2 and pair == ("designated", "revoked"):
        raise refused("use_predicate_revoked")
    role = (EDITION_2_TRANSITIONS if edition_2 else TRANSITIONS).get(pair)
    if role is None:
        raise refused("transition_not_allowed", source=body["from"], target=body["to"])
    return role


def decide_stage_advanced(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    body = entry.body
    unit = known_unit(state, submission)
    policy = current_policy(state)
    source, target, track = body["from"], body["to"], body["track"]
    if source != unit.stage:
        raise refused("stage_mismatch", unit=unit.id, stage=unit.stage, source=source)
    if "basis" in body and decode_base64(body["basis"], size=32) not in state.leaf_indices:
        raise refused("unknown_basis")
    if edition_2(state):
        return _decide_edition_2(state, submission, index, key, unit)
    barred_until = None

    if target == "declared":
        _check_declaration(unit, entry.at, source, track)
    elif track != unit.track:
        raise refused("track_mismatch", unit=unit.id, track=unit.track, claimed=track)

    if (source, target) == ("declared", "building"):
        if unit.pact_coverage < policy.min_pact_coverage:
            raise refused(
                "pact_coverage_too_low",
                unit=unit.id,
                valid=unit.valid_pacts,
                headcount=unit.headcount,
                minimum=f"{policy.min_pact_coverage}",
            )
    elif (source, target) == ("building", "nominated"):
        _check_nomination(unit, track, policy)
    elif (source, target) == ("nominated", "building"):
        if not any(a.outcome == "failed" for a in unit.national.values()):
            raise refused("no_failed_review", unit=unit.id)
    elif (source, target) == ("nominated", "designated"):
        field_review = unit.national.get("field")
        if field_review is None or field_review.outcome != "passed":
            raise refused("no_field_review", unit=unit.id)
        _check_thresholds(field_review.scores, track, unit, edition_1_model(policy))
    elif (source, target) == ("designated", "revoked"):
        if not body["note"].strip():
            raise refused("reason_required")
        barred_until = format_time(entry.time + timedelta(days=policy.revocation_bar_days))
    return Decision(submission, index, key, barred_until=barred_until)


def _decide_edition_2(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None, unit: UnitState
) -> Decision:
    """Edition 2's stage rules: cycles, decrees, the national evaluation's outcomes; no coverage gate."""
    entry = submission.entry
    body = entry.body
    source, target, track = body["from"], body["to"], body["track"]
    if target == "declared":
        # The bar is on proposals, not declarations: a revoked unit may declare again at once.
        _check_declaration(unit, entry.at, source, track, barred=False)
    elif track != unit.track:
        raise refused("track_mismatch", unit=unit.id, track=unit.track, claimed=track)
    # declared -> building has no gate: coverage is measured and shown, never required (issue 11:
    # no regulation sets a minimum pact coverage).
    if target == "nominated":
        _check_proposal(state, unit, submission)
    elif (source, target) == ("nominated", "building"):
        check_not_lapsed(state, unit, entry.time)
        if not _sent_back(state, unit, entry.time):
            raise refused("no_failed_review", unit=unit.id)
    elif (source, target) == ("nominated", "designated"):
        if "sk" not in body:
            raise refused("decree_required")
        check_not_lapsed(state, unit, entry.time)
        assert unit.proposal_cycle is not None  # check_not_lapsed refuses a nomination without a cycle
        field_review = unit.national.get("field")
        if field_review is None or field_review.outcome != "passed":
            raise refused("no_field_review", unit=unit.id)
        model = current_policy(state).models[state.cycles[unit.proposal_cycle].model]
        _check_thresholds(field_review.scores, track, unit, model)
        check_decree(state, body["sk"])
    return Decision(submission, index, key)


def _check_proposal(state: LedgerState, unit: UnitState, submission: Submission) -> None:
    """A proposal (usulan) by the regent: in an open cycle, by its deadline, within the agency's quota,
    not barred, with a passed internal LKE of the cycle's model and no open remediation
    (PermenPANRB 90/2021 as summarised in DOMAIN.md; the quota per agency is the cycle's data)."""
    entry = submission.entry
    body = entry.body
    if body["from"] == "nominated" and not lapsed(state, unit, entry.time):
        raise refused("proposal_not_lapsed", unit=unit.id, cycle=unit.proposal_cycle)
    if "cycle" not in body:
        raise refused("cycle_required")
    cycle = known_cycle(state, body["cycle"])
    if entry.at[:10] > cycle.proposal_deadline:  # the entry's UTC date; ISO dates order as strings
        raise refused("past_deadline", cycle=cycle.year, deadline=cycle.proposal_deadline, date=entry.at[:10])
    quota = cycle.quota_of(unit.agency)
    if state.proposals.get((cycle.year, unit.agency), 0) >= quota:
        raise refused("quota_reached", agency=unit.agency, quota=quota, cycle=cycle.year)
    if unit.barred_until is not None and entry.at < unit.barred_until:
        raise refused("barred_proposal", unit=unit.id, until=unit.barred_until)
    internal = unit.internal
    track = body["track"]
    if internal is None or internal.track != track:
        raise refused("no_internal_assessment", unit=unit.id, track=track)
    policy = current_policy(state)
    model = policy.model_for_year(internal.year)
    if model is None or model.id != cycle.model:
        raise refused(
            "assessment_model_mismatch",
            year=internal.year,
            model=None if model is None else model.id,
            cycle=cycle.year,
            needed=cycle.model,
        )
    if internal.outcome != "passed":
        raise refused("internal_assessment_failed", unit=unit.id, index=internal.index)
    _check_thresholds(internal.scores, track, unit, policy.models[cycle.model])
    still_open = unit.open_remediation
    if still_open:
        raise refused("open_remediation", unit=unit.id, items=[item.id for item in still_open])


def _sent_back(state: LedgerState, unit: UnitState, at: datetime) -> bool:
    """Whether the TPN may send the unit back to building: a failed desk or field evaluation, a
    rejected appeal, or a failed screening whose appeal window closed without an appeal."""
    if any(
        unit.national.get(step) is not None and unit.national[step].outcome == "failed" for step in ("desk", "field")
    ):
        return True
    if unit.appeal is not None:
        return unit.appeal.outcome == "rejected"
    screening = unit.screening
    if screening is None or screening.outcome != "failed":
        return False
    return at > appeal_until(state, screening)


def _check_declaration(unit: UnitState, at: str, source: str, track: str, *, barred: bool = True) -> None:
    if barred and unit.barred_until is not None and at < unit.barred_until:
        raise refused("barred", unit=unit.id, until=unit.barred_until)
    if source == "designated":
        if not (track == "wbbm" and unit.predicate == "wbk"):
            raise refused("designated_track")
    elif source == "revoked":
        if track != "wbk":
            raise refused("revoked_track")
    elif track == "wbbm" and unit.predicate != "wbk":
        raise refused("wbbm_needs_wbk", unit=unit.id, predicate=unit.predicate)


def _check_nomination(unit: UnitState, track: str, policy: Policy) -> None:
    internal = unit.internal
    if internal is None or internal.track != track:
        raise refused("no_internal_assessment", unit=unit.id, track=track)
    if internal.outcome != "passed":
        raise refused("internal_assessment_failed", unit=unit.id, index=internal.index)
    _check_thresholds(internal.scores, track, unit, edition_1_model(policy))
    still_open = unit.open_remediation
    if still_open:
        raise refused("open_remediation", unit=unit.id, items=[item.id for item in still_open])


def _check_thresholds(scores: Mapping[str, str], track: str, unit: UnitState, model: ScoreModel) -> None:
    """Refuse scores missing the model's bar for `track`, or a unit without the prior predicate."""
    failures = model_failing_checks(scores, track, model)
    prior = model.thresholds[track].prior_predicate
    if unit.predicate != prior:
        failures.append(predicate_check(unit.predicate, track, prior))
    if failures:
        raise refused(
            "thresholds_not_met",
            checks=[check.as_message() for check in failures],
            evidence={"failing": [str(check) for check in failures]},
        )


def evolve_stage_advanced(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    body = entry.body
    unit = state.units[entry.unit or ""]
    source, target = body["from"], body["to"]
    if edition_2(state):
        _evolve_edition_2(state, unit, body)
    unit.stage, unit.track = target, body["track"]
    unit.stage_since, unit.stage_index = entry.at, decision.index
    if target == "declared":
        unit.declarations[decision.submission.leaf_hash] = set()
    if target == "building":
        unit.internal = None  # a new building period needs a new internal assessment
    if source == "building" and target == "nominated":
        unit.national, unit.screenings = {}, 0
    if target == "designated":
        unit.predicate = body["track"]
    if target == "revoked":
        unit.predicate = "none"
        unit.barred_until = decision.barred_until


def _evolve_edition_2(state: LedgerState, unit: UnitState, body: Mapping[str, Any]) -> None:
    source, target = body["from"], body["to"]
    if target == "nominated":
        unit.proposal_cycle = body["cycle"]
        key = (body["cycle"], unit.agency)
        state.proposals[key] = state.proposals.get(key, 0) + 1
        unit.national, unit.screening, unit.appeal = {}, None, None
    elif (source, target) == ("nominated", "building"):
        unit.proposal_cycle, unit.screening, unit.appeal = None, None, None
    elif target == "designated":
        decree = decree_of(body["sk"])
        unit.predicate_decree = decree
        state.decrees[decree.number] = decree


RULES = {"stage.advanced": KindRule(decide_stage_advanced, evolve_stage_advanced)}
