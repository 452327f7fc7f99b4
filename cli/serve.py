"""`integritas serve`: the HTTP API and web pages (api.app) under uvicorn (api.serving)."""

from __future__ import annotations

import argparse
from typing import Any

from cli.options import Commands, add_ledger_option, add_postgres_options, postgres_dsn
from ledger.errors import UsageError


def register(commands: Commands) -> None:
    p = commands.add_parser("serve", help="serve the HTTP API and web pages with uvicorn")
    add_ledger_option(p)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument(
        "--request-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="close a connection whose request (headers and body) has not arrived in this time (default 30)",
    )
    add_postgres_options(p, "events in this PostgreSQL database instead of ledger.json's")
    p.add_argument(
        "--forwarded-allow-ips",
        metavar="ADDRESSES",
        help="the reverse proxy's addresses (comma-separated): only they may set X-Forwarded-For (default: none)",
    )
    p.add_argument("--no-access-log", action="store_true", help="do not write the JSON access log to stdout")
    p.set_defaults(run=serve)


def serve(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from api.serving import run
    from api.settings import Settings

    # Checked here, in this process, without touching its environment (api.serving.run sets it
    # for the workers only when it serves).
    chosen: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "workers": args.workers,
        "request_timeout": args.request_timeout,
        "allow_open_key_file": args.allow_open_key_file,
    }
    dsn = postgres_dsn(args)
    if dsn:
        chosen["postgres_dsn"] = dsn
    try:
        Settings(ledger_dir=args.ledger.resolve(), **chosen)
    except ValidationError as exc:
        raise UsageError("; ".join(str(e["msg"]) for e in exc.errors())) from exc
    from ledger.crypto.keys import read_private_key
    from ledger.signed_head import read_signed_head
    from ledger.store.datadir import LOG_KEY_FILE, SIGNED_HEAD_FILE, LedgerConfig

    LedgerConfig.read(args.ledger)  # clear errors now rather than in every worker
    read_signed_head(args.ledger / SIGNED_HEAD_FILE)
    read_private_key(args.ledger / LOG_KEY_FILE, allow_open=args.allow_open_key_file)
    print(f"Integritas on http://{args.host}:{args.port}/ (API docs at /docs), ledger {args.ledger}", flush=True)
    run(
        args.ledger,
        host=args.host,
        port=args.port,
        workers=args.workers,
        postgres=dsn,
        forwarded_allow_ips=args.forwarded_allow_ips,
        access_log=not args.no_access_log,
        request_timeout=args.request_timeout,
        allow_open_key_file=args.allow_open_key_file,
    )
    return 0
