"""Persons in rules edition 3 (docs/contract/personal-data.md): named by pseudonym and commitment.

A person's pseudonym carries one commitment at a time: every entry naming the pseudonym (a pact, a
key's holder, a case's subject) carries the commitment its first entry did, so that the one record
the personal-data store keeps per person opens all of them. `personal_data.rectified` (an
administrator's entry on `person/<pseudonym>` carrying a new commitment and the basis, UU 27/2022
art. 6) replaces it: entries after it carry the new one, and the store then holds the corrected data
that opens it. After `personal_data.erased` (the same stream, the legal basis only) the pseudonym
names no one, and no later entry may name or rectify it.
"""

from __future__ import annotations

from ledger.entry import Entry, Submission
from ledger.personal import committed_person
from ledger.rules.messages import refused
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, Person

# Where each kind names a person: the body member holding the person object.
PERSON_MEMBERS = {"pact.signed": "employee", "key.registered": "holder", "case.opened": "person"}


def persons_named(entry: Entry) -> list[tuple[str, str]]:
    """(pseudonym, commitment) of every person an edition-3 entry names."""
    member = PERSON_MEMBERS.get(entry.kind)
    if member is None or member not in entry.body:
        return []
    named = committed_person(entry.body[member])
    return [] if named is None else [named]


def commitments_carried(entry: Entry) -> list[tuple[str, str]]:
    """(pseudonym, commitment) of every commitment an entry carries that a disclosure must open:
    the persons it names, and a rectification's new commitment."""
    if entry.kind == "personal_data.rectified":
        return [(entry.stream_subject or "", entry.body["commitment"])]
    return persons_named(entry)


def in_clear_member(entry: Entry) -> str | None:
    """The body member naming a person in clear (edition 1/2's form), if the entry has one."""
    member = PERSON_MEMBERS.get(entry.kind)
    if member is None or member not in entry.body or committed_person(entry.body[member]) is not None:
        return None
    return member


def check_persons_named(state: LedgerState, entry: Entry) -> None:
    """Every person an entry names keeps their first commitment and was not erased."""
    for pseudonym, commitment in persons_named(entry):
        known = state.persons.get(pseudonym)
        if known is None:
            continue
        if known.erased_index is not None:
            raise refused("person_erased", person=pseudonym, index=known.erased_index)
        if known.commitment != commitment:
            raise refused("person_commitment_mismatch", person=pseudonym, index=known.commitment_index)


def evolve_persons_named(state: LedgerState, decision: Decision) -> None:
    for pseudonym, commitment in persons_named(decision.submission.entry):
        person = state.persons.get(pseudonym)
        if person is None:
            person = state.persons[pseudonym] = Person(pseudonym, commitment, decision.index)
        person.indices.append(decision.index)


def decide_personal_data_erased(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None
) -> Decision:
    pseudonym = submission.entry.stream_subject or ""
    person = state.persons.get(pseudonym)
    if person is None:
        raise refused("person_not_in_log", person=pseudonym)
    if person.erased_index is not None:
        raise refused("person_erased", person=pseudonym, index=person.erased_index)
    return Decision(submission, index, key)


def evolve_personal_data_erased(state: LedgerState, decision: Decision) -> None:
    person = state.persons[decision.submission.entry.stream_subject or ""]
    person.erased_index = decision.index
    person.indices.append(decision.index)


def decide_personal_data_rectified(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None
) -> Decision:
    """A rectification needs a person the log names and has not erased. Whether the corrected data
    opens the new commitment is the store's check, before the append (ledger.store.erasure); the rules
    see commitments only."""
    pseudonym = submission.entry.stream_subject or ""
    person = state.persons.get(pseudonym)
    if person is None:
        raise refused("rectification_person_not_in_log", person=pseudonym)
    if person.erased_index is not None:
        raise refused("rectification_person_erased", person=pseudonym, index=person.erased_index)
    return Decision(submission, index, key)


def evolve_personal_data_rectified(state: LedgerState, decision: Decision) -> None:
    person = state.persons[decision.submission.entry.stream_subject or ""]
    person.commitment = decision.submission.entry.body["commitment"]
    person.rectified_index = decision.index
    person.indices.append(decision.index)


RULES = {
    "personal_data.erased": KindRule(decide_personal_data_erased, evolve_personal_data_erased),
    "personal_data.rectified": KindRule(decide_personal_data_rectified, evolve_personal_data_rectified),
}
