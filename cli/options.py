"""What the command families share in reading their arguments: the --ledger option and passphrases."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from cli.output import progress_bar
from ledger.errors import UsageError

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


def passphrase(var: str | None) -> bytes | None:
    """The passphrase held in environment variable `var` (--passphrase-env), if one is named."""
    if var is None:
        return None
    value = os.environ.get(var)
    if not value:
        raise UsageError(f"environment variable {var} holds no passphrase")
    return value.encode("utf-8")


def open_store(directory: Path) -> LedgerStore:
    """The ledger in `directory`, its log replayed (with a progress bar on a terminal)."""
    from ledger.store.datadir import open_ledger

    with progress_bar("replaying the log") as progress:
        return open_ledger(directory, progress=progress)
