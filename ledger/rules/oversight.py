"""Outside eyes: `declaration.witnessed` attests a unit's declaration once per witness key;
`oversight.noted` records an overseer's note, which changes no rule state (the views keep it).

Edition 1 takes the office from the body (one of the seven Forkopimda offices for a witness, the
prosecutor or police chief for a note). Edition 2 takes it from the signing key's registration, so
that one office's key cannot speak for another, and any registered office may witness
(docs/design/rules-edition-2.md; DOMAIN.md, witnesses and overseers).
"""

from __future__ import annotations

from ledger.crypto.keys import decode_base64
from ledger.entry import Submission
from ledger.rules.messages import refused
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, current_policy, known_unit


def acting_office(state: LedgerState, submission: Submission, key: KeyRecord | None) -> str:
    """The office an attestation, note or case step is signed for.

    Edition 2: the signing key's registered office (`signer_office_required` for a key registered
    without one, under edition 1); a body `office`, optional, must name that same office
    (`office_not_signer`). Edition 1: the body's `office`, which edition 1 requires.
    """
    body = submission.entry.body
    if current_policy(state).rules < 2:
        return str(body["office"])
    assert key is not None
    if key.office_id is None:
        raise refused("signer_office_required", signer=key.fingerprint, kind=submission.entry.kind)
    if "office" in body and body["office"] != key.office_id:
        raise refused("office_not_signer", office=body["office"], key_office=key.office_id)
    return key.office_id


def decide_declaration_witnessed(
    state: LedgerState, submission: Submission, index: int, key: KeyRecord | None
) -> Decision:
    unit = known_unit(state, submission)
    declaration = decode_base64(submission.entry.body["declaration"], size=32)
    witnesses = unit.declarations.get(declaration)
    if witnesses is None:
        raise refused("unknown_declaration", unit=unit.id)
    if submission.entry.signer in witnesses:
        raise refused("already_witnessed")
    acting_office(state, submission, key)
    return Decision(submission, index, key)


def evolve_declaration_witnessed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    declaration = decode_base64(entry.body["declaration"], size=32)
    state.units[entry.unit or ""].declarations[declaration].add(entry.signer)


def decide_oversight_noted(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    known_unit(state, submission)
    acting_office(state, submission, key)
    return Decision(submission, index, key)


def evolve_oversight_noted(state: LedgerState, decision: Decision) -> None:
    """Oversight notes change no rule state; the projections keep them."""


RULES = {
    "declaration.witnessed": KindRule(decide_declaration_witnessed, evolve_declaration_witnessed),
    "oversight.noted": KindRule(decide_oversight_noted, evolve_oversight_noted),
}
