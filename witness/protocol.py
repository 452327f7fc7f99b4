"""C2SP tlog-witness ``add-checkpoint`` (https://c2sp.org/tlog-witness), the witness side.

Request body: ``old <size>\\n``, zero to 63 base64 consistency-proof lines, an empty line, then
the checkpoint (a signed note). The checks, in the spec's order, and their statuses:

- a body that does not parse: 400 Bad Request;
- the checkpoint's origin is not a log this witness knows: 404 Not Found;
- no signature verifies against the log's trusted key: 403 Forbidden;
- the old size is larger than the checkpoint's size: 400 Bad Request;
- the old size is not the size of the latest checkpoint cosigned for the origin (0 if none):
  409 Conflict, body ``<size>\\n``, ``Content-Type: text/x.tlog.size``;
- the consistency proof (RFC 6962 §2.1.2; empty when the old size is 0) does not verify:
  422 Unprocessable Entity;
- old size equal to the checkpoint's size with a different root hash: 409 Conflict;
- otherwise the state is updated (atomically with the checks, :mod:`witness.state`) and the
  answer is 200 with one tlog-cosignature/v1 line.

The witness never cosigns a checkpoint with extension lines: tlog-checkpoint allows them, but this
project's checkpoints have none and the witness takes the same strict parser as the verifier.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.checkpoint import DECIMAL, verify_checkpoint
from ledger.crypto.cosignature import (
    CosignerKey,
    cosign_note,
    cosigner_key_for,
    format_cosignature_line,
)
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.crypto.merkle import verify_consistency
from ledger.crypto.note import Note, VerifierKey, format_note, parse_note
from ledger.errors import LedgerError, VerificationFailed
from witness.state import Latest, Refusal, WitnessState

__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpoint",
    "Witness",
    "format_add_checkpoint",
    "parse_add_checkpoint",
]

MAX_PROOF_LINES: Final = 63
"""tlog-witness: "The client MUST NOT send more than 63 consistency proof lines"."""

SIZE_CONTENT_TYPE: Final = "text/x.tlog.size"
"""Content type of a 409 answer's body, the tree size the witness knows."""


@dataclass(frozen=True)
class AddCheckpoint:
    """A parsed add-checkpoint request."""

    old_size: int
    proof: tuple[bytes, ...]
    checkpoint: str  # the signed note, verbatim


def format_add_checkpoint(request: AddCheckpoint) -> bytes:
    """The request body of ``request``; :func:`parse_add_checkpoint` is its inverse."""
    proof = "".join(encode_base64(node) + "\n" for node in request.proof)
    return f"old {request.old_size}\n{proof}\n{request.checkpoint}".encode()


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    """Parse an add-checkpoint body; raises :class:`Refusal` 400 naming the problem."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refusal(400, "request body is not UTF-8") from exc
    head, separator, checkpoint = text.partition("\n\n")
    if not separator:
        raise Refusal(400, "request has no empty line before the checkpoint")
    lines = head.split("\n")
    old_line = lines[0]
    if not old_line.startswith("old ") or not DECIMAL.fullmatch(old_line[4:]) or len(old_line) > 24:
        raise Refusal(400, "first line must be 'old <size>' in decimal without leading zeros")
    proof_lines = lines[1:]
    if len(proof_lines) > MAX_PROOF_LINES:
        raise Refusal(400, f"request has {len(proof_lines)} proof lines, at most {MAX_PROOF_LINES} allowed")
    try:
        proof = tuple(decode_base64(line, size=32, what=f"proof line {n + 1}") for n, line in enumerate(proof_lines))
        parse_note(checkpoint)
    except LedgerError as exc:
        raise Refusal(400, exc.message) from exc
    return AddCheckpoint(int(old_line[4:]), proof, checkpoint)


class Witness:
    """A witness: its name and key, the logs it knows (origin to verifier key), its state."""

    def __init__(
        self,
        name: str,
        private_key: Ed25519PrivateKey,
        logs: dict[str, VerifierKey],
        state: WitnessState,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.key: CosignerKey = cosigner_key_for(name, private_key.public_key())
        self._private_key = private_key
        self.logs = dict(logs)
        self.state = state
        self._clock = clock

    def add_checkpoint(self, body: bytes) -> str:
        """Handle one add-checkpoint body; return the 200 body (cosignature lines) or raise :class:`Refusal`."""
        request = parse_add_checkpoint(body)
        note = parse_note(request.checkpoint)
        origin = note.text.split("\n", 1)[0]
        verifier = self.logs.get(origin)
        if verifier is None:
            raise Refusal(404, f"unknown log origin {origin[:100]!r}")
        try:
            checkpoint = verify_checkpoint(request.checkpoint, verifier)
        except VerificationFailed as exc:
            raise Refusal(403, f"checkpoint is not signed by the log's trusted key: {exc.message}") from exc
        except LedgerError as exc:
            raise Refusal(400, exc.message) from exc
        if request.old_size > checkpoint.tree_size:
            raise Refusal(400, f"old size {request.old_size} is larger than the checkpoint's {checkpoint.tree_size}")

        def decide(current: Latest) -> Latest:
            if request.old_size != current.tree_size:
                raise Refusal(
                    409, f"old size {request.old_size} is not {current.tree_size}", body=f"{current.tree_size}\n"
                )
            if checkpoint.tree_size == current.tree_size:
                if checkpoint.root_hash != current.root_hash:
                    # The log signed two trees of one size: a split view. Keep its signed request.
                    raise Refusal(
                        409,
                        f"a different tree of size {current.tree_size} was already cosigned",
                        body=f"{current.tree_size}\n",
                        evidence=body,
                    )
            else:
                try:
                    verify_consistency(
                        current.tree_size,
                        checkpoint.tree_size,
                        current.root_hash,
                        checkpoint.root_hash,
                        list(request.proof),
                    )
                except VerificationFailed as exc:
                    raise Refusal(422, f"consistency proof does not verify: {exc.message}", evidence=body) from exc
            timestamp = int(self._clock())
            cosignature = cosign_note(note.text, self.name, self._private_key, timestamp)
            issued.append(format_cosignature_line(cosignature))
            # Keep the log's signatures and others' cosignatures, and only this cosignature of ours.
            others = tuple(s for s in note.signatures if (s.name, s.key_id) != (self.key.name, self.key.key_id))
            stored = format_note(Note(note.text, (*others, cosignature.note_signature())))
            return Latest(origin, checkpoint.tree_size, checkpoint.root_hash, request.checkpoint, stored)

        issued: list[str] = []
        self.state.advance(origin, decide)
        # The line returned is the one committed with the state: the state is on disk first.
        return issued[-1]
