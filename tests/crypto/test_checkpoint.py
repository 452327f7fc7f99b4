"""Tests of ledger.crypto.checkpoint: round trips, strict refusals, signing, negative twins."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.checkpoint import (
    MAX_TREE_SIZE,
    Checkpoint,
    SignedCheckpoint,
    format_checkpoint,
    parse_checkpoint,
    sign_checkpoint,
    verify_checkpoint,
)
from ledger.crypto.merkle import EMPTY_ROOT, MerkleTree, hash_leaf
from ledger.crypto.note import Note, NoteSignature, format_note, parse_note, sign_note
from ledger.crypto.note import verifier_key_for as key_for
from ledger.errors import MalformedInput, VerificationFailed

ORIGIN = "log.example/integritas"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
VERIFIER = key_for(ORIGIN, KEY.public_key())
ROOT = MerkleTree.from_leaf_hashes(hash_leaf(bytes([i])) for i in range(42)).root()
CHECKPOINT = Checkpoint(ORIGIN, 42, ROOT)
ROOT_B64 = base64.b64encode(ROOT).decode()
URLSAFE_ROOT = base64.urlsafe_b64encode(bytes([0xFB]) * 32).decode()  # "-" and "_" for "+" and "/"


def test_format() -> None:
    assert format_checkpoint(CHECKPOINT) == f"{ORIGIN}\n42\n{ROOT_B64}\n"
    assert format_checkpoint(Checkpoint(ORIGIN, 0, EMPTY_ROOT)) == (
        f"{ORIGIN}\n0\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n"
    )


def test_c2sp_example_body_parses() -> None:
    body = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
    checkpoint = parse_checkpoint(body)
    assert (checkpoint.origin, checkpoint.tree_size) == ("example.com/behind-the-sofa", 20852163)
    assert format_checkpoint(checkpoint) == body


origins = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)
checkpoints = st.builds(
    Checkpoint,
    origins,
    st.integers(min_value=0, max_value=MAX_TREE_SIZE),
    st.binary(min_size=32, max_size=32),
)


@settings(max_examples=300, deadline=None)
@given(checkpoints)
def test_round_trip(checkpoint: Checkpoint) -> None:
    body = format_checkpoint(checkpoint)
    assert parse_checkpoint(body) == checkpoint
    assert format_checkpoint(parse_checkpoint(body)) == body


@pytest.mark.parametrize(
    "size",
    [
        "+042",
        " 42",
        "42 ",
        "4_2",
        "042",
        "00",
        "-1",
        "-0",
        "",
        "0x2a",
        "4.2",
        "1e3",
        "\u0664\u0662",  # Arabic-Indic digits, which int() accepts
        "\uff14\uff12",  # fullwidth digits
        "42\u00a0",
        "1" * 21,
    ],
)
def test_parse_refuses_tree_sizes(size: str) -> None:
    with pytest.raises(MalformedInput, match="tree size"):
        parse_checkpoint(f"{ORIGIN}\n{size}\n{ROOT_B64}\n")


def test_tree_size_bounds() -> None:
    body = f"{ORIGIN}\n{MAX_TREE_SIZE}\n{ROOT_B64}\n"
    assert parse_checkpoint(body).tree_size == MAX_TREE_SIZE
    with pytest.raises(MalformedInput, match="tree size"):
        parse_checkpoint(f"{ORIGIN}\n{MAX_TREE_SIZE + 1}\n{ROOT_B64}\n")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (f"{ORIGIN}\n42\n{ROOT_B64}", "does not end with a newline"),
        (f"{ORIGIN}\n42\n{ROOT_B64}\n\n", "extension lines"),
        (f"{ORIGIN}\n42\n{ROOT_B64}\nextension\n", "1 extension lines"),
        (f"{ORIGIN}\n42\n", "2 lines, want 3"),
        ("\n", "1 lines, want 3"),
        (f"\n42\n{ROOT_B64}\n", "origin is empty"),
        (f"{ORIGIN}\r\n42\n{ROOT_B64}\n", "control character"),
        (f"{ORIGIN}\n42\n{ROOT_B64[:-1]}\n", "base64"),
        (f"{ORIGIN}\n42\n{ROOT_B64} \n", "base64"),
        (f"{ORIGIN}\n42\n {ROOT_B64}\n", "base64"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT[:31]).decode()}\n", "31 bytes, want 32"),
        (f"{ORIGIN}\n42\n{base64.b64encode(ROOT + b'!').decode()}\n", "33 bytes, want 32"),
        (f"{ORIGIN}\n42\n{ROOT_B64.replace('=', '')}\n", "base64"),
        (f"{ORIGIN}\n42\n{URLSAFE_ROOT}\n", "base64"),
    ],
)
def test_parse_refuses(body: str, message: str) -> None:
    with pytest.raises(MalformedInput, match=message):
        parse_checkpoint(body)


def test_parse_refuses_non_canonical_root() -> None:
    # 32 bytes leave two padding bits in the last character; setting one changes the text only.
    encoded = ROOT_B64[:-2] + chr(ord(ROOT_B64[-2]) + 1) + "="
    assert base64.b64decode(encoded) == ROOT
    with pytest.raises(MalformedInput, match="canonical"):
        parse_checkpoint(f"{ORIGIN}\n42\n{encoded}\n")


@pytest.mark.parametrize(
    ("origin", "size", "root"),
    [
        ("", 1, ROOT),
        ("two\nlines", 1, ROOT),
        (ORIGIN, -1, ROOT),
        (ORIGIN, MAX_TREE_SIZE + 1, ROOT),
        (ORIGIN, True, ROOT),
        (ORIGIN, 1, ROOT[:31]),
        (ORIGIN, 1, ROOT.hex()),
    ],
)
def test_construction_validates(origin: str, size: int, root: bytes) -> None:
    with pytest.raises(MalformedInput):
        Checkpoint(origin, size, root)


# --- Signing and verifying ---


def test_sign_then_verify() -> None:
    signed = sign_checkpoint(CHECKPOINT, KEY)
    assert verify_checkpoint(signed, VERIFIER) == CHECKPOINT
    note = parse_note(signed)
    assert note.text == format_checkpoint(CHECKPOINT)
    assert [s.name for s in note.signatures] == [ORIGIN]


@settings(max_examples=50, deadline=None)
@given(checkpoints.filter(lambda c: not any(ch.isspace() or ch == "+" for ch in c.origin)))
def test_sign_then_verify_any_checkpoint(checkpoint: Checkpoint) -> None:
    verifier = key_for(checkpoint.origin, KEY.public_key())
    assert verify_checkpoint(sign_checkpoint(checkpoint, KEY), verifier) == checkpoint


def test_verify_refuses_a_wrong_key() -> None:
    signed = sign_checkpoint(CHECKPOINT, KEY)
    with pytest.raises(VerificationFailed) as failure:
        verify_checkpoint(signed, key_for(ORIGIN, OTHER_KEY.public_key()))
    assert failure.value.code == "note_unknown_key"


def test_verify_refuses_another_origin() -> None:
    # Signed by the right key under the name the verifier expects, but naming another log.
    other = Checkpoint("other.example/log", 42, ROOT)
    signed = sign_note(format_checkpoint(other), ORIGIN, KEY)
    with pytest.raises(VerificationFailed) as failure:
        verify_checkpoint(signed, VERIFIER)
    assert failure.value.code == "checkpoint_origin_mismatch"
    assert failure.value.evidence["origin"] == "other.example/log"


def test_verify_refuses_a_verifier_for_another_name() -> None:
    signed = sign_checkpoint(CHECKPOINT, KEY)
    with pytest.raises(VerificationFailed) as failure:
        verify_checkpoint(signed, key_for("other.example/log", KEY.public_key()))
    assert failure.value.code == "note_unknown_key"


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_verify_refuses_a_flipped_bit_in_the_body(data: st.DataObject) -> None:
    signed = sign_checkpoint(CHECKPOINT, KEY)
    body_length = len(format_checkpoint(CHECKPOINT)) - 1
    position = data.draw(st.integers(min_value=0, max_value=body_length - 1))
    bit = data.draw(st.integers(min_value=0, max_value=6))
    flipped = signed[:position] + chr(ord(signed[position]) ^ (1 << bit)) + signed[position + 1 :]
    with pytest.raises((VerificationFailed, MalformedInput)):
        verify_checkpoint(flipped, VERIFIER)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=64 * 8 - 1))
def test_verify_refuses_a_flipped_bit_in_the_signature(bit: int) -> None:
    note = parse_note(sign_checkpoint(CHECKPOINT, KEY))
    signature = note.signatures[0]
    flipped = bytearray(signature.signature)
    flipped[bit // 8] ^= 1 << (bit % 8)
    changed = NoteSignature(signature.name, signature.key_id, bytes(flipped))
    with pytest.raises(VerificationFailed) as failure:
        verify_checkpoint(format_note(Note(note.text, (changed,))), VERIFIER)
    assert failure.value.code == "note_signature_invalid"


def test_a_signed_body_that_is_not_a_checkpoint_is_refused() -> None:
    signed = sign_note(f"{ORIGIN}\n042\n{ROOT_B64}\n", ORIGIN, KEY)
    with pytest.raises(MalformedInput, match="tree size"):
        verify_checkpoint(signed, VERIFIER)


def test_sign_refuses_an_origin_that_is_not_a_key_name() -> None:
    with pytest.raises(MalformedInput, match="key name"):
        sign_checkpoint(Checkpoint("log with spaces", 1, ROOT), KEY)


# --- SignedCheckpoint: the note text and its parse, together ----------------------------------------


def test_signed_checkpoint_holds_the_text_and_its_parse() -> None:
    text = sign_checkpoint(CHECKPOINT, KEY)
    signed = SignedCheckpoint.parse(text)
    assert signed.text == text
    assert signed.checkpoint == CHECKPOINT
    assert (signed.origin, signed.tree_size, signed.root_hash) == (ORIGIN, 42, ROOT)
    assert SignedCheckpoint.parse(text, VERIFIER) == signed == SignedCheckpoint(text)


def test_signed_checkpoint_sign_is_sign_checkpoint() -> None:
    signed = SignedCheckpoint.sign(CHECKPOINT, KEY)
    assert signed.text == sign_checkpoint(CHECKPOINT, KEY)
    assert signed.checkpoint == verify_checkpoint(signed.text, VERIFIER) == CHECKPOINT


@settings(max_examples=50, deadline=None)
@given(checkpoints.filter(lambda c: not any(ch.isspace() or ch == "+" for ch in c.origin)))
def test_signed_checkpoint_round_trip(checkpoint: Checkpoint) -> None:
    # parse(text).text is text, byte for byte, and the parse is the checkpoint that was signed.
    text = sign_checkpoint(checkpoint, KEY)
    signed = SignedCheckpoint.parse(text, key_for(checkpoint.origin, KEY.public_key()))
    assert signed.text == text
    assert signed.checkpoint == checkpoint
    assert SignedCheckpoint.parse(signed.text) == signed


def test_signed_checkpoint_refuses_a_bad_signature() -> None:
    note = parse_note(sign_checkpoint(CHECKPOINT, KEY))
    signature = note.signatures[0]
    flipped = NoteSignature(
        signature.name, signature.key_id, bytes([signature.signature[0] ^ 1]) + signature.signature[1:]
    )
    text = format_note(Note(note.text, (flipped,)))
    assert SignedCheckpoint.parse(text).checkpoint == CHECKPOINT  # it parses: only verifying catches it
    with pytest.raises(VerificationFailed) as failure:
        SignedCheckpoint.parse(text, VERIFIER)
    assert failure.value.code == "note_signature_invalid"


def test_signed_checkpoint_refuses_another_key() -> None:
    with pytest.raises(VerificationFailed) as failure:
        SignedCheckpoint.parse(sign_checkpoint(CHECKPOINT, OTHER_KEY), VERIFIER)
    assert failure.value.code == "note_unknown_key"


def test_signed_checkpoint_refuses_a_wrong_origin() -> None:
    # Signed by the log's key under its name, but naming another log.
    text = sign_note(format_checkpoint(Checkpoint("other.example/log", 42, ROOT)), ORIGIN, KEY)
    assert SignedCheckpoint.parse(text).origin == "other.example/log"
    with pytest.raises(VerificationFailed) as failure:
        SignedCheckpoint.parse(text, VERIFIER)
    assert failure.value.code == "checkpoint_origin_mismatch"


def test_signed_checkpoint_refuses_an_altered_root() -> None:
    text = sign_checkpoint(CHECKPOINT, KEY)
    other_root = base64.b64encode(bytes(32)).decode()
    altered = text.replace(ROOT_B64, other_root, 1)
    assert altered != text
    assert SignedCheckpoint.parse(altered).root_hash == bytes(32)
    with pytest.raises(VerificationFailed) as failure:
        SignedCheckpoint.parse(altered, VERIFIER)
    assert failure.value.code == "note_signature_invalid"


@pytest.mark.parametrize(
    "text",
    [
        f"{ORIGIN}\n042\n{ROOT_B64}\n",  # a body that is not a checkpoint (leading zero)
        f"{ORIGIN}\n42\n{ROOT_B64}\n",  # a checkpoint without the blank line and signatures
    ],
)
def test_signed_checkpoint_is_parsed_strictly(text: str) -> None:
    signed_text = sign_note(text, ORIGIN, KEY) if "042" in text else text
    with pytest.raises(MalformedInput):
        SignedCheckpoint.parse(signed_text)


def test_signed_checkpoint_cannot_pair_a_text_with_another_parse() -> None:
    # The parse is computed from the text, never given: the two cannot disagree.
    with pytest.raises(TypeError):
        SignedCheckpoint(sign_checkpoint(CHECKPOINT, KEY), Checkpoint(ORIGIN, 1, ROOT))  # type: ignore[call-arg]
