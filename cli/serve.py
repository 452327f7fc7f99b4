"""`integritas serve`: the HTTP API and web pages (api.app) under uvicorn."""

from __future__ import annotations

import argparse
import os

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
    p.set_defaults(run=serve)


def serve(args: argparse.Namespace) -> int:
    import uvicorn
    from pydantic import ValidationError

    from api.server import BoundedHttpToolsProtocol
    from api.settings import Settings

    environment = {
        "INTEGRITAS_LEDGER_DIR": str(args.ledger.resolve()),
        "INTEGRITAS_HOST": args.host,
        "INTEGRITAS_PORT": str(args.port),
        "INTEGRITAS_WORKERS": str(args.workers),
        "INTEGRITAS_REQUEST_TIMEOUT": str(args.request_timeout),
    }
    dsn = postgres_dsn(args)
    if dsn:
        environment["INTEGRITAS_POSTGRES_DSN"] = dsn  # the workers' environment: readable by its user only
    if args.allow_open_key_file:
        environment["INTEGRITAS_ALLOW_OPEN_KEY_FILE"] = "1"
    os.environ.update(environment)
    try:
        Settings()  # type: ignore[call-arg]
    except ValidationError as exc:
        raise UsageError("; ".join(str(e["msg"]) for e in exc.errors())) from exc
    from ledger.crypto.keys import read_private_key
    from ledger.signed_head import read_signed_head
    from ledger.store.datadir import LOG_KEY_FILE, SIGNED_HEAD_FILE, LedgerConfig

    LedgerConfig.read(args.ledger)  # clear errors now rather than in every worker
    read_signed_head(args.ledger / SIGNED_HEAD_FILE)
    read_private_key(args.ledger / LOG_KEY_FILE, allow_open=args.allow_open_key_file)
    print(f"Integritas on http://{args.host}:{args.port}/ (API docs at /docs), ledger {args.ledger}", flush=True)
    uvicorn.run(
        "api.app:create_app_from_environment",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http=BoundedHttpToolsProtocol,  # httptools, with a bound on how long a request may take to arrive
        log_level="warning",
        access_log=False,
    )
    return 0
