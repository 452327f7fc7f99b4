"""Strict JSON in, canonical JSON out (DESIGN §3): the two forms every entry passes through.

`load_json` refuses what JSON allows but the ledger does not (duplicate members, floats, NaN,
text that is not UTF-8); `canonical_json` writes RFC 8785 (JCS) bytes, the form an entry is signed
and logged in; `check_values` holds an entry's values to NFC strings and integer numbers and says
whether the fast canonical form applies; the text patterns at the end match canonical text itself.
Imports only the standard library and `rfc8785`.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import rfc8785

from ledger import codes
from ledger.errors import MalformedInput, TooLarge

# A submission longer than this cannot canonicalise to a legal leaf (ledger.entry.MAX_LEAF_BYTES),
# however much whitespace it sheds.
MAX_SUBMISSION_BYTES = 1 << 20
MAX_SAFE_INTEGER = 2**53 - 1  # RFC 8785 numbers are IEEE doubles: larger integers lose digits


def _fail(where: str, problem: str, code: str) -> MalformedInput:
    return MalformedInput(f"{where} {problem}", code=code)


def _refuse_float(text: str) -> Any:
    raise MalformedInput(
        f"number {text} is not an integer: scores and ratios are decimal strings",
        code=codes.FLOAT_NOT_ALLOWED,
    )


def _refuse_constant(text: str) -> Any:
    raise MalformedInput(f"{text} is not JSON", code=codes.MALFORMED_JSON)


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise MalformedInput(f"member {key!r} appears twice", code=codes.MALFORMED_JSON)
        result[key] = value
    return result


# One decoder for every leaf: json.loads with hooks builds a new decoder per call.
LEAF_DECODER = json.JSONDecoder(parse_float=_refuse_float, parse_constant=_refuse_constant)


def load_json(data: bytes | str) -> Any:
    """Parse JSON strictly: UTF-8, no duplicate members, no floats, no NaN or Infinity."""
    if len(data) > MAX_SUBMISSION_BYTES:
        raise TooLarge(
            f"submission has {len(data)} bytes, the limit is {MAX_SUBMISSION_BYTES}",
            code=codes.ENTRY_TOO_LARGE,
        )
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        return json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_float=_refuse_float,
            parse_constant=_refuse_constant,
        )
    except UnicodeDecodeError as exc:
        raise MalformedInput("submission is not UTF-8", code=codes.MALFORMED_JSON) from exc
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, and integers over 4300 digits
        raise MalformedInput(f"submission is not JSON: {exc}", code=codes.MALFORMED_JSON) from exc


def canonical_json(value: Any, *, plain: bool = False) -> bytes:
    """RFC 8785 (JCS) bytes of a JSON value.

    `plain` is the caller's promise, checked by `_check_values`, that every member name is ASCII,
    every number an integer within ±(2^53-1) and every string valid Unicode. On such values RFC 8785
    is exactly Python's sorted, compact `json.dumps` without ASCII escaping: integers print the same
    in both, the string escapes are the same (short forms for backspace, tab, newline, form feed and
    carriage return, six-character u00xx escapes for other controls, nothing else escaped), and
    UTF-16 order equals code point order for ASCII names. That
    form runs in C, several times faster than the pure-Python `rfc8785`; the tests hold the two
    equal on generated entries, and anything outside the promise goes to `rfc8785`. (msgspec's
    encoder would be faster still, but refuses str subclasses such as the rules' FailingCheck.)
    """
    try:
        if plain:
            return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return bytes(rfc8785.dumps(value))
    except (rfc8785.CanonicalizationError, UnicodeEncodeError, RecursionError) as exc:  # lone surrogate, deep nesting
        raise MalformedInput(f"value cannot be canonicalised: {exc}", code=codes.MALFORMED_ENTRY) from exc


def canonical_json_of(value: Any) -> bytes:
    """RFC 8785 bytes of any JSON value, on the fast path when `_check_values` finds it plain."""
    return canonical_json(value, plain=check_values(value, "value"))


MAX_DEPTH = 32  # no entry needs more; deeper JSON is refused before anything recurses over it


def check_values(value: Any, where: str, depth: int = 0) -> bool:
    """Every string in the entry, member names included, is NFC; no number is a float (DESIGN §3).

    Parsed JSON cannot hold floats (`load_json` refuses them), but an entry built in code can.
    Returns whether the value is plain in the sense of `canonical_json`. Strings are checked in
    line rather than by recursion: this runs for every entry the verifier replays.
    """
    if isinstance(value, str):
        check_nfc(value, where)
        return True
    if depth > MAX_DEPTH:
        raise _fail(where, f"nests deeper than {MAX_DEPTH} levels", codes.MALFORMED_ENTRY)
    if isinstance(value, dict):
        plain = True
        for key, element in value.items():
            if not key.isascii():
                check_nfc(key, where)
                plain = False
            if isinstance(element, str):
                if not element.isascii():
                    check_nfc(element, f"{where}.{key}")
            elif not check_values(element, f"{where}.{key}", depth + 1):
                plain = False
        return plain
    if isinstance(value, list):
        plain = True
        for i, element in enumerate(value):
            if not check_values(element, f"{where}[{i}]", depth + 1):
                plain = False
        return plain
    if isinstance(value, float):
        raise _fail(where, f"holds the float {value!r}: scores and ratios are decimal strings", codes.FLOAT_NOT_ALLOWED)
    if isinstance(value, int) and not isinstance(value, bool):
        return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER
    return True


def check_nfc(text: str, where: str) -> None:
    # ASCII text is always NFC; only the rest needs the (slower) normalisation check.
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        raise _fail(where, "contains a string that is not NFC-normalised", codes.NOT_NFC)


# --- canonical text: patterns over RFC 8785 bytes ---------------------------------------------------
#
# Regular expressions (over bytes) that match only the canonical text of JSON values of a given shape,
# so that a leaf's canonical form and much of its format are checked by one match in C
# (ledger.entry's fast path of `parse_leaf`). They keep to values whose canonical text is easy to
# prove: ASCII strings written as RFC 8785 §3.2.2.2 writes them (every printable character as it is
# but '"' and '\', which take a backslash; backspace, tab, newline, form feed and carriage return as
# the short escapes \b \t \n \f \r), leaving out the other controls and DEL; integers of at most
# 15 digits, which §3.2.2.3 writes as plain decimals (ECMAScript's Number::toString of an integer
# below 10^21) and which lie within ±(2^53-1); member names of lowercase ASCII in ascending order,
# which is §3.2.3's UTF-16 order too. A value outside these shapes does not match, and its parser
# takes the strict path.

SAFE_CHARACTER = rb"[ !#-\[\]-~]"  # printable ASCII but '"' and '\': written as they are
_CHARACTER = rb"(?:" + SAFE_CHARACTER + rb'|\\["\\bfnrt])'  # or one of RFC 8785's short escapes
STRING_TEXT = rb'"' + _CHARACTER + rb'*"'
# Non-blank: str.strip() leaves something, so a character other than space, \t, \n, \f and \r.
NONBLANK_STRING_TEXT = rb'"(?: |\\[fnrt])*(?:[!#-\[\]-~]|\\["\\b])' + _CHARACTER + rb'*"'
COUNT_TEXT = rb"(?:0|[1-9][0-9]{0,14})"
POSITIVE_COUNT_TEXT = rb"[1-9][0-9]{0,14}"
# A Gregorian calendar date YYYY-MM-DD, year 0001 to 9999 (what date.fromisoformat accepts of this
# form); 29 February only in a leap year: divisible by 4 and not by 100, or by 400.
_LEAP_YEAR = rb"(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)"
DATE_TEXT = (
    rb"(?:(?!0000)[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    rb"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))"
    rb"|" + _LEAP_YEAR + rb"-02-29)"
)
TIME_TEXT = DATE_TEXT + rb"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]Z"  # RFC 3339 UTC seconds
# Canonical padded base64 (RFC 4648 §4, with the unused bits of the last character zero, §3.5) of
# 32 and of 64 bytes: 256 bits are 42 characters and 4 bits, 512 bits are 85 characters and 2 bits.
BASE64_32_TEXT = rb'"[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]="'
BASE64_64_TEXT = rb'"[A-Za-z0-9+/]{85}[AQgw]=="'


def quoted_text(pattern: str) -> bytes:
    """The canonical text of strings that fully match `pattern`, a pattern whose every match is made of
    safe characters only (the caller's promise: ids, digits, fixed words)."""
    return b'"(?:' + pattern.encode("ascii") + b')"'


def one_of_text(*values: str) -> bytes:
    """The canonical text of one of `values`, each made of safe characters."""
    for value in values:
        if not re.fullmatch(SAFE_CHARACTER + rb"*", value.encode("utf-8")):
            raise ValueError(f"{value!r} needs escaping in JSON")
    return b'"(?:' + b"|".join(re.escape(value.encode("ascii")) for value in values) + b')"'


def array_text(item: bytes, *, min_items: int = 0) -> bytes:
    """The canonical text of an array whose items match `item` (at most one item required)."""
    if min_items not in (0, 1):
        raise ValueError("array_text supports min_items 0 or 1")
    items = item + rb"(?:," + item + rb")*"
    return rb"\[" + (items if min_items else rb"(?:" + items + rb")?") + rb"\]"


def object_text(required: dict[str, bytes], optional: dict[str, bytes]) -> bytes:
    """The canonical text of an object with every `required` member, any of the `optional` ones and no
    other, each value matching its pattern: members in ascending order of name, comma-separated."""
    if not required:
        raise ValueError("object_text needs a required member to anchor the commas")
    names = sorted({**required, **optional})
    parts: list[bytes] = []
    after_required = False
    for name in names:
        if not re.fullmatch(rb"[a-z0-9_]+", name.encode("utf-8")):
            raise ValueError(f"member name {name!r} is not a plain ASCII name")
        member = b'"' + name.encode("ascii") + b'":' + (required[name] if name in required else optional[name])
        if name in required:
            parts.append(b"," + member if after_required else member)
            after_required = True
        else:
            # An optional member before the first required one is followed by a comma; after it,
            # preceded by one.
            parts.append(b"(?:," + member + b")?" if after_required else b"(?:" + member + b",)?")
    return rb"\{" + b"".join(parts) + rb"\}"
