"""The fold: what every entry must satisfy, then its kind's rule (DESIGN §1.3, §4).

`decide(state, submission, index, log_time)` is pure: it checks the log, the signer, the chain and
the signer's role, then the kind's own rule, and returns the `Decision` for leaf `index`, or raises
a `Refused`, `Conflict` or `VerificationFailed` that names the rule; it never mutates the state.
`evolve(state, decision)` only assigns what `decide` computed. `fold` is the two together, for the
next leaf.

The leaf index comes in explicitly because the verifier and the views give a refused leaf its index
too: the entry after it lands at its own index, not at the state's size.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ledger import codes
from ledger.crypto.keys import decode_base64, fingerprint
from ledger.entry import (
    EDITION_2_KINDS,
    EDITION_3_KINDS,
    NATIONAL_ROLES,
    Entry,
    Submission,
    check_edition_1_body,
    format_time,
)
from ledger.errors import Conflict
from ledger.rules import (
    assessments,
    cases,
    cycles,
    keys,
    ledger_kinds,
    national,
    oversight,
    pacts,
    persons,
    stages,
    units,
)
from ledger.rules.messages import refused
from ledger.rules.persons import in_clear_member, persons_named
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, StreamHead, edition_2

MAX_CLOCK_SKEW = timedelta(minutes=5)

KIND_RULES: dict[str, KindRule] = {
    **ledger_kinds.RULES,
    **keys.RULES,
    **units.RULES,
    **stages.RULES,
    **assessments.RULES,
    **pacts.RULES,
    **oversight.RULES,
    **cycles.RULES,
    **national.RULES,
    **cases.RULES,
    **persons.RULES,
}

ROLES_OF_KIND: dict[str, tuple[str, ...]] = {
    "policy.set": ("administrator",),
    "key.registered": ("administrator",),
    "key.revoked": ("administrator",),  # or the key itself, see _check_role
    "unit.registered": ("administrator",),
    "unit.headcount_set": ("administrator", "unit_head"),
    "remediation.completed": ("unit_head",),
    "pact.signed": ("employee", "pact_registrar"),
    "pact.released": ("unit_head", "pact_registrar"),
    "declaration.witnessed": ("witness",),
    "oversight.noted": ("overseer",),
    # rules edition 2 (docs/design/rules-edition-2.md)
    "cycle.opened": ("national_authority",),
    "screening.recorded": ("national_assessor",),
    "appeal.filed": ("unit_head",),
    "appeal.decided": ("national_assessor",),
    "predicate.revoked": ("minister",),
    "monitoring.recorded": ("internal_assessor", "national_assessor"),
    "log_key.added": ("administrator",),  # the root key only: ledger_kinds._check_log_key
    "log_key.retired": ("administrator",),
    "root.rotated": ("administrator",),  # the current root only: ledger_kinds.decide_root_rotated
    **cases.ROLES,
    "personal_data.erased": ("administrator",),  # rules edition 3
    "personal_data.rectified": ("administrator",),
}


def decide(
    state: LedgerState,
    submission: Submission,
    index: int,
    log_time: datetime,
    *,
    signature_verified: bool = False,
) -> Decision:
    """Check `submission` as leaf `index` against every rule, given the log's clock; never mutates `state`.

    Raises `VerificationFailed` (bad signature), `Conflict` (stale `seq`/`prev`) or `Refused`
    naming the rule. `signature_verified` lets a caller that checked signatures in bulk (the
    verifier, on several cores) skip the one check it already made.
    """
    if index < state.size:
        raise ValueError(f"leaf {index} is already folded: the state holds {state.size} leaves")
    entry = submission.entry
    if index == 0 and entry.kind != "ledger.genesis":
        raise refused("not_genesis", kind=entry.kind)
    if entry.log != state.origin:
        raise refused("wrong_log", log=entry.log, origin=state.origin)

    if state.policy is not None:
        _check_edition(state.policy.rules, entry)

    key = _authenticate(state, submission, index, signature_verified)
    _check_chain(state, submission, log_time)
    if key is not None:
        _check_role(state, entry.kind, entry.unit, key, submission)
    persons.check_persons_named(state, entry)
    return KIND_RULES[entry.kind].decide(state, submission, index, key)


def evolve(state: LedgerState, decision: Decision) -> None:
    """Apply an accepted decision to `state` (assignments only: every check was made by `decide`)."""
    submission = decision.submission
    entry = submission.entry
    state.streams[entry.stream] = StreamHead(entry.seq, submission.leaf_hash, entry.at, decision.index)
    state.leaf_indices[submission.leaf_hash] = decision.index
    state.size = decision.index + 1
    persons.evolve_persons_named(state, decision)
    KIND_RULES[entry.kind].evolve(state, decision)


def fold(state: LedgerState, submission: Submission, log_time: datetime) -> Decision:
    """Decide the next leaf and, if accepted, evolve; a refusal leaves `state` as it was."""
    decision = decide(state, submission, state.size, log_time)
    evolve(state, decision)
    return decision


def _check_edition(rules: int, entry: Entry) -> None:
    """An edition-1 log keeps edition 1's bodies and kinds; edition 2's additions need its policy;
    edition 3 names persons only by pseudonym and commitment (docs/contract/personal-data.md)."""
    if rules < 3:
        if entry.kind in EDITION_3_KINDS:
            raise refused("kind_needs_edition_3", kind=entry.kind)
        if persons_named(entry):
            raise refused("committed_person_needs_edition_3", kind=entry.kind)
    else:
        clear = in_clear_member(entry)
        if clear is not None:
            raise refused("personal_data_in_clear", kind=entry.kind, member=clear)
    if rules >= 2:
        return
    if entry.kind in EDITION_2_KINDS:
        raise refused("kind_needs_edition_2", kind=entry.kind)
    check_edition_1_body(entry)


def _authenticate(state: LedgerState, submission: Submission, index: int, signature_verified: bool) -> KeyRecord | None:
    entry = submission.entry
    if entry.kind == "ledger.genesis":
        if index != 0:
            raise refused("genesis_exists")
        root_key = decode_base64(entry.body["root_key"], size=32, what="body.root_key")
        if entry.signer != fingerprint(root_key):
            raise refused("genesis_not_self_signed")
        if not signature_verified:
            submission.verify_signature(root_key)
        return None
    key = state.keys.get(entry.signer)
    if key is None:
        raise refused("unknown_signer", signer=entry.signer)
    if key.revoked_index is not None:
        raise refused("revoked_signer", signer=entry.signer, index=key.revoked_index)
    if not signature_verified:
        submission.verify_signature(key.public_key)
    return key


def _check_chain(state: LedgerState, submission: Submission, log_time: datetime) -> None:
    entry = submission.entry
    head = state.streams.get(entry.stream)
    want_seq = 0 if head is None else head.seq + 1
    want_prev = None if head is None else head.leaf_hash
    if entry.seq != want_seq or entry.prev != want_prev:
        raise Conflict(
            f"stream {entry.stream} is at seq {want_seq - 1}: sign seq {want_seq} on its head"
            if head is not None
            else f"stream {entry.stream} is empty: its first entry has seq 0 and prev null",
            code=codes.STALE_HEAD,
            stream=entry.stream,
            head=None if head is None else {"seq": head.seq, "leaf_hash": head.leaf_hash},
        )
    at = entry.time
    if at > log_time + MAX_CLOCK_SKEW:
        raise refused("time_in_future", at=entry.at, log_time=format_time(log_time))
    if head is not None and entry.at < head.at:  # same fixed-width format: string order is time order
        raise refused("time_before_previous", at=entry.at, previous=head.at)


def _check_role(state: LedgerState, kind: str, unit: str | None, key: KeyRecord, submission: Submission) -> None:
    entry = submission.entry
    if kind == "stage.advanced":
        needed: tuple[str, ...] = (stages.transition_role(entry.body, edition_2(state)),)
    elif kind == "assessment.reviewed":
        needed = ("internal_assessor",) if entry.body["level"] == "internal" else ("national_assessor",)
    elif kind == "key.revoked" and entry.stream_subject == key.fingerprint:
        needed = (key.role,)  # a key may always revoke itself
    elif kind == "unit.headcount_set" and state.policy is not None and state.policy.rules >= 2:
        # Edition 2: the headcount, coverage's denominator, comes from the roster (BKD/SIASN), not
        # from the unit whose coverage it measures (DOMAIN.md, integrity pact).
        needed = ("administrator",)
    else:
        needed = ROLES_OF_KIND[kind]
    if key.role not in needed:
        raise refused("role_not_allowed", signer=key.fingerprint, role=key.role, kind=kind, needed=list(needed))
    if key.role in NATIONAL_ROLES and not key.endorsed and kind != "key.revoked" and edition_2(state):
        # A national key registered while the log was edition 1 carries no endorsement: in edition 2
        # national acts are valid only under keys the national root endorsed (issue 11).
        raise refused("signer_not_endorsed", signer=key.fingerprint, role=key.role)
    if unit is not None and not key.covers(unit):
        raise refused("out_of_scope", signer=key.fingerprint, scope=list(key.scope), unit=unit)
    if key.role == "administrator" and key.scope != ("*",):
        _check_administrator_scope(state, kind, key, submission)


def _check_administrator_scope(state: LedgerState, kind: str, key: KeyRecord, submission: Submission) -> None:
    """An administrator scoped to some units administers only keys within those units.

    Without this, a unit-scoped administrator could register a regency-wide key, set the policy or
    revoke any key, and so escape its scope.
    """
    entry = submission.entry
    if kind == "policy.set":
        concerned: tuple[str, ...] = ("*",)
    elif kind == "key.registered":
        concerned = tuple(entry.body["scope"])
    elif kind == "key.revoked":
        target = state.keys.get(entry.stream_subject or "")
        concerned = target.scope if target is not None else ()
    else:
        return
    outside = [unit for unit in concerned if not key.covers(unit)]
    if outside:
        raise refused("administrator_out_of_scope", signer=key.fingerprint, scope=list(key.scope), outside=outside)
