"""The national evaluation and the predicate's life after it (rules edition 2; docs/design/rules-edition-2.md).

- `screening.recorded`: the TPN's administrative screening, a document check with outcome passed,
  passed with notes or failed (PermenPANRB 90/2021; DOMAIN.md, national evaluation);
- `appeal.filed` / `appeal.decided`: the unit's one appeal (sanggah) of a failed screening, within
  the cycle's appeal days, decided finally by the TPN;
- `predicate.revoked`: the minister revokes a WBK or WBBM by decree, in any stage, with a ground;
  the unit may not be proposed for the policy's bar days counted from the decree's date;
- `monitoring.recorded`: the yearly monitoring (pemantauan) of a unit holding a predicate.

Project defaults, where DOMAIN.md names a rule but not its measure: the appeal window runs the
cycle's `appeal_days` from the screening entry's `at`; the bar ends at 00:00 UTC of the decree's
date plus the bar days; monitoring keeps the latest entry per year.

Desk and field evaluations stay `assessment.reviewed` (ledger.rules.assessments), and the
designation a `stage.advanced` (ledger.rules.stages); both use `check_decree` and the cycle rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ledger.crypto.keys import decode_base64
from ledger.entry import Submission, format_time, parse_time
from ledger.rules.cycles import open_proposal
from ledger.rules.messages import refused
from ledger.rules.state import (
    Appeal,
    Decision,
    Decree,
    KeyRecord,
    KindRule,
    LedgerState,
    Revocation,
    Screening,
    current_policy,
    known_unit,
)


def decree_of(sk: Mapping[str, Any]) -> Decree:
    return Decree(number=sk["number"], date=sk["date"], document=sk["document"])


def check_decree(state: LedgerState, sk: Mapping[str, Any]) -> None:
    """One decree may designate a batch of units: a number seen before must carry the same date and document."""
    seen = state.decrees.get(sk["number"])
    if seen is not None and seen != decree_of(sk):
        raise refused("decree_mismatch", number=seen.number, date=seen.date)


# --- screening and appeal ---------------------------------------------------------------------------


def decide_screening_recorded(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None
) -> Decision:
    entry = submission.entry
    body = entry.body
    unit = known_unit(state, submission)
    open_proposal(state, unit, body["cycle"], entry.time)
    if unit.screening is not None:
        raise refused("screening_recorded", unit=unit.id, cycle=body["cycle"])
    if body["outcome"] != "passed" and not body["notes"]:
        raise refused("notes_required", outcome=body["outcome"])
    return Decision(submission, index, key)


def evolve_screening_recorded(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    unit.screening = Screening(
        cycle=entry.body["cycle"], outcome=entry.body["outcome"], at=entry.at, index=decision.index
    )


def appeal_until(state: LedgerState, screening: Screening) -> datetime:
    """The end of the appeal window: the cycle's appeal days after the screening was recorded."""
    days = state.cycles[screening.cycle].appeal_days
    return parse_time(screening.at) + timedelta(days=days)


def decide_appeal_filed(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    unit = known_unit(state, submission)
    open_proposal(state, unit, entry.body["cycle"], entry.time)
    if unit.screening is None or unit.screening.outcome != "failed":
        raise refused("nothing_to_appeal", unit=unit.id)
    if unit.appeal is not None:
        raise refused("appeal_filed", unit=unit.id)
    until = appeal_until(state, unit.screening)
    if entry.time > until:
        raise refused("appeal_window_closed", unit=unit.id, until=format_time(until))
    return Decision(submission, index, key)


def evolve_appeal_filed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    unit.appeal = Appeal(cycle=entry.body["cycle"], filed_at=entry.at, index=decision.index)


def decide_appeal_decided(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    unit = known_unit(state, submission)
    open_proposal(state, unit, entry.body["cycle"], entry.time)
    if unit.appeal is None or unit.appeal.outcome is not None:
        raise refused("no_appeal", unit=unit.id)  # the decision is final: one per appeal
    return Decision(submission, index, key)


def evolve_appeal_decided(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    assert unit.appeal is not None
    unit.appeal = Appeal(
        cycle=unit.appeal.cycle,
        filed_at=unit.appeal.filed_at,
        index=unit.appeal.index,
        outcome=entry.body["outcome"],
        decided_index=decision.index,
    )


# --- revocation and monitoring -----------------------------------------------------------------------


def decide_predicate_revoked(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    body = entry.body
    unit = known_unit(state, submission)
    # Any stage: a unit holding WBK while building toward WBBM can lose its WBK (issue 11).
    if unit.predicate != body["predicate"]:
        raise refused("predicate_not_held", unit=unit.id, held=unit.predicate, predicate=body["predicate"])
    if "basis" in body and decode_base64(body["basis"], size=32) not in state.leaf_indices:
        raise refused("unknown_basis")
    check_decree(state, body["sk"])
    # The bar runs from the revocation decree's date (PermenPANRB 90/2021 as summarised in DOMAIN.md),
    # for the policy's revocation_bar_days.
    decree_day = datetime.combine(date.fromisoformat(body["sk"]["date"]), datetime.min.time(), tzinfo=UTC)
    barred_until = format_time(decree_day + timedelta(days=current_policy(state).revocation_bar_days))
    return Decision(submission, index, key, barred_until=barred_until)


def evolve_predicate_revoked(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    body = entry.body
    unit = state.units[entry.unit or ""]
    decree = decree_of(body["sk"])
    assert decision.barred_until is not None
    unit.revocation = Revocation(body["predicate"], body["ground"], decree, decision.index, decision.barred_until)
    unit.predicate, unit.predicate_decree = "none", None
    unit.stage, unit.stage_since, unit.stage_index = "revoked", entry.at, decision.index
    unit.barred_until = decision.barred_until
    unit.national, unit.screening, unit.appeal = {}, None, None
    state.decrees[decree.number] = decree


def decide_monitoring_recorded(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None
) -> Decision:
    unit = known_unit(state, submission)
    if unit.predicate == "none":
        raise refused("no_predicate", unit=unit.id)
    return Decision(submission, index, key)


def evolve_monitoring_recorded(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    state.units[entry.unit or ""].monitored[entry.body["year"]] = decision.index


RULES = {
    "screening.recorded": KindRule(decide_screening_recorded, evolve_screening_recorded),
    "appeal.filed": KindRule(decide_appeal_filed, evolve_appeal_filed),
    "appeal.decided": KindRule(decide_appeal_decided, evolve_appeal_decided),
    "predicate.revoked": KindRule(decide_predicate_revoked, evolve_predicate_revoked),
    "monitoring.recorded": KindRule(decide_monitoring_recorded, evolve_monitoring_recorded),
}
