"""Strict JSON in, canonical JSON out (DESIGN §3): the two forms every entry passes through.

`load_json` refuses what JSON allows but the ledger does not (duplicate members, floats, NaN,
text that is not UTF-8); `canonical_json` writes RFC 8785 (JCS) bytes, the form an entry is signed
and logged in; `check_values` holds an entry's values to NFC strings and integer numbers and says
whether the fast canonical form applies. Imports only the standard library and `rfc8785`.
"""

from __future__ import annotations

import json
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
    equal on generated entries, and anything outside the promise goes to `rfc8785`.
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
