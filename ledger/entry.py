"""Entry v1 (DESIGN §3, wire): strict parsing, canonical bytes, signing input, leaf bytes.

A submission is `{"entry": <entry>, "signature": "<base64>"}`. Parsing is strict on purpose: an
entry has exactly the members of its format, every string is NFC, ids match their pattern, times are
RFC 3339 UTC seconds with `Z`, bytes are canonical padded base64, and no number is a float. What
parses has one canonical form (RFC 8785), and its leaf bytes are what the log stores and hashes.

This module imports only the standard library, `cryptography`, `rfc8785` and `msgspec`.
"""

from __future__ import annotations

import binascii
import copy
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import codes
from ledger.canonical import (
    BASE64_32_TEXT,
    BASE64_64_TEXT,
    COUNT_TEXT,
    DATE_TEXT,
    LEAF_DECODER,
    MAX_SAFE_INTEGER,
    NONBLANK_STRING_TEXT,
    POSITIVE_COUNT_TEXT,
    STRING_TEXT,
    TIME_TEXT,
    array_text,
    canonical_json,
    check_values,
    load_json,
    object_text,
    one_of_text,
    quoted_text,
)
from ledger.crypto.keys import (
    SIGNATURE_SIZE,
    decode_base64,
    encode_base64,
    fingerprint,
    verify_signature,
)
from ledger.crypto.merkle import hash_leaf
from ledger.crypto.note import parse_verifier_key
from ledger.errors import MalformedInput, TooLarge
from ledger.evidence import EVIDENCE_VALIDATOR
from ledger.personal import PSEUDONYM_PATTERN, check_pseudonym

SIGNING_CONTEXT = b"integritas/entry/v1\n"
MAX_LEAF_BYTES = 65_535  # tlog-tiles entry bundles carry 16-bit lengths

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
FINGERPRINT_PATTERN = re.compile(r"[0-9a-f]{64}")
# [0-9], not \d: \d also matches non-ASCII digits such as full-width "２０２１".
TIME_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
SCORE_PATTERN = re.compile(r"(?:0|[1-9][0-9]{0,2})\.[0-9]{2}")
RATIO_PATTERN = re.compile(r"(?:0|1)\.[0-9]{1,4}")

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
    "national_authority",  # KemenPANRB: opens the yearly cycles (rules edition 2)
)
# Roles whose keys act for the ministry: in rules edition 2 their registration carries the national
# root's endorsement (docs/design/rules-edition-2.md).
NATIONAL_ROLES = ("national_authority", "national_assessor", "minister")
UNIT_TYPES = ("badan", "dinas", "kantor", "kecamatan", "rsud", "bagian", "other", "puskesmas")
STAGES = ("registered", "declared", "building", "nominated", "designated", "revoked")
TRACKS = ("wbk", "wbbm")
# The nine components of the 90/2021 evaluation model; enablers first, then results (DOMAIN.md).
SCORE_AREAS = (
    "change_management",
    "business_process",
    "hr_management",
    "accountability",
    "oversight",
    "public_service",
    "ipak",
    "performance",
    "ipkp",
)
# Every score area any model names: the 10/2019 model has the follow-up of audit findings (TLHP)
# where 90/2021 has performance achievement (DOMAIN.md, evaluation models).
ALL_SCORE_AREAS = (*SCORE_AREAS, "tlhp")
RESULTS_OPTIONAL = ("performance", "tlhp")  # the schema takes either; the rules require the model's
PACT_OCCASIONS = ("declaration", "unit_ceremony", "appointment", "transfer", "yearly")
REVOCATION_GROUNDS = ("suspect_named", "caught_red_handed", "maladministration", "public_report", "other")
CASE_STAGES = ("inquiry", "investigation", "prosecution")
CASE_CONCERNS = ("unit", "unit_head", "employee", "official")
CASE_OUTCOMES = ("stopped", "referred", "convicted", "acquitted", "other")
WITNESS_OFFICES = (
    "regent",
    "parliament_chair",
    "district_prosecutor",
    "district_police_chief",
    "military_district_commander",
    "district_court_chief",
    "battalion_commander",
)

ENTRY_MEMBERS = frozenset({"v", "log", "kind", "stream", "seq", "prev", "at", "signer", "body"})


# --- member validators -----------------------------------------------------------------------------

Validator = Callable[[Any, str], None]

# The canonical text of the values a validator accepts, where ledger.canonical's patterns can state
# it (every text matches only values the validator accepts): the fast path of `parse_leaf` is built
# from them. A validator without one sends the leaves that use it along the strict path.
_CANONICAL_TEXT: dict[Validator, bytes] = {}
_OBJECT_MEMBERS: dict[Validator, tuple[frozenset[str], frozenset[str]]] = {}  # of each `_object`: required, optional


def _with_text(check: Validator, text: bytes | None) -> Validator:
    if text is not None:
        _CANONICAL_TEXT[check] = text
    return check


def _members_text(required: Mapping[str, Validator], optional: Mapping[str, Validator]) -> bytes | None:
    """The canonical text of an object of these members: None if a required one has no text; an optional
    one without text is left out, so that a value holding it takes the strict path."""
    if not required or any(validate not in _CANONICAL_TEXT for validate in required.values()):
        return None
    return object_text(
        {name: _CANONICAL_TEXT[validate] for name, validate in required.items()},
        {name: _CANONICAL_TEXT[validate] for name, validate in optional.items() if validate in _CANONICAL_TEXT},
    )


def _fail(where: str, problem: str, code: str = codes.INVALID_MEMBER) -> MalformedInput:
    return MalformedInput(f"{where} {problem}", code=code)


def _string(value: Any, where: str) -> None:
    if not isinstance(value, str):
        raise _fail(where, f"must be a string, not {_json_type(value)}", codes.WRONG_TYPE)
    if not value.isascii() and not unicodedata.is_normalized("NFC", value):
        raise _fail(where, "is not NFC-normalised", codes.NOT_NFC)


def _text(value: Any, where: str) -> None:
    _string(value, where)
    if not value.strip():
        raise _fail(where, "must not be empty")


def _identifier(value: Any, where: str) -> None:
    _string(value, where)
    if not ID_PATTERN.fullmatch(value):
        raise _fail(where, f"{value!r} does not match [a-z0-9][a-z0-9-]{{0,63}}", codes.INVALID_ID)


def _count(value: Any, where: str) -> None:
    # bool is a subclass of int in Python but not a number in JSON.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(where, f"must be an integer, not {_json_type(value)}", codes.WRONG_TYPE)
    if not 0 <= value <= MAX_SAFE_INTEGER:
        raise _fail(where, f"{value} is outside 0..2^53-1")


def _positive_count(value: Any, where: str) -> None:
    _count(value, where)
    if value < 1:
        raise _fail(where, "must be at least 1")


def _digest(value: Any, where: str) -> None:
    _string(value, where)
    decode_base64(value, size=32, what=where)


def _public_key(value: Any, where: str) -> None:
    _string(value, where)
    decode_base64(value, size=32, what=where)


def _verifier_key(value: Any, where: str) -> None:
    _string(value, where)
    try:
        parse_verifier_key(value)
    except MalformedInput as exc:
        raise _fail(where, exc.message, exc.code) from exc


def _date(value: Any, where: str) -> None:
    _string(value, where)
    if not DATE_PATTERN.fullmatch(value):
        raise _fail(where, f"{value!r} is not a date YYYY-MM-DD", codes.INVALID_TIME)
    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise _fail(where, f"{value!r} is not a calendar date", codes.INVALID_TIME) from exc


def _year(value: Any, where: str) -> None:
    _count(value, where)
    if not 2000 <= value <= 2999:
        raise _fail(where, f"{value} is not a plausible year")


def _one_of(*allowed: str) -> Validator:
    def check(value: Any, where: str) -> None:
        _string(value, where)
        if value not in allowed:
            raise _fail(where, f"{value!r} is not one of {', '.join(allowed)}")

    return _with_text(check, one_of_text(*allowed))


def _list_of(item: Validator, *, min_items: int = 0, unique: bool = False) -> Validator:
    def check(value: Any, where: str) -> None:
        if not isinstance(value, list):
            raise _fail(where, f"must be an array, not {_json_type(value)}", codes.WRONG_TYPE)
        if len(value) < min_items:
            raise _fail(where, f"must have at least {min_items} item(s)")
        for i, element in enumerate(value):
            item(element, f"{where}[{i}]")
        if unique and len({canonical_json(v) for v in value}) != len(value):
            raise _fail(where, "has duplicate items")

    # Uniqueness is not a matter of text: such lists take the strict path.
    text = None if unique or min_items > 1 or item not in _CANONICAL_TEXT else _CANONICAL_TEXT[item]
    return _with_text(check, None if text is None else array_text(text, min_items=min_items))


def _object(required: Mapping[str, Validator], optional: Mapping[str, Validator] = {}) -> Validator:
    def check(value: Any, where: str) -> None:
        _check_members(value, where, required, optional)

    _OBJECT_MEMBERS[check] = (frozenset(required), frozenset(optional))
    return _with_text(check, _members_text(required, optional))


def _check_members(
    value: Any,
    where: str,
    required: Mapping[str, Validator],
    optional: Mapping[str, Validator] = {},
) -> None:
    if not isinstance(value, dict):
        raise _fail(where, f"must be an object, not {_json_type(value)}", codes.WRONG_TYPE)
    present = value.keys()
    if not required.keys() <= present:
        missing = sorted(set(required) - set(present))
        raise _fail(where, f"is missing member(s) {', '.join(missing)}", codes.MISSING_MEMBER)
    if len(present) != len(required) and not present - required.keys() <= optional.keys():
        extra = sorted(set(present) - set(required) - set(optional))
        # JSON-escaped: a name may hold a lone surrogate, which no UTF-8 answer could carry.
        names = ", ".join(json.dumps(name)[1:-1] for name in extra)
        raise _fail(where, f"has unknown member(s) {names}", codes.UNKNOWN_MEMBER)
    for name, validate in required.items():
        validate(value[name], f"{where}.{name}")
    if len(present) != len(required):
        for name, validate in optional.items():
            if name in value:
                validate(value[name], f"{where}.{name}")


def _scope(value: Any, where: str) -> None:
    _list_of(_string, min_items=1, unique=True)(value, where)
    if value != ["*"]:
        for i, unit in enumerate(value):
            _identifier(unit, f"{where}[{i}]")


def _score(value: Any, where: str) -> None:
    _string(value, where)
    if not SCORE_PATTERN.fullmatch(value):
        raise _fail(where, f"{value!r} is not a decimal string with two fraction digits")


def _policy(value: Any, where: str) -> None:
    # The policy's contents are checked by the rules (ledger.rules.parse_policy); here only its shape.
    if not isinstance(value, dict):
        raise _fail(where, f"must be an object, not {_json_type(value)}", codes.WRONG_TYPE)


def _map_of(item: Validator) -> Validator:
    """An object whose member names are ids and whose values all pass `item`."""

    def check(value: Any, where: str) -> None:
        if not isinstance(value, dict):
            raise _fail(where, f"must be an object, not {_json_type(value)}", codes.WRONG_TYPE)
        for name, member in value.items():
            _identifier(name, f"{where} member name")
            item(member, f"{where}.{name}")

    return check


_OFFICE_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")  # edition 1's office names have "_"


def _office_id(value: Any, where: str) -> None:
    _string(value, where)
    if not _OFFICE_PATTERN.fullmatch(value):
        raise _fail(where, f"{value!r} does not match {_OFFICE_PATTERN.pattern}", codes.INVALID_ID)


def _signature_value(value: Any, where: str) -> None:
    _string(value, where)
    decode_base64(value, size=SIGNATURE_SIZE, what=where)


_CANONICAL_TEXT.update(
    {
        _string: STRING_TEXT,
        _text: NONBLANK_STRING_TEXT,
        _identifier: quoted_text(ID_PATTERN.pattern),
        _count: COUNT_TEXT,
        _positive_count: POSITIVE_COUNT_TEXT,
        _digest: BASE64_32_TEXT,
        _public_key: BASE64_32_TEXT,
        _date: b'"' + DATE_TEXT + b'"',
        _year: rb"2[0-9]{3}",
        # A scope of one: a list of one item cannot repeat one.
        _scope: rb'\[(?:"\*"|' + quoted_text(ID_PATTERN.pattern) + rb")\]",
        _score: quoted_text(SCORE_PATTERN.pattern),
        _office_id: quoted_text(_OFFICE_PATTERN.pattern),
        _signature_value: BASE64_64_TEXT,
    }
)

_DECREE = _object({"number": _text, "date": _date, "document": _digest})


def _pseudonym(value: Any, where: str) -> None:
    _string(value, where)
    check_pseudonym(value, where)


_with_text(_pseudonym, quoted_text(PSEUDONYM_PATTERN.pattern))

# Rules edition 3 (docs/contract/personal-data.md): a person named by pseudonym and commitment.
_COMMITTED_PERSON = _object({"person": _pseudonym, "commitment": _digest})
_EMPLOYEE_IN_CLEAR = _object({"name": _text, "number": _identifier})
_HOLDER_IN_CLEAR = _object({"name": _text, "title": _text})
_HOLDER_COMMITTED = _object({"person": _pseudonym, "commitment": _digest, "title": _text})


def _either(in_clear: Validator, committed: Validator) -> Validator:
    """Edition 1/2's object with the person in clear, or edition 3's with pseudonym and commitment:
    the shape is told by `person` (the rules then hold each edition to its own shape)."""

    def check(value: Any, where: str) -> None:
        if isinstance(value, dict) and "person" in value:
            committed(value, where)
        else:
            in_clear(value, where)

    # As text, either one: sound when every object the committed text matches holds `person` and none
    # that the text in clear matches does, as `check` then picks the same validator.
    committed_text, in_clear_text = _CANONICAL_TEXT.get(committed), _CANONICAL_TEXT.get(in_clear)
    if (
        committed_text is None
        or in_clear_text is None
        or "person" not in _OBJECT_MEMBERS[committed][0]
        or "person" in _OBJECT_MEMBERS[in_clear][0] | _OBJECT_MEMBERS[in_clear][1]
    ):
        return check
    return _with_text(check, b"(?:" + committed_text + b"|" + in_clear_text + b")")


_OFFICE = _object({"id": _identifier, "name": _text})


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


# Body of each kind (DESIGN §4): required members, optional members.
BODIES: dict[str, tuple[dict[str, Validator], dict[str, Validator]]] = {
    "ledger.genesis": ({"name": _text, "root_key": _public_key, "policy": _policy}, {}),
    "policy.set": ({"policy": _policy}, {}),
    "key.registered": (
        {
            "public_key": _public_key,
            "role": _one_of(*ROLES),
            "scope": _scope,
            "holder": _either(_HOLDER_IN_CLEAR, _HOLDER_COMMITTED),
        },
        {"endorsement": _signature_value, "office": _OFFICE},
    ),
    "key.revoked": ({"reason": _text}, {}),
    "unit.registered": (
        {"name": _text, "type": _one_of(*UNIT_TYPES), "headcount": _positive_count},
        {"agency": _identifier},
    ),
    "unit.headcount_set": ({"headcount": _positive_count}, {"source": _text}),
    "stage.advanced": (
        {"from": _one_of(*STAGES), "to": _one_of(*STAGES), "track": _one_of(*TRACKS), "note": _string},
        {"basis": _digest, "decree": _text, "cycle": _year, "statement": _digest, "sk": _DECREE},
    ),
    "assessment.reviewed": (
        {
            "level": _one_of("internal", "national"),
            "year": _year,
            "track": _one_of(*TRACKS),
            "step": _one_of("lke", "screening", "desk", "field"),
            "scores": _object(
                {area: _score for area in SCORE_AREAS if area not in RESULTS_OPTIONAL},
                dict.fromkeys(RESULTS_OPTIONAL, _score),
            ),
            "outcome": _one_of("passed", "failed"),
            "remediation": _list_of(_object({"id": _identifier, "area": _one_of(*ALL_SCORE_AREAS), "text": _text})),
        },
        {"evidence": EVIDENCE_VALIDATOR},
    ),
    "remediation.completed": (
        {"item": _identifier, "evidence": _list_of(_digest, min_items=1)},
        {},
    ),
    "pact.signed": (
        {
            "employee": _either(_EMPLOYEE_IN_CLEAR, _COMMITTED_PERSON),
            "pact_digest": _digest,
            "signed_on": _date,
        },
        {"document_digest": _digest, "occasion": _one_of(*PACT_OCCASIONS)},
    ),
    "pact.released": ({"reason": _one_of("transfer", "retired", "other")}, {}),
    # `office` is required by the edition-1 rules (one of WITNESS_OFFICES / the two overseers) and
    # comes from the signing key in edition 2 (docs/design/rules-edition-2.md).
    "declaration.witnessed": ({"declaration": _digest}, {"office": _office_id}),
    "oversight.noted": (
        {
            "topic": _one_of("accompaniment", "finding", "case_opened", "case_closed"),
            "text": _text,
        },
        {"office": _office_id},
    ),
    # --- rules edition 2 (docs/design/rules-edition-2.md) ---
    "cycle.opened": (
        {
            "year": _year,
            "model": _identifier,
            "proposal_deadline": _date,
            "appeal_days": _positive_count,
            "closes_on": _date,
            "quota": _positive_count,
        },
        {"quotas": _map_of(_positive_count), "circular": _DECREE},
    ),
    "screening.recorded": (
        {"cycle": _year, "outcome": _one_of("passed", "passed_with_notes", "failed"), "notes": _list_of(_text)},
        {},
    ),
    "appeal.filed": ({"cycle": _year, "text": _text, "documents": _list_of(_digest)}, {}),
    "appeal.decided": ({"cycle": _year, "outcome": _one_of("granted", "rejected"), "note": _text}, {}),
    "predicate.revoked": (
        {
            "predicate": _one_of(*TRACKS),
            "ground": _one_of(*REVOCATION_GROUNDS),
            "sk": _DECREE,
            "note": _text,
        },
        {"basis": _digest},
    ),
    "monitoring.recorded": (
        {"year": _year, "outcome": _one_of("maintained", "concerns"), "note": _text},
        {"evidence": EVIDENCE_VALIDATOR},
    ),
    "case.opened": (
        {"stage": _one_of(*CASE_STAGES), "concerns": _one_of(*CASE_CONCERNS), "text": _text},
        {"person": _COMMITTED_PERSON},  # edition 3: the employee or official concerned
    ),
    "case.advanced": ({"stage": _one_of(*CASE_STAGES), "text": _text}, {}),
    "case.closed": ({"outcome": _one_of(*CASE_OUTCOMES), "text": _text}, {}),
    # a log key's rotation (docs/operations.md, section 5): announced and retired by the root key
    "log_key.added": ({"verifier_key": _verifier_key}, {}),
    "log_key.retired": ({"verifier_key": _verifier_key, "reason": _text}, {}),
    # the root key's handover (docs/operations.md, section 7): signed by the current root, with the
    # new root's signature over the handover (ledger.rules.ledger_kinds.root_possession_message)
    "root.rotated": ({"root_key": _public_key, "possession": _signature_value}, {}),
    # --- rules edition 3 (docs/contract/personal-data.md): a person's data erased, on its legal basis ---
    "personal_data.erased": ({"basis": _text}, {}),
    # the person's data rectified (UU 27/2022 art. 6): the new commitment, never the data itself
    "personal_data.rectified": ({"commitment": _digest, "basis": _text}, {}),
}
KINDS = tuple(BODIES)

# The bodies of rules edition 1, exactly as they were before edition 2 added members, kinds, roles
# and unit types: a log under the edition-1 policy is held to them (`check_edition_1_body`), so
# that it accepts and refuses exactly what it did (docs/design/rules-edition-2.md).
_EDITION_1_ROLES = tuple(role for role in ROLES if role != "national_authority")
_EDITION_1_UNIT_TYPES = tuple(t for t in UNIT_TYPES if t != "puskesmas")
EDITION_1_BODIES: dict[str, tuple[dict[str, Validator], dict[str, Validator]]] = {
    **{
        kind: BODIES[kind]
        for kind in ("ledger.genesis", "policy.set", "key.revoked", "remediation.completed", "pact.released")
    },
    "key.registered": (
        {
            "public_key": _public_key,
            "role": _one_of(*_EDITION_1_ROLES),
            "scope": _scope,
            "holder": _object({"name": _text, "title": _text}),
        },
        {},
    ),
    "unit.registered": (
        {"name": _text, "type": _one_of(*_EDITION_1_UNIT_TYPES), "headcount": _positive_count},
        {},
    ),
    "unit.headcount_set": ({"headcount": _positive_count}, {}),
    "stage.advanced": (
        {"from": _one_of(*STAGES), "to": _one_of(*STAGES), "track": _one_of(*TRACKS), "note": _string},
        {"basis": _digest, "decree": _text},
    ),
    "assessment.reviewed": (
        {
            "level": _one_of("internal", "national"),
            "year": _year,
            "track": _one_of(*TRACKS),
            "step": _one_of("lke", "screening", "desk", "field"),
            "scores": _object(dict.fromkeys(SCORE_AREAS, _score)),
            "outcome": _one_of("passed", "failed"),
            "remediation": _list_of(_object({"id": _identifier, "area": _one_of(*SCORE_AREAS), "text": _text})),
        },
        {},
    ),
    "pact.signed": (
        {
            "employee": _object({"name": _text, "number": _identifier}),
            "pact_digest": _digest,
            "signed_on": _date,
        },
        {"document_digest": _digest},
    ),
    "declaration.witnessed": ({"declaration": _digest, "office": _one_of(*WITNESS_OFFICES)}, {}),
    "oversight.noted": (
        {
            "office": _one_of("district_prosecutor", "district_police_chief"),
            "topic": _one_of("accompaniment", "finding", "case_opened", "case_closed"),
            "text": _text,
        },
        {},
    ),
}
EDITION_3_KINDS = ("personal_data.erased", "personal_data.rectified")
EDITION_2_KINDS = tuple(kind for kind in BODIES if kind not in EDITION_1_BODIES and kind not in EDITION_3_KINDS)


def check_edition_1_body(entry: Entry) -> None:
    """Hold a body to edition 1's members, as parsing did before edition 2 (same codes and texts).

    A kind added by edition 2 is not checked here: the rules refuse it in an edition-1 log.
    """
    if entry.kind in EDITION_1_BODIES:
        required, optional = EDITION_1_BODIES[entry.kind]
        _check_members(entry.body, "entry.body", required, optional)


# Which stream each kind belongs in: (pattern, name of the captured unit group or None).
_UNIT = r"(?P<unit>[a-z0-9][a-z0-9-]{0,63})"
_STREAM_OF_KIND: dict[str, re.Pattern[str]] = {
    "ledger.genesis": re.compile(r"ledger"),
    "policy.set": re.compile(r"ledger"),
    "key.registered": re.compile(r"key/(?P<key>[0-9a-f]{64})"),
    "key.revoked": re.compile(r"key/(?P<key>[0-9a-f]{64})"),
    "unit.registered": re.compile(rf"unit/{_UNIT}"),
    "unit.headcount_set": re.compile(rf"unit/{_UNIT}"),
    "stage.advanced": re.compile(rf"unit/{_UNIT}"),
    "assessment.reviewed": re.compile(rf"unit/{_UNIT}"),
    "remediation.completed": re.compile(rf"unit/{_UNIT}"),
    "pact.signed": re.compile(rf"pact/{_UNIT}/(?P<employee>[a-z0-9][a-z0-9-]{{0,63}})"),
    "pact.released": re.compile(rf"pact/{_UNIT}/(?P<employee>[a-z0-9][a-z0-9-]{{0,63}})"),
    "declaration.witnessed": re.compile(rf"witness/{_UNIT}"),
    "oversight.noted": re.compile(rf"oversight/{_UNIT}"),
    "cycle.opened": re.compile(r"cycle/(?P<year>[0-9]{4})"),
    "screening.recorded": re.compile(rf"unit/{_UNIT}"),
    "appeal.filed": re.compile(rf"unit/{_UNIT}"),
    "appeal.decided": re.compile(rf"unit/{_UNIT}"),
    "predicate.revoked": re.compile(rf"unit/{_UNIT}"),
    "monitoring.recorded": re.compile(rf"unit/{_UNIT}"),
    "case.opened": re.compile(rf"case/{_UNIT}/(?P<case>[a-z0-9][a-z0-9-]{{0,63}})"),
    "case.advanced": re.compile(rf"case/{_UNIT}/(?P<case>[a-z0-9][a-z0-9-]{{0,63}})"),
    "case.closed": re.compile(rf"case/{_UNIT}/(?P<case>[a-z0-9][a-z0-9-]{{0,63}})"),
    "log_key.added": re.compile(r"ledger"),
    "log_key.retired": re.compile(r"ledger"),
    "root.rotated": re.compile(r"ledger"),
    "personal_data.erased": re.compile(r"person/(?P<person>p-[0-9a-f]{20})"),
    "personal_data.rectified": re.compile(r"person/(?P<person>p-[0-9a-f]{20})"),
}
STREAM_PATTERN = re.compile(
    r"ledger|key/[0-9a-f]{64}|(?:unit|witness|oversight)/[a-z0-9][a-z0-9-]{0,63}"
    r"|(?:pact|case)/[a-z0-9][a-z0-9-]{0,63}/[a-z0-9][a-z0-9-]{0,63}|cycle/[0-9]{4}|person/p-[0-9a-f]{20}"
)


def _leaf_text(kind: str) -> bytes | None:
    """The canonical text of a leaf of `kind` whose members all have canonical text (None if a required
    one has none): everything `parse_leaf` checks, as one pattern. `seq` 0 goes with `prev` null."""
    required, optional = BODIES[kind]
    body = _members_text(required, optional)
    if body is None:
        return None
    return (
        rb'\{"entry":\{"at":"' + TIME_TEXT + rb'","body":' + body
        + rb',"kind":"' + re.escape(kind.encode("ascii")) + rb'","log":' + STRING_TEXT
        + rb',"prev":(?:null,"seq":0|' + BASE64_32_TEXT + rb',"seq":' + POSITIVE_COUNT_TEXT + rb")"
        + rb',"signer":' + quoted_text(FINGERPRINT_PATTERN.pattern)
        + rb',"stream":' + quoted_text(_STREAM_OF_KIND[kind].pattern)
        + rb',"v":1\},"signature":' + BASE64_64_TEXT + rb"\}"
    )  # fmt: skip


_SUBJECT_GROUPS = ("key", "employee", "case", "year", "person")  # Entry.stream_subject, of the stream's pattern


def _leaf_pattern(kind: str) -> tuple[re.Pattern[bytes], bool, str | None] | None:
    """A kind's leaf pattern, whether its stream names a unit, and the group naming its subject."""
    text = _leaf_text(kind)
    if text is None:
        return None
    pattern = re.compile(text)
    subject = next((name for name in _SUBJECT_GROUPS if name in pattern.groupindex), None)
    return pattern, "unit" in pattern.groupindex, subject


# Kinds whose leaves can be checked as text, by kind (ledger.genesis, policy.set and the log key's
# kinds cannot: a policy and a verifier key have no canonical text here).
_LEAF_PATTERNS = {kind.encode("ascii"): pattern for kind in BODIES if (pattern := _leaf_pattern(kind)) is not None}


def parse_time(value: str) -> datetime:
    """An RFC 3339 UTC time with seconds and `Z`, as an aware datetime."""
    if not TIME_PATTERN.fullmatch(value):
        raise _fail("entry.at", f"{value!r} is not RFC 3339 UTC seconds like 2020-07-08T09:15:00Z", codes.INVALID_TIME)
    try:
        # The pattern fixed every position, so slicing is exact (and much faster than strptime).
        return datetime(
            int(value[0:4]),
            int(value[5:7]),
            int(value[8:10]),
            int(value[11:13]),
            int(value[14:16]),
            int(value[17:19]),
            tzinfo=UTC,
        )
    except ValueError as exc:
        raise _fail("entry.at", f"{value!r} is not a valid time", codes.INVALID_TIME) from exc


def format_time(moment: datetime) -> str:
    """The wire form of a time: UTC, seconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the value objects -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A parsed, well-formed Entry v1. Build one with `parse_entry`, which validates every member."""

    v: int
    log: str
    kind: str
    stream: str
    seq: int
    prev: bytes | None
    at: str
    signer: str
    body: Mapping[str, Any]

    # Derived once by parse_entry, since the rules ask for them often (not part of equality).
    unit: str | None = field(default=None, compare=False)
    """The unit whose history this entry belongs to, if its stream names one."""
    stream_subject: str | None = field(default=None, compare=False)
    """The key fingerprint of a `key/...` stream, the employee number of a `pact/...` one, the case id
    of a `case/...` one or the year of a `cycle/...` one."""
    time: datetime = field(default=datetime.min, compare=False, repr=False)
    """`at` as an aware datetime."""
    plain: bool = field(default=False, compare=False, repr=False)  # see canonical_json

    def to_json(self) -> dict[str, Any]:
        """The entry as the JSON object that is canonicalised and signed."""
        return {
            "v": self.v,
            "log": self.log,
            "kind": self.kind,
            "stream": self.stream,
            "seq": self.seq,
            "prev": None if self.prev is None else encode_base64(self.prev),
            "at": self.at,
            "signer": self.signer,
            "body": self.body,
        }

    def canonical_bytes(self) -> bytes:
        return canonical_json(self.to_json(), plain=self.plain)

    def signing_input(self) -> bytes:
        """What the author signs: the context string, then the canonical entry (DESIGN §3)."""
        return SIGNING_CONTEXT + self.canonical_bytes()


@dataclass(frozen=True)
class Submission:
    """A signed entry and the leaf the log stores for it."""

    entry: Entry
    signature: bytes
    entry_bytes: bytes  # the entry's canonical bytes, computed once: signing and the leaf share them
    leaf_bytes: bytes
    leaf_hash: bytes

    def signing_input(self) -> bytes:
        return SIGNING_CONTEXT + self.entry_bytes

    def verify_signature(self, public_key: bytes) -> None:
        """Raise `VerificationFailed` unless `public_key` signed this entry."""
        verify_signature(public_key, self.signature, self.signing_input(), what=f"entry by {self.entry.signer[:12]}…")

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry.to_json(), "signature": encode_base64(self.signature)}


def parse_entry(value: Any, where: str = "entry") -> Entry:
    """Validate a decoded JSON value as Entry v1 and return it; raise `MalformedInput` naming the fault."""
    if not isinstance(value, dict):
        raise _fail(where, f"must be an object, not {_json_type(value)}", codes.WRONG_TYPE)
    missing = sorted(ENTRY_MEMBERS - set(value))
    if missing:
        raise _fail(where, f"is missing member(s) {', '.join(missing)}", codes.MISSING_MEMBER)
    extra = sorted(set(value) - ENTRY_MEMBERS)
    if extra:
        raise _fail(where, f"has unknown member(s) {', '.join(extra)}", codes.UNKNOWN_MEMBER)
    plain = check_values(value, where)

    version = value["v"]
    if version != 1 or isinstance(version, bool):
        raise _fail(f"{where}.v", f"is {version!r}, this ledger reads version 1", codes.UNSUPPORTED_VERSION)
    _string(value["log"], f"{where}.log")
    kind = value["kind"]
    _string(kind, f"{where}.kind")
    if kind not in BODIES:
        raise _fail(f"{where}.kind", f"{kind!r} is not a kind of entry", codes.UNKNOWN_KIND)
    stream = value["stream"]
    _string(stream, f"{where}.stream")
    stream_match = _STREAM_OF_KIND[kind].fullmatch(stream)
    if not stream_match:
        raise _fail(f"{where}.stream", f"{stream!r} is not a stream for kind {kind}", codes.INVALID_STREAM)
    groups = stream_match.groupdict()
    seq = value["seq"]
    _count(seq, f"{where}.seq")
    prev_text = value["prev"]
    prev: bytes | None
    if seq == 0:
        if prev_text is not None:
            raise _fail(f"{where}.prev", "must be null when seq is 0")
        prev = None
    else:
        if prev_text is None:
            raise _fail(f"{where}.prev", f"must be the leaf hash of seq {seq - 1}, not null")
        _string(prev_text, f"{where}.prev")
        prev = decode_base64(prev_text, size=32, what=f"{where}.prev")
    at = value["at"]
    _string(at, f"{where}.at")
    moment = parse_time(at)
    signer = value["signer"]
    _string(signer, f"{where}.signer")
    if not FINGERPRINT_PATTERN.fullmatch(signer):
        raise _fail(f"{where}.signer", "must be 64 lowercase hex digits (SHA-256 of the key)", codes.INVALID_ID)
    required, optional = BODIES[kind]
    _check_members(value["body"], f"{where}.body", required, optional)
    return Entry(
        v=1,
        log=value["log"],
        kind=kind,
        stream=stream,
        seq=seq,
        prev=prev,
        at=at,
        signer=signer,
        body=value["body"],
        unit=groups.get("unit"),
        stream_subject=groups.get("key")
        or groups.get("employee")
        or groups.get("case")
        or groups.get("year")
        or groups.get("person"),
        time=moment,
        plain=plain,
    )


def parse_submission(data: bytes | str) -> Submission:
    """Parse a submission's JSON text strictly and compute its canonical leaf bytes and hash.

    Raises `MalformedInput` with a stable code for each kind of fault. The signature is decoded but
    not checked here: checking needs the signer's key, which only the ledger state knows.
    """
    return submission_from_json(load_json(data))


def _checked_later(value: Any, where: str) -> None:
    """The entry member of a submission: parse_entry checks it."""


_SUBMISSION_MEMBERS: dict[str, Validator] = {"entry": _checked_later, "signature": _string}


def submission_from_json(value: Any) -> Submission:
    """Like `parse_submission`, for an already decoded JSON value."""
    _check_members(value, "submission", _SUBMISSION_MEMBERS)
    entry = parse_entry(value["entry"])
    signature = decode_base64(value["signature"], size=SIGNATURE_SIZE, what="submission.signature")
    # Validated, the decoded entry object is member for member what Entry.to_json would rebuild
    # (prev and signature are canonical base64, checked above), so it is canonicalised as it is.
    return _submission(entry, signature, entry_json=value["entry"], signature_text=value["signature"])


def _submission(
    entry: Entry, signature: bytes, *, entry_json: Any = None, signature_text: str | None = None
) -> Submission:
    entry_bytes = canonical_json(entry_json if entry_json is not None else entry.to_json(), plain=entry.plain)
    signature_text = signature_text if signature_text is not None else encode_base64(signature)
    # RFC 8785 orders members by name ("entry" < "signature") and a base64 string needs no
    # escaping, so the canonical submission is the canonical entry spliced into fixed text.
    leaf = b'{"entry":' + entry_bytes + b',"signature":"' + signature_text.encode("ascii") + b'"}'
    if len(leaf) > MAX_LEAF_BYTES:
        raise TooLarge(
            f"leaf is {len(leaf)} bytes, the limit is {MAX_LEAF_BYTES}: log large evidence by digest",
            code=codes.ENTRY_TOO_LARGE,
        )
    return Submission(
        entry=entry, signature=signature, entry_bytes=entry_bytes, leaf_bytes=leaf, leaf_hash=hash_leaf(leaf)
    )


def parse_leaf(leaf: bytes) -> Submission:
    """Parse a leaf read back from the log and require it to be in canonical form.

    A leaf whose bytes differ from the canonical form of what they encode was not written by this
    log's rules (DESIGN §6: every entry's canonical form is checked). Most leaves are checked as text
    (`_parse_canonical_leaf`); the rest, and every leaf that fails, go the strict way, which decides.
    """
    if len(leaf) > MAX_LEAF_BYTES:
        raise TooLarge(f"leaf is {len(leaf)} bytes, the limit is {MAX_LEAF_BYTES}", code=codes.ENTRY_TOO_LARGE)
    return _parse_canonical_leaf(leaf) or parse_leaf_strictly(leaf)


def parse_leaf_strictly(leaf: bytes) -> Submission:
    """`parse_leaf` without its fast path: the member walk and the re-encoding, for every leaf."""
    if len(leaf) > MAX_LEAF_BYTES:
        raise TooLarge(f"leaf is {len(leaf)} bytes, the limit is {MAX_LEAF_BYTES}", code=codes.ENTRY_TOO_LARGE)
    try:
        # No duplicate-member hook here (it runs in Python for every object, and the verifier reads
        # every leaf): a leaf with a repeated member cannot equal the canonical form of what it
        # parses to, which has one member fewer, so the comparison below refuses it anyway.
        value = LEAF_DECODER.decode(leaf.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise MalformedInput(f"leaf is not JSON: {exc}", code=codes.MALFORMED_JSON) from exc
    submission = submission_from_json(value)
    if submission.leaf_bytes != leaf:
        raise MalformedInput("leaf is not in RFC 8785 canonical form", code=codes.NOT_CANONICAL)
    return submission


_JSON_DECODER = msgspec.json.Decoder()  # C; on the text below it gives what json.loads would
_KIND_MEMBER = b'"kind":"'
_new_entry = object.__new__
_SIGNATURE_TAIL = len(b',"signature":"') + 88 + len(b'"}')  # after the entry in a leaf of the fast path


def _parse_canonical_leaf(leaf: bytes) -> Submission | None:
    """The fast path of `parse_leaf` (issue 16): the submission of a leaf whose kind's pattern
    (`_LEAF_PATTERNS`) matches it, or None, and then the strict path decides.

    A match proves what the strict path checks: the leaf is the canonical form of what it encodes
    (nothing to escape, members in order, integers plain: ledger.canonical's text patterns), has
    exactly the members of its kind, each passing its validator (`_CANONICAL_TEXT`), a stream of its
    kind and a time that exists. So the submission is built from the decoded value as the strict path
    builds it, its canonical entry cut out of the leaf. tests/test_leaf_fast_path.py holds the two
    paths equal, also on refused leaves.
    """
    if type(leaf) is not bytes:  # a bytearray's slices would be mutable: the strict path copies
        return None
    start = leaf.rfind(_KIND_MEMBER) + len(_KIND_MEMBER)  # the entry's `kind`: only the envelope follows
    known = _LEAF_PATTERNS.get(leaf[start : leaf.find(b'"', start)])
    if known is None:
        return None
    pattern, names_unit, subject = known
    match = pattern.fullmatch(leaf)
    if match is None:
        return None
    try:
        value = _JSON_DECODER.decode(leaf)
    except msgspec.DecodeError:  # cannot happen on matched text; if it did, the strict path decides
        return None
    entry = value["entry"]
    prev_text, at = entry["prev"], entry["at"]
    # Built field by field like the frozen dataclasses' __init__ would, without its per-field
    # object.__setattr__ (a third of this path's time); every field is set, as there.
    parsed = _new_entry(Entry)
    parsed.__dict__.update(
        v=1,
        log=entry["log"],
        kind=entry["kind"],
        stream=entry["stream"],
        seq=entry["seq"],
        prev=None if prev_text is None else binascii.a2b_base64(prev_text),
        at=at,
        signer=entry["signer"],
        body=entry["body"],
        unit=match["unit"].decode("ascii") if names_unit else None,
        stream_subject=None if subject is None else match[subject].decode("ascii"),
        time=datetime.fromisoformat(at),  # "Z" is UTC (Python 3.11); the pattern fixed the form
        plain=True,  # ASCII names, integers of at most 15 digits
    )
    submission = _new_entry(Submission)
    submission.__dict__.update(
        entry=parsed,
        signature=binascii.a2b_base64(value["signature"]),
        entry_bytes=leaf[len(b'{"entry":') : -_SIGNATURE_TAIL],
        leaf_bytes=leaf,
        leaf_hash=hash_leaf(leaf),
    )
    return submission


def sign_entry(entry: Mapping[str, Any], private_key: Ed25519PrivateKey) -> Submission:
    """Validate an entry given as JSON, sign it with `private_key` and return the submission.

    The entry's `signer` must be the key's fingerprint: the caller states who signs, and a
    mismatch is a mistake worth stopping, not correcting.
    """
    # A deep copy: the entry must not change when the caller later changes the dict it passed.
    parsed = parse_entry(copy.deepcopy(dict(entry)))
    key_fingerprint = fingerprint(private_key.public_key())
    if parsed.signer != key_fingerprint:
        raise MalformedInput(
            f"entry.signer is {parsed.signer[:12]}…, but the key's fingerprint is {key_fingerprint[:12]}…",
            code=codes.INVALID_MEMBER,
        )
    return _submission(parsed, private_key.sign(parsed.signing_input()))
