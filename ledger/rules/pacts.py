"""Integrity pacts: `pact.signed` records an employee's pact (signed by the employee or a registrar),
`pact.released` ends it; the unit's count of valid pacts is its coverage (DOMAIN.md).

A pact may be signed again on its stream (a yearly re-signing, a transfer): the employee keeps one
valid pact, the latest. Edition 2 records why it was signed, its `occasion` (PermenPAN 49/2011 as
DOMAIN.md reads it: at declaration or the unit's own ceremony, on appointment and transfer; many
units re-sign yearly), and measures coverage without making it a gate.
"""

from __future__ import annotations

from sys import intern

from ledger.entry import PACT_OCCASIONS, Submission
from ledger.rules.messages import refused
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, Pact, current_policy, known_unit


def decide_pact_signed(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    employee = entry.body["employee"]
    if "person" in employee:
        return _decide_committed_pact(state, submission, index, key)
    if employee["number"] != entry.stream_subject:
        raise refused("pact_stream_mismatch", stream=entry.stream_subject, number=employee["number"])
    unit = known_unit(state, submission)
    if current_policy(state).rules >= 2 and "occasion" not in entry.body:
        raise refused("occasion_required", occasions=list(PACT_OCCASIONS))
    earlier = unit.pacts.get(employee["number"])
    if earlier is not None and earlier.employee_name != employee["name"]:
        raise refused(
            "employee_name_mismatch", number=employee["number"], name=earlier.employee_name, claimed=employee["name"]
        )
    # An employee signs only their own pact: the key's holder is the employee named in it, and a key
    # that signed one employee number's pact signs no other's.
    if key is not None and key.role == "employee":
        if key.holder_name != employee["name"]:
            raise refused("pact_not_own", holder=key.holder_name, name=employee["name"])
        if key.employee_number not in (None, employee["number"]):
            raise refused(
                "pact_other_employee", holder=key.holder_name, signs=key.employee_number, number=employee["number"]
            )
    return Decision(submission, index, key)


def _decide_committed_pact(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    """Edition 3: the stream names the employee's pseudonym; the commitment is checked by the fold
    (ledger.rules.persons: one commitment per person); an employee's key signs only the pact of the
    person who holds it."""
    entry = submission.entry
    person = entry.body["employee"]["person"]
    if person != entry.stream_subject:
        raise refused("pact_stream_mismatch", stream=entry.stream_subject, number=person)
    known_unit(state, submission)
    if "occasion" not in entry.body:
        raise refused("occasion_required", occasions=list(PACT_OCCASIONS))
    if key is not None and key.role == "employee" and key.holder_person != person:
        raise refused("pact_not_own", holder=key.holder_name, name=person)
    return Decision(submission, index, key)


def evolve_pact_signed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    employee = entry.body["employee"]
    # Edition 3 keys the pact by pseudonym, and its name is the pseudonym too: the name is read from
    # the personal-data store at read time, and never enters the state or the views.
    number = employee.get("number") or employee["person"]
    previous = unit.pacts.get(number)
    if previous is None or not previous.valid:
        unit.valid_pacts += 1
    occasion = entry.body.get("occasion")
    unit.pacts[number] = Pact(
        number,
        employee.get("name") or number,
        True,
        # Days and occasions repeat across a unit's employees: one string each, not one a pact.
        intern(entry.body["signed_on"]),
        decision.index,
        None if occasion is None else intern(occasion),
    )
    if decision.key is not None and decision.key.role == "employee":
        decision.key.employee_number = number


def decide_pact_released(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    unit = known_unit(state, submission)
    pact = unit.pacts.get(submission.entry.stream_subject or "")
    if pact is None or not pact.valid:
        raise refused("pact_not_valid", employee=submission.entry.stream_subject, unit=unit.id)
    return Decision(submission, index, key)


def evolve_pact_released(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    unit.pacts[entry.stream_subject or ""].valid = False
    unit.valid_pacts -= 1


RULES = {
    "pact.signed": KindRule(decide_pact_signed, evolve_pact_signed),
    "pact.released": KindRule(decide_pact_released, evolve_pact_released),
}
