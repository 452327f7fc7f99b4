"""Proofs for auditors: prove (one record's tlog-proof), export (tlog-tiles), verify (a whole log,
with only the standard library, cryptography and rfc8785: DESIGN §1.2) and verify-record."""

from __future__ import annotations

import argparse
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli.options import Commands, add_ledger_option, open_store
from cli.output import print_json, progress_bar
from ledger import codes
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.note import MAX_NOTE_BYTES
from ledger.errors import NotFound, UsageError
from ledger.files import read_exact_text, write_atomically

MAX_BUNDLE_BYTES = 2 * MAX_NOTE_BYTES  # a tlog-proof: at most 64 hashes and a checkpoint note

if TYPE_CHECKING:
    from ledger.verify import Report, TrustAnchor

EXIT_FAILED = 1


def register(commands: Commands) -> None:
    p = commands.add_parser("prove", help="write the C2SP tlog-proof of a leaf against the latest checkpoint")
    add_ledger_option(p)
    p.add_argument("index", type=int)
    p.add_argument("--leaf-out", type=Path, help="also write the leaf bytes to this file")
    p.add_argument(
        "--cosigned", action="store_true", help="require a cosigned checkpoint (exit 4 until one holds the leaf)"
    )
    p.set_defaults(run=prove)

    p = commands.add_parser("export", help="write the log as a C2SP tlog-tiles directory for offline audit")
    add_ledger_option(p)
    p.add_argument("directory", type=Path)
    p.add_argument(
        "--auditor",
        action="store_true",
        help="also write personal-data.json (rules edition 3: names, numbers, salts) for auditors "
        "allowed to see it; the export is registered so that an erasure rewrites it",
    )
    p.set_defaults(run=export)

    p = commands.add_parser("verify", help="verify a whole log: checkpoint, consistency, tiles, every entry")
    p.add_argument("source", help="a server URL (http[s]://…), an exported directory or a ledger data directory")
    p.add_argument(
        "--token",
        default=os.environ.get("INTEGRITAS_TOKEN"),
        help="read token for a server's entry bundles (default: $INTEGRITAS_TOKEN)",
    )
    trust = p.add_argument_group("trust anchor (--trust, or both of the others)")
    trust.add_argument(
        "--trust", type=Path, help="trust.json: origin, verifier_key, root_fingerprint [, national_root_fingerprint]"
    )
    trust.add_argument("--verifier-key", help="the log's verifier key, <origin>+<key id>+<base64>")
    trust.add_argument("--root-fingerprint", help="hex SHA-256 of the root key")
    p.add_argument(
        "--trusted-state",
        type=Path,
        help="file with your last verified checkpoint: checked for consistency, updated on success",
    )
    p.add_argument("--workers", type=int, default=None, help="signature-checking processes (default: one per core)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=verify)

    p = commands.add_parser("verify-record", help="verify one record's tlog-proof bundle against its leaf bytes")
    p.add_argument("bundle", type=Path, help="the .tlog-proof file")
    p.add_argument("leaf", type=Path, help="the leaf bytes (the canonical submission JSON)")
    p.add_argument("--verifier-key", help="the log's verifier key")
    p.add_argument("--trust", type=Path, help="or trust.json holding it")
    p.set_defaults(run=verify_record)


def prove(args: argparse.Namespace) -> int:
    from witness.server import cosigned_checkpoint_covering

    store = open_store(args.ledger, args.allow_open_key_file)
    # With witnesses, the bundle carries the latest cosigned checkpoint when it holds the leaf.
    cosigned = cosigned_checkpoint_covering(args.ledger, args.index)
    if cosigned is None and args.cosigned:
        raise NotFound(f"no cosigned checkpoint holds leaf {args.index} yet: try again", code=codes.NOT_COSIGNED_YET)
    bundle = store.record_proof(args.index, SignedCheckpoint(cosigned) if cosigned else None)
    if args.leaf_out is not None:
        args.leaf_out.write_bytes(store.leaf(args.index))
    sys.stdout.write(bundle)
    return 0


def export(args: argparse.Namespace) -> int:
    from ledger.store.export import export_log
    from witness.ledger_witnesses import read_ledger_policy
    from witness.server import cosigned_checkpoint_covering

    store = open_store(args.ledger, args.allow_open_key_file)
    policy = read_ledger_policy(args.ledger)
    # With witnesses, export at the latest cosigned checkpoint, so verifiers can hold it to the quorum.
    cosigned = cosigned_checkpoint_covering(args.ledger, 0) if policy else None
    with progress_bar("exporting tiles") as progress:
        size = export_log(
            store,
            args.directory,
            progress,
            checkpoint=SignedCheckpoint(cosigned) if cosigned else None,
            witness_policy=policy[0] if policy else None,
        )
    print(f"exported {size} entries to {args.directory} (C2SP tlog-tiles; trust anchor in trust.json)")
    if args.auditor:
        from ledger.store.personal import write_auditor_export

        persons = write_auditor_export(args.ledger, args.directory)
        print(f"auditor export: personal data of {persons} person(s) in {args.directory}/personal-data.json")
    return 0


def _trust_anchor(trust: Path | None, verifier_key: str | None, root_fingerprint: str | None) -> TrustAnchor:
    from ledger.verify import TrustAnchor

    if trust is not None:
        return TrustAnchor.load(trust)
    if not (verifier_key and root_fingerprint):
        raise UsageError("give the trust anchor: --trust FILE, or --verifier-key and --root-fingerprint")
    from ledger.crypto.note import parse_verifier_key

    key = parse_verifier_key(verifier_key)
    return TrustAnchor(key.name, key, root_fingerprint)


def verify(args: argparse.Namespace) -> int:
    from ledger.log_sources import open_source
    from ledger.verify import verify_log

    trust = _trust_anchor(args.trust, args.verifier_key, args.root_fingerprint)
    trusted = None
    if args.trusted_state is not None and args.trusted_state.exists():
        trusted = read_exact_text(args.trusted_state, MAX_NOTE_BYTES, "the trusted state", "invalid_trusted_state")
    source = open_source(args.source, args.token)
    with progress_bar("verifying entries") as progress:
        report = verify_log(
            source, trust, now=datetime.now(UTC), trusted_checkpoint=trusted, workers=args.workers, progress=progress
        )
    if args.json:
        document: dict[str, Any] = {
            "ok": report.ok,
            "source": report.source,
            "entries_checked": report.entries_checked,
            "tiles_checked": report.tiles_checked,
            "checkpoint": report.checkpoint_text,
            "failures": [failure.to_json() for failure in report.failures],
        }
        if report.persons_checked is not None:
            document["persons_checked"] = report.persons_checked  # rules edition 3: personal data carried
        if trust.witness_policy_text is not None:
            document["cosigned_by"] = report.cosigned_by
        if report.national_root is not None or trust.national_root_fingerprint is not None:
            document["national_root"] = report.national_root  # the fingerprint the log's policy names
        print_json(document)
    else:
        _print_report(report)
    if not report.ok:
        return EXIT_FAILED
    if args.trusted_state is not None and report.checkpoint_text is not None:
        write_atomically(args.trusted_state, report.checkpoint_text.encode("utf-8"))
    return 0


def _print_report(report: Report) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    size: Any = report.checkpoint.tree_size if report.checkpoint else "?"
    if report.ok:
        console.print(
            f"[green]OK[/green] {report.source}: {report.entries_checked} entries, "
            f"{report.tiles_checked} tiles, checkpoint size {size} verified"
            + (f", cosigned by {', '.join(report.cosigned_by)}" if report.cosigned_by else "")
            + (f", national root {report.national_root}" if report.national_root else "")
            + (
                f", personal data of {report.persons_checked} person(s) opens the log's commitments"
                if report.persons_checked is not None
                else ""
            )
        )
        return
    table = Table(title=f"{report.source}: {len(report.failures)} failure(s), checkpoint size {size}")
    table.add_column("leaf", justify="right")
    table.add_column("code")
    table.add_column("what failed")
    for failure in report.failures:
        table.add_row("-" if failure.leaf_index is None else str(failure.leaf_index), failure.code, failure.message)
    console.print(table)
    if report.national_root:
        console.print(f"national root named by the log's policy: {report.national_root}")
    console.print("[red]FAILED[/red]")


def verify_record(args: argparse.Namespace) -> int:
    from ledger.crypto.checkpoint import verify_checkpoint_by_any
    from ledger.crypto.record_proof import parse_record_proof, verify_record_proof
    from ledger.crypto.witness_policy import verify_witness_quorum

    trust = _trust_anchor(args.trust, args.verifier_key, "-")
    bundle = read_exact_text(args.bundle, MAX_BUNDLE_BYTES, "the bundle", "invalid_proof_bundle")
    # Any key the trust file lists: a bundle made before a log key's rotation carries the old key's
    # signature. One record has no log to say when a key retired: `integritas verify` checks that.
    checkpoint = verify_record_proof(bundle, args.leaf.read_bytes(), trust.verifier_keys)
    cosigned = ""
    policy = trust.witness_policy
    if policy is not None:
        # The bundle carries the cosigned checkpoint (tlog-proof keeps the note verbatim); the policy
        # must list a key that signed it.
        note = parse_record_proof(bundle).checkpoint
        listed = {key for key, _ in policy.logs}
        _, signed_by = verify_checkpoint_by_any(note, trust.verifier_keys)
        log_key = next((k.public_key for k in signed_by if k.public_key in listed), signed_by[0].public_key)
        signers = verify_witness_quorum(
            note,
            policy,
            log_public_key=log_key,
            now=int(datetime.now(UTC).timestamp()),
        )
        cosigned = f", cosigned by {', '.join(sorted(signers))}" if signers else ""
    print(
        f"OK: the leaf is in {checkpoint.origin} at the bundle's index, checkpoint size {checkpoint.tree_size}"
        + cosigned
    )
    return 0
