"""CPU per entry of the audit's parts, in one process (run through `scripts/bench audit`).

    .venv/bin/python scripts/bench_audit.py [--entries 100000] [--sample 30000]

The full audit (`integritas verify`, ledger.verify) keeps both cores busy: the main process parses
each leaf, folds it through the rules and appends it to the tree (F), hands the signature checks
over to one worker process per core (H), and the workers verify (V). Its rate is therefore bounded
by CPU per entry, whatever the load: audit / raw verify rate <= V / (V + F + H). This measures each
term with `time.process_time` in this one process, on the first `--sample` leaves of the synthetic
national ledger (bench-data/national-N, generated on first use), before and after the fast path of
`parse_leaf` (before: `parse_leaf_strictly` for every leaf), and prints the bound for each Ed25519
backend installed. CPU time does not count other processes' turns, so the figures hold on a shared
machine better than wall clock does (they still move a little with cache and frequency sharing).
"""

from __future__ import annotations

import argparse
import gc
import os
import pickle
import resource
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench import load_average, machine, synthetic_export  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

import ledger.verify as verify_module  # noqa: E402
from ledger.crypto import ed25519  # noqa: E402
from ledger.crypto.keys import public_key_bytes  # noqa: E402
from ledger.entry import parse_leaf, parse_leaf_strictly  # noqa: E402
from ledger.log_sources import ExportSource  # noqa: E402
from ledger.rules import LedgerState, decide, evolve  # noqa: E402
from ledger.trust import TrustAnchor  # noqa: E402


def cpu_us(run: Callable[[], Any], count: int) -> float:
    """CPU microseconds per item of `run()` over `count` items, after a full collection."""
    gc.collect()
    started = time.process_time()
    run()
    return (time.process_time() - started) / count * 1e6


def main_process(source: ExportSource, size: int, trust: TrustAnchor, now: datetime, checks: list[Any]) -> None:
    """The verifier's main process over the first `size` leaves (ledger.verify._replay_entries: read,
    parse, fold, tree, batches), its signature checks collected in `checks` instead of verified."""

    def collected(batch: list[Any]) -> list[Any]:
        checks.extend(batch)
        return []

    verifying = verify_module._verify_signatures
    verify_module._verify_signatures = collected  # type: ignore[assignment]
    try:
        report = verify_module.Report(source.description)
        verify_module._replay_entries(source, size, trust, now, 1, report, None)
    finally:
        verify_module._verify_signatures = verifying
    if report.failures:
        raise SystemExit(f"the synthetic ledger does not verify: {report.failures[:3]}")


def hand_over(checks: list[Any]) -> None:
    """The batches' round trip between processes, as the pool pickles them (the pipe itself aside)."""
    batch = verify_module.SIGNATURE_BATCH
    for start in range(0, len(checks), batch):
        pickle.loads(pickle.dumps(checks[start : start + batch], pickle.HIGHEST_PROTOCOL))


def run(args: argparse.Namespace) -> None:
    print(f"machine: {machine()}")
    directory = synthetic_export(args.entries)
    trust = TrustAnchor.load(directory / "trust.json")
    now = datetime.now(UTC)
    leaves = list(ExportSource(directory).leaves(args.sample))
    count = len(leaves)
    print(f"load average before: {load_average()}; {count:,} leaves of {directory.name}, CPU µs per entry")

    def parse_each(parser: Callable[[bytes], Any]) -> None:
        for leaf in leaves:
            parser(leaf)  # and dropped, as the verifier drops it after the fold

    strict = cpu_us(lambda: parse_each(parse_leaf_strictly), count)
    fast = cpu_us(lambda: parse_each(parse_leaf), count)
    print(f"parse: strict {strict:.1f}, with the fast path {fast:.1f} ({strict / fast:.1f}x)")

    submissions = [parse_leaf(leaf) for leaf in leaves]

    def fold() -> None:
        state = LedgerState(origin=trust.origin)
        for index, submission in enumerate(submissions):
            evolve(state, decide(state, submission, index, now, signature_verified=True))

    folding = cpu_us(fold, count)
    print(f"fold (rules decide + evolve): {folding:.1f}")

    main: dict[str, float] = {}
    checks: list[Any] = []  # the signature checks the main process hands over, as the verifier makes them
    source = ExportSource(directory)
    for label, parser in (("strict", parse_leaf_strictly), ("fast", parse_leaf)):
        verify_module.parse_leaf = parser  # type: ignore[assignment]
        checks.clear()
        main[label] = cpu_us(lambda: main_process(source, count, trust, now, checks), count)
    verify_module.parse_leaf = parse_leaf
    handing = cpu_us(lambda: hand_over(checks), count)
    print(
        f"main process (read, parse, fold, tree, batches): strict {main['strict']:.1f}, "
        f"fast {main['fast']:.1f}; hand-over (pickle both ways) {handing:.1f}"
    )

    for name, backend in ed25519.available_backends().items():
        ed25519.use_backend(name)
        raw = cpu_us(lambda b=backend: [b.verify(key, sig, message) for _, key, sig, message in checks], len(checks))
        strict_check = cpu_us(lambda: verify_module._verify_signatures(checks), len(checks))
        ed25519.use_backend(None)
        for label, f in main.items():
            bound = raw / (raw + f + handing)
            print(
                f"{name}: raw verify {raw:.1f}, strict verify {strict_check:.1f}; with the {label} parse "
                f"F + H = {f + handing:.1f}: audit / raw rate <= {bound:.1%}"
            )
    if args.full:
        full_audit(directory, trust, now)
    print(f"load average after: {load_average()} (cores: {os.cpu_count()})")


def cpu_split() -> tuple[float, float]:
    """CPU seconds of this process, and of its children that have ended (the verifier's workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def full_audit(directory: Path, trust: TrustAnchor, now: datetime) -> None:
    """The whole audit as `integritas verify` runs it (both cores: main process and a worker per core),
    in CPU per entry of all its processes, against the raw verify's CPU per signature: on an idle
    machine, where the audit keeps both cores busy, this ratio is its rate / the raw both-core rate.
    Before (every leaf parsed strictly) and after (the fast path), for each backend."""
    key = Ed25519PrivateKey.generate()
    public, message = public_key_bytes(key.public_key()), b"integritas/entry/v1\n" + b"x" * 600
    signature = key.sign(message)  # as scripts/bench.py's raw rate: a message the size of an entry
    for name, backend in ed25519.available_backends().items():
        raw = cpu_us(lambda b=backend: [b.verify(public, signature, message) for _ in range(20_000)], 20_000)
        for label, parser in (("strict", parse_leaf_strictly), ("fast", parse_leaf)):
            verify_module.parse_leaf = parser  # type: ignore[assignment]
            ed25519.use_backend(name)  # the workers fork from here and keep it
            own, workers = cpu_split()
            report = verify_module.verify_log(ExportSource(directory), trust, now=now)
            own_after, workers_after = cpu_split()
            ed25519.use_backend(None)
            verify_module.parse_leaf = parse_leaf
            if not report.ok:
                raise SystemExit(f"the synthetic ledger did not verify: {report.failures[:3]}")
            count = report.entries_checked
            main, signing = (own_after - own) / count * 1e6, (workers_after - workers) / count * 1e6
            print(
                f"full audit ({name}, {label} parse) of {count:,} entries, CPU per entry: main process "
                f"{main:.1f} µs, workers {signing:.1f} µs; raw verify {raw:.1f} µs: audit / raw rate on an idle "
                f"machine {raw / (main + signing):.1%}"
            )


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--entries", type=int, default=100_000, help="size of the synthetic ledger")
    parser.add_argument("--sample", type=int, default=30_000, help="leaves measured (the first ones)")
    parser.add_argument("--full", action="store_true", help="also the whole audit's CPU per entry, all processes")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    run(parser.parse_args())
