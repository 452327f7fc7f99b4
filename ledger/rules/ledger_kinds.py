"""The log's own kinds: `ledger.genesis` opens a log with its root key and policy; `policy.set` replaces the policy;
`log_key.added` and `log_key.retired` (edition 2) announce a new log (checkpoint) key and retire an old one, both
signed by the root key: the verifier refuses a checkpoint signed only by keys retired before it (ledger.verify,
docs/operations.md section 6); `root.rotated` (edition 2) hands the root to a new key, signed by the current root
and, over the handover, by the new key (docs/operations.md section 7)."""

from __future__ import annotations

from ledger import codes
from ledger.crypto import ed25519
from ledger.crypto.keys import decode_base64, fingerprint
from ledger.crypto.note import parse_verifier_key
from ledger.entry import Submission
from ledger.errors import VerificationFailed
from ledger.rules.messages import refused
from ledger.rules.policy import parse_policy
from ledger.rules.state import Decision, KeyRecord, KindRule, LedgerState, LogKey, current_policy


def decide_genesis(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    policy = parse_policy(submission.entry.body["policy"])
    return Decision(submission, index, key, policy=policy)


def evolve_genesis(state: LedgerState, decision: Decision) -> None:
    body = decision.submission.entry.body
    root_key = decode_base64(body["root_key"], size=32)
    state.name = body["name"]
    state.root_fingerprint = decision.submission.entry.signer
    state.genesis_root_fingerprint = state.root_fingerprint
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


def _check_log_key(state: LedgerState, submission: Submission, key: KeyRecord | None) -> str:
    """The root key signs a log key's changes (the log key is the log's own, above every administrator);
    the key is named after this log's origin. Returns the verifier key text."""
    entry = submission.entry
    if key is None or key.fingerprint != state.root_fingerprint:
        raise refused("not_root_signer", kind=entry.kind, root=state.root_fingerprint, signer=entry.signer)
    text = entry.body["verifier_key"]
    name = parse_verifier_key(text).name
    if name != state.origin:
        raise refused("log_key_wrong_origin", verifier_key=text, name=name, origin=state.origin)
    return str(text)


def decide_log_key_added(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    text = _check_log_key(state, submission, key)
    known = state.log_keys.get(text)
    if known is not None:
        if known.added_index is None:
            raise refused("log_key_was_retired", verifier_key=text, index=known.retired_index)
        raise refused("log_key_was_added", verifier_key=text, index=known.added_index)
    return Decision(submission, index, key)


def evolve_log_key_added(state: LedgerState, decision: Decision) -> None:
    text = decision.submission.entry.body["verifier_key"]
    state.log_keys[text] = LogKey(text, added_index=decision.index)


def decide_log_key_retired(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    text = _check_log_key(state, submission, key)
    known = state.log_keys.get(text)
    if known is not None and known.retired_index is not None:
        raise refused("log_key_was_retired", verifier_key=text, index=known.retired_index)
    # A successor must be announced first: the overlap, when checkpoints carry both signatures.
    if not any(other.retired_index is None and other.verifier_key != text for other in state.log_keys.values()):
        raise refused("log_key_last", verifier_key=text)
    return Decision(submission, index, key)


def evolve_log_key_retired(state: LedgerState, decision: Decision) -> None:
    text = decision.submission.entry.body["verifier_key"]
    added = state.log_keys[text].added_index if text in state.log_keys else None
    state.log_keys[text] = LogKey(text, added_index=added, retired_index=decision.index)


ROOT_POSSESSION_CONTEXT = "integritas/root.rotated/v1"


def root_possession_message(origin: str, old_root: str, new_root: str) -> bytes:
    """What the new root key signs in `root.rotated`'s `possession`: the log, and the handover from the
    old root's fingerprint to its own, each on a line. Proves the new key is held by whoever takes
    the root, and that it accepts this log from this root (a signature that no other log or
    handover can reuse)."""
    return f"{ROOT_POSSESSION_CONTEXT}\n{origin}\n{old_root}\n{new_root}\n".encode()


def decide_root_rotated(state: LedgerState, submission: Submission, index: int, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    if key is None or key.fingerprint != state.root_fingerprint:
        raise refused("not_root_signer", kind=entry.kind, root=state.root_fingerprint, signer=entry.signer)
    new_key = decode_base64(entry.body["root_key"], size=32)
    new_root = fingerprint(new_key)
    if new_root in state.keys:
        raise refused("root_key_known", key=new_root)
    message = root_possession_message(state.origin, key.fingerprint, new_root)
    possession = decode_base64(entry.body["possession"])
    if not ed25519.verify(new_key, possession, message):
        code, reason = ed25519.failure(new_key, possession, message)
        if code == codes.ED25519_NOT_STRICT:
            # Outside the strict subset, the server's and an auditor's verifiers could disagree.
            raise VerificationFailed(f"root.rotated possession: {reason}", code=code, key=new_root)
        raise refused("root_possession_invalid", key=new_root)
    return Decision(submission, index, key)


def evolve_root_rotated(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    new_key = decode_base64(entry.body["root_key"], size=32)
    old = state.keys[entry.signer]
    # The old root signs nothing from here on; the new one is the root and the first administrator.
    old.revoked_index = decision.index
    old.revoked_reason = "root rotated"
    state.root_fingerprint = fingerprint(new_key)
    state.keys[state.root_fingerprint] = KeyRecord(
        fingerprint=state.root_fingerprint,
        public_key=new_key,
        role="administrator",
        scope=("*",),
        holder_name=old.holder_name,
        holder_title="root key",
        registered_index=decision.index,
    )


RULES = {
    "ledger.genesis": KindRule(decide_genesis, evolve_genesis),
    "policy.set": KindRule(decide_policy_set, evolve_policy_set),
    "log_key.added": KindRule(decide_log_key_added, evolve_log_key_added),
    "log_key.retired": KindRule(decide_log_key_retired, evolve_log_key_retired),
    "root.rotated": KindRule(decide_root_rotated, evolve_root_rotated),
}
