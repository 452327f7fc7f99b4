"""The rules fold (DESIGN §1.3, §4; DOMAIN.md): what the ledger accepts, and what it then knows.

One fold, three uses: the store runs it to accept or refuse a submission, the verifier replays it
over the whole log, and the projections fold the same entries into status views.

The fold is split the way event-sourced code splits commands from events. `decide(state,
submission, log_time)` is pure: it checks every rule and computes what follows (a `Decision`), or
raises a `Refused`, `Conflict` or `VerificationFailed` that names the rule; it never mutates the
state. `evolve(state, decision)` only assigns what `decide` computed. `fold` is the two together.
Splitting them keeps a refusal from half-changing the state and lets the store persist an entry
before its effects are applied, without copying a state of 10^6 entries on every step.

Time comes in as a parameter: the entry's own `at` for the domain (bars, ages) and the log's clock
only for the "not in the future" rule. Nothing here reads a clock, the environment or a file,
except `default_policy`, which reads the packaged policy file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from ledger.crypto.keys import decode_base64, fingerprint
from ledger.entry import (
    RATIO_PATTERN,
    SCORE_AREAS,
    SCORE_PATTERN,
    Submission,
    format_time,
)
from ledger.errors import Conflict, Refused

MAX_CLOCK_SKEW = timedelta(minutes=5)
ENABLER_AREAS = SCORE_AREAS[:6]
NATIONAL_STEPS = ("screening", "desk", "field")
MAX_SCREENINGS = 2  # one appeal (sanggah) of the administrative screening, PermenPANRB 90/2021

# --- policy ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrackThresholds:
    """The bar a unit must clear for one predicate (DOMAIN.md, thresholds)."""

    total: Decimal
    enabler_share: Decimal
    ipak: Decimal
    ipkp: Decimal
    performance: Decimal
    prior_predicate: str


@dataclass(frozen=True)
class Policy:
    """The versioned policy carried by `ledger.genesis` and `policy.set` entries."""

    version: int
    weights: Mapping[str, Decimal]
    thresholds: Mapping[str, TrackThresholds]
    min_pact_coverage: Decimal
    revocation_bar_days: int
    document: Mapping[str, Any]


def _sourced(document: Mapping[str, Any], name: str) -> Any:
    item = document.get(name)
    if not isinstance(item, dict) or set(item) != {"value", "source"}:
        raise Refused(f"policy.{name} must be {{value, source}}", code="invalid_policy")
    if not isinstance(item["source"], str) or not item["source"].strip():
        raise Refused(f"policy.{name}.source must say where the number comes from", code="invalid_policy")
    return item["value"]


def _decimal(value: Any, where: str, pattern: Any = SCORE_PATTERN) -> Decimal:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise Refused(f"{where} must be a decimal string, not {value!r}", code="invalid_policy")
    return Decimal(value)


def parse_policy(document: Any) -> Policy:
    """Validate a policy document and return it; raise `Refused` (code `invalid_policy`)."""
    if not isinstance(document, dict):
        raise Refused("policy must be an object", code="invalid_policy")
    allowed = {"version", "name", "note", "weights", "thresholds", "min_pact_coverage", "revocation_bar_days"}
    unknown = sorted(set(document) - allowed)
    if unknown:
        raise Refused(f"policy has unknown member(s) {', '.join(unknown)}", code="invalid_policy")
    version = document.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Refused("policy.version must be a positive integer", code="invalid_policy")
    weights_doc = _sourced(document, "weights")
    if not isinstance(weights_doc, dict) or set(weights_doc) != set(SCORE_AREAS):
        raise Refused(f"policy.weights must name exactly {', '.join(SCORE_AREAS)}", code="invalid_policy")
    weights = {area: _decimal(weights_doc[area], f"policy.weights.{area}") for area in SCORE_AREAS}
    thresholds_doc = document.get("thresholds")
    if not isinstance(thresholds_doc, dict) or set(thresholds_doc) != {"wbk", "wbbm"}:
        raise Refused("policy.thresholds must have exactly wbk and wbbm", code="invalid_policy")
    thresholds = {}
    for track, doc in thresholds_doc.items():
        names = {"total", "enabler_share", "ipak", "ipkp", "performance", "prior_predicate"}
        if not isinstance(doc, dict) or set(doc) != names:
            raise Refused(
                f"policy.thresholds.{track} must have exactly {', '.join(sorted(names))}", code="invalid_policy"
            )
        prior = _sourced(doc, "prior_predicate")
        if prior not in ("none", "wbk"):
            raise Refused(f"policy.thresholds.{track}.prior_predicate must be none or wbk", code="invalid_policy")
        thresholds[track] = TrackThresholds(
            total=_decimal(_sourced(doc, "total"), f"policy.thresholds.{track}.total"),
            enabler_share=_decimal(
                _sourced(doc, "enabler_share"), f"policy.thresholds.{track}.enabler_share", RATIO_PATTERN
            ),
            ipak=_decimal(_sourced(doc, "ipak"), f"policy.thresholds.{track}.ipak"),
            ipkp=_decimal(_sourced(doc, "ipkp"), f"policy.thresholds.{track}.ipkp"),
            performance=_decimal(_sourced(doc, "performance"), f"policy.thresholds.{track}.performance"),
            prior_predicate=prior,
        )
    for track, bar in thresholds.items():
        if bar.enabler_share > 1:
            raise Refused(f"policy.thresholds.{track}.enabler_share must be at most 1", code="invalid_policy")
    coverage = _decimal(_sourced(document, "min_pact_coverage"), "policy.min_pact_coverage", RATIO_PATTERN)
    if coverage > 1:
        raise Refused("policy.min_pact_coverage must be at most 1", code="invalid_policy")
    bar = _sourced(document, "revocation_bar_days")
    if not isinstance(bar, int) or isinstance(bar, bool) or not 0 <= bar <= 36500:
        raise Refused("policy.revocation_bar_days must be a whole number of days", code="invalid_policy")
    return Policy(version, weights, thresholds, coverage, bar, document)


def default_policy_document() -> dict[str, Any]:
    """The packaged default policy (ledger/policy/default.json) as JSON."""
    text = resources.files("ledger").joinpath("policy/default.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def compute_total(scores: Mapping[str, str]) -> Decimal:
    """The total score: the sum of the nine components, never taken from the submitter."""
    return sum((Decimal(scores[area]) for area in SCORE_AREAS), Decimal("0.00"))


def failing_checks(scores: Mapping[str, str], track: str, policy: Policy) -> list[str]:
    """Each threshold of `track` that `scores` miss, as a sentence naming both numbers."""
    bar = policy.thresholds[track]
    failures = []
    total = compute_total(scores)
    if total < bar.total:
        failures.append(f"total {total} is below {bar.total}")
    for area in ENABLER_AREAS:
        # Compared exactly: a rounded requirement could let a score just under the share pass.
        needed = policy.weights[area] * bar.enabler_share
        if Decimal(scores[area]) < needed:
            failures.append(
                f"{area} {scores[area]} is below {_score_text(needed)} "
                f"({bar.enabler_share:.2%} of {policy.weights[area]})"
            )
    for area, needed in (("ipak", bar.ipak), ("ipkp", bar.ipkp), ("performance", bar.performance)):
        if Decimal(scores[area]) < needed:
            failures.append(f"{area} {scores[area]} is below {needed}")
    return failures


def _score_text(value: Decimal) -> str:
    """A score as people write it, two fraction digits, with more only when they matter."""
    cents = value.quantize(Decimal("0.01"))
    return f"{cents}" if cents == value else f"{value.normalize():f}"


# --- state -------------------------------------------------------------------------------------------


@dataclass
class KeyRecord:
    """A registered signing key and what it may sign."""

    fingerprint: str
    public_key: bytes
    role: str
    scope: tuple[str, ...]
    holder_name: str
    holder_title: str
    registered_index: int
    revoked_index: int | None = None
    revoked_reason: str | None = None
    employee_number: str | None = None  # an employee key's own number, from the first pact it signs

    def covers(self, unit: str) -> bool:
        return self.scope == ("*",) or unit in self.scope


@dataclass(frozen=True)
class StreamHead:
    """The last entry of a stream: what the next entry's `seq` and `prev` must follow."""

    seq: int
    leaf_hash: bytes
    at: str
    index: int


@dataclass(frozen=True)
class Assessment:
    """An assessment as recorded, with its computed total and the thresholds it misses."""

    index: int
    leaf_hash: bytes
    at: str
    level: str
    year: int
    track: str
    step: str
    scores: Mapping[str, str]
    total: Decimal
    outcome: str
    failing: tuple[str, ...]


@dataclass
class RemediationItem:
    """A remediation item opened by an assessment, open until the unit head completes it."""

    id: str
    area: str
    text: str
    opened_at: str
    opened_index: int
    completed_at: str | None = None
    completed_index: int | None = None


@dataclass
class Pact:
    """The integrity pact of one employee of a unit: valid from signing until released."""

    employee_number: str
    employee_name: str
    valid: bool
    signed_on: str
    index: int


@dataclass
class UnitState:
    """Where one unit stands, as far as the rules need to know."""

    id: str
    name: str
    type: str
    headcount: int
    registered_at: str
    stage: str = "registered"
    track: str | None = None
    predicate: str = "none"
    stage_since: str = ""
    stage_index: int = 0
    barred_until: str | None = None
    internal: Assessment | None = None  # latest internal assessment of the current building period
    national: dict[str, Assessment] = field(default_factory=dict)  # latest per step, this nomination
    screenings: int = 0
    remediation: dict[str, RemediationItem] = field(default_factory=dict)
    pacts: dict[str, Pact] = field(default_factory=dict)
    valid_pacts: int = 0
    declarations: dict[bytes, set[str]] = field(default_factory=dict)  # leaf hash -> witness keys

    @property
    def open_remediation(self) -> list[RemediationItem]:
        return [item for item in self.remediation.values() if item.completed_index is None]

    @property
    def pact_coverage(self) -> Decimal:
        return Decimal(self.valid_pacts) / Decimal(self.headcount)


@dataclass
class LedgerState:
    """Everything the rules know after folding the log's first `size` entries."""

    origin: str
    size: int = 0
    name: str | None = None
    root_fingerprint: str | None = None
    policy: Policy | None = None
    keys: dict[str, KeyRecord] = field(default_factory=dict)
    streams: dict[str, StreamHead] = field(default_factory=dict)
    units: dict[str, UnitState] = field(default_factory=dict)
    leaf_indices: dict[bytes, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """What `decide` computed for an accepted entry; `evolve` assigns it."""

    submission: Submission
    index: int
    key: KeyRecord | None  # None only for the genesis entry
    policy: Policy | None = None
    assessment: Assessment | None = None
    barred_until: str | None = None


# --- the fold ----------------------------------------------------------------------------------------

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
}

# The stage machine of DESIGN §4: (from, to) -> the role that signs it.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("registered", "declared"): "unit_head",
    ("declared", "building"): "unit_head",
    ("building", "nominated"): "regent",
    ("nominated", "building"): "national_assessor",
    ("nominated", "designated"): "minister",
    ("designated", "declared"): "unit_head",
    ("designated", "revoked"): "minister",
    ("revoked", "declared"): "unit_head",
}


def decide(
    state: LedgerState,
    submission: Submission,
    log_time: datetime,
    *,
    signature_verified: bool = False,
) -> Decision:
    """Check `submission` against every rule, given the log's clock; never mutates `state`.

    Raises `VerificationFailed` (bad signature), `Conflict` (stale `seq`/`prev`) or `Refused`
    naming the rule. `signature_verified` lets a caller that checked signatures in bulk (the
    verifier, on several cores) skip the one check it already made.
    """
    entry = submission.entry
    if state.size == 0 and entry.kind != "ledger.genesis":
        raise Refused(f"the first entry of a log must be ledger.genesis, not {entry.kind}", code="not_genesis")
    if entry.log != state.origin:
        raise Refused(f"entry is for log {entry.log!r}, this is {state.origin!r}", code="wrong_log")

    key = _authenticate(state, submission, signature_verified)
    _check_chain(state, submission, log_time)
    if key is not None:
        _check_role(state, entry.kind, entry.unit, key, submission)
    return _KIND_RULES[entry.kind](state, submission, key)


def evolve(state: LedgerState, decision: Decision) -> None:
    """Apply an accepted decision to `state` (assignments only: every check was made by `decide`)."""
    submission = decision.submission
    entry = submission.entry
    state.streams[entry.stream] = StreamHead(entry.seq, submission.leaf_hash, entry.at, decision.index)
    state.leaf_indices[submission.leaf_hash] = decision.index
    state.size = decision.index + 1
    _KIND_EFFECTS[entry.kind](state, decision)


def fold(state: LedgerState, submission: Submission, log_time: datetime) -> Decision:
    """Decide and, if accepted, evolve; a refusal leaves `state` as it was."""
    decision = decide(state, submission, log_time)
    evolve(state, decision)
    return decision


def _authenticate(state: LedgerState, submission: Submission, signature_verified: bool) -> KeyRecord | None:
    entry = submission.entry
    if entry.kind == "ledger.genesis":
        if state.size != 0:
            raise Refused("this log already has its genesis entry", code="genesis_exists")
        root_key = decode_base64(entry.body["root_key"], size=32, what="body.root_key")
        if entry.signer != fingerprint(root_key):
            raise Refused("the genesis entry must be signed by its own root_key", code="unknown_signer")
        if not signature_verified:
            submission.verify_signature(root_key)
        return None
    key = state.keys.get(entry.signer)
    if key is None:
        raise Refused(f"signer {entry.signer[:12]}… holds no key registered in this log", code="unknown_signer")
    if key.revoked_index is not None:
        raise Refused(f"signer {entry.signer[:12]}… was revoked at leaf {key.revoked_index}", code="revoked_signer")
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
            code="stale_head",
            stream=entry.stream,
            head=None if head is None else {"seq": head.seq, "leaf_hash": head.leaf_hash},
        )
    at = entry.time
    if at > log_time + MAX_CLOCK_SKEW:
        raise Refused(
            f"entry.at {entry.at} is more than 5 minutes after the log's clock {format_time(log_time)}",
            code="time_in_future",
        )
    if head is not None and entry.at < head.at:  # same fixed-width format: string order is time order
        raise Refused(
            f"entry.at {entry.at} is before the stream's previous entry at {head.at}",
            code="time_before_previous",
        )


def _check_role(state: LedgerState, kind: str, unit: str | None, key: KeyRecord, submission: Submission) -> None:
    entry = submission.entry
    if kind == "stage.advanced":
        needed: tuple[str, ...] = (_transition_role(entry.body),)
    elif kind == "assessment.reviewed":
        needed = ("internal_assessor",) if entry.body["level"] == "internal" else ("national_assessor",)
    elif kind == "key.revoked" and entry.stream_subject == key.fingerprint:
        needed = (key.role,)  # a key may always revoke itself
    else:
        needed = ROLES_OF_KIND[kind]
    if key.role not in needed:
        raise Refused(
            f"signer {key.fingerprint[:12]}… has role {key.role}, {kind} needs {' or '.join(needed)}",
            code="role_not_allowed",
        )
    if unit is not None and not key.covers(unit):
        raise Refused(
            f"signer {key.fingerprint[:12]}… may sign for {', '.join(key.scope)}, not unit {unit}",
            code="out_of_scope",
        )
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
        raise Refused(
            f"administrator {key.fingerprint[:12]}… may administer {', '.join(key.scope)}, not {', '.join(outside)}",
            code="out_of_scope",
        )


def _transition_role(body: Mapping[str, Any]) -> str:
    role = TRANSITIONS.get((body["from"], body["to"]))
    if role is None:
        raise Refused(f"a unit cannot go from {body['from']} to {body['to']}", code="transition_not_allowed")
    return role


def _decision(state: LedgerState, submission: Submission, key: KeyRecord | None, **computed: Any) -> Decision:
    return Decision(submission=submission, index=state.size, key=key, **computed)


def _unit(state: LedgerState, submission: Submission) -> UnitState:
    unit_id = submission.entry.unit
    assert unit_id is not None
    unit = state.units.get(unit_id)
    if unit is None:
        raise Refused(f"unit {unit_id} is not registered in this log", code="unknown_unit")
    return unit


def _current_policy(state: LedgerState) -> Policy:
    assert state.policy is not None  # set by the genesis entry, which every other entry follows
    return state.policy


# Each kind's rules: (state, submission, key) -> Decision, raising on a refusal.


def _genesis(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    policy = parse_policy(submission.entry.body["policy"])
    return _decision(state, submission, key, policy=policy)


def _policy_set(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    policy = parse_policy(submission.entry.body["policy"])
    current = _current_policy(state)
    if policy.version <= current.version:
        raise Refused(
            f"policy version {policy.version} must be above the current {current.version}", code="invalid_policy"
        )
    return _decision(state, submission, key, policy=policy)


def _key_registered(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    public_key = decode_base64(entry.body["public_key"], size=32, what="body.public_key")
    if fingerprint(public_key) != entry.stream_subject:
        raise Refused("the key stream must be key/<fingerprint of body.public_key>", code="key_mismatch")
    if entry.stream_subject in state.keys or entry.stream_subject == state.root_fingerprint:
        raise Refused(f"key {entry.stream_subject} is already registered", code="key_exists")
    if entry.seq != 0:
        raise Refused("key.registered must open its key stream (seq 0)", code="key_exists")
    return _decision(state, submission, key)


def _key_revoked(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    subject = submission.entry.stream_subject
    target = state.keys.get(subject or "")
    if target is None:
        raise Refused(f"key {subject} is not registered", code="unknown_key")
    if target.revoked_index is not None:
        raise Refused(f"key {subject} is already revoked", code="revoked_signer")
    if subject == state.root_fingerprint:
        # The root key is the trust anchor every auditor holds; a new root means a new ledger.
        raise Refused("the root key cannot be revoked", code="root_key")
    return _decision(state, submission, key)


def _unit_registered(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    if submission.entry.seq != 0:
        raise Refused(f"unit {submission.entry.unit} is already registered", code="unit_exists")
    return _decision(state, submission, key)


def _unit_headcount_set(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    _unit(state, submission)
    return _decision(state, submission, key)


def _stage_advanced(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    body = entry.body
    unit = _unit(state, submission)
    policy = _current_policy(state)
    source, target, track = body["from"], body["to"], body["track"]
    if source != unit.stage:
        raise Refused(f"unit {unit.id} is {unit.stage}, not {source}", code="transition_not_allowed")
    if "basis" in body and decode_base64(body["basis"], size=32) not in state.leaf_indices:
        raise Refused("body.basis is not the leaf hash of an entry in this log", code="unknown_basis")
    barred_until = None

    if target == "declared":
        _check_declaration(unit, entry.at, source, track)
    elif track != unit.track:
        raise Refused(f"unit {unit.id} is on track {unit.track}, not {track}", code="track_mismatch")

    if (source, target) == ("declared", "building"):
        if unit.pact_coverage < policy.min_pact_coverage:
            raise Refused(
                f"pact coverage of {unit.id} is {unit.valid_pacts}/{unit.headcount}, "
                f"below the policy's {policy.min_pact_coverage}",
                code="pact_coverage_too_low",
            )
    elif (source, target) == ("building", "nominated"):
        _check_nomination(unit, track, policy)
    elif (source, target) == ("nominated", "building"):
        if not any(a.outcome == "failed" for a in unit.national.values()):
            raise Refused(f"unit {unit.id} has no failed national review in this nomination", code="no_failed_review")
    elif (source, target) == ("nominated", "designated"):
        field_review = unit.national.get("field")
        if field_review is None or field_review.outcome != "passed":
            raise Refused(f"unit {unit.id} has no passed national field review", code="no_passed_assessment")
        _check_thresholds(field_review.scores, track, unit, policy)
    elif (source, target) == ("designated", "revoked"):
        if not body["note"].strip():
            raise Refused("a revocation must give its reason in body.note", code="reason_required")
        barred_until = format_time(entry.time + timedelta(days=policy.revocation_bar_days))
    return _decision(state, submission, key, barred_until=barred_until)


def _check_declaration(unit: UnitState, at: str, source: str, track: str) -> None:
    if unit.barred_until is not None and at < unit.barred_until:
        raise Refused(f"unit {unit.id} is barred until {unit.barred_until}", code="barred")
    if source == "designated":
        if not (track == "wbbm" and unit.predicate == "wbk"):
            raise Refused(
                "from designated, a unit holding WBK may only declare for the wbbm track", code="track_mismatch"
            )
    elif source == "revoked":
        if track != "wbk":
            raise Refused("a revoked unit starts again on the wbk track", code="track_mismatch")
    elif track == "wbbm" and unit.predicate != "wbk":
        raise Refused(f"the wbbm track needs predicate wbk, unit {unit.id} has {unit.predicate}", code="track_mismatch")


def _check_nomination(unit: UnitState, track: str, policy: Policy) -> None:
    internal = unit.internal
    if internal is None or internal.track != track:
        raise Refused(
            f"unit {unit.id} has no internal assessment of track {track} in this building period",
            code="no_passed_assessment",
        )
    if internal.outcome != "passed":
        raise Refused(
            f"the latest internal assessment of {unit.id} (leaf {internal.index}) failed", code="no_passed_assessment"
        )
    _check_thresholds(internal.scores, track, unit, policy)
    still_open = unit.open_remediation
    if still_open:
        raise Refused(
            f"unit {unit.id} has open remediation: {', '.join(item.id for item in still_open)}",
            code="open_remediation",
        )


def _check_thresholds(scores: Mapping[str, str], track: str, unit: UnitState, policy: Policy) -> None:
    failures = failing_checks(scores, track, policy)
    prior = policy.thresholds[track].prior_predicate
    if unit.predicate != prior:
        failures.append(f"predicate is {unit.predicate}, track {track} needs {prior}")
    if failures:
        raise Refused("thresholds not met: " + "; ".join(failures), code="thresholds_not_met", failing=failures)


def _assessment_reviewed(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    body = entry.body
    unit = _unit(state, submission)
    policy = _current_policy(state)
    level, step, track = body["level"], body["step"], body["track"]
    if (level == "internal") != (step == "lke"):
        raise Refused(f"a {level} assessment cannot have step {step}", code="assessment_not_allowed")
    allowed_stages = ("building", "designated") if level == "internal" else ("nominated",)
    if unit.stage not in allowed_stages:
        raise Refused(
            f"unit {unit.id} is {unit.stage}: a {level} assessment needs {' or '.join(allowed_stages)}",
            code="assessment_not_allowed",
        )
    if track != unit.track:
        raise Refused(f"unit {unit.id} is on track {unit.track}, not {track}", code="track_mismatch")
    if level == "national":
        _check_national_step(unit, step)
    for area in SCORE_AREAS:
        if Decimal(body["scores"][area]) > policy.weights[area]:
            raise Refused(
                f"score {area} {body['scores'][area]} is above its weight {policy.weights[area]}",
                code="score_out_of_range",
            )
    seen = set()
    for item in body["remediation"]:
        if item["id"] in unit.remediation or item["id"] in seen:
            raise Refused(
                f"remediation item {item['id']} already exists for unit {unit.id}", code="duplicate_remediation"
            )
        seen.add(item["id"])
    failing = failing_checks(body["scores"], track, policy)
    if body["outcome"] == "passed" and failing:
        raise Refused(
            "assessment marked passed misses thresholds: " + "; ".join(failing),
            code="thresholds_not_met",
            failing=failing,
        )
    assessment = Assessment(
        index=state.size,
        leaf_hash=submission.leaf_hash,
        at=entry.at,
        level=level,
        year=body["year"],
        track=track,
        step=step,
        scores=body["scores"],
        total=compute_total(body["scores"]),
        outcome=body["outcome"],
        failing=tuple(failing),
    )
    return _decision(state, submission, key, assessment=assessment)


def _check_national_step(unit: UnitState, step: str) -> None:
    if step == "screening":
        if "desk" in unit.national or unit.screenings >= MAX_SCREENINGS:
            raise Refused(
                "the screening step is over for this nomination (one appeal allowed)", code="assessment_not_allowed"
            )
        return
    before = NATIONAL_STEPS[NATIONAL_STEPS.index(step) - 1]
    earlier = unit.national.get(before)
    if earlier is None or earlier.outcome != "passed":
        raise Refused(f"national {step} needs a passed {before} step first", code="assessment_not_allowed")
    if step in unit.national:
        raise Refused(f"national {step} is already recorded for this nomination", code="assessment_not_allowed")


def _remediation_completed(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    unit = _unit(state, submission)
    item_id = submission.entry.body["item"]
    item = unit.remediation.get(item_id)
    if item is None:
        raise Refused(f"unit {unit.id} has no remediation item {item_id}", code="unknown_remediation")
    if item.completed_index is not None:
        raise Refused(
            f"remediation item {item_id} was completed at leaf {item.completed_index}", code="remediation_closed"
        )
    return _decision(state, submission, key)


def _pact_signed(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    entry = submission.entry
    employee = entry.body["employee"]
    if employee["number"] != entry.stream_subject:
        raise Refused(
            f"pact stream is for employee {entry.stream_subject}, body names {employee['number']}",
            code="employee_mismatch",
        )
    unit = _unit(state, submission)
    earlier = unit.pacts.get(employee["number"])
    if earlier is not None and earlier.employee_name != employee["name"]:
        raise Refused(
            f"employee number {employee['number']} belongs to {earlier.employee_name}, not {employee['name']}",
            code="employee_mismatch",
        )
    # An employee signs only their own pact: the key's holder is the employee named in it, and a key
    # that signed one employee number's pact signs no other's.
    if key is not None and key.role == "employee":
        if key.holder_name != employee["name"]:
            raise Refused(
                f"key of {key.holder_name} cannot sign the pact of {employee['name']}", code="employee_mismatch"
            )
        if key.employee_number not in (None, employee["number"]):
            raise Refused(
                f"key of {key.holder_name} signs the pacts of employee {key.employee_number}, not {employee['number']}",
                code="employee_mismatch",
            )
    return _decision(state, submission, key)


def _pact_released(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    unit = _unit(state, submission)
    pact = unit.pacts.get(submission.entry.stream_subject or "")
    if pact is None or not pact.valid:
        raise Refused(
            f"employee {submission.entry.stream_subject} has no valid pact in unit {unit.id}", code="pact_not_valid"
        )
    return _decision(state, submission, key)


def _declaration_witnessed(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    unit = _unit(state, submission)
    declaration = decode_base64(submission.entry.body["declaration"], size=32)
    witnesses = unit.declarations.get(declaration)
    if witnesses is None:
        raise Refused(f"body.declaration is not a declaration of unit {unit.id}", code="unknown_declaration")
    if submission.entry.signer in witnesses:
        raise Refused("this witness has already attested this declaration", code="already_witnessed")
    return _decision(state, submission, key)


def _oversight_noted(state: LedgerState, submission: Submission, key: KeyRecord | None) -> Decision:
    _unit(state, submission)
    return _decision(state, submission, key)


_KIND_RULES = {
    "ledger.genesis": _genesis,
    "policy.set": _policy_set,
    "key.registered": _key_registered,
    "key.revoked": _key_revoked,
    "unit.registered": _unit_registered,
    "unit.headcount_set": _unit_headcount_set,
    "stage.advanced": _stage_advanced,
    "assessment.reviewed": _assessment_reviewed,
    "remediation.completed": _remediation_completed,
    "pact.signed": _pact_signed,
    "pact.released": _pact_released,
    "declaration.witnessed": _declaration_witnessed,
    "oversight.noted": _oversight_noted,
}


# Each kind's effects: assignments of what was decided.


def _set_genesis(state: LedgerState, decision: Decision) -> None:
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


def _set_policy(state: LedgerState, decision: Decision) -> None:
    state.policy = decision.policy


def _set_key_registered(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    body = entry.body
    assert entry.stream_subject is not None
    state.keys[entry.stream_subject] = KeyRecord(
        fingerprint=entry.stream_subject,
        public_key=decode_base64(body["public_key"], size=32),
        role=body["role"],
        scope=tuple(body["scope"]),
        holder_name=body["holder"]["name"],
        holder_title=body["holder"]["title"],
        registered_index=decision.index,
    )


def _set_key_revoked(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    target = state.keys[entry.stream_subject or ""]
    target.revoked_index = decision.index
    target.revoked_reason = entry.body["reason"]


def _set_unit_registered(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    assert entry.unit is not None
    state.units[entry.unit] = UnitState(
        id=entry.unit,
        name=entry.body["name"],
        type=entry.body["type"],
        headcount=entry.body["headcount"],
        registered_at=entry.at,
        stage_since=entry.at,
        stage_index=decision.index,
    )


def _set_headcount(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    state.units[entry.unit or ""].headcount = entry.body["headcount"]


def _set_stage(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    body = entry.body
    unit = state.units[entry.unit or ""]
    source, target = body["from"], body["to"]
    unit.stage, unit.track = target, body["track"]
    unit.stage_since, unit.stage_index = entry.at, decision.index
    if target == "declared":
        unit.declarations[decision.submission.leaf_hash] = set()
    if target == "building":
        unit.internal = None  # a new building period needs a new internal assessment
    if source == "building" and target == "nominated":
        unit.national, unit.screenings = {}, 0
    if target == "designated":
        unit.predicate = body["track"]
    if target == "revoked":
        unit.predicate = "none"
        unit.barred_until = decision.barred_until


def _set_assessment(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    assessment = decision.assessment
    assert assessment is not None
    if assessment.level == "internal":
        unit.internal = assessment
    else:
        unit.national[assessment.step] = assessment
        if assessment.step == "screening":
            unit.screenings += 1
    for item in entry.body["remediation"]:
        unit.remediation[item["id"]] = RemediationItem(
            id=item["id"], area=item["area"], text=item["text"], opened_at=entry.at, opened_index=decision.index
        )


def _set_remediation_completed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    item = state.units[entry.unit or ""].remediation[entry.body["item"]]
    item.completed_at, item.completed_index = entry.at, decision.index


def _set_pact_signed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    employee = entry.body["employee"]
    previous = unit.pacts.get(employee["number"])
    if previous is None or not previous.valid:
        unit.valid_pacts += 1
    unit.pacts[employee["number"]] = Pact(
        employee["number"], employee["name"], True, entry.body["signed_on"], decision.index
    )
    if decision.key is not None and decision.key.role == "employee":
        decision.key.employee_number = employee["number"]


def _set_pact_released(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    unit = state.units[entry.unit or ""]
    unit.pacts[entry.stream_subject or ""].valid = False
    unit.valid_pacts -= 1


def _set_witnessed(state: LedgerState, decision: Decision) -> None:
    entry = decision.submission.entry
    declaration = decode_base64(entry.body["declaration"], size=32)
    state.units[entry.unit or ""].declarations[declaration].add(entry.signer)


def _no_effect(state: LedgerState, decision: Decision) -> None:
    """Oversight notes change no rule state; the projections keep them."""


_KIND_EFFECTS = {
    "ledger.genesis": _set_genesis,
    "policy.set": _set_policy,
    "key.registered": _set_key_registered,
    "key.revoked": _set_key_revoked,
    "unit.registered": _set_unit_registered,
    "unit.headcount_set": _set_headcount,
    "stage.advanced": _set_stage,
    "assessment.reviewed": _set_assessment,
    "remediation.completed": _set_remediation_completed,
    "pact.signed": _set_pact_signed,
    "pact.released": _set_pact_released,
    "declaration.witnessed": _set_witnessed,
    "oversight.noted": _no_effect,
}
