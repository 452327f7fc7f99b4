"""C2SP tlog-cosignature v1 with Ed25519 (https://c2sp.org/tlog-cosignature): witness cosignatures.

A cosignature is a signed-note signature line on a checkpoint (section Format)::

    — <cosigner name> base64(key ID || timestamp || signature)

- key ID = SHA-256(<name> || "\\n" || 0x04 || 32-byte Ed25519 public key)[:4];
- timestamp = the POSIX seconds at signing, a big-endian u64 that must not exceed 2^63 - 1
  (the ``timestamped_signature`` structure, serialized per RFC 8446 §3.3);
- signature = Ed25519 (RFC 8032) over the signed message of section "Ed25519 signed message"::

    cosignature/v1\\n
    time <timestamp as ASCII decimal, no leading zeros>\\n
    <the whole checkpoint note text, final newline included, no signature lines>

The cosigner's verifier key is a signed-note vkey of signature type 0x04:
``<name>+<hex key ID>+<base64(0x04 || public key)>``.

Semantics (same section): "as of the specified time, the consistent tree head with the largest
size the cosigner has observed for the log identified by the origin line has the specified root
hash". The Ed25519 message does not commit to the cosigner's name, so one key serves one name.

Verification follows signed-note: lines whose name and key ID are not the cosigner's are
ignored; a line that has them must verify, or the note is rejected.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ledger import codes
from ledger.crypto import ed25519
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.crypto.note import Note, NoteSignature, format_note, parse_note
from ledger.errors import MalformedInput, VerificationFailed

__all__ = [
    "MAX_TIMESTAMP",
    "SIGNATURE_TYPE_COSIGNATURE_V1",
    "Cosignature",
    "CosignerKey",
    "add_cosignatures",
    "compute_cosigner_key_id",
    "cosign_note",
    "cosignature_message",
    "cosigner_key_for",
    "format_cosignature_line",
    "format_cosigner_key",
    "parse_cosigner_key",
    "verify_cosignature",
]

SIGNATURE_TYPE_COSIGNATURE_V1: Final = 0x04
"""Signature type byte of Ed25519 cosignature/v1 (tlog-cosignature, Format)."""

MAX_TIMESTAMP: Final = 2**63 - 1
"""tlog-cosignature: the timestamp "MUST NOT exceed 2^63 - 1"."""

_KEY_ID_SIZE: Final = 4
_TIMESTAMP_SIZE: Final = 8
_ED25519_SIGNATURE_SIZE: Final = 64
_ED25519_PUBLIC_KEY_SIZE: Final = 32
_KEY_ID_HEX = re.compile(r"[0-9a-f]{8}")


def compute_cosigner_key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x04 || public key)[:4], the key ID of an Ed25519 cosigner."""
    NoteSignature(name, b"\0" * _KEY_ID_SIZE, b"\0")  # the signed-note rules for key names
    if not isinstance(public_key, bytes) or len(public_key) != _ED25519_PUBLIC_KEY_SIZE:
        raise MalformedInput("cosigner public key must be 32 bytes", code=codes.INVALID_KEY)
    material = name.encode("utf-8") + b"\n" + bytes([SIGNATURE_TYPE_COSIGNATURE_V1]) + public_key
    return hashlib.sha256(material).digest()[:_KEY_ID_SIZE]


@dataclass(frozen=True)
class CosignerKey:
    """A witness's name and Ed25519 public key; ``key_id`` must match them."""

    name: str
    key_id: bytes
    public_key: bytes

    def __post_init__(self) -> None:
        want = compute_cosigner_key_id(self.name, self.public_key)
        if self.key_id != want:
            shown = self.key_id.hex() if isinstance(self.key_id, bytes) else repr(self.key_id)
            raise MalformedInput(
                f"cosigner key ID {shown} is not {want.hex()}, the ID of witness {self.name!r}",
                code=codes.KEY_ID_MISMATCH,
            )

    @property
    def label(self) -> str:
        """``<name>+<hex key ID>``, how reports name the witness."""
        return f"{self.name}+{self.key_id.hex()}"


def cosigner_key_for(name: str, public_key: Ed25519PublicKey) -> CosignerKey:
    """The cosigner key of ``public_key`` under witness name ``name``."""
    raw = public_key.public_bytes_raw()
    return CosignerKey(name, compute_cosigner_key_id(name, raw), raw)


def format_cosigner_key(key: CosignerKey) -> str:
    """``<name>+<hex key ID>+<base64(0x04 || public key)>`` (signed-note vkey, type 0x04)."""
    encoded = encode_base64(bytes([SIGNATURE_TYPE_COSIGNATURE_V1]) + key.public_key)
    return f"{key.name}+{key.key_id.hex()}+{encoded}"


def parse_cosigner_key(text: str) -> CosignerKey:
    """Parse a type 0x04 vkey; exact inverse of :func:`format_cosigner_key`.

    Raises :class:`~ledger.errors.MalformedInput` (code ``invalid_cosigner_key``) for any other
    text or key type, and ``key_id_mismatch`` for a key ID that is not the name's and key's.
    """
    if not isinstance(text, str):
        raise MalformedInput("cosigner key must be text", code=codes.INVALID_COSIGNER_KEY)
    name, plus, rest = text.partition("+")
    key_id_hex, plus_again, key_text = rest.partition("+")
    if not plus or not plus_again or not name:
        raise MalformedInput(
            "cosigner key does not have the form <name>+<key ID>+<key>", code=codes.INVALID_COSIGNER_KEY
        )
    if not _KEY_ID_HEX.fullmatch(key_id_hex):
        raise MalformedInput(
            f"cosigner key ID {key_id_hex[:16]!r} is not 8 lowercase hex digits", code=codes.INVALID_COSIGNER_KEY
        )
    key = decode_base64(key_text, what="cosigner key")
    if len(key) != 1 + _ED25519_PUBLIC_KEY_SIZE or key[0] != SIGNATURE_TYPE_COSIGNATURE_V1:
        raise MalformedInput(
            f"cosigner key is {len(key)} bytes of type {key[:1].hex() or 'none'}, "
            "want type 04 (Ed25519 cosignature/v1) followed by a 32-byte key",
            code=codes.INVALID_COSIGNER_KEY,
        )
    return CosignerKey(name, bytes.fromhex(key_id_hex), key[1:])


def cosignature_message(note_text: str, timestamp: int) -> bytes:
    """The bytes an Ed25519 cosigner signs: ``cosignature/v1\\ntime <t>\\n`` then the note text."""
    _check_timestamp(timestamp)
    if not isinstance(note_text, str) or not note_text.endswith("\n"):
        raise MalformedInput("cosigned note text must end with a newline", code=codes.INVALID_NOTE_TEXT)
    return f"cosignature/v1\ntime {timestamp}\n".encode("ascii") + note_text.encode("utf-8")


@dataclass(frozen=True)
class Cosignature:
    """One verified (or to-be-verified) cosignature: who, when, and the signature line's bytes."""

    name: str
    key_id: bytes
    timestamp: int
    signature: bytes

    def __post_init__(self) -> None:
        _check_timestamp(self.timestamp)
        if not isinstance(self.signature, bytes) or len(self.signature) != _ED25519_SIGNATURE_SIZE:
            raise MalformedInput("cosignature must carry a 64-byte Ed25519 signature", code=codes.INVALID_COSIGNATURE)

    def note_signature(self) -> NoteSignature:
        """The signed-note signature: key ID, then the ``timestamped_signature`` structure."""
        return NoteSignature(self.name, self.key_id, self.timestamp.to_bytes(_TIMESTAMP_SIZE, "big") + self.signature)


def cosign_note(note_text: str, name: str, private_key: Ed25519PrivateKey, timestamp: int) -> Cosignature:
    """Cosign a checkpoint's note text (no signature lines) as witness ``name`` at ``timestamp``."""
    key = cosigner_key_for(name, private_key.public_key())
    signature = private_key.sign(cosignature_message(note_text, timestamp))
    return Cosignature(name, key.key_id, timestamp, signature)


def format_cosignature_line(cosignature: Cosignature) -> str:
    """The signature line ``— <name> base64(key ID || timestamp || signature)\\n``."""
    signature = cosignature.note_signature()
    return f"\u2014 {signature.name} {encode_base64(signature.key_id + signature.signature)}\n"


def add_cosignatures(signed_note: str, lines: str) -> str:
    """Append signature lines (a tlog-witness 200 body) to a signed note, dropping exact duplicates.

    tlog-witness: "the client MAY concatenate it to the checkpoint". The result is parsed again, so
    lines that are not signature lines are refused (:class:`~ledger.errors.MalformedInput`).
    """
    note = parse_note(signed_note)
    extra = parse_note(note.text + "\n" + lines)
    signatures = list(note.signatures)
    for signature in extra.signatures:
        if signature not in signatures:
            signatures.append(signature)
    return format_note(Note(note.text, tuple(signatures)))


def verify_cosignature(signed_note: str, key: CosignerKey, *, now: int | None = None) -> Cosignature:
    """Check the note carries a valid cosignature by ``key``; return it (the latest if several).

    Lines by other names or key IDs are ignored; every line with this name and key ID must be a
    valid cosignature. With ``now`` (POSIX seconds), a timestamp more than 10 minutes in the future
    is refused (tlog-cosignature: "verifiers MAY reject cosignatures with timestamps in the
    future"). Raises :class:`~ledger.errors.VerificationFailed` with code ``cosignature_missing``
    or ``cosignature_invalid``, and :class:`~ledger.errors.MalformedInput` for a bad note.
    """
    note = parse_note(signed_note)
    ours = [s for s in note.signatures if s.name == key.name and s.key_id == key.key_id]
    if not ours:
        raise VerificationFailed(
            f"the checkpoint has no cosignature by witness {key.label}",
            code=codes.COSIGNATURE_MISSING,
            witness=key.label,
        )
    found: list[Cosignature] = []
    for signature in ours:
        evidence = {"witness": key.label, "signature": signature.signature, "text": note.text}
        if len(signature.signature) != _TIMESTAMP_SIZE + _ED25519_SIGNATURE_SIZE:
            raise VerificationFailed(
                f"cosignature by {key.label} is {len(signature.signature)} bytes after its key ID, "
                f"want {_TIMESTAMP_SIZE + _ED25519_SIGNATURE_SIZE} (timestamp and Ed25519 signature)",
                code=codes.COSIGNATURE_INVALID,
                **evidence,
            )
        timestamp = int.from_bytes(signature.signature[:_TIMESTAMP_SIZE], "big")
        if timestamp > MAX_TIMESTAMP:
            raise VerificationFailed(
                f"cosignature by {key.label} has timestamp {timestamp}, more than 2^63 - 1",
                code=codes.COSIGNATURE_INVALID,
                **evidence,
            )
        if now is not None and timestamp > now + 600:
            raise VerificationFailed(
                f"cosignature by {key.label} is dated {timestamp}, in the future (now {now})",
                code=codes.COSIGNATURE_INVALID,
                **evidence,
            )
        ed25519_signature = signature.signature[_TIMESTAMP_SIZE:]
        if not ed25519.verify(key.public_key, ed25519_signature, cosignature_message(note.text, timestamp)):
            problem = ed25519.signature_problem(key.public_key, ed25519_signature)
            raise VerificationFailed(
                f"cosignature by {key.label} does not verify over the checkpoint"
                + (f": {problem} (strict Ed25519)" if problem else ""),
                code=codes.COSIGNATURE_INVALID,
                **evidence,
            )
        found.append(Cosignature(key.name, key.key_id, timestamp, signature.signature[_TIMESTAMP_SIZE:]))
    return max(found, key=lambda c: c.timestamp)


def _check_timestamp(timestamp: int) -> None:
    if type(timestamp) is not int or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise MalformedInput(
            f"cosignature timestamp {timestamp!r} is not an integer from 0 to 2^63 - 1", code=codes.INVALID_COSIGNATURE
        )
