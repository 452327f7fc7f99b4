"""C2SP tlog-proof (https://c2sp.org/tlog-proof): one record's offline proof of inclusion.

    c2sp.org/tlog-proof@v1
    [extra <base64>]
    index <decimal>
    <base64 proof hash, leaf's sibling first>...
    <empty line>
    <the checkpoint, a signed note, verbatim>

`verify_record_proof` checks, in order: the checkpoint's signature by the log's verifier key, the
index against the checkpoint's size, and the inclusion proof from the leaf's hash to the root.
Files conventionally end in `.tlog-proof`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledger import codes
from ledger.crypto.checkpoint import DECIMAL, Checkpoint, verify_checkpoint, verify_checkpoint_by_any
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.crypto.merkle import hash_leaf, verify_inclusion
from ledger.crypto.note import VerifierKey, parse_note
from ledger.errors import MalformedInput

HEADER = "c2sp.org/tlog-proof@v1"


@dataclass(frozen=True)
class RecordProof:
    """The parts of a tlog-proof: leaf index, inclusion proof, signed checkpoint, optional extra."""

    index: int
    proof: tuple[bytes, ...]
    checkpoint: str  # the signed note text, verbatim
    extra: bytes | None = None


def format_record_proof(record: RecordProof) -> str:
    """The tlog-proof text of `record`."""
    lines = [HEADER]
    if record.extra is not None:
        lines.append(f"extra {encode_base64(record.extra)}")
    lines.append(f"index {record.index}")
    lines.extend(encode_base64(node) for node in record.proof)
    return "\n".join(lines) + "\n\n" + record.checkpoint


def parse_record_proof(text: str) -> RecordProof:
    """The exact inverse of `format_record_proof`; raises `MalformedInput` (code `invalid_proof_bundle`)."""
    try:
        return _parse(text)
    except MalformedInput as exc:
        if exc.code == codes.INVALID_PROOF_BUNDLE:
            raise
        raise MalformedInput(f"tlog-proof {exc.message}", code=codes.INVALID_PROOF_BUNDLE) from exc


def _parse(text: str) -> RecordProof:
    def fail(problem: str) -> MalformedInput:
        return MalformedInput(f"tlog-proof {problem}", code=codes.INVALID_PROOF_BUNDLE)

    head, separator, checkpoint = text.partition("\n\n")
    if not separator:
        raise fail("has no empty line before its checkpoint")
    if checkpoint.startswith("\n"):
        raise fail("has more than one empty line before its checkpoint")
    lines = head.split("\n")
    if lines[0] != HEADER:
        raise fail(f"must start with {HEADER!r}")
    position = 1
    extra = None
    if position < len(lines) and lines[position].startswith("extra "):
        extra = decode_base64(lines[position][len("extra ") :], what="extra data")
        position += 1
    if position >= len(lines) or not lines[position].startswith("index "):
        raise fail("has no index line")
    index_text = lines[position][len("index ") :]
    if not DECIMAL.fullmatch(index_text):
        raise fail(f"index {index_text!r} is not a decimal without leading zeros")
    proof = tuple(decode_base64(line, size=32, what=f"proof hash {n}") for n, line in enumerate(lines[position + 1 :]))
    parse_note(checkpoint)  # the checkpoint must at least be a well-formed signed note
    record = RecordProof(int(index_text), proof, checkpoint, extra)
    if format_record_proof(record) != text:
        raise fail("is not in canonical form")
    return record


def verify_record_proof(text: str, leaf: bytes, verifier_key: VerifierKey | tuple[VerifierKey, ...]) -> Checkpoint:
    """Verify that `leaf` is in the log at the bundle's index; return the verified checkpoint.

    `verifier_key` may be several keys (a trust file's keys after a log key's rotation): the
    checkpoint must then be signed by one of them (`verify_checkpoint_by_any`). Raises
    `MalformedInput` for a malformed bundle and `VerificationFailed` for a checkpoint whose
    signature fails or an inclusion proof that does not lead to its root.
    """
    record = parse_record_proof(text)
    if isinstance(verifier_key, tuple):
        checkpoint, _ = verify_checkpoint_by_any(record.checkpoint, verifier_key)
    else:
        checkpoint = verify_checkpoint(record.checkpoint, verifier_key)
    verify_inclusion(hash_leaf(leaf), record.index, checkpoint.tree_size, list(record.proof), checkpoint.root_hash)
    return checkpoint
