"""Tests of ledger.rules, the fold (DESIGN §3–§4, DOMAIN.md thresholds).

Every entry goes through `fold` on a pure `LedgerState` (tests/builder.py), with the log's clock
fixed at `LOG_TIME`. Every refusal is checked for its exact exception class and `code`, and for
leaving the state exactly as it was (a deep copy compared field by field).

The stage machine and the role of each kind are written out here from DESIGN §4 rather than
imported from ledger.rules, so that the tests hold the code to the design, not to itself.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes
from ledger.entry import (
    STAGES,
    Submission,
    format_time,
    parse_entry,
    parse_time,
    submission_from_json,
)
from ledger.errors import Conflict, LedgerError, MalformedInput, Refused, VerificationFailed
from ledger.rules import (
    TRANSITIONS,
    Decision,
    LedgerState,
    compute_total,
    decide,
    evolve,
    failing_checks,
    fold,
    legacy_policy_document,
)
from tests.builder import (
    FAILING,
    LOG_TIME,
    PASSING_WBBM,
    PASSING_WBK,
    LedgerBuilder,
    digest,
    key_for,
)

U = "dinkes"
OTHER = "dukcapil"
PASSING = {"wbk": PASSING_WBK, "wbbm": PASSING_WBBM}

# DESIGN §4, stage machine: (from, to) -> the role that signs it.
TABLE = {
    ("registered", "declared"): "unit_head",
    ("declared", "building"): "unit_head",
    ("building", "nominated"): "regent",
    ("nominated", "building"): "national_assessor",
    ("nominated", "designated"): "minister",
    ("designated", "declared"): "unit_head",
    ("designated", "revoked"): "minister",
    ("revoked", "declared"): "unit_head",
}
ROLES = (
    "administrator",
    "regent",
    "unit_head",
    "employee",
    "pact_registrar",
    "witness",
    "internal_assessor",
    "national_assessor",
    "minister",
    "overseer",
)
# DESIGN §4, kinds: who may sign each (stage.advanced is by transition, above; assessment.reviewed
# here is an internal one).
KIND_ROLES = {
    "policy.set": {"administrator"},
    "key.registered": {"administrator"},
    "key.revoked": {"administrator"},
    "unit.registered": {"administrator"},
    "unit.headcount_set": {"administrator", "unit_head"},
    "assessment.reviewed": {"internal_assessor"},
    "remediation.completed": {"unit_head"},
    "pact.signed": {"employee", "pact_registrar"},
    "pact.released": {"unit_head", "pact_registrar"},
    "declaration.witnessed": {"witness"},
    "oversight.noted": {"overseer"},
}

# Scores exactly at the thresholds of each track, total included (DOMAIN.md).
AT_WBK = {
    "change_management": "4.80",
    "business_process": "4.20",
    "hr_management": "6.00",
    "accountability": "6.00",
    "oversight": "9.00",
    "public_service": "6.00",
    "ipak": "16.50",
    "performance": "5.00",
    "ipkp": "17.50",
}  # total 75.00
AT_WBBM = {
    "change_management": "6.00",
    "business_process": "5.25",
    "hr_management": "7.50",
    "accountability": "7.50",
    "oversight": "11.25",
    "public_service": "7.50",
    "ipak": "17.50",
    "performance": "5.00",
    "ipkp": "17.50",
}  # total 85.00


# --- helpers -----------------------------------------------------------------------------------------


@pytest.fixture
def b() -> LedgerBuilder:
    builder = LedgerBuilder()
    builder.standard_cast()
    return builder


def accept(b: LedgerBuilder, submission: Submission) -> Decision:
    return fold(b.state, submission, LOG_TIME)


def refuse(b: LedgerBuilder, submission: Submission, code: str, exc: type[LedgerError] = Refused) -> Any:
    """Fold `submission`, expect exactly `exc` with `code`, and the state left as it was."""
    before = copy.deepcopy(b.state)
    with pytest.raises(LedgerError) as info:
        fold(b.state, submission, LOG_TIME)
    assert type(info.value) is exc, f"{type(info.value).__name__}: {info.value}"
    assert info.value.code == code, info.value.message
    assert b.state == before
    return info.value


def number(n: int) -> str:
    """The employee number `LedgerBuilder.sign_pacts` gives employee n."""
    return f"1980010120100{n:05d}"


def pact_body(n: int, name: str | None = None) -> dict[str, Any]:
    return {
        "employee": {"name": name or f"Pegawai {n}", "number": number(n)},
        "pact_digest": digest("pakta integritas"),
        "signed_on": "2020-01-02",
    }


def employee(b: LedgerBuilder, n: int, unit: str = U) -> Ed25519PrivateKey:
    return b.register_key(f"employee-{unit}-{n}", "employee", [unit], by=b.admin, holder=f"Pegawai {n}")


def fp(key: Ed25519PrivateKey) -> str:
    return fingerprint(key.public_key())


def key_body(key: Ed25519PrivateKey, role: str = "overseer", scope: list[str] | None = None) -> dict[str, Any]:
    return {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": role,
        "scope": scope or ["*"],
        "holder": {"name": "Someone", "title": role},
    }


def scores(base: dict[str, str] = PASSING_WBK, **changes: str) -> dict[str, str]:
    return {**base, **changes}


def stage_sub(
    b: LedgerBuilder,
    source: str,
    target: str,
    track: str = "wbk",
    signer: Ed25519PrivateKey | None = None,
    *,
    unit: str = U,
    at: str | None = None,
    note: str = "reason given",
    **extra: Any,
) -> Submission:
    role = TABLE.get((source, target), "unit_head")
    signer = (
        signer
        or {
            "unit_head": b.heads.get(unit),
            "regent": b.regent,
            "national_assessor": b.tpn,
            "minister": b.minister,
        }[role]
    )
    body = {"from": source, "to": target, "track": track, "note": note, **extra}
    return b.sign(signer, "stage.advanced", f"unit/{unit}", body, at=at)


def assess_sub(
    b: LedgerBuilder,
    level: str,
    step: str,
    score_set: dict[str, str],
    outcome: str,
    track: str = "wbk",
    remediation: list[dict[str, str]] | None = None,
    *,
    unit: str = U,
    signer: Ed25519PrivateKey | None = None,
) -> Submission:
    body = {
        "level": level,
        "year": 2021,
        "track": track,
        "step": step,
        "scores": score_set,
        "outcome": outcome,
        "remediation": remediation or [],
    }
    signer = signer or (b.tpi if level == "internal" else b.tpn)
    return b.sign(signer, "assessment.reviewed", f"unit/{unit}", body)


def item(id_: str, area: str = "ipak") -> dict[str, str]:
    return {"id": id_, "area": area, "text": f"remediate {area}"}


def to_wbbm_building(b: LedgerBuilder, unit: str = U) -> None:
    b.to_designated(unit)
    b.stage(unit, "designated", "declared", "wbbm")
    b.stage(unit, "declared", "building", "wbbm")


def to_nominated(b: LedgerBuilder, unit: str = U, track: str = "wbk") -> None:
    if track == "wbk":
        b.to_building(unit)
    else:
        to_wbbm_building(b, unit)
    b.assess(unit, "internal", "lke", PASSING[track], "passed", track)
    b.stage(unit, "building", "nominated", track)


def to_revoked(b: LedgerBuilder, unit: str = U) -> Decision:
    b.to_designated(unit)
    decision: Decision = b.stage(unit, "designated", "revoked", note="unit head named a suspect")
    return decision


def to_stage(b: LedgerBuilder, stage: str, unit: str = U) -> None:
    """Bring `unit` to `stage` on the wbk track."""
    if stage == "registered":
        b.register_unit(unit)
    elif stage == "declared":
        b.register_unit(unit)
        b.stage(unit, "registered", "declared")
    elif stage == "building":
        b.to_building(unit)
    elif stage == "nominated":
        to_nominated(b, unit)
    elif stage == "designated":
        b.to_designated(unit)
    else:
        to_revoked(b, unit)
    assert b.state.units[unit].stage == stage


def prepare_transition(b: LedgerBuilder, source: str, target: str) -> str:
    """Bring the unit to `source` with the requirement of (source, target) met; return the track."""
    if source == "declared":
        to_stage(b, "declared")
        b.sign_pacts(U, 10)
    elif source == "building":
        b.to_building(U)
        b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    elif source == "nominated":
        to_nominated(b)
        if target == "building":
            b.assess(U, "national", "screening", FAILING, "failed")
        else:
            for step in ("screening", "desk", "field"):
                b.assess(U, "national", step, PASSING_WBK, "passed")
    elif source == "revoked":
        to_revoked(b)
        b.tick(730)
    else:
        to_stage(b, source)
    return "wbbm" if (source, target) == ("designated", "declared") else "wbk"


def cast_by_role(b: LedgerBuilder, unit: str = U) -> dict[str, Ed25519PrivateKey]:
    """One key of every role that covers `unit` (registers an employee key, Pegawai 50)."""
    return {
        "administrator": b.admin,
        "regent": b.regent,
        "unit_head": b.heads[unit],
        "employee": employee(b, 50, unit),
        "pact_registrar": b.registrars[unit],
        "witness": b.witness,
        "internal_assessor": b.tpi,
        "national_assessor": b.tpn,
        "minister": b.minister,
        "overseer": b.overseer,
    }


def declaration_of(b: LedgerBuilder, unit: str = U) -> bytes:
    return next(iter(b.state.units[unit].declarations))


def forged(
    b: LedgerBuilder,
    claimed: Ed25519PrivateKey,
    actual: Ed25519PrivateKey,
    kind: str,
    stream: str,
    body: dict[str, Any],
) -> Submission:
    """An entry naming `claimed` as its signer but signed by `actual`."""
    entry = b.entry(claimed, kind, stream, body)
    signature = actual.sign(parse_entry(entry).signing_input())
    return submission_from_json({"entry": entry, "signature": encode_base64(signature)})


# --- genesis, chain and time -----------------------------------------------------------------------


def test_genesis_sets_name_root_key_and_policy() -> None:
    b = LedgerBuilder()
    decision = b.genesis()
    state = b.state
    root = fp(b.root)
    assert decision.index == 0 and state.size == 1
    assert state.name == "Test regency"
    assert state.root_fingerprint == root
    record = state.keys[root]
    assert (record.role, record.scope, record.registered_index, record.revoked_index) == (
        "administrator",
        ("*",),
        0,
        None,
    )
    assert record.public_key == public_key_bytes(b.root.public_key())
    assert state.policy is not None and state.policy.version == 1
    assert state.streams["ledger"].seq == 0
    assert state.streams["ledger"].leaf_hash == decision.submission.leaf_hash
    assert state.leaf_indices == {decision.submission.leaf_hash: 0}


def test_first_entry_must_be_genesis() -> None:
    b = LedgerBuilder()
    key = key_for("admin")
    refuse(b, b.sign(b.root, "key.registered", f"key/{fp(key)}", key_body(key)), "not_genesis")
    assert b.state.size == 0


@pytest.mark.parametrize("fresh_stream_head", [False, True])
def test_second_genesis_is_refused(b: LedgerBuilder, fresh_stream_head: bool) -> None:
    body = {
        "name": "Again",
        "root_key": encode_base64(public_key_bytes(b.root.public_key())),
        "policy": legacy_policy_document(),
    }
    overrides = {"seq": 0, "prev": None} if fresh_stream_head else {}
    refuse(b, b.sign(b.root, "ledger.genesis", "ledger", body, **overrides), "genesis_exists")


def test_genesis_must_be_signed_by_its_root_key() -> None:
    b = LedgerBuilder()
    other = key_for("other")
    body = {
        "name": "Test regency",
        "root_key": encode_base64(public_key_bytes(b.root.public_key())),
        "policy": legacy_policy_document(),
    }
    refuse(b, b.sign(other, "ledger.genesis", "ledger", body), "unknown_signer")
    refuse(b, forged(b, b.root, other, "ledger.genesis", "ledger", body), "bad_signature", VerificationFailed)
    accept(b, b.sign(b.root, "ledger.genesis", "ledger", body))


def test_genesis_for_another_log_is_refused() -> None:
    b = LedgerBuilder()
    body = {
        "name": "Test regency",
        "root_key": encode_base64(public_key_bytes(b.root.public_key())),
        "policy": legacy_policy_document(),
    }
    refuse(b, b.sign(b.root, "ledger.genesis", "ledger", body, log="other.example/log"), "wrong_log")


def test_bad_signature_is_verification_failed(b: LedgerBuilder) -> None:
    b.register_unit(U)
    sub = forged(b, b.heads[U], b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 12})
    refuse(b, sub, "bad_signature", VerificationFailed)


def test_wrong_log_is_refused(b: LedgerBuilder) -> None:
    sub = b.sign(
        b.admin,
        "unit.registered",
        f"unit/{U}",
        {"name": "Dinkes", "type": "dinas", "headcount": 10},
        log="other.example/log",
    )
    refuse(b, sub, "wrong_log")


def test_stale_head_names_the_current_head(b: LedgerBuilder) -> None:
    b.register_unit(U)
    stream = f"unit/{U}"
    first = b.sign(b.admin, "unit.headcount_set", stream, {"headcount": 11})
    second = b.sign(b.heads[U], "unit.headcount_set", stream, {"headcount": 12})  # on the same head
    assert (first.entry.seq, first.entry.prev) == (second.entry.seq, second.entry.prev)
    accept(b, first)
    error = refuse(b, second, "stale_head", Conflict)
    assert error.evidence["stream"] == stream
    assert error.evidence["head"] == {"seq": 1, "leaf_hash": first.leaf_hash}


def _chain_overrides(head_seq: int, head_hash: bytes) -> dict[str, dict[str, Any]]:
    return {
        "stale_seq": {"seq": head_seq, "prev": encode_base64(head_hash)},
        "gap_seq": {"seq": head_seq + 2, "prev": encode_base64(head_hash)},
        "wrong_prev": {"seq": head_seq + 1, "prev": digest("some other entry")},
        "restart": {"seq": 0, "prev": None},
    }


@pytest.mark.parametrize("case", ["stale_seq", "gap_seq", "wrong_prev", "restart"])
def test_seq_and_prev_must_follow_the_head(b: LedgerBuilder, case: str) -> None:
    b.register_unit(U)
    b.submit(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 11})
    head = b.state.streams[f"unit/{U}"]
    overrides = _chain_overrides(head.seq, head.leaf_hash)[case]
    sub = b.sign(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 12}, **overrides)
    error = refuse(b, sub, "stale_head", Conflict)
    assert error.evidence["head"] == {"seq": head.seq, "leaf_hash": head.leaf_hash}
    accept(b, b.sign(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 12}))


def test_a_new_stream_starts_at_seq_zero(b: LedgerBuilder) -> None:
    sub = b.sign(
        b.admin,
        "unit.registered",
        f"unit/{U}",
        {"name": "Dinkes", "type": "dinas", "headcount": 10},
        seq=1,
        prev=digest("nothing"),
    )
    error = refuse(b, sub, "stale_head", Conflict)
    assert error.evidence["head"] is None


def test_at_may_be_up_to_five_minutes_after_the_log_clock(b: LedgerBuilder) -> None:
    b.register_unit(U)
    late = format_time(LOG_TIME + timedelta(minutes=5, seconds=1))
    refuse(b, b.sign(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 11}, at=late), "time_in_future")
    edge = format_time(LOG_TIME + timedelta(minutes=5))
    accept(b, b.sign(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 11}, at=edge))


def test_at_must_not_precede_the_stream_previous_entry(b: LedgerBuilder) -> None:
    b.register_unit(U)
    head_at = b.state.streams[f"unit/{U}"].at
    earlier = format_time(parse_time(head_at) - timedelta(seconds=1))
    sub = b.sign(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 11}, at=earlier)
    refuse(b, sub, "time_before_previous")
    accept(b, b.sign(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 11}, at=head_at))
    # Another stream's later entries do not matter: the rule is per stream (paper is backfilled).
    accept(
        b,
        b.sign(
            b.admin,
            "unit.registered",
            f"unit/{OTHER}",
            {"name": "Dukcapil", "type": "dinas", "headcount": 5},
            at="2019-01-01T00:00:00Z",
        ),
    )


# --- keys ------------------------------------------------------------------------------------------------


def test_key_registered_then_revoked_by_an_administrator(b: LedgerBuilder) -> None:
    key = b.register_key("kapolres", "overseer", [U, OTHER], by=b.admin, holder="Kapolres Blora")
    record = b.state.keys[fp(key)]
    assert (record.role, record.scope, record.holder_name, record.holder_title) == (
        "overseer",
        (U, OTHER),
        "Kapolres Blora",
        "overseer",
    )
    assert record.public_key == public_key_bytes(key.public_key())
    assert record.registered_index == b.state.size - 1
    assert b.state.streams[f"key/{fp(key)}"].seq == 0
    decision = b.submit(b.admin, "key.revoked", f"key/{fp(key)}", {"reason": "transferred"})
    record = b.state.keys[fp(key)]
    assert (record.revoked_index, record.revoked_reason) == (decision.index, "transferred")
    # The revoked key signs nothing more, and cannot be revoked twice.
    b.register_unit(U)
    note = {"office": "district_police_chief", "topic": "finding", "text": "late"}
    refuse(b, b.sign(key, "oversight.noted", f"oversight/{U}", note), "revoked_signer")
    refuse(b, b.sign(b.admin, "key.revoked", f"key/{fp(key)}", {"reason": "again"}), "revoked_signer")


def test_a_key_may_revoke_itself(b: LedgerBuilder) -> None:
    b.register_unit(U)
    head = b.heads[U]
    decision = b.submit(head, "key.revoked", f"key/{fp(head)}", {"reason": "lost device"})
    assert b.state.keys[fp(head)].revoked_index == decision.index
    refuse(b, b.sign(head, "unit.headcount_set", f"unit/{U}", {"headcount": 11}), "revoked_signer")


def test_a_non_administrator_may_not_revoke_another_key(b: LedgerBuilder) -> None:
    b.register_unit(U)
    target = b.registrars[U]
    refuse(b, b.sign(b.heads[U], "key.revoked", f"key/{fp(target)}", {"reason": "x"}), "role_not_allowed")


def test_unknown_signer(b: LedgerBuilder) -> None:
    b.register_unit(U)
    stranger = key_for("stranger")
    refuse(b, b.sign(stranger, "unit.headcount_set", f"unit/{U}", {"headcount": 11}), "unknown_signer")


def test_key_stream_must_match_the_public_key(b: LedgerBuilder) -> None:
    key, other = key_for("a"), key_for("b")
    refuse(b, b.sign(b.admin, "key.registered", f"key/{fp(other)}", key_body(key)), "key_mismatch")


def test_a_key_is_registered_once(b: LedgerBuilder) -> None:
    key = b.register_key("twice", "witness")
    refuse(b, b.sign(b.admin, "key.registered", f"key/{fp(key)}", key_body(key)), "key_exists")
    refuse(b, b.sign(b.admin, "key.registered", f"key/{fp(b.root)}", key_body(b.root)), "key_exists")


def test_revoking_an_unregistered_key_is_refused(b: LedgerBuilder) -> None:
    ghost = key_for("ghost")
    refuse(b, b.sign(b.admin, "key.revoked", f"key/{fp(ghost)}", {"reason": "x"}), "unknown_key")


# --- units, headcount, pacts -----------------------------------------------------------------------------


def test_unit_registered(b: LedgerBuilder) -> None:
    decision = b.submit(
        b.admin, "unit.registered", f"unit/{U}", {"name": "Dinas Kesehatan", "type": "dinas", "headcount": 42}
    )
    unit = b.state.units[U]
    assert (unit.name, unit.type, unit.headcount) == ("Dinas Kesehatan", "dinas", 42)
    assert (unit.stage, unit.track, unit.predicate, unit.barred_until) == ("registered", None, "none", None)
    assert unit.registered_at == unit.stage_since == decision.submission.entry.at
    assert unit.stage_index == decision.index
    assert (unit.valid_pacts, unit.pact_coverage, unit.remediation) == (0, Decimal(0), {})
    sub = b.sign(b.admin, "unit.registered", f"unit/{U}", {"name": "Again", "type": "dinas", "headcount": 1})
    refuse(b, sub, "unit_exists")


def test_entries_for_an_unregistered_unit_are_refused(b: LedgerBuilder) -> None:
    refuse(b, b.sign(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 3}), "unknown_unit")
    refuse(b, b.sign(b.admin, "pact.signed", f"pact/{U}/{number(1)}", pact_body(1)), "role_not_allowed")
    b.register_unit(OTHER)
    registrar = b.register_key("registrar-all", "pact_registrar", ["*"], by=b.admin)
    refuse(b, b.sign(registrar, "pact.signed", f"pact/{U}/{number(1)}", pact_body(1)), "unknown_unit")


@pytest.mark.parametrize("role", ["administrator", "unit_head"])
def test_headcount_set_changes_coverage(b: LedgerBuilder, role: str) -> None:
    b.register_unit(U, headcount=10)
    b.sign_pacts(U, 10)
    assert b.state.units[U].pact_coverage == 1
    signer = b.admin if role == "administrator" else b.heads[U]
    b.submit(signer, "unit.headcount_set", f"unit/{U}", {"headcount": 20})
    unit = b.state.units[U]
    assert (unit.headcount, unit.valid_pacts, unit.pact_coverage) == (20, 10, Decimal("0.5"))


def test_pacts_signed_released_and_signed_again(b: LedgerBuilder) -> None:
    b.register_unit(U, headcount=10)
    b.sign_pacts(U, 5)
    unit = b.state.units[U]
    assert (unit.valid_pacts, unit.pact_coverage) == (5, Decimal("0.5"))
    assert unit.pacts[number(3)].employee_name == "Pegawai 3" and unit.pacts[number(3)].valid
    # Re-signing a valid pact (a yearly renewal) does not count twice.
    decision = b.submit(b.registrars[U], "pact.signed", f"pact/{U}/{number(3)}", pact_body(3))
    assert (b.state.units[U].valid_pacts, b.state.units[U].pacts[number(3)].index) == (5, decision.index)
    # Released by the registrar, then by the unit head: coverage goes down.
    b.submit(b.registrars[U], "pact.released", f"pact/{U}/{number(3)}", {"reason": "transfer"})
    b.submit(b.heads[U], "pact.released", f"pact/{U}/{number(4)}", {"reason": "retired"})
    unit = b.state.units[U]
    assert (unit.valid_pacts, unit.pact_coverage) == (3, Decimal("0.3"))
    assert not unit.pacts[number(3)].valid and not unit.pacts[number(4)].valid
    # Signed again: coverage goes back up.
    b.submit(b.registrars[U], "pact.signed", f"pact/{U}/{number(3)}", pact_body(3))
    unit = b.state.units[U]
    assert (unit.valid_pacts, unit.pact_coverage, unit.pacts[number(3)].valid) == (4, Decimal("0.4"), True)


def test_an_employee_signs_their_own_pact(b: LedgerBuilder) -> None:
    b.register_unit(U)
    key = employee(b, 7)
    decision = b.submit(key, "pact.signed", f"pact/{U}/{number(7)}", pact_body(7))
    assert decision.key is not None and decision.key.role == "employee"
    assert b.state.units[U].valid_pacts == 1


def test_an_employee_may_not_sign_someone_elses_pact(b: LedgerBuilder) -> None:
    b.register_unit(U)
    key = employee(b, 7)
    refuse(b, b.sign(key, "pact.signed", f"pact/{U}/{number(8)}", pact_body(8)), "employee_mismatch")


def test_an_employee_may_not_sign_a_pact_under_another_number(b: LedgerBuilder) -> None:
    b.register_unit(U)
    key = employee(b, 7)
    b.submit(key, "pact.signed", f"pact/{U}/{number(7)}", pact_body(7))
    # Pegawai 7 signs, in their own name, the pact stream of employee number 8: coverage rises by one
    # employee who never signed.
    refuse(b, b.sign(key, "pact.signed", f"pact/{U}/{number(8)}", pact_body(8, name="Pegawai 7")), "employee_mismatch")


def test_an_employee_key_of_another_unit_is_out_of_scope(b: LedgerBuilder) -> None:
    b.register_unit(U)
    b.register_unit(OTHER)
    key = employee(b, 7, OTHER)
    refuse(b, b.sign(key, "pact.signed", f"pact/{U}/{number(7)}", pact_body(7)), "out_of_scope")


def test_pact_stream_number_must_match_the_body(b: LedgerBuilder) -> None:
    b.register_unit(U)
    refuse(b, b.sign(b.registrars[U], "pact.signed", f"pact/{U}/{number(1)}", pact_body(2)), "employee_mismatch")


def test_pact_released_needs_a_valid_pact(b: LedgerBuilder) -> None:
    b.register_unit(U)
    refuse(b, b.sign(b.heads[U], "pact.released", f"pact/{U}/{number(1)}", {"reason": "other"}), "pact_not_valid")
    b.sign_pacts(U, 2)
    b.submit(b.heads[U], "pact.released", f"pact/{U}/{number(1)}", {"reason": "other"})
    refuse(b, b.sign(b.heads[U], "pact.released", f"pact/{U}/{number(1)}", {"reason": "other"}), "pact_not_valid")


# --- witnesses, oversight, remediation, assessments: the accepted path ----------------------------------


def test_an_edition_1_log_holds_bodies_to_edition_1s_members(b: LedgerBuilder) -> None:
    # Edition 2 made `office` optional and widened its values; a log under the edition-1 policy
    # refuses exactly what parsing refused before, with the same code.
    b.register_unit(U)
    declaration = encode_base64(b.stage(U, "registered", "declared").submission.leaf_hash)
    stream = f"witness/{U}"
    wrong_office = b.sign(
        b.witness, "declaration.witnessed", stream, {"declaration": declaration, "office": "overseer"}
    )
    refuse(b, wrong_office, "invalid_member", MalformedInput)
    no_office = b.sign(b.witness, "declaration.witnessed", stream, {"declaration": declaration})
    refuse(b, no_office, "missing_member", MalformedInput)
    b.submit(b.witness, "declaration.witnessed", stream, {"declaration": declaration, "office": "regent"})


def test_an_edition_1_log_refuses_the_kinds_of_edition_2(b: LedgerBuilder) -> None:
    body = {
        "year": 2022,
        "model": "permenpanrb-90-2021",
        "proposal_deadline": "2022-06-30",
        "appeal_days": 7,
        "closes_on": "2022-12-31",
        "quota": 5,
    }
    refuse(b, b.sign(b.admin, "cycle.opened", "cycle/2022", body), "rules_edition")


def test_witness_attestations_are_stored_per_declaration(b: LedgerBuilder) -> None:
    b.register_unit(U)
    first = b.stage(U, "registered", "declared").submission.leaf_hash
    second_witness = b.register_key("kapolres-witness", "witness", [U], by=b.admin)
    stream = f"witness/{U}"
    b.submit(
        b.witness,
        "declaration.witnessed",
        stream,
        {"declaration": encode_base64(first), "office": "district_prosecutor"},
    )
    b.submit(
        second_witness,
        "declaration.witnessed",
        stream,
        {"declaration": encode_base64(first), "office": "district_police_chief"},
    )
    assert b.state.units[U].declarations == {first: {fp(b.witness), fp(second_witness)}}
    again = b.sign(
        b.witness,
        "declaration.witnessed",
        stream,
        {"declaration": encode_base64(first), "office": "district_prosecutor"},
    )
    refuse(b, again, "already_witnessed")
    genesis_leaf = next(leaf for leaf, index in b.state.leaf_indices.items() if index == 0)
    not_a_declaration = encode_base64(genesis_leaf)
    refuse(
        b,
        b.sign(b.witness, "declaration.witnessed", stream, {"declaration": not_a_declaration, "office": "regent"}),
        "unknown_declaration",
    )
    # A later declaration (the wbbm track) gets its own set of witnesses.
    b.sign_pacts(U, 10)
    b.stage(U, "declared", "building")
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    b.stage(U, "building", "nominated")
    for step in ("screening", "desk", "field"):
        b.assess(U, "national", step, PASSING_WBK, "passed")
    b.stage(U, "nominated", "designated")
    second = b.stage(U, "designated", "declared", "wbbm").submission.leaf_hash
    b.submit(
        b.witness,
        "declaration.witnessed",
        stream,
        {"declaration": encode_base64(second), "office": "district_prosecutor"},
    )
    assert b.state.units[U].declarations == {
        first: {fp(b.witness), fp(second_witness)},
        second: {fp(b.witness)},
    }


def test_a_witness_attests_only_a_declaration_of_its_unit(b: LedgerBuilder) -> None:
    b.register_unit(U)
    b.register_unit(OTHER)
    other_declaration = b.stage(OTHER, "registered", "declared").submission.leaf_hash
    sub = b.sign(
        b.witness,
        "declaration.witnessed",
        f"witness/{U}",
        {"declaration": encode_base64(other_declaration), "office": "regent"},
    )
    refuse(b, sub, "unknown_declaration")


def test_oversight_note_is_accepted(b: LedgerBuilder) -> None:
    b.register_unit(U)
    unit_before = copy.deepcopy(b.state.units[U])
    size = b.state.size
    decision = b.submit(
        b.overseer,
        "oversight.noted",
        f"oversight/{U}",
        {"office": "district_prosecutor", "topic": "accompaniment", "text": "first visit"},
    )
    assert decision.index == size and b.state.size == size + 1
    assert b.state.streams[f"oversight/{U}"].leaf_hash == decision.submission.leaf_hash
    assert b.state.units[U] == unit_before


def test_assessment_total_is_computed(b: LedgerBuilder) -> None:
    b.to_building(U)
    decision = b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    internal = b.state.units[U].internal
    assert internal is not None
    assert internal.total == compute_total(PASSING_WBK) == Decimal("86.50")
    assert (internal.index, internal.leaf_hash) == (decision.index, decision.submission.leaf_hash)
    assert (internal.level, internal.step, internal.track, internal.outcome, internal.failing) == (
        "internal",
        "lke",
        "wbk",
        "passed",
        (),
    )
    assert compute_total(AT_WBK) == Decimal("75.00") and compute_total(AT_WBBM) == Decimal("85.00")


def test_a_total_is_never_submitted(b: LedgerBuilder) -> None:
    b.to_building(U)
    body = {
        "level": "internal",
        "year": 2021,
        "track": "wbk",
        "step": "lke",
        "scores": {**PASSING_WBK, "total": "86.50"},
        "outcome": "passed",
        "remediation": [],
    }
    with pytest.raises(MalformedInput) as info:
        b.sign(b.tpi, "assessment.reviewed", f"unit/{U}", body)
    assert info.value.code == "unknown_member"
    body = {**body, "scores": PASSING_WBK, "total": "86.50"}
    with pytest.raises(MalformedInput) as info:
        b.sign(b.tpi, "assessment.reviewed", f"unit/{U}", body)
    assert info.value.code == "unknown_member"


def test_failed_assessment_opens_remediation_and_completion_closes_it(b: LedgerBuilder) -> None:
    b.to_building(U)
    decision = b.assess(
        U, "internal", "lke", FAILING, "failed", remediation=[item("r1", "ipak"), item("r2", "oversight")]
    )
    unit = b.state.units[U]
    assert unit.internal is not None and unit.internal.outcome == "failed"
    assert unit.internal.failing == ("ipak 12.00 is below 15.75",)
    assert [i.id for i in unit.open_remediation] == ["r1", "r2"]
    r1 = unit.remediation["r1"]
    assert (r1.area, r1.opened_index, r1.opened_at, r1.completed_index) == (
        "ipak",
        decision.index,
        decision.submission.entry.at,
        None,
    )
    done = b.submit(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "r1", "evidence": [digest("a")]})
    unit = b.state.units[U]
    assert (unit.remediation["r1"].completed_index, unit.remediation["r1"].completed_at) == (
        done.index,
        done.submission.entry.at,
    )
    assert [i.id for i in unit.open_remediation] == ["r2"]
    evidence = {"item": "r1", "evidence": [digest("b")]}
    refuse(b, b.sign(b.heads[U], "remediation.completed", f"unit/{U}", evidence), "remediation_closed")
    evidence = {"item": "r9", "evidence": [digest("b")]}
    refuse(b, b.sign(b.heads[U], "remediation.completed", f"unit/{U}", evidence), "unknown_remediation")
    evidence = {"item": "r2", "evidence": [digest("b")]}
    refuse(b, b.sign(b.tpi, "remediation.completed", f"unit/{U}", evidence), "role_not_allowed")


# --- the stage machine -----------------------------------------------------------------------------


def test_transitions_are_the_design_table() -> None:
    assert TRANSITIONS == TABLE


@pytest.mark.parametrize(("source", "target"), [(s, t) for s in STAGES for t in STAGES])
def test_every_stage_pair(b: LedgerBuilder, source: str, target: str) -> None:
    track = prepare_transition(b, source, target)
    sub = stage_sub(b, source, target, track)
    if (source, target) in TABLE:
        decision = accept(b, sub)
        unit = b.state.units[U]
        assert (unit.stage, unit.track, unit.stage_index) == (target, track, decision.index)
        assert unit.stage_since == sub.entry.at
    else:
        refuse(b, sub, "transition_not_allowed")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("source", "target"), list(TABLE))
def test_transition_signer_role(b: LedgerBuilder, source: str, target: str, role: str) -> None:
    track = prepare_transition(b, source, target)
    keys = cast_by_role(b)
    sub = stage_sub(b, source, target, track, signer=keys[role])
    if role == TABLE[(source, target)]:
        accept(b, sub)
        assert b.state.units[U].stage == target
    else:
        refuse(b, sub, "role_not_allowed")


@pytest.mark.parametrize(("source", "target"), list(TABLE))
def test_from_must_be_the_current_stage(b: LedgerBuilder, source: str, target: str) -> None:
    actual = "building" if source == "registered" else "registered"
    to_stage(b, actual)
    refuse(b, stage_sub(b, source, target), "transition_not_allowed")


def test_a_stage_from_another_units_head_is_out_of_scope(b: LedgerBuilder) -> None:
    b.register_unit(U)
    b.register_unit(OTHER)
    refuse(b, stage_sub(b, "registered", "declared", signer=b.heads[OTHER]), "out_of_scope")


def test_declaration_to_building_needs_pact_coverage(b: LedgerBuilder) -> None:
    to_stage(b, "declared")  # headcount 10, policy min_pact_coverage 0.90
    b.sign_pacts(U, 8)
    refuse(b, stage_sub(b, "declared", "building"), "pact_coverage_too_low")
    b.sign_pacts(U, 1, start=8)
    b.submit(b.heads[U], "pact.released", f"pact/{U}/{number(0)}", {"reason": "transfer"})
    refuse(b, stage_sub(b, "declared", "building"), "pact_coverage_too_low")
    b.submit(b.registrars[U], "pact.signed", f"pact/{U}/{number(0)}", pact_body(0))
    assert b.state.units[U].pact_coverage == Decimal("0.9")
    b.submit(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 11})  # 9/11 < 0.90
    refuse(b, stage_sub(b, "declared", "building"), "pact_coverage_too_low")
    b.submit(b.admin, "unit.headcount_set", f"unit/{U}", {"headcount": 10})
    accept(b, stage_sub(b, "declared", "building"))  # exactly 0.90
    assert b.state.units[U].stage == "building"


def test_nomination_needs_a_passed_internal_assessment(b: LedgerBuilder) -> None:
    b.to_building(U)
    refuse(b, stage_sub(b, "building", "nominated"), "no_passed_assessment")
    b.assess(U, "internal", "lke", FAILING, "failed")
    refuse(b, stage_sub(b, "building", "nominated"), "no_passed_assessment")
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    b.assess(U, "internal", "lke", FAILING, "failed")  # the latest counts
    refuse(b, stage_sub(b, "building", "nominated"), "no_passed_assessment")
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    accept(b, stage_sub(b, "building", "nominated"))
    unit = b.state.units[U]
    assert (unit.stage, unit.national, unit.screenings) == ("nominated", {}, 0)


def test_nomination_needs_no_open_remediation(b: LedgerBuilder) -> None:
    b.to_building(U)
    b.assess(U, "internal", "lke", FAILING, "failed", remediation=[item("r1"), item("r2")])
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    error = refuse(b, stage_sub(b, "building", "nominated"), "open_remediation")
    assert "r1" in error.message and "r2" in error.message
    b.submit(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "r1", "evidence": [digest("x")]})
    refuse(b, stage_sub(b, "building", "nominated"), "open_remediation")
    b.submit(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "r2", "evidence": [digest("y")]})
    accept(b, stage_sub(b, "building", "nominated"))


def test_nomination_checks_thresholds_of_the_current_policy(b: LedgerBuilder) -> None:
    b.to_building(U)
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")  # total 86.50
    policy = legacy_policy_document()
    policy["version"] = 2
    policy["thresholds"]["wbk"]["total"]["value"] = "90.00"
    b.submit(b.admin, "policy.set", "ledger", {"policy": policy})
    error = refuse(b, stage_sub(b, "building", "nominated"), "thresholds_not_met")
    assert error.evidence["failing"] == ["total 86.50 is below 90.00"]


def test_back_to_building_needs_a_failed_national_review(b: LedgerBuilder) -> None:
    to_nominated(b)
    refuse(b, stage_sub(b, "nominated", "building"), "no_failed_review")
    b.assess(U, "national", "screening", PASSING_WBK, "passed")
    refuse(b, stage_sub(b, "nominated", "building"), "no_failed_review")
    b.assess(U, "national", "desk", FAILING, "failed", remediation=[item("n1")])
    accept(b, stage_sub(b, "nominated", "building"))
    unit = b.state.units[U]
    assert unit.stage == "building" and unit.internal is None
    assert [i.id for i in unit.open_remediation] == ["n1"]
    # A new building period needs a new internal assessment before the next nomination.
    refuse(b, stage_sub(b, "building", "nominated"), "no_passed_assessment")
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    refuse(b, stage_sub(b, "building", "nominated"), "open_remediation")
    b.submit(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "n1", "evidence": [digest("n1")]})
    accept(b, stage_sub(b, "building", "nominated"))
    # The next nomination starts its national review afresh.
    unit = b.state.units[U]
    assert (unit.national, unit.screenings) == ({}, 0)
    accept(b, assess_sub(b, "national", "screening", PASSING_WBK, "passed"))


def test_designation_needs_a_passed_field_review(b: LedgerBuilder) -> None:
    to_nominated(b)
    b.assess(U, "national", "screening", PASSING_WBK, "passed")
    b.assess(U, "national", "desk", PASSING_WBK, "passed")
    refuse(b, stage_sub(b, "nominated", "designated"), "no_passed_assessment")
    b.assess(U, "national", "field", FAILING, "failed")
    refuse(b, stage_sub(b, "nominated", "designated"), "no_passed_assessment")


def test_designation_checks_field_scores_against_the_thresholds(b: LedgerBuilder) -> None:
    to_nominated(b)
    for step in ("screening", "desk", "field"):
        b.assess(U, "national", step, PASSING_WBK, "passed")
    policy = legacy_policy_document()
    policy["version"] = 2
    policy["thresholds"]["wbk"]["ipkp"]["value"] = "15.50"
    b.submit(b.admin, "policy.set", "ledger", {"policy": policy})
    error = refuse(b, stage_sub(b, "nominated", "designated"), "thresholds_not_met")
    assert error.evidence["failing"] == ["ipkp 15.00 is below 15.50"]


def test_designation_sets_the_predicate(b: LedgerBuilder) -> None:
    b.to_designated(U)
    unit = b.state.units[U]
    assert (unit.stage, unit.track, unit.predicate) == ("designated", "wbk", "wbk")


def test_wbbm_declaration_needs_predicate_wbk(b: LedgerBuilder) -> None:
    b.register_unit(U)
    refuse(b, stage_sub(b, "registered", "declared", "wbbm"), "track_mismatch")
    accept(b, stage_sub(b, "registered", "declared", "wbk"))


def test_designated_to_declared_is_for_wbbm_from_wbk_only(b: LedgerBuilder) -> None:
    b.to_designated(U)
    refuse(b, stage_sub(b, "designated", "declared", "wbk"), "track_mismatch")
    accept(b, stage_sub(b, "designated", "declared", "wbbm"))
    unit = b.state.units[U]
    assert (unit.stage, unit.track, unit.predicate) == ("declared", "wbbm", "wbk")
    # The whole wbbm track, to a wbbm designation.
    b.stage(U, "declared", "building", "wbbm")
    b.assess(U, "internal", "lke", PASSING_WBBM, "passed", "wbbm")
    b.stage(U, "building", "nominated", "wbbm")
    for step in ("screening", "desk", "field"):
        b.assess(U, "national", step, PASSING_WBBM, "passed", "wbbm")
    b.stage(U, "nominated", "designated", "wbbm")
    unit = b.state.units[U]
    assert (unit.stage, unit.track, unit.predicate) == ("designated", "wbbm", "wbbm")
    # A WBBM unit has nothing further to declare.
    refuse(b, stage_sub(b, "designated", "declared", "wbbm"), "track_mismatch")
    refuse(b, stage_sub(b, "designated", "declared", "wbk"), "track_mismatch")


@pytest.mark.parametrize("track", ["wbk", "wbbm"])
def test_revocation_sets_predicate_none_and_a_bar(b: LedgerBuilder, track: str) -> None:
    if track == "wbk":
        b.to_designated(U)
    else:
        to_nominated(b, track="wbbm")
        for step in ("screening", "desk", "field"):
            b.assess(U, "national", step, PASSING_WBBM, "passed", "wbbm")
        b.stage(U, "nominated", "designated", "wbbm")
    refuse(b, stage_sub(b, "designated", "revoked", track, note="  "), "reason_required")
    decision = accept(b, stage_sub(b, "designated", "revoked", track, note="unit head named a suspect"))
    unit = b.state.units[U]
    at = parse_time(decision.submission.entry.at)
    assert (unit.stage, unit.predicate) == ("revoked", "none")
    assert unit.barred_until == format_time(at + timedelta(days=730))


def test_redeclaration_after_revocation_waits_for_the_bar(b: LedgerBuilder) -> None:
    decision = to_revoked(b)
    barred_until = parse_time(decision.submission.entry.at) + timedelta(days=730)
    early = format_time(barred_until - timedelta(seconds=1))
    refuse(b, stage_sub(b, "revoked", "declared", "wbk", at=early), "barred")
    refuse(b, stage_sub(b, "revoked", "declared", "wbbm", at=format_time(barred_until)), "track_mismatch")
    accept(b, stage_sub(b, "revoked", "declared", "wbk", at=format_time(barred_until)))
    unit = b.state.units[U]
    assert (unit.stage, unit.track, unit.predicate) == ("declared", "wbk", "none")


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("declared", "building"),
        ("building", "nominated"),
        ("nominated", "building"),
        ("nominated", "designated"),
        ("designated", "revoked"),
    ],
)
def test_later_transitions_keep_the_track(b: LedgerBuilder, source: str, target: str) -> None:
    prepare_transition(b, source, target)
    refuse(b, stage_sub(b, source, target, "wbbm"), "track_mismatch")


def test_stage_basis_must_be_a_leaf_of_this_log(b: LedgerBuilder) -> None:
    b.register_unit(U)
    refuse(b, stage_sub(b, "registered", "declared", basis=digest("not a leaf")), "unknown_basis")
    basis = encode_base64(b.state.streams[f"unit/{U}"].leaf_hash)
    accept(b, stage_sub(b, "registered", "declared", basis=basis))


# --- assessments ------------------------------------------------------------------------------------


WBK_MISSES = [
    ("total", scores(AT_WBK, ipak="16.49"), "total 74.99 is below 75.00"),
    ("change_management", scores(change_management="4.79"), "change_management 4.79 is below 4.80"),
    ("business_process", scores(business_process="4.19"), "business_process 4.19 is below 4.20"),
    ("hr_management", scores(hr_management="5.99"), "hr_management 5.99 is below 6.00"),
    ("accountability", scores(accountability="5.99"), "accountability 5.99 is below 6.00"),
    ("oversight", scores(oversight="8.99"), "oversight 8.99 is below 9.00"),
    ("public_service", scores(public_service="5.99"), "public_service 5.99 is below 6.00"),
    ("ipak", scores(ipak="15.74"), "ipak 15.74 is below 15.75"),
    ("ipkp", scores(ipkp="13.99"), "ipkp 13.99 is below 14.00"),
    ("performance", scores(performance="2.49"), "performance 2.49 is below 2.50"),
]
# Each passes the wbk bar but misses the stricter wbbm one.
WBBM_MISSES = [
    ("total", scores(AT_WBBM, ipak="17.49"), "total 84.99 is below 85.00"),
    ("change_management", scores(PASSING_WBBM, change_management="5.99"), "change_management 5.99 is below 6.00"),
    ("business_process", scores(PASSING_WBBM, business_process="5.24"), "business_process 5.24 is below 5.25"),
    ("hr_management", scores(PASSING_WBBM, hr_management="7.49"), "hr_management 7.49 is below 7.50"),
    ("accountability", scores(PASSING_WBBM, accountability="7.49"), "accountability 7.49 is below 7.50"),
    ("oversight", scores(PASSING_WBBM, oversight="11.24"), "oversight 11.24 is below 11.25"),
    ("public_service", scores(PASSING_WBBM, public_service="7.49"), "public_service 7.49 is below 7.50"),
    ("ipkp", scores(PASSING_WBBM, ipkp="15.74"), "ipkp 15.74 is below 15.75"),
    ("performance", scores(PASSING_WBBM, performance="3.74"), "performance 3.74 is below 3.75"),
]


@pytest.mark.parametrize(("check", "score_set", "failing"), WBK_MISSES, ids=[m[0] for m in WBK_MISSES])
def test_passed_wbk_assessment_missing_a_threshold(
    b: LedgerBuilder, check: str, score_set: dict[str, str], failing: str
) -> None:
    b.to_building(U)
    error = refuse(b, assess_sub(b, "internal", "lke", score_set, "passed"), "thresholds_not_met")
    assert len(error.evidence["failing"]) == 1
    assert error.evidence["failing"][0].startswith(failing)
    assert failing in error.message
    # The same scores recorded as failed are accepted, with the failing check kept.
    accept(b, assess_sub(b, "internal", "lke", score_set, "failed"))
    internal = b.state.units[U].internal
    assert internal is not None and internal.failing == tuple(error.evidence["failing"])


@pytest.mark.parametrize(("check", "score_set", "failing"), WBBM_MISSES, ids=[m[0] for m in WBBM_MISSES])
def test_passed_wbbm_assessment_missing_a_stricter_threshold(
    b: LedgerBuilder, check: str, score_set: dict[str, str], failing: str
) -> None:
    to_wbbm_building(b)
    policy = b.state.policy
    assert policy is not None and failing_checks(score_set, "wbk", policy) == []
    error = refuse(b, assess_sub(b, "internal", "lke", score_set, "passed", "wbbm"), "thresholds_not_met")
    assert len(error.evidence["failing"]) == 1
    assert error.evidence["failing"][0].startswith(failing)


def test_wbbm_ipak_threshold(b: LedgerBuilder) -> None:
    to_wbbm_building(b)
    error = refuse(
        b, assess_sub(b, "internal", "lke", scores(PASSING_WBBM, ipak="15.74"), "passed", "wbbm"), "thresholds_not_met"
    )
    assert error.evidence["failing"] == ["ipak 15.74 is below 15.75"]


@pytest.mark.parametrize(("track", "score_set"), [("wbk", AT_WBK), ("wbbm", AT_WBBM)])
def test_scores_exactly_at_the_thresholds_pass(b: LedgerBuilder, track: str, score_set: dict[str, str]) -> None:
    if track == "wbk":
        b.to_building(U)
    else:
        to_wbbm_building(b)
    accept(b, assess_sub(b, "internal", "lke", score_set, "passed", track))
    accept(b, stage_sub(b, "building", "nominated", track))


def test_every_failing_check_is_named(b: LedgerBuilder) -> None:
    b.to_building(U)
    score_set = scores(ipak="12.00", ipkp="13.00", oversight="8.00")
    error = refuse(b, assess_sub(b, "internal", "lke", score_set, "passed"), "thresholds_not_met")
    names = [f.split()[0] for f in error.evidence["failing"]]
    assert names == ["oversight", "ipak", "ipkp"]
    for failure in error.evidence["failing"]:
        assert failure in error.message


def test_enabler_share_is_not_rounded_down(b: LedgerBuilder) -> None:
    policy = legacy_policy_document()
    policy["version"] = 2
    policy["thresholds"]["wbk"]["enabler_share"]["value"] = "0.6666"
    b.submit(b.admin, "policy.set", "ledger", {"policy": policy})
    b.to_building(U)
    # 5.33 of 8 is 66.625 %, below 66.66 %; the rule computes 8 * 0.6666 = 5.3328 -> 5.33 and passes it.
    refuse(b, assess_sub(b, "internal", "lke", scores(change_management="5.33"), "passed"), "thresholds_not_met")


@pytest.mark.parametrize(
    ("area", "too_high"),
    [
        ("change_management", "8.01"),
        ("business_process", "7.01"),
        ("hr_management", "10.01"),
        ("accountability", "10.01"),
        ("oversight", "15.01"),
        ("public_service", "10.01"),
        ("ipak", "17.51"),
        ("performance", "5.01"),
        ("ipkp", "17.51"),
    ],
)
def test_score_above_its_weight(b: LedgerBuilder, area: str, too_high: str) -> None:
    b.to_building(U)
    refuse(b, assess_sub(b, "internal", "lke", scores(**{area: too_high}), "failed"), "score_out_of_range")


def test_duplicate_remediation_ids(b: LedgerBuilder) -> None:
    b.to_building(U)
    twice = [item("r1"), item("r1", "oversight")]
    refuse(b, assess_sub(b, "internal", "lke", FAILING, "failed", remediation=twice), "duplicate_remediation")
    b.assess(U, "internal", "lke", FAILING, "failed", remediation=[item("r1")])
    refuse(b, assess_sub(b, "internal", "lke", FAILING, "failed", remediation=[item("r1")]), "duplicate_remediation")
    b.submit(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "r1", "evidence": [digest("x")]})
    refuse(b, assess_sub(b, "internal", "lke", FAILING, "failed", remediation=[item("r1")]), "duplicate_remediation")
    accept(b, assess_sub(b, "internal", "lke", FAILING, "failed", remediation=[item("r2")]))


@pytest.mark.parametrize(
    ("level", "step"),
    [
        ("internal", "screening"),
        ("internal", "desk"),
        ("internal", "field"),
        ("national", "lke"),
    ],
)
def test_assessment_level_and_step(b: LedgerBuilder, level: str, step: str) -> None:
    if level == "internal":
        b.to_building(U)
    else:
        to_nominated(b)
    refuse(b, assess_sub(b, level, step, PASSING_WBK, "passed"), "assessment_not_allowed")


def test_assessment_level_needs_its_assessor(b: LedgerBuilder) -> None:
    b.to_building(U)
    refuse(b, assess_sub(b, "internal", "lke", PASSING_WBK, "passed", signer=b.tpn), "role_not_allowed")
    b.assess(U, "internal", "lke", PASSING_WBK, "passed")
    b.stage(U, "building", "nominated")
    refuse(b, assess_sub(b, "national", "screening", PASSING_WBK, "passed", signer=b.tpi), "role_not_allowed")


@pytest.mark.parametrize(
    "done",
    [
        [],
        [("screening", "passed")],
        [("screening", "failed")],
        [("screening", "passed"), ("desk", "failed")],
        [("screening", "passed"), ("desk", "passed")],
    ],
)
@pytest.mark.parametrize("step", ["desk", "field"])
def test_national_steps_in_order(b: LedgerBuilder, done: list[tuple[str, str]], step: str) -> None:
    to_nominated(b)
    for earlier, outcome in done:
        b.assess(U, "national", earlier, PASSING_WBK if outcome == "passed" else FAILING, outcome)
    recorded = dict(done)
    before = {"desk": "screening", "field": "desk"}[step]
    sub = assess_sub(b, "national", step, PASSING_WBK, "passed")
    if recorded.get(before) == "passed" and step not in recorded:
        accept(b, sub)
        assert set(b.state.units[U].national) == {*recorded, step}
    else:
        refuse(b, sub, "assessment_not_allowed")


def test_screening_after_desk_is_refused(b: LedgerBuilder) -> None:
    to_nominated(b)
    b.assess(U, "national", "screening", PASSING_WBK, "passed")
    b.assess(U, "national", "desk", PASSING_WBK, "passed")
    refuse(b, assess_sub(b, "national", "screening", PASSING_WBK, "passed"), "assessment_not_allowed")


def test_screening_appeal_is_allowed_once(b: LedgerBuilder) -> None:
    to_nominated(b)
    b.assess(U, "national", "screening", FAILING, "failed")
    b.assess(U, "national", "screening", PASSING_WBK, "passed")  # the appeal (sanggah)
    unit = b.state.units[U]
    assert unit.screenings == 2 and unit.national["screening"].outcome == "passed"
    refuse(b, assess_sub(b, "national", "screening", PASSING_WBK, "passed"), "assessment_not_allowed")
    accept(b, assess_sub(b, "national", "desk", PASSING_WBK, "passed"))


def test_a_second_failed_screening_ends_the_screening(b: LedgerBuilder) -> None:
    to_nominated(b)
    b.assess(U, "national", "screening", FAILING, "failed")
    b.assess(U, "national", "screening", FAILING, "failed")
    refuse(b, assess_sub(b, "national", "screening", PASSING_WBK, "passed"), "assessment_not_allowed")
    refuse(b, assess_sub(b, "national", "desk", PASSING_WBK, "passed"), "assessment_not_allowed")
    accept(b, stage_sub(b, "nominated", "building"))


@pytest.mark.parametrize(
    ("stage", "level", "allowed"),
    [
        ("registered", "internal", False),
        ("declared", "internal", False),
        ("building", "internal", True),
        ("nominated", "internal", False),
        ("designated", "internal", True),  # monitoring (pemantauan)
        ("revoked", "internal", False),
        ("registered", "national", False),
        ("declared", "national", False),
        ("building", "national", False),
        ("nominated", "national", True),
        ("designated", "national", False),
        ("revoked", "national", False),
    ],
)
def test_assessment_stage(b: LedgerBuilder, stage: str, level: str, allowed: bool) -> None:
    to_stage(b, stage)
    step = "lke" if level == "internal" else "screening"
    sub = assess_sub(b, level, step, PASSING_WBK, "passed")
    if allowed:
        accept(b, sub)
    else:
        refuse(b, sub, "assessment_not_allowed")


def test_assessment_track_must_be_the_units(b: LedgerBuilder) -> None:
    b.to_building(U)
    refuse(b, assess_sub(b, "internal", "lke", PASSING_WBBM, "passed", "wbbm"), "track_mismatch")


# --- who may sign what, and for which unit ----------------------------------------------------------


def _kind_case(b: LedgerBuilder, kind: str, signer: Ed25519PrivateKey, target: Ed25519PrivateKey) -> Submission:
    """A valid entry of `kind` for unit U (set up by `test_kind_signer_role`), signed by `signer`."""
    if kind == "policy.set":
        return b.sign(signer, kind, "ledger", {"policy": {**legacy_policy_document(), "version": 2}})
    if kind == "key.registered":
        new = key_for("new-key")
        return b.sign(signer, kind, f"key/{fp(new)}", key_body(new))
    if kind == "key.revoked":
        return b.sign(signer, kind, f"key/{fp(target)}", {"reason": "no longer in office"})
    if kind == "unit.registered":
        return b.sign(signer, kind, f"unit/{OTHER}", {"name": "Dukcapil", "type": "dinas", "headcount": 5})
    if kind == "unit.headcount_set":
        return b.sign(signer, kind, f"unit/{U}", {"headcount": 12})
    if kind == "assessment.reviewed":
        return assess_sub(b, "internal", "lke", PASSING_WBK, "passed", signer=signer)
    if kind == "remediation.completed":
        return b.sign(signer, kind, f"unit/{U}", {"item": "r1", "evidence": [digest("done")]})
    if kind == "pact.signed":
        return b.sign(signer, kind, f"pact/{U}/{number(50)}", pact_body(50))
    if kind == "pact.released":
        return b.sign(signer, kind, f"pact/{U}/{number(0)}", {"reason": "transfer"})
    if kind == "declaration.witnessed":
        body = {"declaration": encode_base64(declaration_of(b)), "office": "district_prosecutor"}
        return b.sign(signer, kind, f"witness/{U}", body)
    assert kind == "oversight.noted"
    return b.sign(
        signer, kind, f"oversight/{U}", {"office": "district_prosecutor", "topic": "accompaniment", "text": "visit"}
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("kind", list(KIND_ROLES))
def test_kind_signer_role(b: LedgerBuilder, kind: str, role: str) -> None:
    b.to_building(U)
    b.assess(U, "internal", "lke", FAILING, "failed", remediation=[item("r1")])
    keys = cast_by_role(b)
    target = b.register_key("target", "witness", [U], by=b.admin)
    sub = _kind_case(b, kind, keys[role], target)
    if role in KIND_ROLES[kind]:
        accept(b, sub)
    else:
        refuse(b, sub, "role_not_allowed")


@pytest.mark.parametrize(
    "kind",
    [
        "unit.headcount_set",
        "assessment.reviewed",
        "remediation.completed",
        "pact.signed",
        "pact.released",
        "declaration.witnessed",
        "oversight.noted",
    ],
)
def test_unit_outside_the_key_scope(b: LedgerBuilder, kind: str) -> None:
    b.register_unit(OTHER)
    b.to_building(U)
    b.assess(U, "internal", "lke", FAILING, "failed", remediation=[item("r1")])
    role = sorted(KIND_ROLES[kind])[-1]
    if role == "employee":
        outsider = employee(b, 50, OTHER)
    elif role == "unit_head":
        outsider = b.heads[OTHER]
    elif role == "pact_registrar":
        outsider = b.registrars[OTHER]
    else:
        outsider = b.register_key(f"outsider-{role}", role, [OTHER], by=b.admin)
    refuse(b, _kind_case(b, kind, outsider, outsider), "out_of_scope")
    # A key whose scope lists the unit among others is in scope.
    if role not in ("employee", "unit_head", "pact_registrar"):
        insider = b.register_key(f"insider-{role}", role, [OTHER, U], by=b.admin)
        accept(b, _kind_case(b, kind, insider, insider))


# --- a refusal changes nothing -----------------------------------------------------------------------


def test_decide_never_mutates_the_state(b: LedgerBuilder) -> None:
    b.to_building(U)
    b.assess(U, "internal", "lke", FAILING, "failed", remediation=[item("r1")])
    snapshot = copy.deepcopy(b.state)
    size, streams, units = b.state.size, dict(b.state.streams), copy.deepcopy(b.state.units)
    refusals = [
        stage_sub(b, "building", "nominated"),  # failed internal
        assess_sub(b, "internal", "lke", scores(ipak="15.00"), "passed"),
        b.sign(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "r9", "evidence": [digest("x")]}),
        b.sign(b.registrars[U], "pact.released", f"pact/{U}/{number(77)}", {"reason": "other"}),
    ]
    for sub in refusals:
        with pytest.raises(Refused):
            decide(b.state, sub, b.state.size, LOG_TIME)
    assert (b.state.size, b.state.streams, b.state.units) == (size, streams, units)
    assert b.state == snapshot
    # An accepted decision changes nothing until it is evolved, and lands at the next index.
    sub = b.sign(b.heads[U], "remediation.completed", f"unit/{U}", {"item": "r1", "evidence": [digest("x")]})
    decision = decide(b.state, sub, b.state.size, LOG_TIME)
    assert b.state == snapshot and decision.index == size
    evolve(b.state, decision)
    assert b.state.size == size + 1 and b.state.units[U].open_remediation == []


def test_fresh_state_is_empty() -> None:
    state = LedgerState(origin="x")
    assert (state.size, state.keys, state.streams, state.units, state.policy) == (0, {}, {}, {}, None)
