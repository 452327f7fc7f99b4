"""What the command families share in reading their arguments: the --ledger option and passphrases."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from cli.output import progress_bar
from ledger.errors import UsageError
from ledger.files import read_exact_text

if TYPE_CHECKING:  # the store needs eventsourcing; `verify` must run without it (DESIGN §1.2)
    from ledger.store.application import LedgerStore

DEFAULT_LEDGER = os.environ.get("INTEGRITAS_LEDGER", "data")

# What a family's `register` adds its subcommands to (argparse's own type for `add_subparsers()`).
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def add_ledger_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ledger",
        type=Path,
        default=Path(DEFAULT_LEDGER),
        help="ledger data directory (default: $INTEGRITAS_LEDGER or ./data)",
    )
    add_open_key_option(p)


def add_open_key_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--allow-open-key-file",
        action="store_true",
        help="use a key file that its group or others may read (refused by default)",
    )


def add_postgres_options(p: argparse.ArgumentParser, what: str) -> None:
    dsn = p.add_mutually_exclusive_group()
    dsn.add_argument("--postgres-dsn-env", metavar="VAR", help=f"{what}: the postgresql:// URL in $VAR")
    dsn.add_argument("--postgres-dsn-file", metavar="FILE", type=Path, help=f"{what}: the URL in FILE")
    dsn.add_argument("--postgres", metavar="DSN", help="the URL itself (shows its password in ps: avoid)")


def postgres_dsn(args: argparse.Namespace) -> str | None:
    """The PostgreSQL URL from $VAR or a file; a URL on the command line works, with a warning: every
    user of the machine sees a process's arguments (ps, /proc/PID/cmdline)."""
    if args.postgres_dsn_env:
        value = os.environ.get(args.postgres_dsn_env, "").strip()
        if not value:
            raise UsageError(f"environment variable {args.postgres_dsn_env} holds no PostgreSQL URL")
        return value
    if args.postgres_dsn_file:
        value = read_exact_text(args.postgres_dsn_file, 4096, "the PostgreSQL URL file", "invalid_config").strip()
        if not value:
            raise UsageError("the PostgreSQL URL file is empty")
        return value
    if args.postgres:
        print(
            "integritas: warning: --postgres shows the URL and its password to every user (ps); "
            "use --postgres-dsn-env VAR or --postgres-dsn-file FILE",
            file=sys.stderr,
        )
    return str(args.postgres) if args.postgres else None


def passphrase(var: str | None) -> bytes | None:
    """The passphrase held in environment variable `var` (--passphrase-env), if one is named."""
    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        raise UsageError(f"environment variable {var} holds no passphrase")
    return value.encode("utf-8")


def open_store(directory: Path, allow_open_key_file: bool = False) -> LedgerStore:
    """The ledger in `directory`, its log replayed (with a progress bar on a terminal)."""
    from ledger.store.datadir import open_ledger

    with progress_bar("replaying the log") as progress:
        return open_ledger(directory, progress=progress, allow_open_key_file=allow_open_key_file)
