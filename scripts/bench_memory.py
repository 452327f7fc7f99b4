"""Memory of the rules fold and the views fold at scale (issue 16, item 4): `scripts/bench memory`.

    .venv/bin/python scripts/bench.py memory --entries 100000 [--views]

Folds the synthetic national ledger's leaves (`bench-data/national-N`, generated on first use) the
way the verifier does (`ledger.verify._Replay`: parse, decide, evolve; the signatures are the
workers' and cost no memory here), or with `--views` the way `integritas views rebuild` does
(`projections.fold.ViewFold`), together with the log's Merkle tree, and prints where the memory goes:
the deep size of each part of the state (`sys.getsizeof` summed over every object reachable from it
and not from a part counted before it), the tree's size and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

MIB = 1024 * 1024


def deep_size(root: Any, seen: set[int]) -> int:
    """Bytes of `root` and of everything reachable from it not in `seen` (which this extends).

    Classes, modules and functions are shared by every state and are not counted.
    """
    total = 0
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, type | type(sys) | type(deep_size)):
            continue
        seen.add(id(obj))
        total += sys.getsizeof(obj)
        stack.extend(gc.get_referents(obj))
    return total


def sizes(parts: Iterable[tuple[str, Any]]) -> list[tuple[str, int]]:
    """Deep size of each (name, object), each counting only what the ones before it did not."""
    seen: set[int] = set()
    return [(name, deep_size(obj, seen)) for name, obj in parts]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def state_parts(state: Any) -> list[tuple[str, Any]]:
    """The rules state by part: the ones that grow with the log first."""
    units = list(state.units.values())
    return [
        ("leaf index (leaf hash -> index)", state.leaf_indices),
        ("stream heads", state.streams),
        ("pacts (every employee's)", [unit.pacts for unit in units]),
        ("units without their pacts", units),
        ("keys", state.keys),
        ("persons (edition 3)", state.persons),
        ("the rest of the rules state", state),
    ]


def bundled_leaves(directory: Path, entries: int) -> Iterator[bytes]:
    """The first `entries` leaves (whole bundles of 256) of an export still being written."""
    from ledger.crypto.tiles import Tile, parse_entry_bundle

    for index in range(entries // 256):
        bundle = Tile("entries", index, 256)
        yield from parse_entry_bundle((directory / bundle.path).read_bytes(), bundle)


def run(args: argparse.Namespace) -> None:
    from bench import load_average, machine, resident_mib, synthetic_export

    from ledger.crypto.merkle import MerkleTree
    from ledger.entry import parse_leaf
    from ledger.log_sources import ExportSource
    from ledger.trust import TrustAnchor
    from ledger.verify import _Replay

    print(f"machine: {machine()}")
    if args.partial:
        # A prefix of a ledger still being generated: its trust is the genesis entry's (unchecked
        # here; the verifier checks it against a trust anchor).
        directory = Path(args.partial)
        leaves: Iterable[bytes] = bundled_leaves(directory, args.entries)
        genesis = parse_leaf(next(bundled_leaves(directory, 256))).entry
        trust: Any = SimpleNamespace(
            origin=genesis.log, root_fingerprint=genesis.signer, national_root_fingerprint=None
        )
    else:
        directory = synthetic_export(args.entries)
        leaves = ExportSource(directory).leaves(args.entries)
        trust = TrustAnchor.load(directory / "trust.json")
    print(f"load average before: {load_average()}")
    before = peak_rss_mib()
    started, cpu = time.perf_counter(), time.process_time()
    tree = MerkleTree()
    if args.views:
        from projections.fold import ViewFold

        views = ViewFold(trust.origin, rows=tree.leaf_rows)  # as projections.projector does
        gc.disable()  # as the rebuild does (projections.projector): a fold makes no cycles to collect
        for index, leaf in enumerate(leaves):
            tree.append(views.apply(index, leaf).leaf_hash)
        gc.enable()
        if views.refused:
            raise SystemExit(f"the synthetic ledger did not fold: {views.refused[:3]}")
        state = views.state
        view_parts = [(f"views: {name}", value) for name, value in vars(views).items() if name not in ("state",)]
    else:
        replay = _Replay(trust, datetime.now(UTC), rows=tree.leaf_rows)  # as ledger.verify does
        for index, leaf in enumerate(leaves):
            replay.fold(index, leaf)
            tree.append(replay.leaf_hash or b"")
            if index % 200_000 == 0:
                print(f"  {index:,} leaves, RSS {resident_mib():,.0f} MiB, load average {load_average()}", flush=True)
        if replay.failures:
            raise SystemExit(f"the synthetic ledger did not fold: {replay.failures[:3]}")
        state = replay.state
        view_parts = []
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = peak_rss_mib()
    employees = sum(len(unit.pacts) for unit in state.units.values())
    print(
        f"folded {state.size:,} entries ({'views' if args.views else 'rules, as the verifier'}) in "
        f"{elapsed:,.1f} s wall, {cpu:,.1f} s CPU; {len(state.streams):,} streams, {employees:,} employees, "
        f"{len(state.units):,} units, {len(state.keys):,} keys"
    )
    measured = sizes([("Merkle tree", tree), *state_parts(state), *view_parts])
    total = 0
    for name, size in measured:
        total += size
        if size >= MIB // 10:
            per = f", {size / max(employees, 1):,.0f} bytes an employee" if "pact" in name or "stream" in name else ""
            print(f"  {name}: {size / MIB:,.1f} MiB ({size / state.size:,.1f} bytes a leaf{per})")
    print(f"  all of the above: {total / MIB:,.1f} MiB")
    print(f"peak RSS: {peak:,.0f} MiB (before folding {before:,.0f} MiB)")
    print(f"load average after: {load_average()}")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--views", action="store_true", help="fold as `integritas views rebuild` does")
    parser.add_argument(
        "--partial", metavar="DIR", help="fold the first --entries leaves of an export still being generated"
    )
