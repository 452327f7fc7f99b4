"""The fast path of `parse_leaf` (issue 16) accepts only what the strict path accepts, and gives the same.

`parse_leaf` checks most leaves as canonical text (ledger.canonical's text patterns, one pattern a
kind built from the validators of ledger.entry.BODIES) and decodes them with msgspec; every other
leaf goes the strict way (`parse_leaf_strictly`: json, the member walk, RFC 8785 re-encoding), which
gives the verdict and the error. These tests hold the two paths to each other:

1. each text pattern against what it stands for: RFC 8785's string escaping (every ASCII character),
   plain integers, calendar dates and UTC times (every year's 29 February, every month and day of
   years that exercise the leap-year rule), canonical base64 of 32 and 64 bytes (every last
   character);
2. whole leaves: the published vectors (tests/vectors/entries) and ASCII twins of them, which the fast
   path must take; every mutation of tests/test_entry.py's refusal tables, written as a canonical leaf
   and as it is; byte-level mutations and generated member values (hypothesis). Whenever the fast
   path returns a submission, the strict path returns the same one, field by field; whenever the
   strict path refuses, the fast path declines;
3. canonical_json's plain form (json.dumps): RFC 8785 on generated plain values.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import unicodedata
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import rfc8785
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import tests.test_entry as entry_tests
from ledger.canonical import (
    BASE64_32_TEXT,
    BASE64_64_TEXT,
    COUNT_TEXT,
    DATE_TEXT,
    NONBLANK_STRING_TEXT,
    POSITIVE_COUNT_TEXT,
    STRING_TEXT,
    TIME_TEXT,
    canonical_json,
    check_values,
)
from ledger.crypto.keys import decode_base64, encode_base64, private_key_from_seed
from ledger.entry import (
    _LEAF_PATTERNS,
    BODIES,
    Entry,
    Submission,
    _date,
    _parse_canonical_leaf,
    parse_leaf,
    parse_leaf_strictly,
    parse_time,
    sign_entry,
)
from ledger.errors import LedgerError, MalformedInput

VECTORS = entry_tests.VECTORS
FAST_KINDS = sorted(kind.decode() for kind in _LEAF_PATTERNS)


def full(pattern: bytes, text: str | bytes) -> bool:
    import re

    return re.fullmatch(pattern, text.encode("utf-8") if isinstance(text, str) else text) is not None


# === 1. the text patterns =========================================================================


def test_each_character_of_string_text_is_rfc_8785s_text_of_one_character() -> None:
    # A string's canonical text is its characters' texts in order (RFC 8785 §3.2.2.2), so a pattern
    # made of single characters' canonical texts matches only canonical strings. Every token of one
    # or two bytes that the pattern takes is the canonical text of the character it decodes to ...
    tokens = [bytes([a]) for a in range(256)] + [bytes([0x5C, b]) for b in range(256)]
    taken = [token for token in tokens if full(STRING_TEXT, b'"' + token + b'"')]
    for token in taken:
        assert rfc8785.dumps(json.loads(b'"' + token + b'"')) == b'"' + token + b'"', token
    # ... and it takes every ASCII character but the controls RFC 8785 writes as \u00xx, and DEL.
    written = {rfc8785.dumps(chr(code))[1:-1] for code in range(0x80) if code != 0x7F}
    assert set(taken) == {text for text in written if not text.startswith(b"\\u")}
    assert len(taken) == 93 + 7  # printable but " and \, and their escapes with \b \f \n \r \t


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_string_text_takes_the_canonical_text_of_ascii_strings(text: str) -> None:
    canonical = rfc8785.dumps(text)
    assert full(STRING_TEXT, canonical) == (b"\\u" not in canonical and "\x7f" not in text)


@given(st.text(alphabet=st.characters(max_codepoint=0x7F)))
def test_nonblank_text_is_what_strip_leaves_something_of(text: str) -> None:
    canonical = rfc8785.dumps(text)
    assert full(NONBLANK_STRING_TEXT, canonical) == (full(STRING_TEXT, canonical) and bool(text.strip()))


@given(st.integers(min_value=-(2**64), max_value=2**64))
def test_count_texts_are_canonical_integers_within_the_safe_range(number: int) -> None:
    text = str(number)
    assert full(COUNT_TEXT, text) == (0 <= number < 10**15)
    assert full(POSITIVE_COUNT_TEXT, text) == (1 <= number < 10**15)
    if full(COUNT_TEXT, text):
        assert rfc8785.dumps(number) == text.encode() and number <= 2**53 - 1


@pytest.mark.parametrize("text", ["00", "01", "-0", "+1", "1.0", "1e3", " 1", "0x1", "1" * 16])
def test_count_text_refuses_other_spellings(text: str) -> None:
    assert not full(COUNT_TEXT, text)


def _strict_date(text: str) -> bool:
    try:
        _date(text, "date")
        return True
    except MalformedInput:
        return False


def test_date_text_is_every_calendar_date_and_nothing_else() -> None:
    every_year = [f"{year:04d}-02-{day}" for year in range(10_000) for day in ("28", "29", "30")]
    rule_years = [0, 1, 4, 100, 400, 1900, 1999, 2000, 2023, 2024, 2100, 2400, 9996, 9999]
    every_day = [f"{y:04d}-{m:02d}-{d:02d}" for y in rule_years for m in range(14) for d in range(33)]
    for text in every_year + every_day:
        assert full(DATE_TEXT, text) == _strict_date(text), text


@given(st.dates(min_value=date(1, 1, 1)))
def test_date_text_takes_every_date(day: date) -> None:
    assert full(DATE_TEXT, day.isoformat())


@given(
    st.datetimes(),
    st.sampled_from(["", "24:00:00", "23:59:60", "23:60:00", "00:00:00", "23:59:59", "9:00:00", "00:00:00.5"]),
)
def test_time_text_is_what_parse_time_accepts(moment: Any, clock: str) -> None:
    text = moment.strftime("%Y-%m-%dT%H:%M:%SZ") if not clock else f"{moment.date().isoformat()}T{clock}Z"
    try:
        parse_time(text)
        accepted = True
    except MalformedInput:
        accepted = False
    assert full(TIME_TEXT, text) == accepted, text


@pytest.mark.parametrize(("size", "pattern"), [(32, BASE64_32_TEXT), (64, BASE64_64_TEXT)])
def test_base64_text_is_canonical_padded_base64_of_its_size(size: int, pattern: bytes) -> None:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    good = encode_base64(bytes(range(size)))
    body = good.rstrip("=")
    padding = good[len(body) :]
    candidates = [body[:-1] + last + padding for last in alphabet + "=-_ "]
    candidates += [body + "=" * n for n in range(4)] + [good[:-1], good + "A", good[1:] + "A"]
    for text in candidates:
        try:
            decode_base64(text, size=size)
            accepted = True
        except MalformedInput:
            accepted = False
        assert full(pattern, f'"{text}"') == accepted, text


@given(st.binary(min_size=32, max_size=32), st.binary(min_size=64, max_size=64))
def test_base64_text_takes_every_value(digest: bytes, signature: bytes) -> None:
    assert full(BASE64_32_TEXT, f'"{encode_base64(digest)}"')
    assert full(BASE64_64_TEXT, f'"{encode_base64(signature)}"')


# === 2. whole leaves ==============================================================================


def assert_same_submission(fast: Submission, strict: Submission) -> None:
    for part in dataclasses.fields(Submission):
        if part.name != "entry":
            assert getattr(fast, part.name) == getattr(strict, part.name), part.name
    for part in dataclasses.fields(Entry):  # the derived ones too (compare=False)
        assert getattr(fast.entry, part.name) == getattr(strict.entry, part.name), part.name
    assert fast.entry.time.tzinfo == strict.entry.time.tzinfo
    # == holds 1 == True; the JSON text does not.
    assert json.dumps(fast.entry.body, sort_keys=True) == json.dumps(strict.entry.body, sort_keys=True)


def verdict(leaf: bytes, *, record: bool = False) -> Submission | None:
    """Both paths' verdict on `leaf`, held equal; the fast path's submission, or None if it declined.
    `record`: count the verdicts as hypothesis events (--hypothesis-show-statistics)."""
    fast = _parse_canonical_leaf(leaf)
    try:
        strict = parse_leaf_strictly(leaf)
    except LedgerError as exc:
        assert fast is None, f"the fast path took a leaf the strict path refuses ({exc.code}: {exc.message})"
        if record:
            event(f"refused: {exc.code}")
        with pytest.raises(LedgerError) as info:
            parse_leaf(leaf)
        assert (info.value.code, info.value.message) == (exc.code, exc.message)
        return None
    if fast is not None:
        assert_same_submission(fast, strict)
    assert_same_submission(parse_leaf(leaf), strict)
    if record:
        event("accepted, fast path" if fast is not None else "accepted, strict path")
    return fast


def ascii_text(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain if plain.strip() else "teks"


def ascii_twin(value: Any) -> Any:
    if isinstance(value, str):
        return value if value.isascii() else ascii_text(value)
    if isinstance(value, list):
        return [ascii_twin(item) for item in value]
    if isinstance(value, dict):
        return {name: ascii_twin(item) for name, item in value.items()}
    return value


def twin_submission(kind: str) -> dict[str, Any]:
    """The vector of `kind` with every non-ASCII text in ASCII, signed again by the vector's key."""
    vector = VECTORS[kind]
    entry = ascii_twin(json.loads(vector["entry_json"]))
    signed = sign_entry(entry, private_key_from_seed(bytes.fromhex(vector["seed"])))
    return signed.to_json()


TWINS = {kind: twin_submission(kind) for kind in VECTORS}
TWIN_LEAVES = {kind: rfc8785.dumps(TWINS[kind]) for kind in VECTORS}


@pytest.mark.parametrize("kind", sorted(VECTORS))
def test_the_published_vectors_parse_alike(kind: str) -> None:
    leaf = VECTORS[kind]["leaf"].encode()
    verdict(leaf)
    assert parse_leaf(leaf).leaf_bytes == leaf


@pytest.mark.parametrize("kind", sorted(VECTORS))
def test_ascii_twins_take_the_fast_path_where_their_kind_has_one(kind: str) -> None:
    # Two vectors hold members no canonical text says (a map's names ordered and distinct, an
    # evidence manifest's rules), left to the strict path: cycle.opened's `quotas`, monitoring's `evidence`.
    strict_members = {"cycle.opened": "quotas", "monitoring.recorded": "evidence"}
    assert (verdict(TWIN_LEAVES[kind]) is not None) == (kind in FAST_KINDS and kind not in strict_members)
    if kind in strict_members:
        without = copy.deepcopy(TWINS[kind])
        del without["entry"]["body"][strict_members[kind]]
        assert verdict(rfc8785.dumps(without)) is not None


@pytest.mark.parametrize(
    ("kind", "path", "value"),
    [
        # No canonical text says "a list without repeats" or "an evidence manifest": the strict path
        # takes these, and accepts them.
        ("key.registered", ("entry", "body", "scope"), ["kecamatan-tunjungan", "kecamatan-todanan"]),
        ("monitoring.recorded", ("entry", "body", "evidence"), {"documents": 1, "root": "x"}),
        # nor a control character written \u00xx, nor DEL.
        ("unit.registered", ("entry", "body", "name"), "Kecamatan Tunjungan\x0b(baru)"),
        ("unit.registered", ("entry", "body", "name"), "Kecamatan Tunjungan\x7f"),
    ],
)
def test_what_has_no_text_takes_the_strict_path(kind: str, path: tuple[Any, ...], value: Any) -> None:
    canonical = list(changed_twin(kind, path, value, raw=False))[-1]
    assert verdict(canonical) is None


def test_every_kind_but_those_with_free_form_members_has_a_fast_path() -> None:
    assert sorted(set(BODIES) - set(FAST_KINDS)) == ["ledger.genesis", "log_key.added", "log_key.retired", "policy.set"]


# --- the refusal tables of tests/test_entry.py, as leaves -----------------------------------------

SINGLE_MEMBER_TABLES = {  # test_entry's tables of one member's values: the kind and path they change
    "test_unsupported_version": ("unit.registered", ("entry", "v")),
    "test_seq_outside_0_to_2_pow_53_minus_1_is_refused": ("unit.headcount_set", ("entry", "seq")),
    "test_invalid_time": ("unit.registered", ("entry", "at")),
    "test_valid_times_are_accepted": ("unit.registered", ("entry", "at")),
    "test_invalid_date": ("pact.signed", ("entry", "body", "signed_on")),
    "test_valid_ids_are_accepted": ("remediation.completed", ("entry", "body", "item")),
    "test_unknown_kind": ("unit.registered", ("entry", "kind")),
}


def _table_cases() -> Iterator[tuple[str, tuple[Any, ...], Any, bool]]:
    """(kind, path, value, raw) of every parametrized case of tests/test_entry.py that changes a member."""
    for name in dir(entry_tests):
        test = getattr(entry_tests, name)
        for mark in getattr(test, "pytestmark", []):
            if mark.name != "parametrize":
                continue
            names, cases = mark.args
            for case in cases:
                if isinstance(case, type(pytest.param(None))):
                    values = case.values
                else:
                    values = case if isinstance(names, tuple) else (case,)
                if names in (("kind", "path", "value"), ("kind", "path", "raw")):
                    yield values[0], values[1], values[2], names[2] == "raw"
                elif names == ("kind", "stream"):
                    yield values[0], ("entry", "stream"), values[1], False
                elif name in SINGLE_MEMBER_TABLES:
                    kind, path = SINGLE_MEMBER_TABLES[name]
                    yield kind, path, values[0], False


TABLE_CASES = list(_table_cases())


def changed_twin(kind: str, path: tuple[Any, ...], value: Any, raw: bool) -> Iterator[bytes]:
    """The ASCII twin of `kind` with one member changed, as a canonical leaf and as plain JSON text."""
    submission = copy.deepcopy(TWINS[kind])
    target: Any = submission
    for step in path[:-1]:
        target = target[step]
    placeholder = "@@raw@@"
    if value is entry_tests.DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = placeholder if raw else value
    text = json.dumps(submission, separators=(",", ":"), ensure_ascii=False)
    if raw:
        text = text.replace(f'"{placeholder}"', value)
    yield text.encode("utf-8", "surrogatepass")
    try:
        yield rfc8785.dumps(json.loads(text))
    except (ValueError, RecursionError, rfc8785.CanonicalizationError):
        return  # NaN, a lone surrogate, deep nesting: no canonical form to write


def test_the_tables_cover_many_cases() -> None:
    assert len(TABLE_CASES) > 150


@pytest.mark.parametrize(("kind", "path", "value", "raw"), TABLE_CASES)
def test_every_table_case_parses_alike(kind: str, path: tuple[Any, ...], value: Any, raw: bool) -> None:
    for leaf in changed_twin(kind, path, value, raw):
        verdict(leaf)


# --- generated leaves ------------------------------------------------------------------------------

EDGE_STRINGS = [
    "", " ", "  x", "x ", "\t", "a\nb", 'say "hi"', "back\\slash", "é", "e\u0301", "\u2028", "\x7f", "\x00",
    "p-0123456789abcdef0123", "p-0123456789ABCDEF0123", "a" * 64, "a" * 65, "-a", "a-", "A", "a_b", "2020-02-29",
    "2021-02-29", "0000-01-01", "2020-1-01", "2021-01-18T03:05:00Z", "2021-01-18T24:00:00Z", "16.50", "16.5",
    "016.50", "1.0000", "*", "wbk", "wbbm", "passed", "yearly", "declaration",
    encode_base64(bytes(32)), encode_base64(bytes(32))[:-2] + "B=", encode_base64(bytes(64)),
    encode_base64(bytes(64))[:-3] + "B==", encode_base64(bytes(31)), encode_base64(bytes(33)),
]  # fmt: skip
EDGE_INTEGERS = [0, 1, -1, 1999, 2000, 2999, 3000, 10**15 - 1, 10**15, 2**53 - 1, 2**53, 2**64]
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(EDGE_INTEGERS),
        st.integers(),
        st.sampled_from(EDGE_STRINGS),
        st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=8),
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["a", "id", "name", "x"]), inner),
    max_leaves=6,
)


def member_paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    if isinstance(value, dict):
        for name, item in value.items():
            yield from member_paths(item, (*path, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from member_paths(item, (*path, i))


# Mostly a value of the member's own type, so that many leaves stay well-formed and the two paths
# are compared on acceptances as well as on refusals.
strings = st.one_of(
    st.sampled_from(EDGE_STRINGS), st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=8), st.text(max_size=4)
)
integers = st.one_of(st.sampled_from(EDGE_INTEGERS), st.integers())
LIKE = {str: strings, int: integers}


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(VECTORS)), st.data())
def test_generated_member_values_parse_alike(kind: str, data: st.DataObject) -> None:
    submission = copy.deepcopy(TWINS[kind])
    path = data.draw(st.sampled_from([p for p in member_paths(submission) if p]))
    target: Any = submission
    for step in path[:-1]:
        target = target[step]
    action = data.draw(st.sampled_from(["replace"] * 6 + ["other type", "delete", "add"]))
    if action == "replace":
        target[path[-1]] = data.draw(LIKE.get(type(target[path[-1]]), json_values))
    elif action == "other type":
        target[path[-1]] = data.draw(json_values)
    elif action == "delete" and isinstance(target, dict):
        del target[path[-1]]
    elif isinstance(target, dict):
        target[data.draw(st.sampled_from(["x", "note", "person", "evidence", "agency", "zz"]))] = data.draw(strings)
    else:
        target.append(data.draw(json_values))
    try:
        leaf = rfc8785.dumps(submission)
    except rfc8785.CanonicalizationError:
        return
    verdict(leaf, record=True)


@settings(max_examples=600, deadline=None)
@given(
    st.sampled_from(sorted(VECTORS)),
    st.lists(
        st.tuples(
            st.sampled_from(["replace", "insert", "delete"]),
            st.floats(min_value=0, max_value=1, exclude_max=True),
            st.sampled_from(list(b' "\\,:{}[]0129-aAzZ+/=.eEnTt\x00\x7f\x80\xc3\xa9')),
        ),
        min_size=1,
        max_size=3,
    ),
)
def test_byte_mutations_parse_alike(kind: str, edits: list[tuple[str, float, int]]) -> None:
    leaf = bytearray(TWIN_LEAVES[kind])
    for action, where, byte in edits:
        position = int(where * len(leaf))
        if action == "replace":
            leaf[position] = byte
        elif action == "insert":
            leaf.insert(position, byte)
        else:
            del leaf[position]
    verdict(bytes(leaf), record=True)


@pytest.mark.parametrize(
    ("path", "value", "fast"),
    [
        (("entry", "body", "employee", "name"), " x", True),  # a leading space is text
        (("entry", "body", "employee", "name"), "   ", False),  # blank: refused
        (("entry", "body", "employee", "name"), "a\tb", True),  # a short escape
        (("entry", "body", "employee", "name"), "\n", False),  # blank: refused
        (("entry", "body", "employee", "name"), "a\x01b", False),  # \u0001: strict path, accepted
        (("entry", "body", "employee", "name"), 'say "hi"', True),
        (("entry", "body", "employee", "name"), "Siti Aminah", True),
        (("entry", "body", "employee", "number"), "1985-x", True),
        (("entry", "body", "signed_on"), "2024-02-29", True),
        (("entry", "body", "signed_on"), "2023-02-29", False),
        (("entry", "body", "pact_digest"), encode_base64(bytes(32))[:-2] + "B=", False),  # padding bits set
        (("entry", "seq"), 1, False),  # seq 1 without a prev: refused
        (("entry", "log"), "", True),  # any string is a log's name
        (("entry", "body", "occasion"), "yearly", True),
        (("entry", "body", "occasion"), "Yearly", False),
    ],
)
def test_chosen_pact_values(path: tuple[Any, ...], value: Any, fast: bool) -> None:
    leaf = next(iter(changed_twin("pact.signed", path, value, raw=False)), b"")
    canonical = rfc8785.dumps(json.loads(leaf))
    assert (verdict(canonical) is not None) == fast


# === 3. canonical_json's plain form ===============================================================


plain_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1),
        st.text(st.characters(blacklist_categories=["Cs"])),
    ),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(st.characters(max_codepoint=0x7F), max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@given(plain_values)
def test_the_plain_form_is_rfc_8785(value: Any) -> None:
    assert check_values(value, "value")
    assert canonical_json(value, plain=True) == rfc8785.dumps(value)


def test_a_bytearray_leaf_takes_the_strict_path() -> None:
    leaf = TWIN_LEAVES["pact.signed"]
    assert _parse_canonical_leaf(leaf) is not None
    assert _parse_canonical_leaf(bytearray(leaf)) is None
    parsed = parse_leaf(bytearray(leaf))  # type: ignore[arg-type]
    assert type(parsed.leaf_bytes) is bytes and type(parsed.entry_bytes) is bytes
    assert_same_submission(parsed, parse_leaf(leaf))
