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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(required=True)
    p = sub.add_parser("core", help="raw verify rate and store append rates")
    p.add_argument("--entries", type=int, default=3000)
    p.add_argument("--batch", type=int, default=500)
    p.add_argument("--postgres", help="PostgreSQL DSN of a server where databases may be created")
    p.add_argument("--json", help="also write the figures to this file")
    p.set_defaults(run=core)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
