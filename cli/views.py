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
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from cli.options import Commands, add_ledger_option
from cli.output import progress_bar
from ledger.errors import LedgerError, UsageError
from projections.catalog import CATALOG, Param, Query

ProgressBar = Callable[[str], AbstractContextManager[Callable[[int, int], None]]]


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
    p.add_argument("unit", nargs="?", help=CATALOG["unit"].params[0].help)
    _query_options(p, [CATALOG["units"]], paging=False)
    output_options(p)
    p.set_defaults(run=status)

    asked = _asked_by("oversight")
    p = commands.add_parser("oversight", help="the overseers' questions: stalled, pact-gaps, remediation, ...")
    ledger_option(p)
    p.add_argument("query", choices=[q.name for q in asked])
    _query_options(p, asked)
    output_options(p)
    p.set_defaults(run=oversight)

    p = commands.add_parser("people", help="the directory of keys: holder, role, scope, office, validity")
    ledger_option(p)
    _query_options(p, [CATALOG["people"]])
    output_options(p)
    p.set_defaults(run=people)

    p = commands.add_parser("search", help="find units, keys and employees by name, id, number or fingerprint")
    ledger_option(p)
    p.add_argument("q", metavar="WORDS", help=CATALOG["search"].params[0].help)
    _query_options(p, [replace(CATALOG["search"], params=CATALOG["search"].params[1:])])
    p.add_argument(
        "--reader",
        help="rules edition 3: who searches, recorded with each person found by name or number in the "
        "personal-data store (default: your login name, at the command line); --csv searches the views only",
    )
    output_options(p)
    p.set_defaults(run=search)

    views = commands.add_parser("views", help="the materialised views").add_subparsers(
        title="views commands", metavar="ACTION"
    )
    p = views.add_parser("rebuild", help="drop the views and fold them again from the whole log")
    ledger_option(p)
    p.set_defaults(run=rebuild, progress_bar=progress_bar)
    p = views.add_parser("catch-up", help="apply the entries the views have not seen yet")
    ledger_option(p)
    p.set_defaults(run=catch_up)
    asked = _asked_by("digest")
    p = views.add_parser("digest", help="recompute an answer's digest offline, from a ledger directory or export")
    p.add_argument("source", help="a ledger data directory or an exported directory")
    p.add_argument("--at-size", type=int, help="fold the first N leaves (default: the checkpoint's size)")
    p.add_argument("query", choices=[q.name for q in asked])
    _query_options(p, asked)
    p.add_argument("--json", action="store_true", help="print the whole answer")
    p.set_defaults(run=offline_digest, progress_bar=progress_bar)


def register(commands: Commands) -> None:
    """Register the view commands with the CLI's --ledger option and progress bar."""
    add_commands(commands, add_ledger_option, progress_bar)


def _asked_by(command: str) -> list[Query]:
    return [query for query in CATALOG.values() if command in query.commands]


def _query_options(parser: argparse.ArgumentParser, asked: list[Query], *, paging: bool = True) -> None:
    """The catalog's command-line parameters of the queries `asked`: a `subject` positional if any query
    has one, and each option once, with the default its queries share; where their defaults differ
    (`--below` of units and pact-gaps), none, and each query takes its own (run_query)."""
    subjects: dict[str, list[str]] = {}
    for query in asked:
        if query.subject is not None:
            subjects.setdefault(query.subject.subject, []).append(query.name)
    if subjects:
        parser.add_argument(
            "subject", nargs="?", help=" or ".join(f"{what} ({', '.join(names)})" for what, names in subjects.items())
        )
    options: dict[str, list[tuple[Query, Param]]] = {}
    for query in asked:
        for param in query.on("cli"):
            if not param.subject and (paging or param.name not in ("offset", "limit")):
                options.setdefault(param.name, []).append((query, param))
    for name, uses in options.items():
        param = uses[0][1]
        defaults = {query.defaults[name] for query, _ in uses}
        shapes = {(p.keyword, p.value_type, p.choices) for _, p in uses}
        if len(shapes) != 1:
            raise TypeError(f"queries {[q.name for q, _ in uses]} define --{name} differently")
        users = "" if len(uses) == len(asked) else f" ({', '.join(q.name for q, _ in uses)})"
        if len(defaults) != 1:
            users += "; default: " + ", ".join(f"{q.name} {q.defaults[name]}" for q, _ in uses)
        parser.add_argument(
            param.option,
            dest=param.keyword,
            type=date.fromisoformat if param.value_type is date else param.value_type,
            default=defaults.pop() if len(defaults) == 1 else None,
            choices=param.choices or None,
            help=param.help + users,
        )


def open_views(directory: Path) -> Any:
    """The ledger's view recorder, caught up with its log (unless a server keeps it current)."""
    from ledger.store.datadir import LedgerConfig
    from projections.projector import ViewProjector

    config = LedgerConfig.read(directory)
    projector = ViewProjector(config.storage, config.origin)
    projector.catch_up()
    return projector.view


def run_query(views: Any, name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Ask query `name` with the command line's arguments (its subject positional, its options)."""
    query = CATALOG.get(name)
    if query is None:
        raise _usage(f"no query {name}")
    subject = [] if query.subject is None else [_need(getattr(args, "subject", None), query.subject.subject)]
    options = {}
    for param in query.on("cli"):
        if not param.subject:
            value = getattr(args, param.keyword)
            # An option the asked queries share with different defaults has none: this query's own applies.
            options[param.keyword] = query.defaults[param.name] if value is None else value
    return query.runner(views, *subject, **options)


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
    args.offset, args.limit = 0, queries.MAX_PAGE
    return _print(args, "units", queries.read(recorder, run_query, "units", args))


def oversight(args: argparse.Namespace) -> int:
    from projections import queries

    return _print(args, args.query, queries.read(open_views(args.ledger), run_query, args.query, args))


def people(args: argparse.Namespace) -> int:
    from projections import queries

    return _print(args, "people", queries.read(open_views(args.ledger), run_query, "people", args))


def search(args: argparse.Namespace) -> int:
    from projections import queries

    answer = queries.read(open_views(args.ledger), run_query, "search", args)
    persons = None if args.csv or args.offset != 0 else _persons_found(args)
    if persons is not None:
        answer = {**answer, "persons": persons}  # beside the answer, outside its digest (docs/contract/api.md)
    code = _print(args, "search", answer)
    if persons is not None and not args.json:
        _print_persons(persons)
    return code


def _persons_found(args: argparse.Namespace) -> dict[str, Any] | None:
    """Rules edition 3: the persons whose name or number the words begin, from the personal-data store,
    each read recorded with the purpose "search" (projections.persons); None without a store."""
    import getpass
    from datetime import UTC, datetime

    from cli.options import open_store
    from ledger.entry import format_time
    from ledger.store.personal import has_personal_data
    from projections.persons import find_persons

    if not has_personal_data(args.ledger):
        return None
    reader = args.reader
    if not reader:
        try:
            reader = f"{getpass.getuser()} (command line)"
        except (OSError, KeyError):  # no login name in this environment
            reader = "command line"
    ledger = open_store(args.ledger, args.allow_open_key_file)
    now = format_time(datetime.now(UTC))
    return find_persons(args.ledger, ledger, args.q, reader=reader, at=now, limit=args.limit)


def _print_persons(persons: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console() if sys.stdout.isatty() else Console(width=180)
    table = Table(
        title=f"persons (personal-data store): {persons['total']} found, each read recorded",
        caption="not part of the digest: the personal-data store is not the log",
    )
    for column in ("person", "name", "number", "records"):
        table.add_column(column, overflow="fold")
    for row in persons["data"]:
        table.add_row(row["person"], row["name"], row["number"] or "-", ", ".join(map(str, row["indices"])))
    console.print(table)


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
    query = CATALOG[name]
    if not query.table:
        if getattr(args, "csv", False):
            raise _usage("--csv is for lists; use --json for one unit")
        _print_unit(result["data"]) if name == "unit" else print(json.dumps(result["data"], indent=2))
        return 0
    columns = query.table
    rows = [[_cell(row, column) for column in columns] for row in query.rows_of(result["data"])]
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
