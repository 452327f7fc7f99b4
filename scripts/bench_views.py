"""Benchmark of the status views on a synthetic regency (run through `scripts/bench views`).

    .venv/bin/python scripts/bench_views.py [--entries 1000000] [--runs 200] [--json FILE]
    .venv/bin/python scripts/bench_views.py --build-only        # only make (or finish) the ledger
    .venv/bin/python scripts/bench_views.py --queries-only      # only the queries, on the views as built

Measures, in one run, on a real SQLite ledger holding the synthetic regency's leaves:

- the floor: every LeafAppended event read from the event store (the projector's own reading path:
  `ViewProjector._notifications` + the application's mapper) and its leaf parsed (`parse_leaf`);
- `ViewProjector.rebuild()`: the whole log folded again and every view table written in one
  transaction; seconds, entries/s and the ratio to the floor (target: at most 3x);
- the oversight queries on the built views, each on a fresh `DatabaseViews` read in one read
  snapshot, as the API and the CLI answer them (`queries.read`): p50 and p99 over `--runs` runs,
  wall clock and CPU time (target: p99 at most 50 ms). The national-scale list queries are
  `unit_list` over every unit and `failed_reviews` over the whole ledger. They are timed twice: in
  a new process holding no fold (a reader), and in the process that just rebuilt the views and
  holds their fold in memory, as the server process leading the views does; there, Python's full
  garbage collections walk the fold's millions of objects, so they are counted beside the times.

CPU seconds are printed beside wall seconds, and the load average before and after: on a shared
machine the wall clock also counts other processes' turns.

The ledger is built once from the export of scripts/synthetic_ledger.py (bench-data/synthetic-N,
generated on first use) and cached in bench-data/views-ledger-N: the same origin, root key and log
key, its genesis entry the export's own, the other leaves appended with `LedgerStore.append_batch`
under a clock fixed in 2100 (the synthetic calendar runs ahead). An interrupted build resumes.

    .venv/bin/python scripts/bench_views.py --entries 1000000 --from-export   # national units, fast

`--from-export` times the queries only, on views folded in this process straight from the export
and written in one transaction (bench-data/views-export-N, beside a ledger holding only the
genesis): the views a rebuild of the N-entry ledger writes, without appending the N entries first
(hours at the SQLite ledger's append rate on a loaded machine). The 10^6 export already has the
national 4,368 units, the same as 10^7. With `--compare DIR`, the queries are also timed, in the same
run, by the project tree at DIR (an older commit) on the same views: the ratio before/after.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import machine, peak_rss, percentile, synthetic_export  # noqa: E402
from synthetic_ledger import GENESIS_AT, LOG_TIME, NAME, ORIGIN, SEED, genesis_policy, key  # noqa: E402

from ledger.entry import parse_leaf  # noqa: E402
from ledger.log_sources import ExportSource  # noqa: E402
from ledger.store.application import LedgerStore  # noqa: E402
from ledger.store.datadir import SQLITE_FILE, LedgerConfig, init_ledger, open_ledger  # noqa: E402

BUILT_FILE = "built.json"


def log_clock() -> datetime:
    return LOG_TIME


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the ledger ----------------------------------------------------------------------------------------


def export_size(export: Path) -> int:
    return int(ExportSource(export).checkpoint().splitlines()[1])


def export_root(export: Path) -> str:
    return ExportSource(export).checkpoint().splitlines()[2]


def views_ledger(entries: int, batch: int) -> Path:
    """bench-data/views-ledger-N: a SQLite ledger holding the synthetic export's N leaves (built once)."""
    export = synthetic_export(entries)
    directory = ROOT / "bench-data" / f"views-ledger-{entries}"
    if (directory / BUILT_FILE).is_file():
        return directory
    size = export_size(export)
    leaves = ExportSource(export).leaves(size)  # whole tiles but the last: read with the full size
    genesis = next(leaves)
    if (directory / "ledger.json").is_file():
        _say(f"resuming the build of {directory}: replaying what it holds")
        store = open_ledger(directory, clock=log_clock)
        if store.leaf(0) != genesis:
            raise SystemExit(f"{directory} is not a ledger of the synthetic export: remove it and run again")
    else:
        _say(f"building {directory} from {export} ({size:,} leaves; once)")
        store = _init_synthetic(directory)
        if store.leaf(0) != genesis:
            raise SystemExit("the genesis entry made by init_ledger differs from the export's: keys or clock differ")
    done = store.size
    for _ in range(done - 1):  # the genesis was consumed above
        next(leaves)
    started, start_size = time.perf_counter(), done
    pending = []
    for leaf in leaves:
        pending.append(parse_leaf(leaf))
        if len(pending) == batch:
            store.append_batch(pending)
            pending = []
            if store.size % 20_000 < batch:
                rate = (store.size - start_size) / (time.perf_counter() - started)
                eta = (size - store.size) / rate if rate else 0
                _say(f"  {store.size:,} / {size:,} leaves, {rate:,.0f}/s, about {eta:,.0f} s to go")
    if pending:
        store.append_batch(pending)
    elapsed = time.perf_counter() - started
    from ledger.crypto.keys import encode_base64

    root = encode_base64(store.root())
    if store.size != size or root != export_root(export):
        raise SystemExit(f"the built ledger (size {store.size}, root {root}) differs from the export's checkpoint")
    ingest_rate = (store.size - start_size) / elapsed if elapsed else 0.0
    store.close()
    built = {"entries": size, "root_hash": root, "ingest_seconds": elapsed, "ingest_rate": ingest_rate, "batch": batch}
    (directory / BUILT_FILE).write_text(json.dumps(built, indent=2) + "\n", encoding="utf-8")
    _say(f"built {directory}: {size:,} leaves in {elapsed:,.0f} s ({ingest_rate:,.0f} appends/s in batches of {batch})")
    return directory


def _init_synthetic(directory: Path) -> LedgerStore:
    """A new data directory whose genesis is the synthetic export's (same keys, clock and policy)."""
    return init_ledger(
        directory,
        origin=ORIGIN,
        name=NAME,
        policy=genesis_policy(SEED),
        root_key=key(SEED, "root"),
        log_key=key(SEED, "log"),
        genesis_at=GENESIS_AT,
        clock=log_clock,
    )


def views_from_export(entries: int) -> Path:
    """bench-data/views-export-N: the views of the synthetic export's N leaves, folded here (once)."""
    from ledger.crypto.keys import encode_base64
    from projections.projector import ViewProjector, rebuild_views

    export = synthetic_export(entries)
    directory = ROOT / "bench-data" / f"views-export-{entries}"
    if (directory / BUILT_FILE).is_file():
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    size = export_size(export)
    leaves = ExportSource(export).leaves(size)
    _init_synthetic(directory).close()
    config = LedgerConfig.read(directory)
    projector = ViewProjector(config.storage, config.origin)
    _say(f"folding {export} ({size:,} leaves) into the views of {directory} (once)")
    started, cpu = time.perf_counter(), time.process_time()
    gc.disable()  # as ViewProjector._rebuild: the fold's objects hold no cycles

    def progress(done: int, total: int) -> None:
        if done % 100_000 < 4096:  # fold_everything reports every 4,096 leaves
            _say(f"  {done:,} / {total:,} leaves folded")

    fold, tree = rebuild_views(projector.view, config.origin, enumerate(leaves), size, progress)  # the rebuild's
    root = encode_base64(tree.root())
    if fold.size != size or root != export_root(export) or fold.refused:  # no BUILT_FILE: the next run folds again
        raise SystemExit(f"the fold (size {fold.size}, root {root}, {len(fold.refused)} refused) is not the export's")
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    built = {"entries": size, "root_hash": root, "views_only": True, "fold_seconds": elapsed, "fold_cpu_seconds": cpu}
    (directory / BUILT_FILE).write_text(json.dumps(built, indent=2) + "\n", encoding="utf-8")
    _say(f"folded and written in {elapsed:,.0f} s ({cpu:,.0f} s CPU)")
    return directory


def queries_from_export(args: argparse.Namespace) -> None:
    """Time the queries on the views folded from the export, in a new process (and by --compare's tree)."""
    print(f"machine: {json.dumps(machine())}")
    directory = views_from_export(args.entries)
    if args.build_only:
        return
    import sqlite3 as db

    with db.connect(f"file:{directory / SQLITE_FILE}?mode=ro", uri=True) as connection:
        units = connection.execute("SELECT COUNT(*) FROM view_units").fetchone()[0]
    print(f"views: {directory} ({args.entries:,} leaves folded from the export, {units:,} units)")
    trees = [("this tree", ROOT)] + ([("--compare tree", Path(args.compare).resolve())] if args.compare else [])
    results: dict[str, list[tuple[str, list[dict[str, Any]]]]] = {}
    for label, tree in reversed(trees):  # the --compare tree first, then this one
        load = _load()
        rows = _queries_by(tree, directory, args.compare_runs if tree != ROOT and args.compare_runs else args.runs)
        results.setdefault(label, []).append((load, rows))
    for label, runs in results.items():
        for load, rows in runs:
            print_queries(f"{label} ({dict(trees)[label]}), load average before {load}:", rows)
    if args.compare:
        print()
        print("| query | CPU p50 ms (--compare) | CPU p50 ms (this) | ratio | p99 ms (--compare) | p99 ms (this) |")
        print("|---|---:|---:|---:|---:|---:|")
        after = [r for _, rows in results["this tree"] for r in rows]
        before = [r for _, rows in results["--compare tree"] for r in rows]
        for name in dict.fromkeys(f"{r['query']}|{r['params']}" for r in after):
            a = [r for r in after if f"{r['query']}|{r['params']}" == name]
            b = [r for r in before if f"{r['query']}|{r['params']}" == name]
            if not b:
                continue
            cpu_a, cpu_b = min(r["cpu_p50_ms"] for r in a), min(r["cpu_p50_ms"] for r in b)
            p99_a, p99_b = min(r["p99_ms"] for r in a), min(r["p99_ms"] for r in b)
            query, params = name.split("|")
            ratio = cpu_b / cpu_a if cpu_a else float("inf")
            print(f"| {query} ({params}) | {cpu_b:.2f} | {cpu_a:.2f} | {ratio:.1f}x | {p99_b:.1f} | {p99_a:.1f} |")
    worst = max((r for _, rows in results["this tree"] for r in rows), key=lambda r: r["p99_ms"])
    print()
    print(f"worst p99 of this tree: {worst['p99_ms']:.1f} ms ({worst['query']}); load average now {_load()}")
    if args.json:
        Path(args.json).write_text(json.dumps({k: v for k, v in results.items()}, indent=2))


def _queries_by(tree: Path, directory: Path, runs: int) -> list[dict[str, Any]]:
    """The queries timed in a new process running the project at `tree` on the views in `directory`."""
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "queries.json"
        code = (
            "import sys, json; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/scripts'];"
            "import bench_views as b; from ledger.store.datadir import LedgerConfig, SQLITE_FILE;"
            "from projections.projector import ViewProjector; from pathlib import Path;"
            "d = Path(sys.argv[2]); c = LedgerConfig.read(d); p = ViewProjector(c.storage, c.origin);"
            "rows, _ = b.time_queries(p.view, d / SQLITE_FILE, int(sys.argv[3]));"
            "Path(sys.argv[4]).write_text(json.dumps(rows))"
        )
        # PYTHONPATH first: the tree's own packages, not the ones installed (editable) from this tree
        env = {**os.environ, "PYTHONPATH": str(tree)}
        command = [sys.executable, "-c", code, str(tree), str(directory), str(runs), str(output)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env, cwd=tree)
        rows: list[dict[str, Any]] = json.loads(output.read_text(encoding="utf-8"))
        return rows


# --- measurements ----------------------------------------------------------------------------------------


def floor(projector: Any) -> tuple[int, float, float]:
    """Read every LeafAppended event the way the projector does and parse its leaf.

    Returns (count, wall seconds, CPU seconds of this process)."""
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    mapper = projector.events.mapper
    for notification in projector._notifications(0):
        event = mapper.to_domain_event(notification)
        parse_leaf(event.leaf.encode("utf-8"))
        count += 1
    return count, time.perf_counter() - started, time.process_time() - cpu


def rebuild(projector: Any) -> tuple[int, float, float]:
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - last[0] >= 15 or done == total:
            last[0] = now
            _say(f"  rebuild: {done:,} / {total:,} leaves folded")

    started, cpu = time.perf_counter(), time.process_time()
    size = projector.rebuild(progress)
    return size, time.perf_counter() - started, time.process_time() - cpu


def _last_date(database: Path) -> date:
    """The day of the latest entry: the `on` of the day-counting queries (the synthetic calendar's today)."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        at = connection.execute("SELECT MAX(at) FROM view_history").fetchone()[0]
    return date.fromisoformat(at[:10])


def _biggest(database: Path, column: str) -> tuple[str, int]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        row = connection.execute(
            f"SELECT {column}, COUNT(*) FROM view_history WHERE {column} IS NOT NULL "
            f"GROUP BY {column} ORDER BY 2 DESC LIMIT 1"
        ).fetchone()
    return row[0], row[1]


def query_cases(database: Path) -> tuple[list[tuple[str, str, Callable[[Any], dict[str, Any]]]], dict[str, Any]]:
    from projections import queries

    on = _last_date(database)
    unit, unit_rows = _biggest(database, "unit")
    signer, signer_rows = _biggest(database, "signer")
    # Every oversight query of the API (api/views.py), paginated at the default page of 100 as the
    # API answers; unit_list also at 500 a page. Each must have rows: an empty answer measures nothing.
    cases = [
        ("unit_list", "every unit, page 1 (limit 100)", lambda v: queries.unit_list(v)),
        ("unit_list", "every unit, page 1 (limit 500)", lambda v: queries.unit_list(v, limit=500)),
        ("stalled", f"180 days on {on}, page 1", lambda v: queries.stalled(v, on=on)),
        ("pact_gaps", "below 1, page 1", lambda v: queries.pact_gaps(v)),
        ("open_remediation", f"on {on}, page 1", lambda v: queries.open_remediation(v, on=on)),
        ("failed_reviews", "whole ledger, page 1", lambda v: queries.failed_reviews(v)),
        ("open_cases", "page 1", lambda v: queries.open_cases(v)),
        ("unmonitored", f"year of {on}, page 1", lambda v: queries.unmonitored(v)),
        ("lapsed", "every cycle, page 1", lambda v: queries.lapsed(v)),
        ("barred", f"on {on}, page 1", lambda v: queries.barred(v, on=on)),
        ("proposals", "every cycle and agency, page 1", lambda v: queries.proposals(v)),
        ("unit_history", f"{unit} ({unit_rows:,} rows), page 1", lambda v: queries.unit_history(v, unit)),
        (
            "signer_activity",
            f"{signer[:12]}… ({signer_rows:,} rows), page 1",
            lambda v: queries.signer_activity(v, signer),
        ),
    ]
    return cases, {
        "on": on.isoformat(),
        "unit": unit,
        "unit_rows": unit_rows,
        "signer": signer,
        "signer_rows": signer_rows,
    }


def _gc_watch() -> tuple[Callable[[str, dict[str, Any]], None], dict[str, Any]]:
    """A gc callback counting full (generation 2) collections and the time they take."""
    seen: dict[str, Any] = {"full": 0, "ms": 0.0, "max_ms": 0.0, "_start": 0.0}

    def callback(phase: str, info: dict[str, Any]) -> None:
        if info["generation"] != 2:
            return
        if phase == "start":
            seen["_start"] = time.perf_counter()
        else:
            pause = (time.perf_counter() - seen["_start"]) * 1000
            seen["full"] += 1
            seen["ms"] += pause
            seen["max_ms"] = max(seen["max_ms"], pause)

    return callback, seen


def time_queries(view: Any, database: Path, runs: int) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each query `runs` times on a fresh read of `view` (a ViewRecorder); p50/p99 wall and CPU."""
    from projections import queries

    def fresh(query: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        if hasattr(queries, "read"):  # one read snapshot per answer, as the API and the CLI answer
            return queries.read(view, query)
        return query(queries.DatabaseViews(view))

    cases, chosen = query_cases(database)
    rows = []
    for name, params, run in cases:
        answer = fresh(run)  # once untimed: warm the page cache and check it answers
        if not (answer.get("page") or {}).get("total"):
            raise SystemExit(f"the query {name} ({params}) answered no rows: its time would measure nothing")
        samples, cpu_samples = [], []
        callback, collections = _gc_watch()
        gc.callbacks.append(callback)
        try:
            for _ in range(runs):
                started, cpu = time.perf_counter(), time.process_time()
                fresh(run)
                samples.append((time.perf_counter() - started) * 1000)
                cpu_samples.append((time.process_time() - cpu) * 1000)
        finally:
            gc.callbacks.remove(callback)
        page = answer.get("page") or {}
        rows.append(
            {
                "query": name,
                "params": params,
                "runs": runs,
                "total": page.get("total"),
                "answer_bytes": len(json.dumps(answer).encode("utf-8")),
                "p50_ms": percentile(samples, 0.5),
                "p99_ms": percentile(samples, 0.99),
                "max_ms": max(samples),
                "cpu_p50_ms": percentile(cpu_samples, 0.5),
                "cpu_p99_ms": percentile(cpu_samples, 0.99),
                "full_gcs": collections["full"],
                "full_gc_max_ms": collections["max_ms"],
            }
        )
        _say(f"  {name}: p50 {rows[-1]['p50_ms']:.2f} ms, p99 {rows[-1]['p99_ms']:.2f} ms")
    return rows, chosen


def print_queries(title: str, rows: list[dict[str, Any]]) -> None:
    print()
    print(title)
    print()
    print(
        "| query | parameters | rows (total) | answer KB | p50 ms | p99 ms | max ms | CPU p50 ms | CPU p99 ms "
        "| full GCs (longest ms) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows:
        total = "" if row["total"] is None else f"{row['total']:,}"
        print(
            f"| {row['query']} | {row['params']} | {total} | {row['answer_bytes'] / 1024:,.0f} | {row['p50_ms']:.2f} | "
            f"{row['p99_ms']:.2f} | {row['max_ms']:.2f} | {row['cpu_p50_ms']:.2f} | {row['cpu_p99_ms']:.2f} | "
            f"{row['full_gcs']} ({row['full_gc_max_ms']:.0f}) |"
        )


def view_sizes(database: Path) -> dict[str, int]:
    from projections.recorders import DOCUMENT_TABLES

    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return {table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] for table in DOCUMENT_TABLES}


def kind_shares(database: Path) -> list[tuple[str, int]]:
    """Entries by kind (view_history holds one row per entry): the synthetic ledger's proportions."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        return connection.execute("SELECT kind, COUNT(*) FROM view_history GROUP BY kind ORDER BY 2 DESC").fetchall()


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def queries_in_fresh_process(args: argparse.Namespace) -> list[dict[str, Any]]:
    """The queries timed again by a new process that holds no fold (a reader beside the leader)."""
    with tempfile.TemporaryDirectory() as scratch:
        output = Path(scratch) / "queries.json"
        command = [sys.executable, __file__, "--entries", str(args.entries), "--runs", str(args.runs)]
        subprocess.run([*command, "--queries-only", "--json", str(output)], check=True, stdout=subprocess.DEVNULL)
        rows: list[dict[str, Any]] = json.loads(output.read_text(encoding="utf-8"))["queries"]
        return rows


def run(args: argparse.Namespace) -> None:
    from projections.projector import ViewProjector

    if args.from_export:
        queries_from_export(args)
        return
    print(f"machine: {json.dumps(machine())}")
    directory = views_ledger(args.entries, args.batch)
    built = json.loads((directory / BUILT_FILE).read_text(encoding="utf-8"))
    print(
        f"ledger: {directory} ({built['entries']:,} leaves; built at {built['ingest_rate']:,.0f} appends/s "
        f"with append_batch of {built['batch']})"
    )
    if args.build_only:
        return
    load_before = _load()
    print(f"load average before: {load_before}")
    config = LedgerConfig.read(directory)
    database = directory / SQLITE_FILE
    projector = ViewProjector(config.storage, config.origin)
    result: dict[str, Any] = {"machine": machine(), "ledger": {"directory": str(directory), **built}}

    if args.queries_only:
        if not projector.size():
            raise SystemExit(f"{directory} has no views yet: run without --queries-only first")
        _say("oversight queries (a process that holds no fold)")
        rows, chosen = time_queries(projector.view, database, args.runs)
        print_queries(f"oversight queries, {args.runs} runs each, fresh read each (one snapshot):", rows)
        result |= {"queries": rows, "query_subjects": chosen, "load_average": {"before": load_before}}
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=2))
        return

    _say("floor: reading and parsing every leaf")
    floor_count, floor_seconds, floor_cpu = floor(projector)
    _say(f"  {floor_count:,} leaves in {floor_seconds:.1f} s ({floor_cpu:.1f} s CPU)")
    _say("rebuild of every view")
    size, rebuild_seconds, rebuild_cpu = rebuild(projector)
    _say(f"  {size:,} leaves in {rebuild_seconds:.1f} s ({rebuild_cpu:.1f} s CPU)")
    if size != floor_count:
        raise SystemExit(f"the rebuild folded {size} leaves, the floor read {floor_count}")
    refused = projector.view.meta().get("refused", [])
    if refused:
        raise SystemExit(f"the rebuild refused {len(refused)} leaves, first {refused[0]}")
    sizes = view_sizes(database)
    load_after_rebuild = _load()
    _say("oversight queries (this process, which holds the rebuilt fold like the server leading the views)")
    leader_rows, chosen = time_queries(projector.view, database, args.runs)
    _say("oversight queries (a new process that holds no fold)")
    reader_rows = queries_in_fresh_process(args)
    load_after = _load()

    ratio = rebuild_seconds / floor_seconds
    phases = [
        {
            "what": "floor: read + parse every leaf",
            "entries": floor_count,
            "seconds": floor_seconds,
            "cpu_seconds": floor_cpu,
            "rate": floor_count / floor_seconds,
            "ratio": 1.0,
            "cpu_ratio": 1.0,
        },
        {
            "what": "ViewProjector.rebuild()",
            "entries": size,
            "seconds": rebuild_seconds,
            "cpu_seconds": rebuild_cpu,
            "rate": size / rebuild_seconds,
            "ratio": ratio,
            "cpu_ratio": rebuild_cpu / floor_cpu,
        },
    ]
    print()
    print("| what | entries | seconds | entries/s | ratio to floor | CPU seconds | CPU ratio to floor |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for row in phases:
        print(
            f"| {row['what']} | {row['entries']:,} | {row['seconds']:.1f} | {row['rate']:,.0f} | {row['ratio']:.2f}x | "
            f"{row['cpu_seconds']:.1f} | {row['cpu_ratio']:.2f}x |"
        )
    print()
    print(f"load average: before {load_before}, after the rebuild {load_after_rebuild}, at the end {load_after}")
    print(f"view rows: {', '.join(f'{table} {count:,}' for table, count in sizes.items())}")
    shares = kind_shares(database)
    print(f"entries by kind: {', '.join(f'{kind} {count / size:.2%}' for kind, count in shares)}")
    memory = peak_rss()
    print(f"peak RSS of this process (floor, rebuild, queries): {memory['self_mib']:,.0f} MiB")
    title = "oversight queries, {runs} runs each, fresh read each (one snapshot), {where}:"
    print_queries(title.format(runs=args.runs, where="in a new process that holds no fold"), reader_rows)
    print_queries(
        title.format(runs=args.runs, where="in the process holding the rebuilt fold (as the server leading the views)"),
        leader_rows,
    )
    worst = max(reader_rows, key=lambda r: r["p99_ms"])
    worst_leader = max(leader_rows, key=lambda r: r["p99_ms"])
    targets = {
        "rebuild_within_3x_floor": ratio <= 3.0,
        "query_p99_within_50ms": worst["p99_ms"] <= 50.0,
        "query_p99_within_50ms_in_leader": worst_leader["p99_ms"] <= 50.0,
    }
    verdict = {True: "met", False: "MISSED"}
    print()
    print(
        f"targets: rebuild {ratio:.2f}x the floor (target <= 3x): {verdict[targets['rebuild_within_3x_floor']]}; "
        f"worst query p99 {worst['p99_ms']:.1f} ms ({worst['query']}; target <= 50 ms): "
        f"{verdict[targets['query_p99_within_50ms']]}; in the process holding the fold "
        f"{worst_leader['p99_ms']:.1f} ms ({worst_leader['query']}): "
        f"{verdict[targets['query_p99_within_50ms_in_leader']]}"
    )
    if args.json:
        result |= {
            "phases": phases,
            "view_rows": sizes,
            "kinds": shares,
            "peak_rss_mib": memory["self_mib"],
            "queries": reader_rows,
            "queries_in_leader": leader_rows,
            "query_subjects": chosen,
            "targets": targets,
            "load_average": {"before": load_before, "after_rebuild": load_after_rebuild, "after": load_after},
        }
        Path(args.json).write_text(json.dumps(result, indent=2))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the synthetic regency")
    parser.add_argument("--batch", type=int, default=2000, help="append_batch size when building the ledger")
    parser.add_argument("--runs", type=int, default=200, help="timed runs of each query")
    parser.add_argument("--build-only", action="store_true", help="only build (or finish building) the ledger")
    parser.add_argument("--queries-only", action="store_true", help="only time the queries on the views as they are")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--from-export", action="store_true", help="time the queries on views folded from the export (no ledger)"
    )
    parser.add_argument("--compare", help="with --from-export: also time the queries of the project tree at DIR")
    parser.add_argument("--compare-runs", type=int, help="timed runs of each query by the --compare tree (or --runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
