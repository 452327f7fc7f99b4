"""The view commands of `integritas`: status, oversight, views rebuild/digest/catch-up.

Each answer prints as a table for people, or with --json as the whole answer (as_of, digest) and
with --csv as the rows, for a spreadsheet.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import Any

from ledger.errors import LedgerError, UsageError

ProgressBar = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]

ROW_COLUMNS = {
    "units": ("unit", "name", "type", "stage", "track", "predicate", "pact_coverage.ratio", "stage_since"),
    "stalled": ("unit", "name", "type", "stage", "track", "since", "days"),
    "pact-gaps": ("unit", "name", "type", "stage", "headcount", "valid", "missing", "ratio"),
    "remediation": ("unit", "name", "id", "area", "opened_at", "age_days", "text"),
    "failed-reviews": ("index", "unit", "at", "level", "step", "track", "total", "failing_checks", "remediation"),
    "history": ("index", "at", "kind", "stream", "signer", "summary"),
    "signer": ("index", "at", "kind", "stream", "unit"),
}


def add_commands(
    commands: Any, ledger_option: Callable[[argparse.ArgumentParser], None], progress_bar: ProgressBar
) -> None:
    """Add the view commands to the CLI's `commands`, with its --ledger option and progress bar."""

    def output_options(p: argparse.ArgumentParser) -> None:
        group = p.add_mutually_exclusive_group()
        group.add_argument("--json", action="store_true", help="the whole answer (as_of, digest) as JSON")
        group.add_argument("--csv", action="store_true", help="the rows as CSV")

    p = commands.add_parser("status", help="where each unit stands (or one unit in detail), from the views")
    ledger_option(p)
    p.add_argument("unit", nargs="?")
    p.add_argument("--type", dest="type_")
    p.add_argument("--stage")
    p.add_argument("--track")
    p.add_argument("--sort", default="unit", choices=["unit", "name", "stage", "coverage"])
    output_options(p)
    p.set_defaults(run=status)

    p = commands.add_parser("oversight", help="the overseers' questions: stalled, pact-gaps, remediation, ...")
    ledger_option(p)
    p.add_argument("query", choices=["stalled", "pact-gaps", "remediation", "failed-reviews", "signer", "history"])
    p.add_argument("subject", nargs="?", help="the signer fingerprint (signer) or unit id (history)")
    p.add_argument("--days", type=int, default=180, help="stalled: at least this many days in one stage")
    p.add_argument("--older-than", type=int, default=0, help="remediation: at least this many days open")
    p.add_argument("--below", default="1", help="pact-gaps: coverage below this ratio")
    p.add_argument("--on", type=date.fromisoformat, help="count days to this date (default today)")
    p.add_argument("--since", help="time range start (RFC 3339), failed-reviews and signer")
    p.add_argument("--until", help="time range end, exclusive")
    p.add_argument("--level", choices=["internal", "national"])
    p.add_argument("--type", dest="type_")
    p.add_argument("--stage")
    p.add_argument("--track", choices=["wbk", "wbbm"])
    p.add_argument("--unit")
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--limit", type=int, default=100)
    output_options(p)
    p.set_defaults(run=oversight)

    views = commands.add_parser("views", help="the materialised views").add_subparsers(
        title="views commands", metavar="ACTION"
    )
    p = views.add_parser("rebuild", help="drop the views and fold them again from the whole log")
    ledger_option(p)
    p.set_defaults(run=rebuild, progress_bar=progress_bar)
    p = views.add_parser("catch-up", help="apply the entries the views have not seen yet")
    ledger_option(p)
    p.set_defaults(run=catch_up)
    p = views.add_parser("digest", help="recompute an answer's digest offline, from a ledger directory or export")
    p.add_argument("source", help="a ledger data directory or an exported directory")
    p.add_argument("--at-size", type=int, help="fold the first N leaves (default: the checkpoint's size)")
    p.add_argument(
        "query",
        choices=[
            "units",
            "unit",
            "counts",
            "stalled",
            "pact-gaps",
            "remediation",
            "failed-reviews",
            "signer",
            "history",
        ],
    )
    p.add_argument("subject", nargs="?", help="unit id (unit, history) or signer fingerprint (signer)")
    p.add_argument("--days", type=int, default=180)
    p.add_argument("--older-than", type=int, default=0)
    p.add_argument("--below", default="1")
    p.add_argument("--on", type=date.fromisoformat)
    p.add_argument("--since")
    p.add_argument("--until")
    p.add_argument("--level", choices=["internal", "national"])
    p.add_argument("--type", dest="type_")
    p.add_argument("--stage")
    p.add_argument("--track", choices=["wbk", "wbbm"])
    p.add_argument("--unit")
    p.add_argument("--sort", default="unit")
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true", help="print the whole answer")
    p.set_defaults(run=offline_digest, progress_bar=progress_bar)


def open_views(directory: Path) -> Any:
    """The ledger's view recorder, caught up with its log (unless a server keeps it current)."""
    from ledger.store.datadir import LedgerConfig
    from projections.projector import ViewProjector

    config = LedgerConfig.read(directory)
    projector = ViewProjector(config.storage, config.origin)
    projector.catch_up()
    return projector.view


def run_query(views: Any, name: str, args: argparse.Namespace) -> dict[str, Any]:
    from projections import queries

    page = {"offset": args.offset, "limit": args.limit}
    subject = getattr(args, "subject", None)
    if name == "units":
        return queries.unit_list(views, type_=args.type_, stage=args.stage, track=args.track, sort=args.sort, **page)
    if name == "unit":
        return queries.unit_status(views, _need(subject, "a unit id"))
    if name == "counts":
        return queries.region_counts(views)
    if name == "stalled":
        return queries.stalled(
            views, days=args.days, on=args.on, type_=args.type_, stage=args.stage, track=args.track, **page
        )
    if name == "pact-gaps":
        return queries.pact_gaps(views, below=args.below, type_=args.type_, stage=args.stage, **page)
    if name == "remediation":
        return queries.open_remediation(
            views, older_than=args.older_than, on=args.on, type_=args.type_, unit=args.unit, **page
        )
    if name == "failed-reviews":
        return queries.failed_reviews(
            views,
            since=args.since,
            until=args.until,
            level=args.level,
            track=args.track,
            type_=args.type_,
            unit=args.unit,
            **page,
        )
    if name == "signer":
        return queries.signer_activity(
            views, _need(subject, "a signer fingerprint"), since=args.since, until=args.until, **page
        )
    if name == "history":
        return queries.unit_history(views, _need(subject, "a unit id"), **page)
    raise _usage(f"no query {name}")


def _need(value: str | None, what: str) -> str:
    if not value:
        raise _usage(f"this query needs {what}")
    return value


def _usage(message: str) -> LedgerError:
    return UsageError(message)


def status(args: argparse.Namespace) -> int:
    from projections import queries

    recorder = open_views(args.ledger)
    if args.unit is not None:
        return _print(args, "unit", queries.read(recorder, queries.unit_status, args.unit))
    args.offset, args.limit = 0, 500
    return _print(args, "units", queries.read(recorder, run_query, "units", args))


def oversight(args: argparse.Namespace) -> int:
    from projections import queries

    return _print(args, args.query, queries.read(open_views(args.ledger), run_query, args.query, args))


def rebuild(args: argparse.Namespace) -> int:
    from ledger.store.datadir import LedgerConfig
    from projections.projector import ViewProjector

    config = LedgerConfig.read(args.ledger)
    projector = ViewProjector(config.storage, config.origin)
    with args.progress_bar("rebuilding the views") as progress:
        size = projector.rebuild(progress)
    meta = projector.view.meta()
    print(f"views rebuilt from {size} entries; as of root {meta['root_hash']}")
    return 0


def catch_up(args: argparse.Namespace) -> int:
    from ledger.store.datadir import LedgerConfig
    from projections.projector import ViewProjector

    config = LedgerConfig.read(args.ledger)
    applied = ViewProjector(config.storage, config.origin).catch_up()
    print(f"views caught up: {applied} new entries applied")
    return 0


def offline_digest(args: argparse.Namespace) -> int:
    from ledger.log_sources import open_source
    from projections.offline import fold_source

    with args.progress_bar("folding the log") as progress:
        views = fold_source(open_source(args.source), args.at_size, progress)
    result = run_query(views, args.query, args)
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
    else:
        print(
            f"{result['digest']}  {args.query} as of size {result['as_of']['tree_size']} "
            f"root {result['as_of']['root_hash']}"
        )
    return 0


def _print(args: argparse.Namespace, name: str, result: dict[str, Any]) -> int:
    if getattr(args, "json", False):
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    data = result["data"]
    if name == "signer":
        data = data["entries"]
    if name == "counts" or name == "unit":
        if getattr(args, "csv", False):
            raise _usage("--csv is for lists; use --json for one unit")
        _print_unit(data) if name == "unit" else print(json.dumps(data, indent=2))
        return 0
    columns = ROW_COLUMNS[name]
    rows = [[_cell(row, column) for column in columns] for row in data]
    if getattr(args, "csv", False):
        writer = csv.writer(sys.stdout)
        writer.writerow(columns)
        writer.writerows(rows)
        return 0
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=180)
    page = result.get("page", {})
    table = Table(
        title=f"{name}: {page.get('total', len(rows))} row(s), as of size {result['as_of']['tree_size']}",
        caption=f"digest {result['digest']}",
    )
    for column in columns:
        table.add_column(column, overflow="fold", max_width=48 if column in ("name", "text", "summary") else None)
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return 0


def _print_unit(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=160)
    coverage = doc["pact_coverage"]
    table = Table(title=f"{doc['name']} ({doc['unit']})", show_header=False)
    rows = [
        ("type", doc["type"]),
        ("stage", f"{doc['stage']} since {doc['stage_since']}"),
        ("track", doc["track"] or "-"),
        ("predicate", doc["predicate"]),
        ("pact coverage", f"{coverage['valid']}/{coverage['headcount']} ({coverage['ratio']})"),
        ("latest internal", _result(doc["internal"])),
        ("latest national", _result(doc["national"])),
        ("open remediation", ", ".join(f"{i['id']} ({i['area']})" for i in doc["remediation_open"]) or "none"),
        ("witnesses", str(len(doc["declaration"]["witnesses"])) if doc["declaration"] else "-"),
        ("oversight notes", str(len(doc["oversight_notes"]))),
        ("barred until", doc["barred_until"] or "-"),
        ("last activity", doc["last_activity"]["at"] if doc["last_activity"] else "-"),
    ]
    for label, value in rows:
        table.add_row(label, value)
    console.print(table)


def _result(result: dict[str, Any] | None) -> str:
    if result is None:
        return "-"
    failing = f"; failing: {'; '.join(result['failing_checks'])}" if result["failing_checks"] else ""
    return f"{result['step']} {result['year']} {result['outcome']}, total {result['total']}{failing}"


def _cell(row: dict[str, Any], column: str) -> str:
    value: Any = row
    for part in column.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)
