"""``integritas monitor``: follow a log for the overseers' desks (witness.monitor)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.options import Commands


def register(commands: Commands) -> None:
    """Add ``monitor`` to the CLI's subcommands."""
    p = commands.add_parser("monitor", help="follow a log: consistency, every entry, witnesses; alerts and Atom feed")
    p.add_argument("url", help="the log's base URL, e.g. http://127.0.0.1:8000")
    p.add_argument("--trust", type=Path, required=True, help="trust.json (with its witness policy, if any)")
    p.add_argument("--state", type=Path, required=True, help="the monitor's state file (created if absent)")
    p.add_argument("--unit", action="append", default=[], help="report new entries of this unit (repeat)")
    p.add_argument("--feed", type=Path, help="write new entries and alerts as an Atom feed to this file")
    p.add_argument("--token", help="read token (entry contents need one); or $INTEGRITAS_TOKEN")
    p.add_argument("--interval", type=float, default=10.0, help="seconds between polls (default 10)")
    p.add_argument("--once", action="store_true", help="poll once and exit (status 1 on an alert)")
    p.set_defaults(run=_monitor)


def _monitor(args: argparse.Namespace) -> int:
    from witness.monitor import run_monitor

    return run_monitor(args)
