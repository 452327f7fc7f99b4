"""Units: `unit.registered` opens a unit's stream; `unit.headcount_set` records how many employees it has."""

from __future__ import annotations

from ledger.entry import Submission
from ledger.rules.messages import refused
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, UnitState, known_unit


def decide_unit_registered(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    if submission.entry.seq != 0:
        raise refused("unit_exists", unit=submission.entry.unit)
    return Decision(submission, index, key)


def evolve_unit_registered(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    assert entry.unit is not None
    state.units[entry.unit] = UnitState(
        id=entry.unit,
        name=entry.body["name"],
        type=entry.body["type"],
        headcount=entry.body["headcount"],
        registered_at=entry.at,
        agency=entry.body.get("agency", ""),  # edition 2: absent = the ledger's own agency
        stage_since=entry.at,
        stage_index=decision.index,
    )


def decide_headcount_set(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    known_unit(state, submission)
    return Decision(submission, index, key)


def evolve_headcount_set(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    state.units[entry.unit or ""].headcount = entry.body["headcount"]


RULES = {
    "unit.registered": KindRule(decide_unit_registered, evolve_unit_registered),
    "unit.headcount_set": KindRule(decide_headcount_set, evolve_headcount_set),
}
