"""Evidence of an assessment: the manifest of documents, its Merkle root, and the checks of a file.

Issue 11, item 8; docs/design/rules-edition-2.md, "Evidence". An `assessment.reviewed` or
`monitoring.recorded` entry may carry `evidence`: the SHA-256 of the LKE workbook, a Merkle root over
the SHA-256 digests of the supporting documents (for all of them, and per LKE item where given) and
the survey summaries. The documents themselves never enter the log; whoever holds one can prove it is
one the assessors saw, from the assessors' manifest and the logged root.

The manifest is `{"documents": ["<base64 SHA-256>", ...]}` (docs/contract/files.md), in the order the
assessors chose. Its root is the Merkle Tree Hash of RFC 6962 §2.1 (RFC 9162 §2.1.1) whose leaves are
the 32-byte digests, so a leaf hash is SHA-256(0x00 || digest), and an inclusion proof of one document
is the proof of RFC 9162 §2.1.3: the log's own tree code (ledger.crypto.merkle) computes both, and any
RFC 6962 implementation (Go's golang.org/x/mod/sumdb/tlog, the browser's tlog.js) agrees.

`EVIDENCE_VALIDATOR` checks the body member's shape in the style of ledger.entry's validators, for
ledger.entry.BODIES. This module does not import ledger.entry (which may import it); like it, it
imports only the standard library, cryptography and rfc8785.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ledger import codes
from ledger.canonical import MAX_SAFE_INTEGER, canonical_json, load_json
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.crypto.merkle import HASH_SIZE, MerkleTree, hash_leaf, root_from_leaf_hashes, verify_inclusion
from ledger.errors import MalformedInput, NotFound, VerificationFailed

__all__ = [
    "EVIDENCE_KINDS",
    "EVIDENCE_VALIDATOR",
    "DocumentProof",
    "DocumentsClaim",
    "Manifest",
    "digest_of",
    "documents_claim",
    "evidence_of",
    "format_manifest",
    "parse_manifest",
    "prove_document",
    "validate_evidence",
    "verify_document",
    "verify_document_proof",
    "verify_manifest",
    "verify_workbook",
]

EVIDENCE_KINDS: Final = ("assessment.reviewed", "monitoring.recorded")
"""The kinds whose body may carry `evidence` (rules edition 2)."""

_ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")  # ledger.entry.ID_PATTERN
_INDEX_PATTERN = re.compile(r"[0-9]\.[0-9]{2}")  # a survey index, "d.dd" as the design writes it


def digest_of(data: bytes) -> bytes:
    """The SHA-256 digest of a document's bytes: what a manifest lists and a workbook is logged as."""
    return hashlib.sha256(data).digest()


# --- the manifest ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Manifest:
    """The assessors' list of document digests, in order; at least one, none twice."""

    documents: tuple[bytes, ...]

    def __post_init__(self) -> None:
        if not self.documents:
            raise MalformedInput("manifest lists no documents", code=codes.INVALID_MANIFEST)
        for position, document in enumerate(self.documents):
            if type(document) is not bytes or len(document) != HASH_SIZE:
                raise MalformedInput(
                    f"manifest document {position} is not a {HASH_SIZE}-byte SHA-256 digest",
                    code=codes.INVALID_MANIFEST,
                )
        if len(set(self.documents)) != len(self.documents):
            # Two equal digests are one document listed twice: its index, and so its proof, would be
            # ambiguous, and the count would overstate what the assessors saw.
            first = next(d for i, d in enumerate(self.documents) if d in self.documents[:i])
            raise MalformedInput(
                f"manifest lists document {encode_base64(first)} more than once", code=codes.DUPLICATE_DOCUMENT
            )

    @property
    def count(self) -> int:
        """Number of documents, the tree size."""
        return len(self.documents)

    def leaf_hashes(self) -> list[bytes]:
        """The tree's leaf hashes: SHA-256(0x00 || digest) of each document (RFC 6962 §2.1)."""
        return [hash_leaf(document) for document in self.documents]

    def root(self) -> bytes:
        """The Merkle Tree Hash over the documents' digests (RFC 9162 §2.1.1)."""
        return root_from_leaf_hashes(self.leaf_hashes())

    def index_of(self, digest: bytes) -> int:
        """The position of `digest` in the manifest.

        Raises :class:`~ledger.errors.VerificationFailed` (``document_not_in_manifest``): a file that
        is not listed is not one the assessors recorded.
        """
        try:
            return self.documents.index(digest)
        except ValueError:
            raise VerificationFailed(
                f"document {encode_base64(digest)} is not in the manifest of {self.count} documents",
                code=codes.DOCUMENT_NOT_IN_MANIFEST,
                document=digest,
            ) from None


def parse_manifest(data: bytes | str) -> Manifest:
    """Parse a manifest strictly: one object with exactly `documents`, a non-empty array of canonical
    padded base64 SHA-256 digests, each once (``invalid_manifest``, ``duplicate_document``)."""
    try:
        value = load_json(data)
    except MalformedInput as exc:
        raise MalformedInput(f"manifest: {exc.message}", code=codes.INVALID_MANIFEST) from exc
    if not isinstance(value, dict) or set(value) != {"documents"}:
        raise MalformedInput('manifest is not an object {"documents": [...]}', code=codes.INVALID_MANIFEST)
    documents = value["documents"]
    if not isinstance(documents, list):
        raise MalformedInput("manifest.documents is not an array", code=codes.INVALID_MANIFEST)
    digests = []
    for position, text in enumerate(documents):
        if not isinstance(text, str):
            raise MalformedInput(f"manifest.documents[{position}] is not a string", code=codes.INVALID_MANIFEST)
        try:
            digests.append(decode_base64(text, size=HASH_SIZE, what=f"manifest.documents[{position}]"))
        except MalformedInput as exc:
            raise MalformedInput(exc.message, code=codes.INVALID_MANIFEST) from exc
    return Manifest(tuple(digests))


def format_manifest(manifest: Manifest) -> bytes:
    """The manifest file: RFC 8785 canonical JSON and a newline (`parse_manifest` reads it back)."""
    return canonical_json({"documents": [encode_base64(d) for d in manifest.documents]}, plain=True) + b"\n"


# --- one document's inclusion -----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentProof:
    """The inclusion proof (RFC 9162 §2.1.3.1) of one document in a manifest's tree."""

    document: bytes
    index: int
    count: int
    proof: tuple[bytes, ...]
    root: bytes

    def to_json(self) -> dict[str, Any]:
        """The proof as printed by `integritas evidence prove`: hashes in base64, lowest first."""
        return {
            "document": encode_base64(self.document),
            "index": self.index,
            "count": self.count,
            "leaf_hash": encode_base64(hash_leaf(self.document)),
            "proof": [encode_base64(node) for node in self.proof],
            "root": encode_base64(self.root),
        }


def prove_document(manifest: Manifest, digest: bytes) -> DocumentProof:
    """The inclusion proof of the document with `digest` in `manifest`'s tree.

    Raises ``document_not_in_manifest`` when the manifest does not list it.
    """
    index = manifest.index_of(digest)
    tree = MerkleTree.from_leaf_hashes(manifest.leaf_hashes())
    return DocumentProof(
        document=digest,
        index=index,
        count=manifest.count,
        proof=tuple(tree.inclusion_proof(index, manifest.count)),
        root=tree.root(),
    )


def verify_document_proof(digest: bytes, index: int, count: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that `proof` shows the document `digest` at `index` of `count` under `root`.

    RFC 9162 §2.1.3.2 with the leaf SHA-256(0x00 || digest); raises
    :class:`~ledger.errors.VerificationFailed` (``inclusion_proof_invalid``) with the evidence.
    """
    if type(digest) is not bytes or len(digest) != HASH_SIZE:
        # hash_leaf would hash any length into 32 bytes: the digest's own length is checked here.
        raise VerificationFailed(
            f"a document digest is {HASH_SIZE} bytes, not {len(digest)}", code=codes.INCLUSION_PROOF_INVALID
        )
    verify_inclusion(hash_leaf(digest), index, count, proof, root)


# --- the body member `evidence` ----------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentsClaim:
    """What an entry says of a set of documents: the root over their digests and how many there are."""

    root: bytes
    count: int
    what: str  # "evidence.documents" or "evidence.items.<id>", for messages


def evidence_of(kind: str, body: Mapping[str, Any], index: int | None = None) -> Mapping[str, Any]:
    """The `evidence` member of an entry's body, as ledger.entry.parse_entry (or parse_leaf) parsed
    it: the entry's own parsing is what holds the member to its shape, so it is not checked twice.

    Raises :class:`~ledger.errors.NotFound` (``no_evidence``) for a kind that carries no evidence or a
    body without it.
    """
    where = "entry" if index is None else f"entry {index}"
    if kind not in EVIDENCE_KINDS:
        raise NotFound(
            f"{where} is {kind}, which carries no evidence (only {', '.join(EVIDENCE_KINDS)})",
            code=codes.NO_EVIDENCE,
        )
    evidence: Mapping[str, Any] | None = body.get("evidence")
    if evidence is None:
        raise NotFound(f"{where} ({kind}) carries no evidence", code=codes.NO_EVIDENCE)
    return evidence


def documents_claim(evidence: Mapping[str, Any], item: str | None = None) -> DocumentsClaim:
    """The documents root and count logged for all documents, or for LKE item `item`.

    Raises ``no_evidence`` when the evidence has no documents root, ``unknown_evidence_item`` when it
    has no item `item`.
    """
    if item is None:
        claim = evidence.get("documents")
        what = "evidence.documents"
        if claim is None:
            raise NotFound("the evidence has no documents root (try --item)", code=codes.NO_EVIDENCE)
    else:
        items = evidence.get("items", {})
        claim = items.get(item)
        what = f"evidence.items.{item}"
        if claim is None:
            known = ", ".join(sorted(items)) or "none"
            raise NotFound(f"the evidence has no item {item!r} (items: {known})", code=codes.UNKNOWN_EVIDENCE_ITEM)
    return DocumentsClaim(root=decode_base64(claim["root"], size=HASH_SIZE, what=what), count=claim["count"], what=what)


def verify_manifest(manifest: Manifest, claim: DocumentsClaim) -> None:
    """Check that `manifest` is the one logged: the same count and the same root.

    Raises :class:`~ledger.errors.VerificationFailed` (``evidence_mismatch``) carrying both roots.
    """
    computed = manifest.root()
    evidence = {"logged_root": claim.root, "logged_count": claim.count, "computed_root": computed}
    if manifest.count != claim.count:
        raise VerificationFailed(
            f"the manifest lists {manifest.count} documents, {claim.what} logged {claim.count}",
            code=codes.EVIDENCE_MISMATCH,
            **evidence,
            computed_count=manifest.count,
        )
    if computed != claim.root:
        raise VerificationFailed(
            f"the manifest's root is {encode_base64(computed)}, {claim.what} logged {encode_base64(claim.root)}",
            code=codes.EVIDENCE_MISMATCH,
            **evidence,
        )


def verify_document(
    evidence: Mapping[str, Any], manifest: Manifest, digest: bytes, item: str | None = None
) -> DocumentProof:
    """Check that the document `digest` is one of those the evidence logs (for `item` if given).

    The manifest must be the logged one (``evidence_mismatch``), must list the document
    (``document_not_in_manifest``), and the document's inclusion proof must lead to the logged root
    (``inclusion_proof_invalid``). Returns the proof that passed.
    """
    claim = documents_claim(evidence, item)
    verify_manifest(manifest, claim)
    proof = prove_document(manifest, digest)
    # The proof is checked against the logged root, not the manifest's: what is shown is then the
    # path from this file to the very hash the assessors signed.
    verify_document_proof(digest, proof.index, claim.count, proof.proof, claim.root)
    return proof


def verify_workbook(evidence: Mapping[str, Any], digest: bytes) -> None:
    """Check that `digest` is the logged LKE workbook's (``no_evidence``, ``workbook_mismatch``)."""
    logged = evidence.get("workbook")
    if logged is None:
        raise NotFound("the evidence names no workbook", code=codes.NO_EVIDENCE)
    if decode_base64(logged, size=HASH_SIZE, what="evidence.workbook") != digest:
        raise VerificationFailed(
            f"the workbook's SHA-256 is {encode_base64(digest)}, the evidence logged {logged}",
            code=codes.WORKBOOK_MISMATCH,
            computed=digest,
            logged=logged,
        )


# --- the validator of the body member (ledger.entry's style: check(value, where) raises) -------------


def _fail(where: str, problem: str, code: str = codes.INVALID_MEMBER) -> MalformedInput:
    return MalformedInput(f"{where} {problem}", code=code)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    names: dict[type, str] = {int: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"must be an object, not {_json_type(value)}", codes.WRONG_TYPE)
    return value


def _members(value: dict[str, Any], where: str, required: set[str], optional: frozenset[str] = frozenset()) -> None:
    missing = sorted(required - value.keys())
    if missing:
        raise _fail(where, f"is missing member(s) {', '.join(missing)}", codes.MISSING_MEMBER)
    extra = sorted(value.keys() - required - optional)
    if extra:
        # JSON-escaped as in ledger.entry: a name may hold a lone surrogate, which no UTF-8 answer could carry.
        names = ", ".join(json.dumps(name)[1:-1] for name in extra)
        raise _fail(where, f"has unknown member(s) {names}", codes.UNKNOWN_MEMBER)


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str):
        raise _fail(where, f"must be a string, not {_json_type(value)}", codes.WRONG_TYPE)
    return value


def _identifier(value: Any, where: str) -> None:
    if not _ID_PATTERN.fullmatch(_string(value, where)):
        raise _fail(where, f"{value!r} does not match [a-z0-9][a-z0-9-]{{0,63}}", codes.INVALID_ID)


def _digest(value: Any, where: str) -> None:
    decode_base64(_string(value, where), size=HASH_SIZE, what=where)


def _positive_count(value: Any, where: str) -> None:
    # bool is a subclass of int in Python but not a number in JSON.
    if not isinstance(value, int) or isinstance(value, bool):
        raise _fail(where, f"must be an integer, not {_json_type(value)}", codes.WRONG_TYPE)
    if not 1 <= value <= MAX_SAFE_INTEGER:
        raise _fail(where, f"{value} is outside 1..2^53-1")


def _documents(value: Any, where: str) -> None:
    claim = _object(value, where)
    _members(claim, where, {"root", "count"})
    _digest(claim["root"], f"{where}.root")
    _positive_count(claim["count"], f"{where}.count")


def _items(value: Any, where: str) -> None:
    items = _object(value, where)
    if not items:
        raise _fail(where, "must name at least one item")
    for item, claim in items.items():
        _identifier(item, f"{where} item name")
        _documents(claim, f"{where}.{item}")


def _surveys(value: Any, where: str) -> None:
    if not isinstance(value, list):
        raise _fail(where, f"must be an array, not {_json_type(value)}", codes.WRONG_TYPE)
    if not value:
        raise _fail(where, "must have at least 1 item(s)")
    seen: set[str] = set()
    for position, element in enumerate(value):
        here = f"{where}[{position}]"
        survey = _object(element, here)
        _members(survey, here, {"survey", "respondents", "index"})
        _identifier(survey["survey"], f"{here}.survey")
        _positive_count(survey["respondents"], f"{here}.respondents")
        if not _INDEX_PATTERN.fullmatch(_string(survey["index"], f"{here}.index")):
            raise _fail(f"{here}.index", f"{survey['index']!r} is not a decimal string d.dd")
        if survey["survey"] in seen:
            raise _fail(where, f"has survey {survey['survey']!r} twice")
        seen.add(survey["survey"])


_EVIDENCE_MEMBERS = {"workbook": _digest, "documents": _documents, "items": _items, "surveys": _surveys}


def validate_evidence(value: Any, where: str) -> None:
    """Check the body member `evidence` (rules edition 2): optional `workbook` (digest), `documents`
    {root, count}, `items` {item id: {root, count}}, `surveys` [{survey, respondents, index}].

    Where the design is silent this module decides: at least one member; every count and every
    `respondents` at least 1 (a root over no documents says nothing); item ids and survey names are
    identifiers, `items` names at least one item and `surveys` lists at least one, each survey once;
    an index is one digit, a point and two (`3.41`). Raises :class:`~ledger.errors.MalformedInput`
    naming the member at fault, with the codes of ledger.entry's validators."""
    evidence = _object(value, where)
    _members(evidence, where, set(), frozenset(_EVIDENCE_MEMBERS))
    if not evidence:
        raise _fail(where, f"must have at least one of {', '.join(_EVIDENCE_MEMBERS)}")
    for name, validate in _EVIDENCE_MEMBERS.items():
        if name in evidence:
            validate(evidence[name], f"{where}.{name}")


EVIDENCE_VALIDATOR: Final = validate_evidence
"""The validator to name in ledger.entry.BODIES: ``{"evidence": EVIDENCE_VALIDATOR}``."""
