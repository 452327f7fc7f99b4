"""Benchmarks of Integritas on this machine (run through `scripts/bench`).

    scripts/bench core [--entries N] [--postgres DSN]

`core` measures, in one run: the raw `cryptography` Ed25519 verify rate on one core, and the
store's append rate on SQLite and PostgreSQL, one entry per call and in batches, each as entries/s
and as a ratio to the raw verify rate. Submissions are signed before the clock starts; appends are
pact.signed entries to distinct streams, the commonest kind in a regency's ledger.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from ledger.store.application import LedgerStore  # noqa: E402
from ledger.store.config import Storage  # noqa: E402
from tests.builder import LOG_TIME, ORIGIN, LedgerBuilder, digest, key_for  # noqa: E402


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def raw_verify_rate(seconds: float = 2.0) -> float:
    """Ed25519 verifies per second on one core, of a message the size of a typical entry."""
    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    message = b"integritas/entry/v1\n" + b"x" * 600
    signature = key.sign(message)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(500):
            public.verify(signature, message)
        count += 500
    return count / (time.perf_counter() - start)


def prepared_store(storage: Storage, entries: int) -> tuple[LedgerStore, list]:
    """A store holding a small cast and one unit, and `entries` pact submissions signed ahead."""
    store = LedgerStore(storage, ORIGIN, key_for("log"), clock=lambda: LOG_TIME)

    class Builder(LedgerBuilder):
        @property
        def state(self):  # type: ignore[override]
            return store.state

    builder = Builder(apply=store.append)
    builder.standard_cast()
    builder.register_unit("bench", 10_000_000)
    registrar = builder.registrars["bench"]
    submissions = []
    for n in range(entries):
        number = f"{n:018d}"
        submissions.append(
            builder.sign(
                registrar,
                "pact.signed",
                f"pact/bench/{number}",
                {
                    "employee": {"name": f"Pegawai {n}", "number": number},
                    "pact_digest": digest("pakta integritas"),
                    "signed_on": "2020-07-08",
                },
                at="2020-07-08T09:00:00Z",
            )
        )
    return store, submissions


def timed(run: Callable[[], None], count: int) -> float:
    start = time.perf_counter()
    run()
    return count / (time.perf_counter() - start)


def bench_store(label: str, make_storage: Callable[[], Storage], entries: int, batch: int) -> list[dict]:
    results = []
    store, submissions = prepared_store(make_storage(), entries)
    rate = timed(lambda: [store.append(s) for s in submissions], entries)
    results.append({"store": label, "path": "one entry per call", "entries": entries, "rate": rate})
    store.close()

    store, submissions = prepared_store(make_storage(), entries)

    def batched() -> None:
        for i in range(0, len(submissions), batch):
            store.append_batch(submissions[i : i + batch])

    rate = timed(batched, entries)
    results.append({"store": label, "path": f"batches of {batch}", "entries": entries, "rate": rate})
    store.close()
    return results


def postgres_storage(dsn: str) -> Callable[[], Storage]:
    import psycopg

    counter = iter(range(10_000))

    def make() -> Storage:
        name = f"integritas_bench_{os.getpid()}_{next(counter)}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name}")
            conn.execute(f"CREATE DATABASE {name}")
        base = dsn.rsplit("/", 1)[0]
        return Storage.postgres(f"{base}/{name}")

    return make


def core(args: argparse.Namespace) -> None:
    print(f"machine: {json.dumps(machine())}")
    verify = raw_verify_rate()
    print(f"raw Ed25519 verify, one core: {verify:,.0f}/s")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        counter = iter(range(1000))
        rows += bench_store(
            "SQLite", lambda: Storage.sqlite(Path(scratch) / f"b{next(counter)}.sqlite"), args.entries, args.batch
        )
    dsn = args.postgres or os.environ.get("INTEGRITAS_TEST_POSTGRES")
    if dsn:
        rows += bench_store("PostgreSQL", postgres_storage(dsn), args.entries, args.batch)
    else:
        print("PostgreSQL: skipped (give --postgres DSN or run through scripts/bench, which starts one)")
    print()
    print("| store | path | entries | appends/s | ratio to raw verify |")
    print("|---|---|---:|---:|---:|")
    for row in rows:
        print(
            f"| {row['store']} | {row['path']} | {row['entries']} | {row['rate']:,.0f} | {row['rate'] / verify:.1%} |"
        )
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "raw_verify": verify, "rows": rows}, indent=2))


def _raw_verify_worker(seconds: float) -> float:
    return raw_verify_rate(seconds)


def raw_verify_rate_all_cores(seconds: float = 3.0) -> float:
    """Ed25519 verifies per second with every core verifying at once (the verifier's ceiling)."""
    from concurrent.futures import ProcessPoolExecutor

    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores) as pool:
        return sum(pool.map(_raw_verify_worker, [seconds] * cores))


def synthetic_export(entries: int) -> Path:
    """The synthetic ledger of `entries` leaves as an export in bench-data/, generated on first use."""
    directory = ROOT / "bench-data" / f"synthetic-{entries}"
    if not (directory / "checkpoint").is_file():
        print(f"generating the synthetic ledger of {entries:,} entries (once; cached in {directory})")
        sys.path.insert(0, str(ROOT / "scripts"))
        from synthetic_ledger import generate

        generate(directory, entries, units=400, employees_per_unit=100, seed="synthetic-regency")
    return directory


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def verify(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from ledger.log_sources import ExportSource
    from ledger.verify import TrustAnchor, verify_log

    print(f"machine: {json.dumps(machine())}")
    directory = synthetic_export(args.entries)
    one_core = raw_verify_rate()
    all_cores = raw_verify_rate_all_cores()
    print(f"raw Ed25519 verify: one core {one_core:,.0f}/s, all {os.cpu_count()} cores {all_cores:,.0f}/s")
    trust = TrustAnchor.load(directory / "trust.json")
    started = time.perf_counter()
    # The synthetic regency's calendar runs decades ahead; verify it at its own log time.
    report = verify_log(ExportSource(directory), trust, now=datetime(2100, 1, 1, tzinfo=UTC))
    elapsed = time.perf_counter() - started
    if not report.ok:
        raise SystemExit(f"the synthetic ledger did not verify: {report.failures[:3]}")
    rate = report.entries_checked / elapsed
    print(f"full verification of {report.entries_checked:,} entries ({report.tiles_checked:,} tiles): "
          f"{elapsed:.1f} s, {rate:,.0f} entries/s = {rate / all_cores:.1%} of the all-core raw verify rate")

    from ledger.crypto.merkle import MerkleTree
    from ledger.crypto.tiles import Tile, split_tile

    size = report.entries_checked
    hashes: list[bytes] = []
    for index in range(-(-size // 256)):
        tile = Tile(0, index, min(256, size - index * 256))
        hashes += split_tile(ExportSource(directory).hash_tile(tile), tile)
    tree = MerkleTree.from_leaf_hashes(hashes)
    rng = __import__("random").Random(7)
    for name, make in (
        ("inclusion", lambda: tree.inclusion_proof(rng.randrange(size), size)),
        ("consistency", lambda: tree.consistency_proof(rng.randrange(1, size), size)),
    ):
        samples = []
        for _ in range(args.proofs):
            start = time.perf_counter()
            make()
            samples.append((time.perf_counter() - start) * 1000)
        print(f"{name} proof at size {size:,}: median {percentile(samples, 0.5):.3f} ms, "
              f"p99 {percentile(samples, 0.99):.3f} ms ({args.proofs} proofs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(required=True)
    p = sub.add_parser("core", help="raw verify rate and store append rates")
    p.add_argument("--entries", type=int, default=3000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--postgres", help="PostgreSQL DSN of a server where databases may be created")
    p.add_argument("--json", help="also write the figures to this file")
    p.set_defaults(run=core)
    p = sub.add_parser("verify", help="full verification of a synthetic ledger, and proof generation")
    p.add_argument("--entries", type=int, default=1_000_000)
    p.add_argument("--proofs", type=int, default=10_000)
    p.set_defaults(run=verify)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
