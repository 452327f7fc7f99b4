"""Evidence of assessments, for assessors and auditors (ledger.evidence; docs/how-to/prove-a-document.md):
evidence root (a manifest and its root), evidence prove (one file's inclusion proof) and evidence check
(a file against a logged assessment). Files are hashed here; nothing is sent anywhere."""

from __future__ import annotations

import argparse
import hashlib
from collections import deque
from pathlib import Path

from cli.options import Commands
from cli.output import print_json
from ledger import codes
from ledger.canonical import MAX_SUBMISSION_BYTES
from ledger.crypto.keys import encode_base64
from ledger.errors import NotFound, UsageError
from ledger.evidence import (
    Manifest,
    documents_claim,
    evidence_of,
    format_manifest,
    parse_manifest,
    prove_document,
    verify_document,
    verify_workbook,
)
from ledger.files import read_at_most, write_atomically

READ_CHUNK = 1 << 20


def register(commands: Commands) -> None:
    p = commands.add_parser("evidence", help="evidence of assessments: manifests, roots, and proofs of a file")
    evidence = p.add_subparsers(title="evidence commands", metavar="COMMAND")

    p = evidence.add_parser("root", help="hash files into a manifest; print its Merkle root and count")
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="the documents, in the manifest's order")
    p.add_argument("--out", type=Path, metavar="MANIFEST", help='write the manifest {"documents": [...]} here')
    p.set_defaults(run=root)

    p = evidence.add_parser("prove", help="print a file's index, leaf and inclusion proof in a manifest (JSON)")
    p.add_argument("--manifest", type=Path, required=True)
    p.add_argument("file", type=Path)
    p.set_defaults(run=prove)

    p = evidence.add_parser("check", help="check a file against the evidence of a logged assessment")
    p.add_argument("--ledger", type=Path, required=True, help="a ledger data directory or an exported log")
    p.add_argument("--entry", type=int, required=True, metavar="N", help="the assessment's leaf index")
    p.add_argument("--item", metavar="ID", help="check against the root of this LKE item's documents")
    p.add_argument("--manifest", type=Path, help="the assessors' manifest (needed with FILE)")
    p.add_argument("--workbook", type=Path, metavar="FILE", help="also check this file as the LKE workbook")
    p.add_argument("file", type=Path, nargs="?", help="the document to check")
    p.set_defaults(run=check)


def root(args: argparse.Namespace) -> int:
    manifest = Manifest(tuple(_file_digest(path) for path in args.files))
    if args.out is not None:
        write_atomically(args.out, format_manifest(manifest), mode=0o644)
    print(f"root {encode_base64(manifest.root())}")
    print(f"count {manifest.count}")
    return 0


def prove(args: argparse.Namespace) -> int:
    manifest = _read_manifest(args.manifest)
    print_json(prove_document(manifest, _file_digest(args.file)).to_json())
    return 0


def check(args: argparse.Namespace) -> int:
    if args.file is None and args.workbook is None:
        raise UsageError("give a FILE (with --manifest) to check, or --workbook FILE")
    if args.file is not None and args.manifest is None:
        raise UsageError("checking a FILE needs the assessors' --manifest")
    if args.entry < 0:
        raise UsageError("--entry is a leaf index, 0 or more")
    kind, body = _entry(args.ledger, args.entry)
    evidence = evidence_of(kind, body, args.entry)
    if args.workbook is not None:
        verify_workbook(evidence, _file_digest(args.workbook))
        print(f"OK: {args.workbook.name} is the LKE workbook of entry {args.entry}")
    if args.file is not None:
        manifest = _read_manifest(args.manifest)
        # Named before the file is hashed: an unknown item is an error whatever the file holds.
        claim = documents_claim(evidence, args.item)
        proof = verify_document(evidence, manifest, _file_digest(args.file), args.item)
        print(
            f"OK: {args.file.name} is at index {proof.index} of the {proof.count} documents under {claim.what} "
            f"of entry {args.entry} (root {encode_base64(proof.root)})"
        )
    return 0


def _entry(ledger: Path, index: int) -> tuple[str, dict[str, object]]:
    """The kind and body of leaf `index`, read through the verifier's log sources (a data directory or
    an export) and parsed as strictly as the verifier parses it."""
    from ledger.crypto.checkpoint import SignedCheckpoint
    from ledger.entry import parse_leaf
    from ledger.log_sources import open_source

    source = open_source(str(ledger))
    # The checkpoint's size bounds the read; whether the log holds what it signs is `integritas verify`'s.
    size = SignedCheckpoint(source.checkpoint()).tree_size
    if index >= size:
        raise NotFound(f"entry {index} is not in the log (size {size})", code=codes.LEAF_NOT_FOUND)
    last = deque(source.leaves(index + 1), maxlen=1)  # the leaves are read in order, up to leaf `index`
    if not last:
        raise NotFound(f"entry {index} is not in the log", code=codes.LEAF_NOT_FOUND)
    entry = parse_leaf(last[0]).entry
    return entry.kind, dict(entry.body)


def _file_digest(path: Path) -> bytes:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(READ_CHUNK):
            digest.update(chunk)
    return digest.digest()


def _read_manifest(path: Path) -> Manifest:
    with path.open("rb") as handle:
        return parse_manifest(read_at_most(handle, MAX_SUBMISSION_BYTES, "the manifest"))
