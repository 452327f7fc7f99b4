"""Cases (rules edition 2): an overseer opens a case about a unit, advances it, closes it with an outcome.

A case lives on its own stream, `case/<unit>/<case id>`, so that the unit's history and the case's
steps chain separately. The stages follow the criminal procedure code (KUHAP, UU 8/1981, art. 1):
inquiry (penyelidikan, art. 1(5)) before investigation (penyidikan, art. 1(2)) before prosecution
(penuntutan, art. 1(7)); a case may be opened at any of them (the prosecutor may learn of a case
only at prosecution) and only moves forward. Which office holds a case is the opening key's office;
any overseer whose scope covers the unit may advance or close it, since a case passes from the
police's investigation to the prosecutor's prosecution (a project default). A closed case takes no
more entries. Cases change nothing else in the rules: whether a designated unit with an open case
should lose its predicate is the minister's decision (`predicate.revoked`), asked about by the views.
"""

from __future__ import annotations

from ledger.entry import CASE_STAGES, Submission
from ledger.rules.messages import refused
from ledger.rules.oversight import acting_office
from ledger.rules.state import Case, Decision, KeyRecord, KindRule, LedgerState, known_unit

ROLES: dict[str, tuple[str, ...]] = {
    "case.opened": ("overseer",),
    "case.advanced": ("overseer",),
    "case.closed": ("overseer",),
}


def _open_case(state: LedgerState, submission: Submission) -> Case:
    """The case a step is about: opened (`unknown_case`) and not closed (`case_closed`)."""
    entry = submission.entry
    case = state.cases.get(entry.stream)
    if case is None:
        raise refused("unknown_case", unit=entry.unit, case=entry.stream_subject)
    if case.closed_index is not None:
        raise refused("case_closed", case=case.id, index=case.closed_index)
    return case


def decide_case_opened(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    known_unit(state, submission)
    existing = state.cases.get(entry.stream)
    if existing is not None:
        if existing.closed_index is not None:
            raise refused("case_closed", case=existing.id, index=existing.closed_index)
        raise refused("case_exists", unit=entry.unit, case=entry.stream_subject)
    acting_office(state, submission, key)
    return Decision(submission, index, key)


def evolve_case_opened(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    assert entry.unit is not None and entry.stream_subject is not None and decision.key is not None
    state.cases[entry.stream] = Case(
        unit=entry.unit,
        id=entry.stream_subject,
        stage=entry.body["stage"],
        concerns=entry.body["concerns"],
        office_id=decision.key.office_id or "",
        opened_at=entry.at,
        opened_index=decision.index,
    )
    state.units[entry.unit].open_cases.add(entry.stream)


def decide_case_advanced(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    case = _open_case(state, submission)
    stage = submission.entry.body["stage"]
    if CASE_STAGES.index(stage) <= CASE_STAGES.index(case.stage):
        raise refused("case_stage_backwards", case=case.id, stage=case.stage, claimed=stage)
    acting_office(state, submission, key)
    return Decision(submission, index, key)


def evolve_case_advanced(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    state.cases[entry.stream].stage = entry.body["stage"]


def decide_case_closed(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    _open_case(state, submission)
    acting_office(state, submission, key)
    return Decision(submission, index, key)


def evolve_case_closed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    case = state.cases[entry.stream]
    case.closed_at = entry.at
    case.closed_index = decision.index
    case.outcome = entry.body["outcome"]
    state.units[case.unit].open_cases.discard(entry.stream)


RULES = {
    "case.opened": KindRule(decide_case_opened, evolve_case_opened),
    "case.advanced": KindRule(decide_case_advanced, evolve_case_advanced),
    "case.closed": KindRule(decide_case_closed, evolve_case_closed),
}
