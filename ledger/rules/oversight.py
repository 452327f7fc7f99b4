"""Outside eyes: `declaration.witnessed` attests a unit's declaration once per witness key;
`oversight.noted` records an overseer's note, which changes no rule state (the views keep it)."""

from __future__ import annotations

from ledger.crypto.keys import decode_base64
from ledger.entry import Submission
from ledger.rules.messages import refused
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, known_unit


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
    return Decision(submission, index, key)


def evolve_declaration_witnessed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    declaration = decode_base64(entry.body["declaration"], size=32)
    state.units[entry.unit or ""].declarations[declaration].add(entry.signer)


def decide_oversight_noted(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    known_unit(state, submission)
    return Decision(submission, index, key)


def evolve_oversight_noted(state: LedgerState, decision: Decision) -> None:
    """Oversight notes change no rule state; the projections keep them."""


RULES = {
    "declaration.witnessed": KindRule(decide_declaration_witnessed, evolve_declaration_witnessed),
    "oversight.noted": KindRule(decide_oversight_noted, evolve_oversight_noted),
}
