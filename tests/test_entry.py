"""ledger.entry: Entry v1 (DESIGN §3, wire).

1. Our canonical-entry vectors (tests/vectors/entries, made by scripts/make-entry-vectors with an
   independent canonicaliser): every expected byte, and one-bit-changed twins that must fail.
2. Strict parsing: every refusal with the exact `code` of its MalformedInput.
3. Hypothesis: canonical bytes do not depend on member order or whitespace; parse(canonical) is the
   identity on submissions.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import random
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.canonical import MAX_SUBMISSION_BYTES
from ledger.crypto.keys import encode_base64, fingerprint, private_key_from_seed
from ledger.crypto.merkle import hash_leaf
from ledger.entry import (
    BODIES,
    ENTRY_MEMBERS,
    MAX_LEAF_BYTES,
    SIGNING_CONTEXT,
    Submission,
    parse_entry,
    parse_leaf,
    parse_submission,
    sign_entry,
    submission_from_json,
)
from ledger.errors import MalformedInput, VerificationFailed
from tests.builder import key_for

ROOT = Path(__file__).resolve().parent.parent
VECTOR_DIR = Path(__file__).parent / "vectors" / "entries"
VECTORS: dict[str, dict[str, Any]] = {
    path.stem: json.loads(path.read_text(encoding="utf-8")) for path in sorted(VECTOR_DIR.glob("*.json"))
}
KINDS = sorted(VECTORS)


def jcs(value: Any) -> bytes:
    """An independent RFC 8785 for JSON without floats and with ASCII member names (all of ours)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def submission_text(vector: dict[str, Any], signature: str | None = None) -> str:
    """The vector's entry exactly as given (non-canonical), wrapped in a submission."""
    return f'{{\n  "signature": "{signature or vector["signature"]}",\n  "entry": {vector["entry_json"]}\n}}'


def bits_differ(a: bytes, b: bytes) -> int:
    assert len(a) == len(b)
    return sum(bin(x ^ y).count("1") for x, y in zip(a, b, strict=True))


def flip(data: bytes, bit: int) -> bytes:
    changed = bytearray(data)
    changed[bit // 8] ^= 1 << (bit % 8)
    return bytes(changed)


def public_key(vector: dict[str, Any]) -> bytes:
    return bytes.fromhex(vector["public_key"])


# === 1. vectors ===================================================================================

vector_params = pytest.mark.parametrize("kind", KINDS)


def test_there_is_a_vector_for_every_kind() -> None:
    assert set(VECTORS) == set(BODIES)
    assert all(vector["kind"] == kind for kind, vector in VECTORS.items())


def test_vectors_are_what_the_generator_makes() -> None:
    # The generator computes every value independently of ledger.entry; --check writes nothing.
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "make-entry-vectors"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


@vector_params
def test_vector_key(kind: str) -> None:
    vector = VECTORS[kind]
    key = private_key_from_seed(bytes.fromhex(vector["seed"]))
    assert key.public_key().public_bytes_raw() == public_key(vector)
    assert bytes.fromhex(vector["seed"]) == hashlib.sha256(f"test/{vector['key_name']}".encode()).digest()
    assert fingerprint(public_key(vector)) == json.loads(vector["entry_json"])["signer"]


@vector_params
def test_vector_parses_to_the_expected_bytes(kind: str) -> None:
    vector = VECTORS[kind]
    assert vector["entry_json"].encode() != vector["canonical_entry"].encode()  # the input is not canonical
    submission = parse_submission(submission_text(vector).encode())
    canonical = vector["canonical_entry"].encode()
    assert submission.entry.kind == kind
    assert submission.entry.canonical_bytes() == canonical
    assert submission.entry_bytes == canonical
    assert canonical == jcs(json.loads(vector["entry_json"]))
    signing_input = bytes.fromhex(vector["signing_input"])
    assert signing_input == SIGNING_CONTEXT + canonical
    assert submission.entry.signing_input() == signing_input
    assert submission.signing_input() == signing_input
    assert submission.signature == base64.b64decode(vector["signature"])
    assert submission.leaf_bytes == vector["leaf"].encode()
    assert submission.leaf_hash == base64.b64decode(vector["leaf_hash"])
    assert submission.leaf_hash == hashlib.sha256(b"\x00" + vector["leaf"].encode()).digest()


@vector_params
def test_vector_signature_verifies(kind: str) -> None:
    vector = VECTORS[kind]
    parse_submission(submission_text(vector)).verify_signature(public_key(vector))


@vector_params
def test_vector_leaf_parses_back_to_the_same_submission(kind: str) -> None:
    vector = VECTORS[kind]
    assert parse_leaf(vector["leaf"].encode()) == parse_submission(submission_text(vector))


@vector_params
def test_sign_entry_reproduces_the_vector(kind: str) -> None:
    # Ed25519 is deterministic: signing the entry as given gives the vector's signature and leaf.
    vector = VECTORS[kind]
    key = private_key_from_seed(bytes.fromhex(vector["seed"]))
    submission = sign_entry(json.loads(vector["entry_json"]), key)
    assert encode_base64(submission.signature) == vector["signature"]
    assert submission.leaf_bytes == vector["leaf"].encode()


def test_vectors_chain_their_streams() -> None:
    # prev of every seq > 0 vector is the leaf hash of the vector before it in its stream.
    by_hash = {vector["leaf_hash"]: json.loads(vector["entry_json"]) for vector in VECTORS.values()}
    for vector in VECTORS.values():
        entry = json.loads(vector["entry_json"])
        if entry["seq"] > 0:
            before = by_hash[entry["prev"]]
            assert (before["stream"], before["seq"]) == (entry["stream"], entry["seq"] - 1)


# --- one-bit twins ---------------------------------------------------------------------------------


@vector_params
def test_every_one_bit_change_of_the_signature_fails(kind: str) -> None:
    vector = VECTORS[kind]
    submission = parse_submission(submission_text(vector))
    for bit in range(8 * len(submission.signature)):
        changed = flip(submission.signature, bit)
        twin = parse_submission(submission_text(vector, encode_base64(changed)))
        assert twin.leaf_hash != submission.leaf_hash
        with pytest.raises(VerificationFailed) as info:
            twin.verify_signature(public_key(vector))
        assert info.value.code == "bad_signature"


@vector_params
def test_one_bit_change_of_the_leaf_fails(kind: str) -> None:
    # One bit in every byte of the leaf (bit = byte index mod 8): the leaf hash differs, and the twin
    # is refused by parse_leaf or, if it still parses, its signature does not verify.
    vector = VECTORS[kind]
    leaf = vector["leaf"].encode()
    want_hash = base64.b64decode(vector["leaf_hash"])
    parsed_twins = 0
    for byte in range(len(leaf)):
        twin = flip(leaf, 8 * byte + byte % 8)
        assert hash_leaf(twin) != want_hash
        try:
            submission = parse_leaf(twin)
        except MalformedInput:
            continue
        parsed_twins += 1
        assert submission.leaf_hash != want_hash
        with pytest.raises(VerificationFailed):
            submission.verify_signature(public_key(vector))
    assert parsed_twins > 0  # some twins are well-formed, so the signature check is exercised


def _string_values(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, element in value.items():
            yield from _string_values(element, (*path, key))
    elif isinstance(value, list):
        for i, element in enumerate(value):
            yield from _string_values(element, (*path, i))


def _set(value: Any, path: tuple[Any, ...], new: Any) -> None:
    for step in path[:-1]:
        value = value[step]
    value[path[-1]] = new


@vector_params
def test_one_bit_change_in_a_string_value_of_the_canonical_entry_fails(kind: str) -> None:
    # For every string value of the entry, flip the lowest bit of its first ASCII letter (which stays
    # a printable character needing no escape): the canonical bytes change by exactly one bit, and
    # the entry is either refused or its signature no longer verifies.
    vector = VECTORS[kind]
    canonical = vector["canonical_entry"].encode()
    entry = json.loads(canonical)
    verified_twins = 0
    for path, text in _string_values(entry):
        position = next((i for i, c in enumerate(text) if c.isascii() and c.isalpha()), None)
        if position is None:
            continue
        twin = copy.deepcopy(entry)
        _set(twin, path, text[:position] + chr(ord(text[position]) ^ 1) + text[position + 1 :])
        assert bits_differ(jcs(twin), canonical) == 1, path
        try:
            submission = submission_from_json({"entry": twin, "signature": vector["signature"]})
        except MalformedInput:
            continue  # e.g. a kind or an enum value that no longer exists
        assert submission.entry_bytes == jcs(twin)
        with pytest.raises(VerificationFailed) as info:
            submission.verify_signature(public_key(vector))
        assert info.value.code == "bad_signature"
        verified_twins += 1
    assert verified_twins >= 1  # at least `log` changes silently and only the signature catches it


# === 2. strict parsing ============================================================================

DELETE = object()
RAW = "@@raw@@"  # placeholder replaced by raw JSON text, for what json.dumps cannot write


def submission_of(kind: str) -> dict[str, Any]:
    vector = VECTORS[kind]
    return {"entry": json.loads(vector["entry_json"]), "signature": vector["signature"]}


def changed(kind: str, path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    submission = submission_of(kind)
    target: Any = submission
    for step in path[:-1]:
        target = target[step]
    if value is DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return submission


def changed_text(kind: str, path: tuple[Any, ...], raw: str) -> str:
    text = json.dumps(changed(kind, path, RAW), ensure_ascii=False)
    assert text.count(f'"{RAW}"') == 1
    return text.replace(f'"{RAW}"', raw)


def refusal(data: Any) -> MalformedInput:
    """The MalformedInput that parse_submission raises for `data` (text, bytes or a JSON value)."""
    if not isinstance(data, str | bytes):
        data = json.dumps(data, ensure_ascii=False)
    with pytest.raises(MalformedInput) as info:
        parse_submission(data)
    return info.value


def assert_refused(data: Any, code: str) -> None:
    error = refusal(data)
    assert error.code == code, error.message


def assert_accepted(kind: str, path: tuple[Any, ...], value: Any) -> Submission:
    return parse_submission(json.dumps(changed(kind, path, value), ensure_ascii=False))


E = ("entry",)
B = ("entry", "body")
DIGEST = VECTORS["key.registered"]["leaf_hash"]  # a valid base64 SHA-256 digest
FINGERPRINT = json.loads(VECTORS["key.registered"]["entry_json"])["signer"]


def case(kind: str, path: tuple[Any, ...], value: Any, *, id: str) -> Any:
    return pytest.param(kind, path, value, id=id)


# --- malformed_json --------------------------------------------------------------------------------

GOOD = submission_text(VECTORS["unit.registered"])


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(GOOD[:-1], id="truncated-last-brace"),
        pytest.param(GOOD[: len(GOOD) // 2], id="truncated-half"),
        pytest.param("", id="empty"),
        pytest.param("{", id="open-brace"),
        pytest.param(GOOD + "x", id="trailing-letter"),
        pytest.param(GOOD + "{}", id="trailing-object"),
        pytest.param(GOOD + " ]", id="trailing-bracket"),
        pytest.param(GOOD + "\x00", id="trailing-nul"),
        pytest.param("\ufeff" + GOOD, id="bom"),
        pytest.param(GOOD.replace('"kind"', "'kind'"), id="single-quotes"),
    ],
)
def test_malformed_json_text(text: str) -> None:
    assert_refused(text, "malformed_json")
    assert_refused(text.encode(), "malformed_json")


@pytest.mark.parametrize(
    ("kind", "path", "raw"),
    [
        case(
            "unit.registered",
            ("signature",),
            f'"{VECTORS["unit.registered"]["signature"]}", "signature": "x"',
            id="dup-top",
        ),
        case("unit.registered", (*E, "seq"), '0, "seq": 0', id="dup-entry-same-value"),
        case("unit.registered", (*E, "seq"), '0, "seq": 1', id="dup-entry-other-value"),
        case("oversight.noted", (*B, "office"), '"finding", "office": "district_prosecutor"', id="dup-body"),
        case("key.registered", (*B, "holder", "title"), '"Camat", "title": "Camat"', id="dup-nested"),
        case("ledger.genesis", (*B, "policy", "version"), '1, "version": 1', id="dup-policy"),
        case("unit.registered", (*E, "seq"), "NaN", id="nan"),
        case("unit.registered", (*B, "headcount"), "Infinity", id="infinity"),
        case("ledger.genesis", (*B, "policy", "version"), "-Infinity", id="minus-infinity"),
        case("unit.registered", (*B, "headcount"), "023", id="leading-zero"),
        case("unit.registered", (*B, "headcount"), "+23", id="plus-sign"),
        case("unit.registered", (*B, "headcount"), "0x17", id="hex"),
        case("unit.registered", (*B, "headcount"), "23 /* pegawai */", id="comment"),
        case("unit.headcount_set", (*B, "headcount"), "25,", id="trailing-comma"),
        case("unit.registered", (*B, "name"), '"Kecamatan\tTunjungan"', id="raw-tab-in-string"),
        case("unit.registered", (*B, "name"), '"Kecamatan\\x41"', id="bad-escape"),
        case("unit.registered", (*B, "name"), "'Kecamatan Tunjungan'", id="single-quoted-value"),
        case("ledger.genesis", (*B, "policy", "version"), "[" * 100_000 + "]" * 100_000, id="too-deep"),
    ],
)
def test_malformed_json_member(kind: str, path: tuple[Any, ...], raw: str) -> None:
    assert_refused(changed_text(kind, path, raw), "malformed_json")


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(b"\xff", id="ff"),
        pytest.param(b"\xc3", id="truncated-sequence"),
        pytest.param(b"\xc3\xa9"[::-1], id="continuation-first"),
        pytest.param(b"\xc0\xae", id="overlong"),
        pytest.param(b"\xed\xa0\x80", id="encoded-surrogate"),
        pytest.param(b"\xf4\x90\x80\x80", id="above-10ffff"),
    ],
)
def test_invalid_utf8_is_malformed_json(bad: bytes) -> None:
    text = changed_text("unit.registered", (*B, "name"), f'"Kecamatan {RAW}"').encode()
    assert_refused(text.replace(RAW.encode(), bad), "malformed_json")


def test_utf16_is_malformed_json() -> None:
    assert_refused(GOOD.encode("utf-16"), "malformed_json")


def test_escaped_lone_surrogate_is_refused() -> None:
    # Valid JSON syntax, but no Unicode string: it cannot be canonicalised as UTF-8.
    text = changed_text("unit.registered", (*B, "name"), '"Kecamatan \\ud800"')
    assert isinstance(refusal(text), MalformedInput)


def test_submission_over_one_mebibyte_is_refused_before_parsing() -> None:
    assert_refused(GOOD + " " * MAX_SUBMISSION_BYTES, "entry_too_large")


def test_whitespace_does_not_count_toward_the_leaf_limit() -> None:
    padded = GOOD.replace('"v":', '"v":' + " " * (2 * MAX_LEAF_BYTES))
    assert len(padded) > 2 * MAX_LEAF_BYTES
    assert parse_submission(padded).leaf_bytes == VECTORS["unit.registered"]["leaf"].encode()


# --- wrong_type ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["[]", '"submission"', "null", "1", "true"])
def test_submission_that_is_not_an_object(text: str) -> None:
    assert_refused(text, "wrong_type")


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        case("unit.registered", E, [], id="entry-array"),
        case("unit.registered", E, None, id="entry-null"),
        case("unit.registered", E, "{}", id="entry-string"),
        case("unit.registered", ("signature",), 1, id="signature-number"),
        case("unit.registered", ("signature",), None, id="signature-null"),
        case("unit.registered", ("signature",), [], id="signature-array"),
        case("unit.headcount_set", (*E, "seq"), True, id="seq-true"),
        case("unit.registered", (*E, "seq"), False, id="seq-false"),
        case("unit.headcount_set", (*E, "seq"), "1", id="seq-string"),
        case("unit.registered", (*E, "seq"), None, id="seq-null"),
        case("unit.registered", (*E, "seq"), [0], id="seq-array"),
        case("unit.registered", (*E, "body"), None, id="body-null"),
        case("unit.registered", (*E, "body"), [], id="body-array"),
        case("unit.registered", (*E, "body"), "Kecamatan Tunjungan", id="body-string"),
        case("unit.registered", (*E, "log"), 7, id="log-number"),
        case("unit.registered", (*E, "kind"), None, id="kind-null"),
        case("unit.registered", (*E, "stream"), ["unit", "kecamatan-tunjungan"], id="stream-array"),
        case("unit.registered", (*E, "at"), 20210118, id="at-number"),
        case("unit.registered", (*E, "signer"), None, id="signer-null"),
        case("unit.headcount_set", (*E, "prev"), 5, id="prev-number"),
        case("unit.headcount_set", (*E, "prev"), True, id="prev-true"),
        case("unit.registered", (*B, "headcount"), "23", id="headcount-string"),
        case("unit.registered", (*B, "headcount"), True, id="headcount-bool"),
        case("unit.registered", (*B, "name"), 5, id="name-number"),
        case("key.registered", (*B, "scope"), "kecamatan-tunjungan", id="scope-string"),
        case("key.registered", (*B, "holder"), "Camat Tunjungan", id="holder-string"),
        case("key.registered", (*B, "public_key"), None, id="public-key-null"),
        case("remediation.completed", (*B, "evidence"), DIGEST, id="evidence-string"),
        case("assessment.reviewed", (*B, "remediation"), {}, id="remediation-object"),
        case("assessment.reviewed", (*B, "remediation", 0), "rm-2021-01", id="remediation-item-string"),
        case("assessment.reviewed", (*B, "scores"), [], id="scores-array"),
        case("assessment.reviewed", (*B, "scores", "ipak"), 16, id="score-integer"),
        case("assessment.reviewed", (*B, "year"), "2021", id="year-string"),
        case("pact.signed", (*B, "employee"), None, id="employee-null"),
        case("stage.advanced", (*B, "note"), None, id="note-null"),
        case("ledger.genesis", (*B, "policy"), [], id="policy-array"),
    ],
)
def test_wrong_type(kind: str, path: tuple[Any, ...], value: Any) -> None:
    assert_refused(changed(kind, path, value), "wrong_type")


# --- missing_member and unknown_member -------------------------------------------------------------


def _missing_cases() -> Iterator[Any]:
    yield case("unit.registered", ("signature",), DELETE, id="top-signature")
    yield case("unit.registered", E, DELETE, id="top-entry")
    for member in sorted(ENTRY_MEMBERS):
        yield case("unit.registered", (*E, member), DELETE, id=f"entry-{member}")
    for kind, (required, _) in BODIES.items():
        for member in required:
            yield case(kind, (*B, member), DELETE, id=f"body-{kind}-{member}")
    yield case("key.registered", (*B, "holder", "title"), DELETE, id="nested-holder-title")
    yield case("pact.signed", (*B, "employee", "number"), DELETE, id="nested-employee-number")
    yield case("assessment.reviewed", (*B, "scores", "ipak"), DELETE, id="nested-scores-ipak")
    yield case("assessment.reviewed", (*B, "remediation", 0, "text"), DELETE, id="nested-remediation-text")


def _unknown_cases() -> Iterator[Any]:
    yield case("unit.registered", ("receipt",), {"index": 3}, id="top-receipt")
    yield case("unit.registered", (*E, "id"), "x", id="entry-id")
    yield case("unit.registered", (*E, "V"), 1, id="entry-capital-v")
    # A non-NFC member name at entry level is refused as unknown: the member check comes first.
    yield case("unit.registered", (*E, "cafe\u0301"), 1, id="entry-non-nfc-name")
    for kind in BODIES:
        yield case(kind, (*B, "catatan"), "tambahan", id=f"body-{kind}")
    yield case("key.registered", (*B, "holder", "nip"), "198503122010011004", id="nested-holder")
    yield case("pact.signed", (*B, "employee", "email"), "andre@blorakab.go.id", id="nested-employee")
    yield case("assessment.reviewed", (*B, "scores", "total"), "86.50", id="nested-scores-total")
    yield case("assessment.reviewed", (*B, "remediation", 1, "due"), "2021-12-31", id="nested-remediation")


@pytest.mark.parametrize(("kind", "path", "value"), list(_missing_cases()))
def test_missing_member(kind: str, path: tuple[Any, ...], value: Any) -> None:
    assert_refused(changed(kind, path, value), "missing_member")


@pytest.mark.parametrize(("kind", "path", "value"), list(_unknown_cases()))
def test_unknown_member(kind: str, path: tuple[Any, ...], value: Any) -> None:
    assert_refused(changed(kind, path, value), "unknown_member")


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("stage.advanced", (*B, "decree")),
        ("pact.signed", (*B, "document_digest")),
    ],
)
def test_optional_member_may_be_left_out(kind: str, path: tuple[Any, ...]) -> None:
    assert_accepted(kind, path, DELETE)


def test_optional_basis_is_accepted() -> None:
    submission = assert_accepted("stage.advanced", (*B, "basis"), DIGEST)
    assert submission.entry.body["basis"] == DIGEST


# --- float_not_allowed ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "raw"),
    [
        case("unit.headcount_set", (*E, "seq"), "1.0", id="seq-1.0"),
        case("unit.headcount_set", (*E, "seq"), "1e3", id="seq-1e3"),
        case("unit.headcount_set", (*E, "seq"), "1E3", id="seq-1E3"),
        case("unit.registered", (*E, "seq"), "-0.0", id="seq-minus-zero"),
        case("unit.registered", (*E, "seq"), "0e0", id="seq-0e0"),
        case("unit.registered", (*E, "v"), "1.0", id="v"),
        case("unit.registered", (*B, "headcount"), "23.0", id="headcount"),
        case("unit.registered", (*B, "headcount"), "2.3e1", id="headcount-exponent"),
        case("unit.registered", (*B, "headcount"), "1e400", id="overflowing-exponent"),
        case("assessment.reviewed", (*B, "scores", "ipak"), "16.0", id="score"),
        case("assessment.reviewed", (*B, "year"), "2021.0", id="year"),
        case("ledger.genesis", (*B, "policy", "min_pact_coverage", "value"), "0.9", id="policy"),
        case("ledger.genesis", (*B, "policy", "revocation_bar_days", "value"), "730.0", id="policy-integer-valued"),
        case("remediation.completed", (*B, "evidence", 1), "1.5", id="in-array"),
        case("unit.registered", ("signature",), "1.0", id="top-level"),
    ],
)
def test_float_not_allowed(kind: str, path: tuple[Any, ...], raw: str) -> None:
    assert_refused(changed_text(kind, path, raw), "float_not_allowed")


def test_sign_entry_refuses_a_float_in_the_policy() -> None:
    # The policy is checked by shape only; a float there, from code rather than JSON text, would
    # sign a leaf that parse_leaf refuses.
    vector = VECTORS["policy.set"]
    entry = json.loads(vector["entry_json"])
    entry["body"]["policy"]["min_pact_coverage"]["value"] = 0.9
    with pytest.raises(MalformedInput) as info:
        sign_entry(entry, private_key_from_seed(bytes.fromhex(vector["seed"])))
    assert info.value.code == "float_not_allowed"


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("unit.headcount_set", (*E, "seq")),
        ("unit.registered", (*B, "headcount")),
        ("ledger.genesis", (*B, "policy", "revocation_bar_days", "value")),
    ],
)
def test_sign_entry_refuses_a_float_built_in_code(kind: str, path: tuple[Any, ...]) -> None:
    entry = changed(kind, path, 1.0)["entry"]
    with pytest.raises(MalformedInput) as info:
        sign_entry(entry, private_key_from_seed(bytes.fromhex(VECTORS[kind]["seed"])))
    assert info.value.code == "float_not_allowed"


# --- integers ----------------------------------------------------------------------------------------


def test_seq_up_to_2_pow_53_minus_1_is_accepted() -> None:
    submission = assert_accepted("unit.headcount_set", (*E, "seq"), 2**53 - 1)
    assert submission.entry.seq == 2**53 - 1
    assert b'"seq":9007199254740991' in submission.leaf_bytes


@pytest.mark.parametrize("seq", [2**53, 2**64, -1])
def test_seq_outside_0_to_2_pow_53_minus_1_is_refused(seq: int) -> None:
    assert_refused(changed("unit.headcount_set", (*E, "seq"), seq), "invalid_member")


def test_seq_with_4000_digits_is_refused() -> None:
    assert_refused(changed_text("unit.headcount_set", (*E, "seq"), "1" + "0" * 3999), "invalid_member")


def test_integer_over_4300_digits_is_malformed_json() -> None:
    # Python refuses to convert integers of more than 4300 digits with a plain ValueError.
    assert_refused(changed_text("unit.headcount_set", (*E, "seq"), "1" + "0" * 5000), "malformed_json")
    assert_refused(changed_text("ledger.genesis", (*B, "policy", "version"), "9" * 4301), "malformed_json")


# --- invalid_base64 --------------------------------------------------------------------------------


def non_canonical(text: str) -> str:
    """The same bytes with a padding bit set: lenient decoders accept it, strict ones must not."""
    last = len(text.rstrip("=")) - 1
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    changed_char = alphabet[alphabet.index(text[last]) ^ 1]
    result = text[:last] + changed_char + text[last + 1 :]
    assert base64.b64decode(result) == base64.b64decode(text)
    return result


URL_SAFE_32 = base64.urlsafe_b64encode(b"\xfb\xff" * 16).decode()  # contains '-' and '_'
URL_SAFE_64 = base64.urlsafe_b64encode(b"\xfb\xff" * 32).decode()
SIGNATURE = VECTORS["unit.registered"]["signature"]


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        case("unit.headcount_set", (*E, "prev"), non_canonical(DIGEST), id="prev-padding-bits"),
        case("unit.headcount_set", (*E, "prev"), URL_SAFE_32, id="prev-url-safe"),
        case("unit.headcount_set", (*E, "prev"), DIGEST.rstrip("="), id="prev-missing-padding"),
        case("unit.headcount_set", (*E, "prev"), encode_base64(b"\x01" * 31), id="prev-31-bytes"),
        case("unit.headcount_set", (*E, "prev"), encode_base64(b"\x01" * 33), id="prev-33-bytes"),
        case("unit.headcount_set", (*E, "prev"), DIGEST + "\n", id="prev-newline"),
        case("unit.headcount_set", (*E, "prev"), "0" * 64, id="prev-hex"),
        case("unit.headcount_set", (*E, "prev"), "", id="prev-empty"),
        case("unit.registered", ("signature",), non_canonical(SIGNATURE), id="signature-padding-bits"),
        case("unit.registered", ("signature",), SIGNATURE.rstrip("="), id="signature-missing-padding"),
        case("unit.registered", ("signature",), encode_base64(b"\x01" * 63), id="signature-63-bytes"),
        case("unit.registered", ("signature",), encode_base64(b"\x01" * 65), id="signature-65-bytes"),
        case("unit.registered", ("signature",), SIGNATURE[:40] + "\n" + SIGNATURE[40:], id="signature-line-break"),
        case("unit.registered", ("signature",), URL_SAFE_64, id="signature-url-safe"),
        case("pact.signed", (*B, "pact_digest"), non_canonical(DIGEST), id="pact-digest-padding-bits"),
        case("pact.signed", (*B, "document_digest"), URL_SAFE_32, id="document-digest-url-safe"),
        case("remediation.completed", (*B, "evidence", 1), DIGEST[:-4], id="evidence-short"),
        case("declaration.witnessed", (*B, "declaration"), " " + DIGEST, id="declaration-space"),
        case("ledger.genesis", (*B, "root_key"), encode_base64(b"\x01" * 57), id="root-key-ed448-size"),
        case("key.registered", (*B, "public_key"), non_canonical(DIGEST), id="public-key-padding-bits"),
        case("stage.advanced", (*B, "basis"), DIGEST.rstrip("="), id="basis-missing-padding"),
    ],
)
def test_invalid_base64(kind: str, path: tuple[Any, ...], value: Any) -> None:
    assert_refused(changed(kind, path, value), "invalid_base64")


# --- unsupported_version, unknown_kind, invalid_stream ---------------------------------------------


@pytest.mark.parametrize("version", [2, 0, -1, "1", True, None, [1]], ids=repr)
def test_unsupported_version(version: Any) -> None:
    assert_refused(changed("unit.registered", (*E, "v"), version), "unsupported_version")


@pytest.mark.parametrize(
    "kind",
    [
        "key.rotated",
        "ledger.Genesis",
        "",
        "unit_registered",
        " unit.registered",
        "unit.registered\n",
        "UNIT.REGISTERED",
    ],
    ids=repr,
)
def test_unknown_kind(kind: str) -> None:
    assert_refused(changed("unit.registered", (*E, "kind"), kind), "unknown_kind")


@pytest.mark.parametrize(
    ("kind", "stream"),
    [
        ("unit.registered", "unit/Kecamatan-Tunjungan"),
        ("unit.registered", "unit/-tunjungan"),
        ("unit.registered", "unit/" + "a" * 65),
        ("unit.registered", "unit/kecamatan-tunjungan/"),
        ("unit.registered", "unit/kecamatan tunjungan"),
        ("unit.registered", "unit/kecamatan-tunjungan\n"),
        ("unit.registered", "unit/"),
        ("unit.registered", "units/kecamatan-tunjungan"),
        ("unit.registered", "ledger"),
        ("unit.registered", "oversight/kecamatan-tunjungan"),
        ("unit.registered", "unit/kecamatan-tunjüngan"),
        ("ledger.genesis", "ledger/blora"),
        ("ledger.genesis", "Ledger"),
        ("policy.set", "unit/kecamatan-tunjungan"),
        ("key.registered", "key/" + FINGERPRINT.upper()),
        ("key.registered", "key/" + FINGERPRINT[:63]),
        ("key.revoked", "key/" + FINGERPRINT + "0"),
        ("pact.signed", "pact/kecamatan-tunjungan"),
        ("pact.signed", "pact/kecamatan-tunjungan/19850312 2010011004"),
        ("pact.released", "pact/kecamatan-tunjungan/198503122010011004/x"),
        ("declaration.witnessed", "unit/kecamatan-tunjungan"),
        ("oversight.noted", "witness/kecamatan-tunjungan"),
    ],
    ids=repr,
)
def test_invalid_stream(kind: str, stream: str) -> None:
    assert_refused(changed(kind, (*E, "stream"), stream), "invalid_stream")


def test_stream_id_of_64_characters_is_accepted() -> None:
    assert assert_accepted("unit.registered", (*E, "stream"), "unit/" + "a" * 64).entry.unit == "a" * 64


# --- invalid_id ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        case("remediation.completed", (*B, "item"), "RM-2021-01", id="uppercase"),
        case("remediation.completed", (*B, "item"), "-rm-2021-01", id="leading-hyphen"),
        case("remediation.completed", (*B, "item"), "a" * 65, id="65-chars"),
        case("remediation.completed", (*B, "item"), "rémediasi", id="unicode-nfc"),
        case("remediation.completed", (*B, "item"), "rm_2021_01", id="underscore"),
        case("remediation.completed", (*B, "item"), "rm 2021", id="space"),
        case("remediation.completed", (*B, "item"), "", id="empty"),
        case("remediation.completed", (*B, "item"), "rm-2021-01\n", id="trailing-newline"),
        case("remediation.completed", (*B, "item"), "١٢٣", id="arabic-indic-digits"),
        case("assessment.reviewed", (*B, "remediation", 0, "id"), "RM-1", id="remediation-id"),
        case("pact.signed", (*B, "employee", "number"), "19850312 2010011004", id="employee-number"),
        case("key.registered", (*B, "scope"), ["Kecamatan-Tunjungan"], id="scope-uppercase"),
        case("key.registered", (*B, "scope"), ["*", "kecamatan-tunjungan"], id="scope-star-and-unit"),
        case("key.registered", (*B, "scope"), ["a" * 65], id="scope-65-chars"),
        case("unit.registered", (*E, "signer"), FINGERPRINT.upper(), id="signer-uppercase"),
        case("unit.registered", (*E, "signer"), FINGERPRINT[:63], id="signer-63"),
        case("unit.registered", (*E, "signer"), FINGERPRINT + "0", id="signer-65"),
        case("unit.registered", (*E, "signer"), "", id="signer-empty"),
    ],
)
def test_invalid_id(kind: str, path: tuple[Any, ...], value: Any) -> None:
    assert_refused(changed(kind, path, value), "invalid_id")


@pytest.mark.parametrize("item", ["a" * 64, "0", "a-", "rm-2021-01", "9-9"])
def test_valid_ids_are_accepted(item: str) -> None:
    assert assert_accepted("remediation.completed", (*B, "item"), item).entry.body["item"] == item


# --- invalid_time ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "at",
    [
        "2021-01-18T10:05:00+07:00",
        "2021-01-18T03:05:00+00:00",
        "2021-01-18T03:05:00.000Z",
        "2021-01-18T03:05:00.5Z",
        "2021-01-18T03:05:00z",
        "2021-01-18t03:05:00Z",
        "2021-01-18 03:05:00Z",
        "2021-02-30T03:05:00Z",
        "2021-02-29T03:05:00Z",
        "2021-13-01T03:05:00Z",
        "2021-01-18T24:00:00Z",
        "2021-01-18T23:59:60Z",
        "2021-01-18T03:05Z",
        "2021-01-18T03:05:00",
        "2021-01-18",
        "21-01-18T03:05:00Z",
        "0000-01-01T00:00:00Z",
        " 2021-01-18T03:05:00Z",
        "2021-01-18T03:05:00Z\n",
        "２０２１-０１-１８T０３:０５:００Z",
        "",
    ],
    ids=repr,
)
def test_invalid_time(at: str) -> None:
    assert_refused(changed("unit.registered", (*E, "at"), at), "invalid_time")


@pytest.mark.parametrize("at", ["2020-02-29T23:59:59Z", "2021-01-18T00:00:00Z", "2999-12-31T23:59:59Z"])
def test_valid_times_are_accepted(at: str) -> None:
    assert assert_accepted("unit.registered", (*E, "at"), at).entry.at == at


@pytest.mark.parametrize(
    "signed_on",
    ["2021-02-30", "2021-2-15", "15-02-2021", "2021-02-15T00:00:00Z", "2021-02-15 ", "２０２１-０２-１５", "20210215"],
    ids=repr,
)
def test_invalid_date(signed_on: str) -> None:
    assert_refused(changed("pact.signed", (*B, "signed_on"), signed_on), "invalid_time")


# --- not_nfc ---------------------------------------------------------------------------------------

DECOMPOSED = "e\u0301"  # 'e' + COMBINING ACUTE ACCENT; NFC is 'é' (U+00E9)


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        case("oversight.noted", (*B, "text"), f"Kunjungan ke kafe{DECOMPOSED} desa", id="body-text"),
        case("key.registered", (*B, "holder", "name"), f"Andre{DECOMPOSED} Setiawan", id="nested-holder-name"),
        case("pact.signed", (*B, "employee", "name"), f"Andre{DECOMPOSED}", id="nested-employee-name"),
        case("assessment.reviewed", (*B, "remediation", 0, "text"), f"Caf{DECOMPOSED}", id="array-item"),
        case("unit.registered", (*E, "log"), f"integritas.blorakab.go.id/caf{DECOMPOSED}", id="log"),
        case("ledger.genesis", (*B, "policy", "note"), f"caf{DECOMPOSED}", id="policy-value"),
        case("unit.registered", (*B, "name"), "Kecamatan \u212bngstrom", id="angstrom-sign"),
        case("unit.registered", (*B, "name"), "\u1100\u1161", id="hangul-jamo"),
        case("unit.registered", (*B, f"caf{DECOMPOSED}"), 1, id="body-member-name"),
        case("key.registered", (*B, "holder", DECOMPOSED), "x", id="nested-member-name"),
        case("ledger.genesis", (*B, "policy", f"caf{DECOMPOSED}"), 1, id="policy-member-name"),
        case("unit.registered", ("signature",), DECOMPOSED, id="signature"),
    ],
)
def test_not_nfc(kind: str, path: tuple[Any, ...], value: Any) -> None:
    assert_refused(changed(kind, path, value), "not_nfc")


def test_nfc_strings_that_are_not_nfkc_are_accepted() -> None:
    name = "Kantor ﬁnansial ²"  # ligature and superscript: NFC leaves them, NFKC would not
    assert unicodedata.is_normalized("NFC", name) and not unicodedata.is_normalized("NFKC", name)
    assert assert_accepted("unit.registered", (*B, "name"), name).entry.body["name"] == name


# --- invalid_member --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        case("unit.registered", (*E, "prev"), DIGEST, id="prev-at-seq-0"),
        case("unit.headcount_set", (*E, "prev"), None, id="prev-null-at-seq-1"),
        case("unit.registered", (*B, "headcount"), 0, id="headcount-0"),
        case("unit.registered", (*B, "type"), "kelurahan", id="unit-type"),
        case("unit.registered", (*B, "name"), " \n", id="blank-name"),
        case("key.registered", (*B, "role"), "root", id="role"),
        case("key.registered", (*B, "scope"), [], id="scope-empty"),
        case("key.registered", (*B, "scope"), ["kecamatan-tunjungan"] * 2, id="scope-duplicates"),
        case("key.revoked", (*B, "reason"), "", id="empty-reason"),
        case("assessment.reviewed", (*B, "scores", "ipak"), "16.0", id="score-one-digit"),
        case("assessment.reviewed", (*B, "scores", "ipak"), "016.00", id="score-leading-zero"),
        case("assessment.reviewed", (*B, "year"), 1999, id="year"),
        case("assessment.reviewed", (*B, "outcome"), "lulus", id="outcome"),
        case("remediation.completed", (*B, "evidence"), [], id="evidence-empty"),
        case("stage.advanced", (*B, "track"), "wbbm ", id="track"),
        case("pact.released", (*B, "reason"), "pensiun", id="pact-reason"),
        case("cycle.opened", (*B, "appeal_days"), 0, id="appeal-days"),
        case("predicate.revoked", (*B, "ground"), "rumour", id="revocation-ground"),
        case("case.opened", (*B, "stage"), "trial", id="case-stage"),
    ],
)
def test_invalid_member(kind: str, path: tuple[Any, ...], value: Any) -> None:
    assert_refused(changed(kind, path, value), "invalid_member")


# --- entry_too_large -------------------------------------------------------------------------------


def _oversight_entry(text: str) -> dict[str, Any]:
    entry = json.loads(VECTORS["oversight.noted"]["entry_json"])
    entry["body"]["text"] = text
    return entry


OVERSEER = private_key_from_seed(bytes.fromhex(VECTORS["oversight.noted"]["seed"]))
LEAF_OVERHEAD = len(sign_entry(_oversight_entry("x"), OVERSEER).leaf_bytes) - 1


@pytest.mark.parametrize("filler", ["x", "é"], ids=["ascii", "two-byte-utf8"])
def test_leaf_of_exactly_65535_bytes_passes_and_one_more_fails(filler: str) -> None:
    size = MAX_LEAF_BYTES - LEAF_OVERHEAD  # UTF-8 bytes of text that make the leaf exactly the limit
    width = len(filler.encode())
    text = filler * (size // width) + "x" * (size % width)
    at_limit = sign_entry(_oversight_entry(text), OVERSEER)
    assert len(at_limit.leaf_bytes) == MAX_LEAF_BYTES
    assert parse_leaf(at_limit.leaf_bytes) == at_limit
    assert parse_submission(json.dumps(at_limit.to_json(), indent=2)) == at_limit

    with pytest.raises(MalformedInput) as info:
        sign_entry(_oversight_entry(text + "x"), OVERSEER)
    assert info.value.code == "entry_too_large"
    over = {"entry": _oversight_entry(text + "x"), "signature": encode_base64(at_limit.signature)}
    assert_refused(over, "entry_too_large")


# --- parse_leaf: not_canonical ---------------------------------------------------------------------


def _leaf_variants() -> Iterator[Any]:
    leaf = VECTORS["pact.signed"]["leaf"]
    value = json.loads(leaf)
    yield pytest.param(json.dumps(value, indent=1, ensure_ascii=False), id="indented")
    yield pytest.param(json.dumps(value, separators=(", ", ": "), ensure_ascii=False), id="spaces")
    yield pytest.param(leaf + "\n", id="trailing-newline")
    yield pytest.param(" " + leaf, id="leading-space")
    reordered = {"signature": value["signature"], "entry": value["entry"]}
    yield pytest.param(json.dumps(reordered, separators=(",", ":"), ensure_ascii=False), id="members-reordered")
    yield pytest.param(jcs(value).decode().replace("é", "\\u00e9"), id="escaped-non-ascii")
    yield pytest.param(leaf.replace("pact/", "pact\\/"), id="escaped-slash")
    yield pytest.param(leaf.replace('"v":1', '"v":1 '), id="space-after-value")
    yield pytest.param(leaf.replace('"kind"', '"\\u006bind"'), id="escaped-ascii-member-name")
    yield pytest.param(VECTORS["unit.registered"]["leaf"].replace('"seq":0', '"seq":-0'), id="minus-zero")


@pytest.mark.parametrize("text", list(_leaf_variants()))
def test_parse_leaf_refuses_non_canonical_leaf(text: str) -> None:
    # Each variant is a valid submission, only not in canonical form.
    parse_submission(text)
    with pytest.raises(MalformedInput) as info:
        parse_leaf(text.encode())
    assert info.value.code == "not_canonical"


# --- sign_entry ------------------------------------------------------------------------------------


def test_sign_entry_refuses_a_key_that_is_not_the_signer() -> None:
    entry = json.loads(VECTORS["unit.registered"]["entry_json"])
    stranger = key_for("stranger")
    with pytest.raises(MalformedInput) as info:
        sign_entry(entry, stranger)
    assert info.value.code == "invalid_member"
    assert fingerprint(stranger.public_key())[:12] in info.value.message


def test_sign_entry_validates_before_signing() -> None:
    entry = json.loads(VECTORS["unit.registered"]["entry_json"])
    entry["body"]["headcount"] = 0
    with pytest.raises(MalformedInput) as info:
        sign_entry(entry, private_key_from_seed(bytes.fromhex(VECTORS["unit.registered"]["seed"])))
    assert info.value.code == "invalid_member"


def test_submission_does_not_share_the_callers_body() -> None:
    # The submission is a value: changing the dict given to sign_entry afterwards must not change it.
    vector = VECTORS["unit.registered"]
    entry = json.loads(vector["entry_json"])
    submission = sign_entry(entry, private_key_from_seed(bytes.fromhex(vector["seed"])))
    entry["body"]["headcount"] = 999
    assert submission.entry.canonical_bytes() == submission.entry_bytes


def test_parse_entry_refuses_a_non_object() -> None:
    with pytest.raises(MalformedInput) as info:
        parse_entry([])
    assert info.value.code == "wrong_type"


# === 3. Hypothesis ================================================================================

WHITESPACE = ["", " ", "\n", "\t", "\r\n  ", "   "]


def scramble(value: Any, rnd: random.Random, ensure_ascii: bool) -> str:
    """JSON text for `value` with members shuffled and JSON whitespace between all tokens."""

    def ws() -> str:
        return rnd.choice(WHITESPACE)

    if isinstance(value, dict):
        items = list(value.items())
        rnd.shuffle(items)
        members = [
            f"{ws()}{json.dumps(k, ensure_ascii=ensure_ascii)}{ws()}:{ws()}{scramble(v, rnd, ensure_ascii)}{ws()}"
            for k, v in items
        ]
        return "{" + ",".join(members) + ws() + "}"
    if isinstance(value, list):
        return "[" + ",".join(f"{ws()}{scramble(v, rnd, ensure_ascii)}{ws()}" for v in value) + ws() + "]"
    return json.dumps(value, ensure_ascii=ensure_ascii)


@settings(max_examples=60, deadline=None)
@given(kind=st.sampled_from(KINDS), rnd=st.randoms(use_true_random=False), ensure_ascii=st.booleans())
def test_canonical_bytes_do_not_depend_on_member_order_or_whitespace(
    kind: str, rnd: random.Random, ensure_ascii: bool
) -> None:
    vector = VECTORS[kind]
    text = rnd.choice(WHITESPACE) + scramble(submission_of(kind), rnd, ensure_ascii) + rnd.choice(WHITESPACE)
    submission = parse_submission(text.encode())
    assert submission.entry_bytes == vector["canonical_entry"].encode()
    assert submission.leaf_bytes == vector["leaf"].encode()
    assert encode_base64(submission.leaf_hash) == vector["leaf_hash"]


SIGNER = key_for("hypothesis")
texts = st.text(max_size=120).map(lambda s: unicodedata.normalize("NFC", s)).filter(lambda s: bool(s.strip()))
times = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2999, 12, 31, 23, 59, 59)).map(
    lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
)
unit_ids = st.from_regex(r"[a-z0-9][a-z0-9-]{0,63}", fullmatch=True)


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    """Valid entries of four kinds with arbitrary NFC text, ids, counts, times and seq/prev."""
    unit = draw(unit_ids)
    kind = draw(st.sampled_from(["oversight.noted", "unit.registered", "remediation.completed", "key.revoked"]))
    body: dict[str, Any]
    if kind == "oversight.noted":
        stream = f"oversight/{unit}"
        body = {
            "office": draw(st.sampled_from(["district_prosecutor", "district_police_chief"])),
            "topic": draw(st.sampled_from(["accompaniment", "finding", "case_opened", "case_closed"])),
            "text": draw(texts),
        }
    elif kind == "unit.registered":
        stream = f"unit/{unit}"
        body = {
            "name": draw(texts),
            "type": draw(st.sampled_from(["badan", "dinas", "kecamatan", "rsud"])),
            "headcount": draw(st.integers(1, 2**53 - 1)),
        }
    elif kind == "remediation.completed":
        stream = f"unit/{unit}"
        digests = draw(st.lists(st.binary(min_size=32, max_size=32), min_size=1, max_size=4))
        body = {"item": draw(unit_ids), "evidence": [encode_base64(d) for d in digests]}
    else:
        stream = f"key/{fingerprint(SIGNER.public_key())}"
        body = {"reason": draw(texts)}
    seq = draw(st.integers(0, 2**53 - 1))
    return {
        "v": 1,
        "log": draw(st.text(max_size=40).map(lambda s: unicodedata.normalize("NFC", s))),
        "kind": kind,
        "stream": stream,
        "seq": seq,
        "prev": None if seq == 0 else encode_base64(draw(st.binary(min_size=32, max_size=32))),
        "at": draw(times),
        "signer": fingerprint(SIGNER.public_key()),
        "body": body,
    }


@settings(max_examples=150, deadline=None)
@given(entry=entries(), ensure_ascii=st.booleans())
def test_parse_of_canonical_leaf_round_trips(entry: dict[str, Any], ensure_ascii: bool) -> None:
    submission = sign_entry(copy.deepcopy(entry), SIGNER)
    assert parse_leaf(submission.leaf_bytes) == submission
    assert parse_submission(json.dumps(submission.to_json(), ensure_ascii=ensure_ascii, indent=1)) == submission
    # Cross-check with the independent canonicaliser.
    assert submission.entry_bytes == jcs(entry)
    assert submission.leaf_bytes == jcs({"entry": entry, "signature": encode_base64(submission.signature)})
    submission.verify_signature(SIGNER.public_key().public_bytes_raw())
