"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519 signatures (DESIGN §5).

Implements the spec's sections Format (text, blank line, signature lines ``— <key name>
base64(key ID || signature)``), Signatures (key names, the key ID, and the rule that signatures by
unknown keys are ignored while one by a known key must verify) and Ed25519 signatures (signature
type 0x01 over the note text). Verifier keys use the encoding of golang.org/x/mod/sumdb/note:
``<name>+<8 hex digits of key ID>+<base64(0x01 || 32-byte public key)>``.

Parsing is strict so that :func:`parse_note` and :func:`format_note` are exact inverses: base64 must
be canonical, and nothing outside the grammar is tolerated.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger import codes
from ledger.crypto import ed25519
from ledger.crypto.keys import decode_base64
from ledger.errors import MalformedInput, VerificationFailed

__all__ = [
    "MAX_NOTE_BYTES",
    "MAX_SIGNATURES",
    "SIGNATURE_TYPE_ED25519",
    "Note",
    "NoteSignature",
    "VerifierKey",
    "compute_key_id",
    "format_note",
    "format_verifier_key",
    "parse_note",
    "parse_verifier_key",
    "sign_note",
    "verifier_key_for",
    "verify_note",
    "verify_note_by_any",
]

SIGNATURE_TYPE_ED25519: Final = 0x01
"""Signature type identifier byte of Ed25519 signatures (signed-note, Signature types)."""

MAX_SIGNATURES: Final = 100
"""Most signature lines a note may carry; the spec asks verifiers to accept at least 16."""

MAX_NOTE_BYTES: Final = 1 << 20
"""Largest note accepted, in UTF-8 bytes: room for 100 post-quantum signatures of nearly 5 kB."""

KEY_ID_SIZE: Final = 4
ED25519_PUBLIC_KEY_SIZE: Final = 32
ED25519_SIGNATURE_SIZE: Final = 64

_SIGNATURE_PREFIX: Final = "\u2014 "  # em dash, space
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")
_CONTROL_BUT_NEWLINE = re.compile(r"[\x00-\x09\x0b-\x1f]")


def compute_key_id(name: str, public_key: bytes) -> bytes:
    """Return the key ID of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || public key)[:4]."""
    _check_key_name(name)
    _check_public_key(public_key)
    material = name.encode("utf-8") + b"\n" + bytes([SIGNATURE_TYPE_ED25519]) + public_key
    return hashlib.sha256(material).digest()[:KEY_ID_SIZE]


@dataclass(frozen=True)
class VerifierKey:
    """A named Ed25519 public key that notes are verified against.

    ``key_id`` must be the one :func:`compute_key_id` gives for ``name`` and ``public_key``.
    """

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        want = compute_key_id(self.name, self.public_key)
        if self.key_id != want:
            raise MalformedInput(
                f"key ID {_hex(self.key_id)} is not {want.hex()}, the ID of key {self.name!r}",
                code=codes.KEY_ID_MISMATCH,
            )


def verifier_key_for(name: str, public_key: Ed25519PublicKey) -> VerifierKey:
    """Return the verifier key of ``public_key`` under key name ``name``."""
    raw = public_key.public_bytes_raw()
    return VerifierKey(name, compute_key_id(name, raw), raw)


def format_verifier_key(key: VerifierKey) -> str:
    """Return ``<name>+<hex key ID>+<base64(0x01 || public key)>``."""
    encoded = base64.b64encode(bytes([SIGNATURE_TYPE_ED25519]) + key.public_key).decode("ascii")
    return f"{key.name}+{key.key_id.hex()}+{encoded}"


def parse_verifier_key(text: str) -> VerifierKey:
    """Parse ``<name>+<hex key ID>+<base64(0x01 || key)>``; inverse of :func:`format_verifier_key`.

    Raises :class:`~ledger.errors.MalformedInput` for any other text, for a key that is not Ed25519
    and for a key ID that does not match the name and key.
    """
    # Key names cannot contain "+" and the key ID is hex, so the first two "+" end those fields;
    # the base64 key after them may contain "+" of its own.
    name, plus, rest = text.partition("+")
    key_id_hex, plus_again, key_text = rest.partition("+")
    if not plus or not plus_again:
        raise MalformedInput(
            "verifier key does not have the form <name>+<key ID>+<key>", code=codes.INVALID_VERIFIER_KEY
        )
    _check_key_name(name)
    if not _KEY_ID_HEX.fullmatch(key_id_hex):
        raise MalformedInput(
            f"verifier key ID {key_id_hex!r} is not 8 lowercase hex digits",
            code=codes.INVALID_VERIFIER_KEY,
        )
    key = decode_base64(key_text, what="verifier key")
    if len(key) != 1 + ED25519_PUBLIC_KEY_SIZE or key[0] != SIGNATURE_TYPE_ED25519:
        raise MalformedInput(
            f"verifier key is {len(key)} bytes of type {key[:1].hex() or 'none'}, "
            f"want type 01 followed by a 32-byte Ed25519 key",
            code=codes.INVALID_VERIFIER_KEY,
        )
    return VerifierKey(name, bytes.fromhex(key_id_hex), key[1:])


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the signer's key name, its 4-byte key ID and the signature bytes.

    The signature bytes are kept whatever their algorithm, because signatures by unknown keys
    (witness cosignatures, for one) must survive a parse and format round trip.
    """

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        _check_key_name(self.name)
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_SIZE:
            raise MalformedInput(
                f"key ID of {self.name!r} is {_length(self.key_id)}, want {KEY_ID_SIZE} bytes",
                code=codes.INVALID_NOTE_SIGNATURE,
            )
        if not isinstance(self.signature, bytes) or not self.signature:
            raise MalformedInput(
                f"signature by {self.name!r} is {_length(self.signature)}, want at least 1 byte",
                code=codes.INVALID_NOTE_SIGNATURE,
            )


@dataclass(frozen=True)
class Note:
    """A signed note: its text (ending in a newline) and one or more signatures."""

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        _check_text(self.text)
        if not isinstance(self.signatures, tuple) or not all(
            isinstance(signature, NoteSignature) for signature in self.signatures
        ):
            raise MalformedInput("note signatures must be a tuple of NoteSignature", code=codes.INVALID_NOTE)
        if not 1 <= len(self.signatures) <= MAX_SIGNATURES:
            raise MalformedInput(
                f"note has {len(self.signatures)} signatures, want 1 to {MAX_SIGNATURES}",
                code=codes.INVALID_NOTE,
            )


def format_note(note: Note) -> str:
    """Return the note as text: its text, a blank line, then one line per signature."""
    lines = "".join(
        f"{_SIGNATURE_PREFIX}{signature.name} "
        f"{base64.b64encode(signature.key_id + signature.signature).decode('ascii')}\n"
        for signature in note.signatures
    )
    return f"{note.text}\n{lines}"


def parse_note(text: str) -> Note:
    """Parse a signed note; exact inverse of :func:`format_note`.

    Raises :class:`~ledger.errors.MalformedInput` unless ``text`` is a note text ending in a
    newline, a blank line and 1 to :data:`MAX_SIGNATURES` signature lines, with no control
    characters but newlines, in at most :data:`MAX_NOTE_BYTES` bytes of UTF-8.
    """
    try:
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise MalformedInput("note is not valid UTF-8", code=codes.INVALID_NOTE) from exc
    if size > MAX_NOTE_BYTES:
        raise MalformedInput(f"note is {size} bytes, more than {MAX_NOTE_BYTES}", code=codes.INVALID_NOTE)
    if not text.endswith("\n"):
        raise MalformedInput("note does not end with a newline", code=codes.INVALID_NOTE)
    # The spec separates text from signatures by the *last* blank line: the text may hold blank
    # lines of its own, signature lines never do.
    split = text.rfind("\n\n")
    if split < 0:
        raise MalformedInput("note has no blank line before its signatures", code=codes.INVALID_NOTE)
    body, block = text[: split + 1], text[split + 2 :]
    lines = block.split("\n")[:-1]
    if not lines:
        raise MalformedInput("note has no signature lines after its last blank line", code=codes.INVALID_NOTE)
    if len(lines) > MAX_SIGNATURES:
        raise MalformedInput(f"note has {len(lines)} signatures, more than {MAX_SIGNATURES}", code=codes.INVALID_NOTE)
    return Note(body, tuple(_parse_signature_line(number, line) for number, line in enumerate(lines, 1)))


def sign_note(text: str, name: str, private_key: Ed25519PrivateKey, *more_keys: Ed25519PrivateKey) -> str:
    """Sign ``text`` with ``private_key`` (and each of ``more_keys``, in order, one signature line
    each) under key name ``name`` and return the formatted note.

    Several keys under one name are how a log key rotates with an overlap: the key IDs differ, so
    a verifier that knows either key finds its own line (signed-note, Signatures).
    """
    _check_text(text)
    message = text.encode("utf-8")
    signatures = []
    for key in (private_key, *more_keys):
        public_key = key.public_key().public_bytes_raw()
        signatures.append(NoteSignature(name, compute_key_id(name, public_key), key.sign(message)))
    return format_note(Note(text, tuple(signatures)))


def verify_note(note_text: str, verifier: VerifierKey) -> Note:
    """Check that ``note_text`` carries a valid signature by ``verifier``; return the parsed note.

    Following the spec, signatures by other keys (a different name or key ID) are ignored, and every
    signature line with the verifier's name and key ID must verify. Raises
    :class:`~ledger.errors.MalformedInput` for a note that does not parse, and
    :class:`~ledger.errors.VerificationFailed` with code ``note_unknown_key`` when no signature is
    by the verifier, or ``note_signature_invalid`` when one by the verifier does not verify.
    """
    note = parse_note(note_text)
    ours = [
        signature
        for signature in note.signatures
        if signature.name == verifier.name and signature.key_id == verifier.key_id
    ]
    if not ours:
        raise VerificationFailed(
            f"note has no signature by key {verifier.name}+{verifier.key_id.hex()}",
            code=codes.NOTE_UNKNOWN_KEY,
            key_name=verifier.name,
            key_id=verifier.key_id,
            signers=[f"{signature.name}+{signature.key_id.hex()}" for signature in note.signatures],
        )
    message = note.text.encode("utf-8")
    for signature in ours:
        evidence = {
            "key_name": verifier.name,
            "key_id": verifier.key_id,
            "signature": signature.signature,
            "text": note.text,
        }
        if len(signature.signature) != ED25519_SIGNATURE_SIZE:
            raise VerificationFailed(
                f"signature by {verifier.name} is {len(signature.signature)} bytes, "
                f"want {ED25519_SIGNATURE_SIZE} for Ed25519",
                code=codes.NOTE_SIGNATURE_INVALID,
                **evidence,
            )
        if not ed25519.verify(verifier.public_key, signature.signature, message):
            problem = ed25519.signature_problem(verifier.public_key, signature.signature)
            raise VerificationFailed(
                f"signature by {verifier.name}+{verifier.key_id.hex()} does not verify over the note text"
                + (f": {problem} (strict Ed25519)" if problem else ""),
                code=codes.NOTE_SIGNATURE_INVALID,
                **evidence,
            )
    return note


def verify_note_by_any(note_text: str, verifiers: tuple[VerifierKey, ...]) -> tuple[Note, tuple[VerifierKey, ...]]:
    """Check that ``note_text`` carries a valid signature by at least one of ``verifiers``; return the
    parsed note and the verifiers whose signatures it carries (all of them verified), in their order.

    As :func:`verify_note` for each verifier: signature lines by keys outside ``verifiers`` are
    ignored, and every line by one of them must verify (``note_signature_invalid``); a note signed
    by none of them is ``note_unknown_key``.
    """
    note = parse_note(note_text)
    present = tuple(
        verifier
        for verifier in verifiers
        if any(s.name == verifier.name and s.key_id == verifier.key_id for s in note.signatures)
    )
    if not present:
        raise VerificationFailed(
            "note has no signature by any of the keys "
            + ", ".join(f"{verifier.name}+{verifier.key_id.hex()}" for verifier in verifiers),
            code=codes.NOTE_UNKNOWN_KEY,
            signers=[f"{signature.name}+{signature.key_id.hex()}" for signature in note.signatures],
        )
    for verifier in present:
        verify_note(note_text, verifier)
    return note, present


def _parse_signature_line(number: int, line: str) -> NoteSignature:
    if not line.startswith(_SIGNATURE_PREFIX):
        raise MalformedInput(
            f"signature line {number} does not start with an em dash (U+2014) and a space",
            code=codes.INVALID_NOTE,
        )
    # Key names contain no spaces, so the first space ends the name; any other space lands in the
    # base64 and is refused there.
    name, space, encoded = line[len(_SIGNATURE_PREFIX) :].partition(" ")
    if not space:
        raise MalformedInput(f"signature line {number} has no space after the key name", code=codes.INVALID_NOTE)
    decoded = decode_base64(encoded, what=f"signature on line {number}")
    if len(decoded) <= KEY_ID_SIZE:
        raise MalformedInput(
            f"signature on line {number} is {len(decoded)} bytes, want a 4-byte key ID and a signature",
            code=codes.INVALID_NOTE,
        )
    return NoteSignature(name, decoded[:KEY_ID_SIZE], decoded[KEY_ID_SIZE:])


def _check_key_name(name: str) -> None:
    # Signed-note, Format: key names are non-empty and hold no Unicode spaces and no "+"; like the
    # rest of a note they hold no ASCII control characters, and they must encode as UTF-8.
    if not isinstance(name, str) or not name:
        raise MalformedInput("key name is empty", code=codes.INVALID_KEY_NAME)
    for char in name:
        if char == "+" or char.isspace() or char < " ":
            raise MalformedInput(
                f"key name {name!r} contains {char!r}: no '+', spaces or control characters allowed",
                code=codes.INVALID_KEY_NAME,
            )
    _check_utf8(name, "key name")


def _check_text(text: str) -> None:
    if not isinstance(text, str) or not text.endswith("\n"):
        raise MalformedInput("note text does not end with a newline", code=codes.INVALID_NOTE_TEXT)
    control = _CONTROL_BUT_NEWLINE.search(text)
    if control:
        raise MalformedInput(
            f"note text contains control character {control.group()!r}; only newlines are allowed",
            code=codes.INVALID_NOTE_TEXT,
        )
    _check_utf8(text, "note text")


def _check_utf8(text: str, what: str) -> None:
    # A str holding a lone surrogate has no UTF-8 encoding, so nobody could sign or verify it.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedInput(f"{what} is not valid UTF-8", code=codes.INVALID_UTF8) from exc


def _check_public_key(public_key: bytes) -> None:
    if not isinstance(public_key, bytes) or len(public_key) != ED25519_PUBLIC_KEY_SIZE:
        raise MalformedInput(
            f"Ed25519 public key is {_length(public_key)}, want {ED25519_PUBLIC_KEY_SIZE} bytes",
            code=codes.INVALID_KEY,
        )


def _hex(value: object) -> str:
    return value.hex() if isinstance(value, bytes) else repr(value)


def _length(value: object) -> str:
    return f"{len(value)} bytes" if isinstance(value, bytes) else type(value).__name__
