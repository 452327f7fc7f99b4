"""Signing keys: `key.registered` opens a key's stream, `key.revoked` ends what the key may sign."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ledger.crypto.keys import decode_base64, fingerprint
from ledger.endorsement import verify_endorsement
from ledger.entry import NATIONAL_ROLES, Submission
from ledger.errors import VerificationFailed
from ledger.rules.messages import refused
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, current_policy, edition_2

# Keys that act for an office outside the regency's administration: what they sign carries the
# office they were registered with, never an office the body claims (rules edition 2).
OFFICE_ROLES = ("witness", "overseer")


def decide_key_registered(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    public_key = decode_base64(entry.body["public_key"], size=32, what="body.public_key")
    if fingerprint(public_key) != entry.stream_subject:
        raise refused("key_mismatch")
    if entry.stream_subject in state.keys or entry.stream_subject == state.root_fingerprint:
        raise refused("key_exists", key=entry.stream_subject)
    if entry.seq != 0:
        raise refused("key_stream_not_opened")
    if edition_2(state):
        _check_endorsement(state, entry.body)
        if entry.body["role"] in OFFICE_ROLES and "office" not in entry.body:
            raise refused("office_required", role=entry.body["role"])
    return Decision(submission, index, key)


def _check_endorsement(state: LedgerState, body: Mapping[str, Any]) -> None:
    """Edition 2: a national key enters only with the national root's endorsement, so that a regency's
    own root cannot mint a minister or TPN key (issue 11; ledger/endorsement.py)."""
    role = body["role"]
    if role not in NATIONAL_ROLES:
        if "endorsement" in body:
            raise refused("endorsement_unexpected", role=role)
        return
    national_root = current_policy(state).national_root
    if national_root is None:
        raise refused("no_national_root", role=role)
    if "endorsement" not in body:
        raise refused("endorsement_required", role=role)
    try:
        verify_endorsement(national_root, body)
    except VerificationFailed as exc:
        raise refused("endorsement_invalid", role=role) from exc


def evolve_key_registered(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    body = entry.body
    assert entry.stream_subject is not None
    state.keys[entry.stream_subject] = KeyRecord(
        fingerprint=entry.stream_subject,
        public_key=decode_base64(body["public_key"], size=32),
        role=body["role"],
        scope=tuple(body["scope"]),
        # Edition 3 names the holder by pseudonym only: the views show the name from the
        # personal-data store, where there is one (docs/contract/personal-data.md).
        holder_name=body["holder"].get("name") or body["holder"]["person"],
        holder_title=body["holder"]["title"],
        holder_person=body["holder"].get("person"),
        registered_index=decision.index,
        endorsed="endorsement" in body,  # checked by decide in edition 2; edition 1 has no such member
        office_id=body["office"]["id"] if "office" in body else None,
        office_name=body["office"]["name"] if "office" in body else None,
    )


def decide_key_revoked(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    subject = submission.entry.stream_subject
    target = state.keys.get(subject or "")
    if target is None:
        raise refused("unknown_key", key=subject)
    if target.revoked_index is not None:
        raise refused("key_already_revoked", key=subject)
    if subject == state.root_fingerprint:
        # The root key is the trust anchor every auditor holds; a new root means a new ledger.
        raise refused("root_key")
    return Decision(submission, index, key)


def evolve_key_revoked(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    target = state.keys[entry.stream_subject or ""]
    target.revoked_index = decision.index
    target.revoked_reason = entry.body["reason"]


RULES = {
    "key.registered": KindRule(decide_key_registered, evolve_key_registered),
    "key.revoked": KindRule(decide_key_revoked, evolve_key_revoked),
}
