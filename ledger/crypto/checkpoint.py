"""C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint): the log's signed tree head (DESIGN §5).

Implements the spec's section Note text for this log's checkpoints: exactly three lines, origin,
tree size in ASCII decimal without leading zeros, and the base64 RFC 6962 root hash, with no
extension lines (DESIGN §5 uses none). Section Signatures: the checkpoint is a C2SP signed note by
the log key, whose key name is the origin.

Parsing is strict, unlike parsers that read the size with ``int()`` (which takes ``"+042"``,
``" 42"``, ``"4_2"`` and non-ASCII digits) or base64 without validation: one checkpoint has one
text.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import codes
from ledger.crypto.keys import decode_base64
from ledger.crypto.note import VerifierKey, parse_note, sign_note, verify_note, verify_note_by_any
from ledger.errors import MalformedInput, VerificationFailed

__all__ = [
    "DECIMAL",
    "MAX_TREE_SIZE",
    "Checkpoint",
    "SignedCheckpoint",
    "format_checkpoint",
    "parse_checkpoint",
    "sign_checkpoint",
    "verify_checkpoint",
    "verify_checkpoint_by_any",
]

MAX_TREE_SIZE: Final = 2**64 - 1
"""Largest tree size: sizes are unsigned 64-bit integers throughout the tlog specs."""

_ROOT_HASH_SIZE: Final = 32
# [0-9] rather than \d: Python's \d also matches non-ASCII digits such as "٤٢".
DECIMAL = re.compile(r"0|[1-9][0-9]*")
"""An ASCII decimal without sign or leading zeros: how every C2SP tlog format writes a number."""
_CONTROL = re.compile(r"[\x00-\x1f]")


@dataclass(frozen=True)
class Checkpoint:
    """A log's tree head: its origin, its size and the root hash at that size."""

    origin: str
    tree_size: int
    root_hash: bytes

    def __post_init__(self) -> None:
        if not isinstance(self.origin, str) or not self.origin:
            raise MalformedInput("checkpoint origin is empty", code=codes.INVALID_CHECKPOINT)
        control = _CONTROL.search(self.origin)
        if control:
            raise MalformedInput(
                f"checkpoint origin {self.origin!r} contains control character {control.group()!r}",
                code=codes.INVALID_CHECKPOINT,
            )
        try:
            self.origin.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise MalformedInput("checkpoint origin is not valid UTF-8", code=codes.INVALID_CHECKPOINT) from exc
        # bool is an int subclass; a size of True is a bug, not a tree of one leaf.
        if type(self.tree_size) is not int or not 0 <= self.tree_size <= MAX_TREE_SIZE:
            raise MalformedInput(
                f"tree size {self.tree_size!r} is not an integer from 0 to {MAX_TREE_SIZE}",
                code=codes.INVALID_CHECKPOINT,
            )
        if not isinstance(self.root_hash, bytes) or len(self.root_hash) != _ROOT_HASH_SIZE:
            shown = f"{len(self.root_hash)} bytes" if isinstance(self.root_hash, bytes) else "not bytes"
            raise MalformedInput(f"root hash is {shown}, want {_ROOT_HASH_SIZE} bytes", code=codes.INVALID_CHECKPOINT)


def format_checkpoint(checkpoint: Checkpoint) -> str:
    """Return the note text ``<origin>\\n<tree size>\\n<base64 root hash>\\n``."""
    root = base64.b64encode(checkpoint.root_hash).decode("ascii")
    return f"{checkpoint.origin}\n{checkpoint.tree_size}\n{root}\n"


def parse_checkpoint(body: str) -> Checkpoint:
    """Parse a checkpoint note text; exact inverse of :func:`format_checkpoint`.

    Raises :class:`~ledger.errors.MalformedInput` unless ``body`` is exactly three lines, each
    ending in a newline: a non-empty origin, a tree size of ASCII digits without sign, spaces,
    underscores or leading zeros (``0`` alone excepted), and the canonical base64 of a 32-byte
    root hash.
    """
    if not body.endswith("\n"):
        raise MalformedInput("checkpoint does not end with a newline", code=codes.INVALID_CHECKPOINT)
    lines = body[:-1].split("\n")
    if len(lines) > 3:
        raise MalformedInput(
            f"checkpoint has {len(lines) - 3} extension lines; this log's checkpoints have none",
            code=codes.INVALID_CHECKPOINT,
        )
    if len(lines) < 3:
        raise MalformedInput(f"checkpoint has {len(lines)} lines, want 3", code=codes.INVALID_CHECKPOINT)
    origin, size_text, root_text = lines
    if not DECIMAL.fullmatch(size_text):
        raise MalformedInput(
            f"tree size {size_text[:40]!r} is not ASCII decimal digits without sign or leading zeros",
            code=codes.INVALID_CHECKPOINT,
        )
    # Refuse long digit strings before int() spends time on them.
    if len(size_text) > len(str(MAX_TREE_SIZE)):
        raise MalformedInput(
            f"tree size has {len(size_text)} digits, more than {MAX_TREE_SIZE} has",
            code=codes.INVALID_CHECKPOINT,
        )
    root_hash = decode_base64(root_text, what="checkpoint root hash")
    # The constructor checks the origin, the size's range and the root's length.
    return Checkpoint(origin, int(size_text), root_hash)


def sign_checkpoint(checkpoint: Checkpoint, private_key: Ed25519PrivateKey, *more_keys: Ed25519PrivateKey) -> str:
    """Return ``checkpoint`` as a signed note by ``private_key`` (and ``more_keys``: a log key's
    rotation overlap), every key named after the origin."""
    return sign_note(format_checkpoint(checkpoint), checkpoint.origin, private_key, *more_keys)


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as the log signed it: the signed note's text and its parsed body, read once.

    Built from the text alone, so the two can never disagree: ``SignedCheckpoint(text)`` parses the
    note and its checkpoint strictly (signatures unchecked); :meth:`parse` with a verifier key, or
    :meth:`sign`, also verify or make the signature. ``text`` is the exact note, byte for byte.
    """

    text: str
    checkpoint: Checkpoint = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise MalformedInput("a signed checkpoint is note text", code=codes.INVALID_CHECKPOINT)
        object.__setattr__(self, "checkpoint", parse_checkpoint(parse_note(self.text).text))

    @classmethod
    def parse(cls, text: str, verifier_key: VerifierKey | None = None) -> SignedCheckpoint:
        """Parse a signed checkpoint; with ``verifier_key``, verify it as :func:`verify_checkpoint` does."""
        if verifier_key is not None:
            _verify(text, verifier_key)
        return cls(text)

    @classmethod
    def sign(
        cls, checkpoint: Checkpoint, private_key: Ed25519PrivateKey, *more_keys: Ed25519PrivateKey
    ) -> SignedCheckpoint:
        """``checkpoint`` signed by ``private_key`` and ``more_keys`` (see :func:`sign_checkpoint`)."""
        return cls(sign_checkpoint(checkpoint, private_key, *more_keys))

    @property
    def origin(self) -> str:
        return self.checkpoint.origin

    @property
    def tree_size(self) -> int:
        return self.checkpoint.tree_size

    @property
    def root_hash(self) -> bytes:
        return self.checkpoint.root_hash


def verify_checkpoint(note_text: str, verifier_key: VerifierKey) -> Checkpoint:
    """Verify a signed checkpoint by ``verifier_key`` and return it.

    The signature is checked before the text is read (signed-note: an unverified text must be
    ignored); then the key's name must be the checkpoint's origin. Raises
    :class:`~ledger.errors.VerificationFailed` (codes of :func:`~ledger.crypto.note.verify_note`, or
    ``checkpoint_origin_mismatch``) and :class:`~ledger.errors.MalformedInput` for text that does
    not parse.
    """
    return _verify(note_text, verifier_key)


def verify_checkpoint_by_any(
    note_text: str, verifier_keys: tuple[VerifierKey, ...]
) -> tuple[Checkpoint, tuple[VerifierKey, ...]]:
    """Verify a checkpoint signed by at least one of ``verifier_keys`` (a log key's rotation: the
    trust anchor lists the old and the new key); return it and the keys whose signatures it carries.

    Every signature line by one of the keys must verify (:func:`~ledger.crypto.note.verify_note_by_any`),
    and the keys' name must be the checkpoint's origin, as :func:`verify_checkpoint`.
    """
    note, signed_by = verify_note_by_any(note_text, verifier_keys)
    return _check_origin(note_text, parse_checkpoint(note.text), signed_by[0]), signed_by


def _verify(note_text: str, verifier_key: VerifierKey) -> Checkpoint:
    note = verify_note(note_text, verifier_key)
    return _check_origin(note_text, parse_checkpoint(note.text), verifier_key)


def _check_origin(note_text: str, checkpoint: Checkpoint, verifier_key: VerifierKey) -> Checkpoint:
    if checkpoint.origin != verifier_key.name:
        raise VerificationFailed(
            f"checkpoint origin {checkpoint.origin!r} is not the log key's name {verifier_key.name!r}",
            code=codes.CHECKPOINT_ORIGIN_MISMATCH,
            origin=checkpoint.origin,
            key_name=verifier_key.name,
            checkpoint=note_text,
        )
    return checkpoint
