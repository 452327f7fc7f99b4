"""The views rebuild at national scale, read from the synthetic export (run through `scripts/bench rebuild`).

    .venv/bin/python scripts/bench.py rebuild --entries 10000000

Issue 16's target: the views rebuild at 10^7 entries within 3x the read+parse floor, its memory stated.
`bench views` measures `integritas views rebuild` on a real SQLite ledger, which has first to be built
from the export with `append_batch` (every entry checked and folded again: about an hour a 10^7 on
an idle core of this machine, hours on a shared one). This benchmark runs the same code after the
reading, on the export's leaves instead of the event store's rows:

- floor: every leaf read from the export's entry bundles (`ExportSource.leaves`) and parsed
  (`parse_leaf`);
- rebuild: the same leaves through `projections.projector.rebuild_views` (what
  `ViewProjector.rebuild` runs: the views' fold and tree, its history rows written as it goes, then
  every document) into a fresh SQLite views database, in one transaction as the rebuild writes.

Each runs in a child process of its own, so each peak RSS is its own. The only difference from
`integritas views rebuild` is where the leaves come from (tiles on disk, not SQLite rows), and
both sides of the ratio read them the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def _leaves(export: Path) -> Any:
    from ledger.log_sources import ExportSource

    source = ExportSource(export)
    size = int(source.checkpoint().splitlines()[1])
    return size, source.leaves(size)


def _floor(export: Path) -> dict[str, Any]:
    from ledger.entry import parse_leaf

    _, leaves = _leaves(export)
    count, started, cpu = 0, time.perf_counter(), time.process_time()
    for leaf in leaves:
        parse_leaf(leaf)
        count += 1
    return {"entries": count, "wall_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}


def _rebuild(export: Path, scratch: Path) -> dict[str, Any]:
    from synthetic_ledger import ORIGIN

    from ledger.store.config import Storage
    from projections.projector import ViewProjector, _no_gc_while_folding, rebuild_views

    size, leaves = _leaves(export)
    projector = ViewProjector(Storage.sqlite(scratch / "views.sqlite"), ORIGIN)
    last = [time.perf_counter()]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] >= 30:
            last[0] = time.perf_counter()
            print(f"  rebuild: {done:,} / {total:,} leaves folded", file=sys.stderr, flush=True)

    started, cpu = time.perf_counter(), time.process_time()
    folded: dict[str, float] = {}

    def position() -> None:  # called when every leaf is folded, before the documents are written
        folded["wall"], folded["cpu"] = time.perf_counter() - started, time.process_time() - cpu
        folded["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with _no_gc_while_folding():
        fold, _tree = rebuild_views(projector.view, ORIGIN, enumerate(leaves), size, progress, position)
    result = {
        "entries": fold.size,
        "wall_s": time.perf_counter() - started,
        "cpu_s": time.process_time() - cpu,
        "fold_and_history_wall_s": folded["wall"],
        "fold_and_history_cpu_s": folded["cpu"],
        "rss_after_fold_mib": folded["rss"],
        "units": len(fold.state.units),
        "views_db_mib": (scratch / "views.sqlite").stat().st_size / 2**20,
    }
    if fold.size != size:
        raise SystemExit(f"the fold took {fold.size} of {size} leaves")
    return result


def _child(args: argparse.Namespace) -> None:
    export = Path(args.export)
    if args.child == "floor":
        result = _floor(export)
    else:
        with tempfile.TemporaryDirectory(dir=args.scratch) as scratch:
            result = _rebuild(export, Path(scratch))
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=1_000_000, help="size of the synthetic national ledger")
    parser.add_argument("--scratch", default=None, help="where the fresh views database goes (default: /tmp)")
    parser.add_argument("--json", default=None, help="also write the results to this file")
    parser.add_argument("--child", choices=("floor", "rebuild"), help=argparse.SUPPRESS)
    parser.add_argument("--export", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> None:
    from bench import machine, synthetic_export

    if args.child:
        _child(args)
        return
    export = synthetic_export(args.entries)
    results: dict[str, Any] = {"machine": machine(), "entries": args.entries, "load_before": os.getloadavg()}
    print(json.dumps(results["machine"]), flush=True)
    for part in ("floor", "rebuild"):
        command = [sys.executable, __file__, "--child", part, "--export", str(export), "--entries", str(args.entries)]
        if args.scratch:
            command += ["--scratch", args.scratch]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        results[part] = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{part}: {json.dumps(results[part])}", flush=True)
    results["load_after"] = os.getloadavg()
    floor, rebuild = results["floor"], results["rebuild"]
    results["ratio_wall"] = rebuild["wall_s"] / floor["wall_s"]
    results["ratio_cpu"] = rebuild["cpu_s"] / floor["cpu_s"]
    load = f"{results['load_before'][0]:.1f} -> {results['load_after'][0]:.1f}"
    print(
        f"views rebuild of {rebuild['entries']:,} entries: {results['ratio_wall']:.2f}x the floor by the wall "
        f"clock, {results['ratio_cpu']:.2f}x by CPU time (target at most 3x); peak RSS floor "
        f"{floor['peak_rss_mib']:,.0f} MiB, rebuild {rebuild['peak_rss_mib']:,.0f} MiB; load {load}",
        flush=True,
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    run(parser.parse_args())
