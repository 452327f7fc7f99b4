"""The log's own kinds: `ledger.genesis` opens a log with its root key and policy; `policy.set` replaces the policy."""

from __future__ import annotations

from ledger.crypto.keys import decode_base64
from ledger.entry import Submission
from ledger.rules.messages import refused
from ledger.rules.policy import parse_policy
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, current_policy


def decide_genesis(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    policy = parse_policy(submission.entry.body["policy"])
    return Decision(submission, index, key, policy=policy)


def evolve_genesis(state: LedgerState, decision: Decision) -> None:
    body = decision.submission.entry.body
    root_key = decode_base64(body["root_key"], size=32)
    state.name = body["name"]
    state.root_fingerprint = decision.submission.entry.signer
    state.policy = decision.policy
    # The root key is the first administrator, regency-wide: it registers every other key.
    state.keys[state.root_fingerprint] = KeyRecord(
        fingerprint=state.root_fingerprint,
        public_key=root_key,
        role="administrator",
        scope=("*",),
        holder_name=body["name"],
        holder_title="root key",
        registered_index=decision.index,
    )


def decide_policy_set(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    policy = parse_policy(submission.entry.body["policy"])
    current = current_policy(state)
    if policy.version <= current.version:
        raise refused("policy_version_not_above", version=policy.version, current=current.version)
    if policy.rules < current.rules:
        raise refused("rules_edition_lowered", rules=policy.rules, current=current.rules)
    if current.national_root is not None and policy.national_root != current.national_root:
        raise refused("national_root_changed")  # the ministry's anchor is not the regency's to replace
    return Decision(submission, index, key, policy=policy)


def evolve_policy_set(state: LedgerState, decision: Decision) -> None:
    state.policy = decision.policy


RULES = {
    "ledger.genesis": KindRule(decide_genesis, evolve_genesis),
    "policy.set": KindRule(decide_policy_set, evolve_policy_set),
}
