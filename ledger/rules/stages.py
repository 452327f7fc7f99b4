"""The stage machine of DESIGN §4: `stage.advanced` moves a unit from one stage to the next.

Each transition is signed by one role (`TRANSITIONS`) and has its own conditions: a declaration
respects bars and tracks, building needs pact coverage, a nomination a passed internal assessment
that clears the thresholds with no open remediation, a designation a passed national field review.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from ledger.crypto.keys import decode_base64
from ledger.entry import Submission, format_time
from ledger.rules.messages import refused
from ledger.rules.policy import Policy, failing_checks, predicate_check
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, UnitState, current_policy, known_unit

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


def transition_role(body: Mapping[str, Any]) -> str:
    """The role that signs the transition `body` asks for; refused if the stage machine has none."""
    role = TRANSITIONS.get((body["from"], body["to"]))
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
        _check_thresholds(field_review.scores, track, unit, policy)
    elif (source, target) == ("designated", "revoked"):
        if not body["note"].strip():
            raise refused("reason_required")
        barred_until = format_time(entry.time + timedelta(days=policy.revocation_bar_days))
    return Decision(submission, index, key, barred_until=barred_until)


def _check_declaration(unit: UnitState, at: str, source: str, track: str) -> None:
    if unit.barred_until is not None and at < unit.barred_until:
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
    _check_thresholds(internal.scores, track, unit, policy)
    still_open = unit.open_remediation
    if still_open:
        raise refused("open_remediation", unit=unit.id, items=[item.id for item in still_open])


def _check_thresholds(scores: Mapping[str, str], track: str, unit: UnitState, policy: Policy) -> None:
    failures = failing_checks(scores, track, policy)
    prior = policy.thresholds[track].prior_predicate
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


RULES = {"stage.advanced": KindRule(decide_stage_advanced, evolve_stage_advanced)}
