"""The `integritas` command: for operators (init, demo, status), signers (keys, sign, append) and
auditors (show, prove, export, verify, verify-record), overseers (status, oversight).

Every failure is one line on stderr, `integritas: <code>: <what failed>`, and a non-zero exit:
1 refused or invalid, 2 usage, 3 stale stream head (re-sign on the new head), 4 not found.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ledger.crypto.keys import (
    encode_base64,
    fingerprint,
    generate_private_key,
    public_key_bytes,
    read_private_key,
    write_private_key,
)
from ledger.entry import format_time, parse_submission, sign_entry
from ledger.errors import Conflict, LedgerError, NotFound

if TYPE_CHECKING:  # the store needs eventsourcing; `verify` must run without it (DESIGN §1.2)
    from ledger.store.application import LedgerStore

EXIT_REFUSED, EXIT_USAGE, EXIT_CONFLICT, EXIT_NOT_FOUND = 1, 2, 3, 4
DEFAULT_LEDGER = os.environ.get("INTEGRITAS_LEDGER", "data")


class UsageError(LedgerError):
    code = "usage"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status (never a traceback for a user's mistake)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        result: int = args.run(args)
        return result
    except Conflict as exc:
        head = exc.evidence.get("head")
        detail = f" (head: seq {head['seq']}, leaf hash {encode_base64(head['leaf_hash'])})" if head else ""
        return _fail(exc, EXIT_CONFLICT, detail)
    except NotFound as exc:
        return _fail(exc, EXIT_NOT_FOUND)
    except UsageError as exc:
        return _fail(exc, EXIT_USAGE)
    except LedgerError as exc:
        return _fail(exc, EXIT_REFUSED)
    except BrokenPipeError:
        # The reader went away (`integritas show ... | head`): nothing to say to anyone.
        sys.stderr.close()
        return 141
    except OSError as exc:
        print(f"integritas: io_error: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": "), file=sys.stderr)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        print("integritas: interrupted", file=sys.stderr)
        return 130


def utc_now() -> datetime:
    return datetime.now(UTC)


def _fail(exc: LedgerError, status: int, detail: str = "") -> int:
    print(f"integritas: {exc.code}: {exc.message}{detail}", file=sys.stderr)
    return status


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="integritas", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def ledger_option(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--ledger",
            type=Path,
            default=Path(DEFAULT_LEDGER),
            help="ledger data directory (default: $INTEGRITAS_LEDGER or ./data)",
        )

    p = commands.add_parser("init", help="create a new ledger: root key, log key, genesis entry")
    p.add_argument("directory", type=Path)
    p.add_argument("--origin", required=True, help="the log's origin, e.g. integritas.blorakab.go.id/zi")
    p.add_argument("--name", required=True, help="the ledger's name, e.g. 'Zona Integritas Kabupaten Blora'")
    p.add_argument(
        "--root-key",
        type=Path,
        required=True,
        help="where to write the new root key (keep it offline: it registers administrators)",
    )
    p.add_argument("--passphrase-env", metavar="VAR", help="encrypt the root key with the passphrase in $VAR")
    p.add_argument("--postgres", metavar="DSN", help="keep events in PostgreSQL instead of SQLite")
    p.set_defaults(run=_init)

    keys = commands.add_parser("keys", help="signing keys").add_subparsers(title="keys commands", metavar="ACTION")
    p = keys.add_parser("new", help="write a new Ed25519 key file (PKCS#8, mode 0600) and print its fingerprint")
    p.add_argument("path", type=Path)
    p.add_argument("--passphrase-env", metavar="VAR", help="encrypt the key with the passphrase in $VAR")
    p.set_defaults(run=_keys_new)
    p = keys.add_parser("show", help="print a key file's fingerprint and public key")
    p.add_argument("path", type=Path)
    p.add_argument("--passphrase-env", metavar="VAR")
    p.set_defaults(run=_keys_show)

    p = commands.add_parser("sign", help="build and sign a submission; seq and prev come from the ledger")
    ledger_option(p)
    p.add_argument("--key", type=Path, required=True, help="the signer's key file")
    p.add_argument("--passphrase-env", metavar="VAR")
    p.add_argument("--kind", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("--body", required=True, help="the body as JSON, or @FILE")
    p.add_argument("--at", help="when it happened (RFC 3339 UTC seconds, Z); default now")
    p.set_defaults(run=_sign)

    p = commands.add_parser("append", help="append a signed submission (file or stdin) and print the receipt")
    ledger_option(p)
    p.add_argument("submission", nargs="?", default="-", help="submission JSON file, - for stdin")
    p.set_defaults(run=_append)

    p = commands.add_parser("show", help="show an entry by leaf index, or a whole stream")
    ledger_option(p)
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("index", nargs="?", type=int)
    target.add_argument("--stream")
    p.set_defaults(run=_show)

    from projections.commands import add_commands

    add_commands(commands, ledger_option)

    p = commands.add_parser("prove", help="write the C2SP tlog-proof of a leaf against the latest checkpoint")
    ledger_option(p)
    p.add_argument("index", type=int)
    p.add_argument("--leaf-out", type=Path, help="also write the leaf bytes to this file")
    p.set_defaults(run=_prove)

    p = commands.add_parser("export", help="write the log as a C2SP tlog-tiles directory for offline audit")
    ledger_option(p)
    p.add_argument("directory", type=Path)
    p.set_defaults(run=_export)

    p = commands.add_parser("verify", help="verify a whole log: checkpoint, consistency, tiles, every entry")
    p.add_argument("source", help="a server URL (http[s]://…), an exported directory or a ledger data directory")
    p.add_argument(
        "--token",
        default=os.environ.get("INTEGRITAS_TOKEN"),
        help="read token for a server's entry bundles (default: $INTEGRITAS_TOKEN)",
    )
    trust = p.add_argument_group("trust anchor (--trust, or both of the others)")
    trust.add_argument("--trust", type=Path, help="trust.json: origin, verifier_key, root_fingerprint")
    trust.add_argument("--verifier-key", help="the log's verifier key, <origin>+<key id>+<base64>")
    trust.add_argument("--root-fingerprint", help="hex SHA-256 of the root key")
    p.add_argument(
        "--trusted-state",
        type=Path,
        help="file with your last verified checkpoint: checked for consistency, updated on success",
    )
    p.add_argument("--workers", type=int, default=None, help="signature-checking processes (default: one per core)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=_verify)

    p = commands.add_parser("verify-record", help="verify one record's tlog-proof bundle against its leaf bytes")
    p.add_argument("bundle", type=Path, help="the .tlog-proof file")
    p.add_argument("leaf", type=Path, help="the leaf bytes (the canonical submission JSON)")
    p.add_argument("--verifier-key", help="the log's verifier key")
    p.add_argument("--trust", type=Path, help="or trust.json holding it")
    p.set_defaults(run=_verify_record)

    p = commands.add_parser("serve", help="serve the HTTP API and web pages with uvicorn")
    ledger_option(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--postgres", metavar="DSN", help="events in this PostgreSQL database instead of ledger.json's")
    p.set_defaults(run=_serve)

    tokens = commands.add_parser("tokens", help="read tokens for the HTTP API").add_subparsers(
        title="tokens commands", metavar="ACTION"
    )
    p = tokens.add_parser("add", help="create a token (printed once) for a person with a read role")
    ledger_option(p)
    p.add_argument("name", help="who holds it, e.g. 'Kejaksaan Negeri Blora'")
    p.add_argument("--role", required=True, choices=["auditor", "overseer", "operator"])
    p.set_defaults(run=_tokens_add)
    p = tokens.add_parser("list", help="list tokens (never the tokens themselves)")
    ledger_option(p)
    p.set_defaults(run=_tokens_list)
    p = tokens.add_parser("revoke", help="revoke a token by its id")
    ledger_option(p)
    p.add_argument("id")
    p.set_defaults(run=_tokens_revoke)

    p = commands.add_parser("demo", help="build the Blora demo ledger, deterministically from a seed")
    p.add_argument("directory", type=Path)
    p.add_argument("--seed", default="blora-2020")
    p.set_defaults(run=_demo)
    return parser


# --- helpers -----------------------------------------------------------------------------------------


def _passphrase(var: str | None) -> bytes | None:
    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        raise UsageError(f"environment variable {var} holds no passphrase")
    return value.encode("utf-8")


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar on a terminal; silence when output is piped."""
    if not sys.stderr.isatty():
        yield lambda done, total: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total or None)

        yield update


def _open(directory: Path) -> LedgerStore:
    from ledger.store.datadir import open_ledger

    with progress_bar("replaying the log") as progress:
        return open_ledger(directory, progress=progress)


def _print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, ensure_ascii=False))


# --- commands ------------------------------------------------------------------------------------------


def _init(args: argparse.Namespace) -> int:
    from ledger.store.datadir import TRUST_FILE, init_ledger

    root_key = generate_private_key()
    write_private_key(root_key, args.root_key, _passphrase(args.passphrase_env))
    store = init_ledger(
        args.directory,
        origin=args.origin,
        name=args.name,
        root_key=root_key,
        log_key=generate_private_key(),
        postgres_dsn=args.postgres,
    )
    print(f"ledger {args.origin} created in {args.directory} ({store.storage.describe()})")
    print(f"root key: {args.root_key}  fingerprint {fingerprint(root_key.public_key())}")
    print(f"verifier key: {store.verifier_key_text}")
    print(f"trust anchor for auditors: {args.directory / TRUST_FILE}")
    return 0


def _keys_new(args: argparse.Namespace) -> int:
    key = generate_private_key()
    write_private_key(key, args.path, _passphrase(args.passphrase_env))
    print(f"{fingerprint(key.public_key())}  {args.path}")
    print(f"public key (base64): {encode_base64(public_key_bytes(key.public_key()))}")
    return 0


def _keys_show(args: argparse.Namespace) -> int:
    key = read_private_key(args.path, _passphrase(args.passphrase_env))
    print(f"{fingerprint(key.public_key())}  {args.path}")
    print(f"public key (base64): {encode_base64(public_key_bytes(key.public_key()))}")
    return 0


def _sign(args: argparse.Namespace) -> int:
    from ledger.entry import load_json

    key = read_private_key(args.key, _passphrase(args.passphrase_env))
    body_text = Path(args.body[1:]).read_text(encoding="utf-8") if args.body.startswith("@") else args.body
    store = _open(args.ledger)
    head = store.state.streams.get(args.stream)
    entry = {
        "v": 1,
        "log": store.origin,
        "kind": args.kind,
        "stream": args.stream,
        "seq": 0 if head is None else head.seq + 1,
        "prev": None if head is None else encode_base64(head.leaf_hash),
        "at": args.at or format_time(utc_now()),
        "signer": fingerprint(key.public_key()),
        "body": load_json(body_text),
    }
    print(json.dumps(sign_entry(entry, key).to_json(), ensure_ascii=False))
    return 0


def _append(args: argparse.Namespace) -> int:
    data = sys.stdin.buffer.read() if args.submission == "-" else Path(args.submission).read_bytes()
    submission = parse_submission(data)
    store = _open(args.ledger)
    receipt = store.append(submission)
    _print_json({**receipt.to_json(), "duplicate": receipt.duplicate})
    return 0


def _show(args: argparse.Namespace) -> int:
    store = _open(args.ledger)
    if args.stream is not None:
        entries = store.stream_entries(args.stream)
        if not entries:
            raise NotFound(f"stream {args.stream} has no entries", code="unknown_stream")
        _print_json(
            {
                "stream": args.stream,
                "entries": [
                    {"index": index, "leaf_hash": encode_base64(leaf_hash), **json.loads(store.leaf(index))}
                    for index, leaf_hash in entries
                ],
            }
        )
        return 0
    leaf = store.leaf(args.index)
    _print_json({"index": args.index, "leaf_hash": encode_base64(store.tree.leaf_hash(args.index)), **json.loads(leaf)})
    return 0


def _prove(args: argparse.Namespace) -> int:
    store = _open(args.ledger)
    bundle = store.record_proof(args.index)
    if args.leaf_out is not None:
        args.leaf_out.write_bytes(store.leaf(args.index))
    sys.stdout.write(bundle)
    return 0


def _export(args: argparse.Namespace) -> int:
    from ledger.store.export import export_log

    store = _open(args.ledger)
    with progress_bar("exporting tiles") as progress:
        size = export_log(store, args.directory, progress)
    print(f"exported {size} entries to {args.directory} (C2SP tlog-tiles; trust anchor in trust.json)")
    return 0


def _trust_anchor(args: argparse.Namespace) -> Any:
    from ledger.verify import TrustAnchor

    if args.trust is not None:
        return TrustAnchor.load(args.trust)
    if not (args.verifier_key and args.root_fingerprint):
        raise UsageError("give the trust anchor: --trust FILE, or --verifier-key and --root-fingerprint")
    from ledger.crypto.note import parse_verifier_key

    key = parse_verifier_key(args.verifier_key)
    return TrustAnchor(key.name, key, args.root_fingerprint)


def _verify(args: argparse.Namespace) -> int:
    from ledger.log_sources import open_source
    from ledger.verify import verify_log

    trust = _trust_anchor(args)
    trusted = None
    if args.trusted_state is not None and args.trusted_state.exists():
        trusted = args.trusted_state.read_text(encoding="utf-8")
    source = open_source(args.source, args.token)
    with progress_bar("verifying entries") as progress:
        report = verify_log(
            source, trust, now=utc_now(), trusted_checkpoint=trusted, workers=args.workers, progress=progress
        )
    if args.json:
        _print_json(
            {
                "ok": report.ok,
                "source": report.source,
                "entries_checked": report.entries_checked,
                "tiles_checked": report.tiles_checked,
                "checkpoint": report.checkpoint_text,
                "failures": [failure.to_json() for failure in report.failures],
            }
        )
    else:
        _print_report(report)
    if not report.ok:
        return EXIT_REFUSED
    if args.trusted_state is not None and report.checkpoint_text is not None:
        temporary = args.trusted_state.with_name(args.trusted_state.name + ".tmp")
        temporary.write_text(report.checkpoint_text, encoding="utf-8")
        temporary.replace(args.trusted_state)
    return 0


def _print_report(report: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    size = report.checkpoint.tree_size if report.checkpoint else "?"
    if report.ok:
        console.print(
            f"[green]OK[/green] {report.source}: {report.entries_checked} entries, "
            f"{report.tiles_checked} tiles, checkpoint size {size} verified"
        )
        return
    table = Table(title=f"{report.source}: {len(report.failures)} failure(s), checkpoint size {size}")
    table.add_column("leaf", justify="right")
    table.add_column("code")
    table.add_column("what failed")
    for failure in report.failures:
        table.add_row("-" if failure.leaf_index is None else str(failure.leaf_index), failure.code, failure.message)
    console.print(table)
    console.print("[red]FAILED[/red]")


def _verify_record(args: argparse.Namespace) -> int:
    from ledger.crypto.record_proof import verify_record_proof

    key = _trust_anchor(
        argparse.Namespace(trust=args.trust, verifier_key=args.verifier_key, root_fingerprint="-")
    ).verifier_key
    checkpoint = verify_record_proof(args.bundle.read_text(encoding="utf-8"), args.leaf.read_bytes(), key)
    print(f"OK: the leaf is in {checkpoint.origin} at the bundle's index, checkpoint size {checkpoint.tree_size}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from api.settings import Settings

    environment = {
        "INTEGRITAS_LEDGER_DIR": str(args.ledger.resolve()),
        "INTEGRITAS_HOST": args.host,
        "INTEGRITAS_PORT": str(args.port),
        "INTEGRITAS_WORKERS": str(args.workers),
    }
    if args.postgres:
        environment["INTEGRITAS_POSTGRES_DSN"] = args.postgres
    os.environ.update(environment)
    try:
        Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        raise UsageError("; ".join(str(e["msg"]) for e in exc.errors())) from exc
    from ledger.store.datadir import LedgerConfig

    LedgerConfig.read(args.ledger)  # a clear error now rather than in every worker
    print(f"Integritas on http://{args.host}:{args.port}/ (API docs at /docs), ledger {args.ledger}", flush=True)
    uvicorn.run(
        "api.app:create_app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
    )
    return 0


def _token_file(args: argparse.Namespace) -> Any:
    from api.tokens import TokenFile

    return TokenFile(args.ledger / "tokens.json")


def _tokens_add(args: argparse.Namespace) -> int:
    record, token = _token_file(args).add(args.name, args.role)
    print(f"token {record.id} for {record.name} ({record.role}); shown once, keep it safe:")
    print(token)
    return 0


def _tokens_list(args: argparse.Namespace) -> int:
    for record in _token_file(args).records():
        state = f"revoked {record.revoked}" if record.revoked else "active"
        print(f"{record.id}  {record.role:<9} {state:<28} {record.created}  {record.name}")
    return 0


def _tokens_revoke(args: argparse.Namespace) -> int:
    record = _token_file(args).revoke(args.id)
    print(f"token {record.id} of {record.name} revoked")
    return 0


def _demo(args: argparse.Namespace) -> int:
    from ledger.demo import build_demo

    with progress_bar("building the Blora demo ledger") as progress:
        store = build_demo(args.directory, seed=args.seed, progress=progress)
    from projections.projector import ViewProjector

    ViewProjector(store.storage, store.origin).rebuild()  # the views, at once rather than entry by entry
    print(f"demo ledger in {args.directory}: {store.size} entries, root {encode_base64(store.tree.root())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
