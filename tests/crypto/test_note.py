"""Tests of ledger.crypto.note: the C2SP example, one-bit changes, round trips, strict parsing."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.note import (
    MAX_NOTE_BYTES,
    MAX_SIGNATURES,
    Note,
    NoteSignature,
    VerifierKey,
    compute_key_id,
    format_note,
    format_verifier_key,
    parse_note,
    parse_verifier_key,
    sign_note,
    verifier_key_for,
    verify_note,
)
from ledger.errors import LedgerError, MalformedInput, VerificationFailed

EXAMPLE = json.loads((Path(__file__).resolve().parent.parent / "vectors" / "c2sp-signed-note.json").read_text())
EXAMPLE_KEY = parse_verifier_key(EXAMPLE["verifier_key"])
EXAMPLE_NOTE: str = EXAMPLE["note"]

# Fixed seeds: the tests need no randomness.
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
NAME = "log.example/integritas"
VERIFIER = verifier_key_for(NAME, KEY.public_key())


def _flip_char(text: str, position: int, bit: int) -> str:
    return text[:position] + chr(ord(text[position]) ^ (1 << bit)) + text[position + 1 :]


def _flip(value: bytes, bit: int) -> bytes:
    flipped = bytearray(value)
    flipped[bit // 8 % len(value)] ^= 1 << (bit % 8)
    return bytes(flipped)


def _with_signature(note_text: str, signature: bytes) -> str:
    note = parse_note(note_text)
    first = note.signatures[0]
    return format_note(Note(note.text, (NoteSignature(first.name, first.key_id, signature), *note.signatures[1:])))


# --- The C2SP example ---


def test_c2sp_example_verifies() -> None:
    note = verify_note(EXAMPLE_NOTE, EXAMPLE_KEY)
    assert note.text == "This is an example message.\n"
    assert [(s.name, s.key_id.hex()) for s in note.signatures] == [("example.com/foo", "530d903a")]
    assert format_note(note) == EXAMPLE_NOTE


def test_c2sp_example_key() -> None:
    assert EXAMPLE_KEY.name == "example.com/foo"
    assert EXAMPLE_KEY.key_id == compute_key_id(EXAMPLE_KEY.name, EXAMPLE_KEY.public_key)
    assert format_verifier_key(EXAMPLE_KEY) == EXAMPLE["verifier_key"]


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_c2sp_example_fails_with_a_flipped_text_bit(data: st.DataObject) -> None:
    text_end = EXAMPLE_NOTE.index("\n\n")
    position = data.draw(st.integers(min_value=0, max_value=text_end - 1))
    bit = data.draw(st.integers(min_value=0, max_value=6))
    # A flip can also yield a control character or a new line, refused before any signature check.
    with pytest.raises((VerificationFailed, MalformedInput)):
        verify_note(_flip_char(EXAMPLE_NOTE, position, bit), EXAMPLE_KEY)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=64 * 8 - 1))
def test_c2sp_example_fails_with_a_flipped_signature_bit(bit: int) -> None:
    signature = parse_note(EXAMPLE_NOTE).signatures[0].signature
    with pytest.raises(VerificationFailed) as failure:
        verify_note(_with_signature(EXAMPLE_NOTE, _flip(signature, bit)), EXAMPLE_KEY)
    assert failure.value.code == "note_signature_invalid"
    assert failure.value.evidence["key_name"] == "example.com/foo"


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=0, max_value=4 * 8 - 1))
def test_c2sp_example_fails_with_a_flipped_key_id_bit(bit: int) -> None:
    note = parse_note(EXAMPLE_NOTE)
    signature = note.signatures[0]
    changed = NoteSignature(signature.name, _flip(signature.key_id, bit), signature.signature)
    with pytest.raises(VerificationFailed) as failure:
        verify_note(format_note(Note(note.text, (changed,))), EXAMPLE_KEY)
    assert failure.value.code == "note_unknown_key"


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=32 * 8 - 1))
def test_c2sp_example_fails_with_a_flipped_public_key_bit(bit: int) -> None:
    public_key = _flip(EXAMPLE_KEY.public_key, bit)
    key = VerifierKey(EXAMPLE_KEY.name, compute_key_id(EXAMPLE_KEY.name, public_key), public_key)
    # The key ID moves with the key, so the note's signature is by an unknown key.
    with pytest.raises(VerificationFailed):
        verify_note(EXAMPLE_NOTE, key)


def test_a_verifier_key_with_a_flipped_bit_does_not_parse() -> None:
    text = EXAMPLE["verifier_key"]
    name, key_id, key = text.split("+")
    raw = base64.b64decode(key)
    flipped = base64.b64encode(_flip(raw, 8 * 5)).decode()
    with pytest.raises(MalformedInput, match=r"key ID 530d903a is not [0-9a-f]{8}"):
        parse_verifier_key(f"{name}+{key_id}+{flipped}")
    with pytest.raises(MalformedInput, match="key ID"):
        parse_verifier_key(f"{name}+530d903b+{key}")


def test_a_known_key_with_a_bad_signature_rejects_the_note() -> None:
    # The spec: a known key's failing signature rejects the whole note, even if another passes.
    good = parse_note(EXAMPLE_NOTE).signatures[0]
    bad = NoteSignature(good.name, good.key_id, _flip(good.signature, 0))
    both = format_note(Note(parse_note(EXAMPLE_NOTE).text, (good, bad)))
    with pytest.raises(VerificationFailed, match="does not verify"):
        verify_note(both, EXAMPLE_KEY)


def test_signatures_by_unknown_keys_are_ignored() -> None:
    note = parse_note(EXAMPLE_NOTE)
    good = note.signatures[0]
    strangers = (
        NoteSignature("example.com/foo", b"\0\0\0\0", b"x" * 64),  # same name, other ID
        NoteSignature("example.com/bar", good.key_id, b"y" * 64),  # same ID, other name
        NoteSignature("witness.example/w1", b"wtns", b"z" * 72),  # a cosignature of another size
    )
    verified = verify_note(format_note(Note(note.text, (*strangers, good))), EXAMPLE_KEY)
    assert verified.signatures[-1] == good


def test_a_note_without_the_verifiers_signature_fails() -> None:
    with pytest.raises(VerificationFailed) as failure:
        verify_note(EXAMPLE_NOTE, VERIFIER)
    assert failure.value.code == "note_unknown_key"
    assert failure.value.evidence["signers"] == ["example.com/foo+530d903a"]


def test_a_known_key_with_a_signature_of_the_wrong_length_fails() -> None:
    note = parse_note(EXAMPLE_NOTE)
    good = note.signatures[0]
    short = NoteSignature(good.name, good.key_id, good.signature[:63])
    with pytest.raises(VerificationFailed, match="63 bytes, want 64"):
        verify_note(format_note(Note(note.text, (short,))), EXAMPLE_KEY)


# --- Signing ---

texts = st.lists(st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40), min_size=1, max_size=5).map(
    lambda lines: "\n".join(lines) + "\n"
)
names = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp"), blacklist_characters="+"),
    min_size=1,
    max_size=30,
)


@settings(max_examples=100, deadline=None)
@given(texts, names)
def test_sign_then_verify(text: str, name: str) -> None:
    signed = sign_note(text, name, KEY)
    note = verify_note(signed, verifier_key_for(name, KEY.public_key()))
    assert note.text == text
    assert format_note(note) == signed
    with pytest.raises(VerificationFailed):
        verify_note(signed, verifier_key_for(name, OTHER_KEY.public_key()))


def test_signature_is_over_the_text_only() -> None:
    signed = sign_note("hello\n", NAME, KEY)
    signature = parse_note(signed).signatures[0]
    KEY.public_key().verify(signature.signature, b"hello\n")
    assert signature.key_id == VERIFIER.key_id


def test_sign_refuses_bad_text_and_names() -> None:
    with pytest.raises(MalformedInput, match="does not end with a newline"):
        sign_note("no newline", NAME, KEY)
    with pytest.raises(MalformedInput, match="control character"):
        sign_note("tab\there\n", NAME, KEY)
    with pytest.raises(MalformedInput, match="key name"):
        sign_note("text\n", "has space", KEY)
    with pytest.raises(MalformedInput, match="key name"):
        sign_note("text\n", "has+plus", KEY)


# --- Round trips ---

signatures = st.builds(
    NoteSignature,
    names,
    st.binary(min_size=4, max_size=4),
    st.binary(min_size=1, max_size=100),
)
notes = st.builds(Note, texts, st.lists(signatures, min_size=1, max_size=5).map(tuple))


@settings(max_examples=200, deadline=None)
@given(notes)
def test_parse_format_round_trip(note: Note) -> None:
    text = format_note(note)
    assert parse_note(text) == note
    assert format_note(parse_note(text)) == text


@settings(max_examples=100, deadline=None)
@given(names, st.binary(min_size=32, max_size=32))
def test_verifier_key_round_trip(name: str, public_key: bytes) -> None:
    key = VerifierKey(name, compute_key_id(name, public_key), public_key)
    text = format_verifier_key(key)
    assert parse_verifier_key(text) == key
    assert format_verifier_key(parse_verifier_key(text)) == text


def test_text_may_hold_blank_lines_and_dash_lines() -> None:
    # The last blank line separates text from signatures; earlier ones belong to the text.
    text = "first\n\n\u2014 not a signature\n\n"
    signed = sign_note(text, NAME, KEY)
    assert verify_note(signed, VERIFIER).text == text


# --- Strict parsing ---

SIG = parse_note(EXAMPLE_NOTE).signatures[0]
SIG_B64 = base64.b64encode(SIG.key_id + SIG.signature).decode()
TEXT = "This is an example message.\n"


@pytest.mark.parametrize(
    ("note", "message"),
    [
        (EXAMPLE_NOTE[:-1], "does not end with a newline"),
        (TEXT, "no blank line"),
        (TEXT + "\n", "no signature lines"),
        (EXAMPLE_NOTE + "\n", "no signature lines"),
        (EXAMPLE_NOTE + "trailing garbage\n", "signature line 2 does not start with an em dash"),
        (TEXT + "\n- example.com/foo " + SIG_B64 + "\n", "em dash"),
        (TEXT + "\n\u2013 example.com/foo " + SIG_B64 + "\n", "em dash"),
        (TEXT + "\n\u2014example.com/foo " + SIG_B64 + "\n", "em dash"),
        (TEXT + "\n\u2014 example.com/foo\n", "no space after the key name"),
        (TEXT + "\n\u2014  " + SIG_B64 + "\n", "key name is empty"),
        (TEXT + "\n\u2014 example.com/foo  " + SIG_B64 + "\n", "not valid base64"),
        (TEXT + "\n\u2014 example.com/foo " + SIG_B64 + " \n", "not valid base64"),
        (TEXT + "\n\u2014 example.com/foo " + SIG_B64.rstrip("=") + "\n", "not valid base64"),
        (TEXT + "\n\u2014 ex+ample " + SIG_B64 + "\n", "key name"),
        (TEXT + "\n\u2014 example.com/foo\u00a0x " + SIG_B64 + "\n", "key name"),
        (TEXT + "\n\u2014 example.com/foo AAAAAA==\n", "want a 4-byte key ID and a signature"),
        (TEXT + "\n\u2014 example.com/foo AAAA\n", "want a 4-byte key ID and a signature"),
        (EXAMPLE_NOTE.replace("\n", "\r\n"), "no blank line"),
        (EXAMPLE_NOTE.replace("message.", "message.\r"), "control character"),
        ("bell\a\n\n\u2014 example.com/foo " + SIG_B64 + "\n", "control character"),
        ("lone \ud800\n\n\u2014 example.com/foo " + SIG_B64 + "\n", "not valid UTF-8"),
    ],
)
def test_parse_note_refuses(note: str, message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        parse_note(note)


def test_parse_note_refuses_non_canonical_base64() -> None:
    # The last base64 character carries padding bits; setting one gives another text, same bytes.
    encoded = SIG_B64[:-2] + chr(ord(SIG_B64[-2]) + 1) + "="
    assert base64.b64decode(encoded) == base64.b64decode(SIG_B64)
    with pytest.raises(MalformedInput, match="canonical"):
        parse_note(TEXT + "\n\u2014 example.com/foo " + encoded + "\n")


def test_parse_note_limits() -> None:
    line = "\u2014 example.com/foo " + SIG_B64 + "\n"
    parse_note(TEXT + "\n" + line * MAX_SIGNATURES)
    with pytest.raises(MalformedInput, match=f"more than {MAX_SIGNATURES}"):
        parse_note(TEXT + "\n" + line * (MAX_SIGNATURES + 1))
    with pytest.raises(MalformedInput, match=f"more than {MAX_NOTE_BYTES}"):
        parse_note("x" * MAX_NOTE_BYTES + "\n\n" + line)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("example.com/foo+530d903a", "does not have the form"),
        ("example.com/foo", "does not have the form"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k+x", "base64"),
        ("+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "key name is empty"),
        ("example.com/foo+530D903A+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "lowercase hex"),
        ("example.com/foo+530d903+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "8 lowercase hex"),
        ("example.com/foo+0x530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "hex"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2", "base64"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k\n", "base64"),
        ("example.com/foo+530d903a+AukyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "type"),
        ("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv", "33|bytes"),
        ("example.com/fo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "key ID"),
        ("example com+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", "key name"),
    ],
)
def test_parse_verifier_key_refuses(key: str, message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        parse_verifier_key(key)


def test_value_objects_validate_on_construction() -> None:
    with pytest.raises(MalformedInput, match="key ID"):
        NoteSignature(NAME, b"abc", b"sig")
    with pytest.raises(MalformedInput, match="at least 1 byte"):
        NoteSignature(NAME, b"abcd", b"")
    with pytest.raises(MalformedInput, match="1 to"):
        Note("text\n", ())
    with pytest.raises(MalformedInput, match="newline"):
        Note("text", (SIG,))
    with pytest.raises(MalformedInput, match="key ID"):
        VerifierKey(NAME, b"\0\0\0\0", VERIFIER.public_key)
    with pytest.raises(MalformedInput, match="32 bytes"):
        compute_key_id(NAME, b"short")


def test_every_refusal_is_a_ledger_error() -> None:
    # Callers map LedgerError families to exit codes and statuses; nothing else may escape.
    for bad in ("", "\n", "\n\n", "\u2014", "x\n\n\u2014 a b\n", "x\n\n\u2014 a \n"):
        with pytest.raises(LedgerError):
            parse_note(bad)
