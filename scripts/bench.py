"""Benchmarks of Integritas on this machine (run through `scripts/bench`).

    scripts/bench core [--entries N] [--postgres DSN]

`verify` measures, in one run, for each Ed25519 backend installed (PyNaCl/libsodium, cryptography/
OpenSSL): its raw verify rate on one and on all cores, and the full audit of a synthetic ledger as a
ratio to it; the target (issue 16) is the audit against the fastest backend's all-core rate.

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
from typing import Any

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


def raw_verify_rate(seconds: float = 2.0, backend: str = "cryptography") -> float:
    """Ed25519 verifies per second on one core through a backend of ledger.crypto.ed25519 with no
    pre-check (the library's own rate), of a message the size of a typical entry."""
    from ledger.crypto.ed25519 import available_backends
    from ledger.crypto.keys import public_key_bytes

    verify_raw = available_backends()[backend].verify
    key = Ed25519PrivateKey.generate()
    public = public_key_bytes(key.public_key())
    message = b"integritas/entry/v1\n" + b"x" * 600
    signature = key.sign(message)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(500):
            verify_raw(public, signature, message)
        count += 500
    return count / (time.perf_counter() - start)


def load_average() -> str:
    """The 1, 5 and 15 minute load averages (the machine is shared: figures move with them)."""
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


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
        name = f"integritas_bench_{os.getpid()}_{next(counter)}_{os.urandom(3).hex()}"
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


def _raw_verify_worker(seconds: float, backend: str) -> float:
    return raw_verify_rate(seconds, backend)


def raw_verify_rate_all_cores(seconds: float = 3.0, backend: str = "cryptography") -> float:
    """Ed25519 verifies per second with every core verifying at once (the verifier's ceiling)."""
    from concurrent.futures import ProcessPoolExecutor

    cores = os.cpu_count() or 1
    with ProcessPoolExecutor(cores) as pool:
        return sum(pool.map(_raw_verify_worker, [seconds] * cores, [backend] * cores))


def synthetic_export(entries: int) -> Path:
    """The synthetic national ledger of `entries` leaves as an export in bench-data/, generated on
    first use (resuming an interrupted generation) and cached."""
    directory = ROOT / "bench-data" / f"national-{entries}"
    if not (directory / "checkpoint").is_file():
        print(f"generating the synthetic ledger of {entries:,} entries (once; cached in {directory})", flush=True)
        sys.path.insert(0, str(ROOT / "scripts"))
        from synthetic_ledger import generate

        started = time.perf_counter()
        generate(directory, entries)
        elapsed = time.perf_counter() - started
        print(f"generated in {elapsed:,.0f} s ({entries / elapsed:,.0f} entries/s)", flush=True)
    return directory


def peak_rss() -> dict[str, float]:
    """Peak resident set size in MiB of this process and of its largest waited-for child (Linux: KiB)."""
    import resource

    return {
        "self_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "children_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def resident_mib() -> float:
    """This process's resident set size now, in MiB (Linux: /proc/self/status VmRSS, in KiB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _progress(started: float) -> Callable[[int, int], None]:
    """A progress line every 5 % of the leaves with the resident size: at 10^7 a run takes hours on
    a loaded machine, and memory that grows with the log shows long before the end."""
    mark = [0]

    def progress(done: int, size: int) -> None:
        if done >= mark[0] or done == size:
            mark[0] = done + max(size // 20, 1)
            print(
                f"  {done:,} of {size:,} leaves, {time.perf_counter() - started:,.0f} s, "
                f"RSS {resident_mib():,.0f} MiB, load average {load_average()}",
                flush=True,
            )

    return progress


def verify(args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from ledger.log_sources import ExportSource
    from ledger.verify import TrustAnchor, verify_log

    print(f"machine: {json.dumps(machine())}")
    directory = synthetic_export(args.entries)
    from ledger.crypto import ed25519

    backends = [args.backend] if args.backend else list(ed25519.available_backends())
    trust = TrustAnchor.load(directory / "trust.json")
    print(f"load average before: {load_average()}")
    before = peak_rss()
    audits: dict[str, tuple[float, float]] = {}
    for name in backends:
        one_core = raw_verify_rate(backend=name)
        all_cores = raw_verify_rate_all_cores(backend=name)
        print(f"raw Ed25519 verify ({name}): one core {one_core:,.0f}/s, all {os.cpu_count()} cores {all_cores:,.0f}/s")
        ed25519.use_backend(name)  # the verifier's workers fork from here and keep it
        started = time.perf_counter()
        report = verify_log(ExportSource(directory), trust, now=datetime.now(UTC), progress=_progress(started))
        elapsed = time.perf_counter() - started
        ed25519.use_backend(None)
        if not report.ok:
            raise SystemExit(f"the synthetic ledger did not verify: {report.failures[:3]}")
        rate = report.entries_checked / elapsed
        audits[name] = (rate, all_cores)
        print(
            f"full verification ({name}) of {report.entries_checked:,} entries ({report.tiles_checked:,} tiles): "
            f"{elapsed:.1f} s, {rate:,.0f} entries/s = {rate / all_cores:.1%} of the all-core raw verify rate "
            f"of {name}"
        )
    fastest = max(audits, key=lambda name: audits[name][1])
    rate, ceiling = audits[fastest]
    print(
        f"audit against the fastest backend installed ({fastest}, {ceiling:,.0f}/s on all cores): "
        f"{rate / ceiling:.1%} (target 75 %)"
    )
    for name, (other_rate, _) in audits.items():
        print(f"  audit rate with {name}: {other_rate / ceiling:.1%} of {fastest}'s all-core raw rate")
    memory = peak_rss()
    print(
        f"peak RSS: verifying process {memory['self_mib']:,.0f} MiB (before the verification "
        f"{before['self_mib']:,.0f} MiB), largest signature worker {memory['children_mib']:,.0f} MiB"
    )
    print(f"load average after: {load_average()}")

    from ledger.crypto.merkle import MerkleTree
    from ledger.crypto.tiles import Tile, split_tile

    size = report.entries_checked
    tree = MerkleTree()
    for index in range(-(-size // 256)):
        tile = Tile(0, index, min(256, size - index * 256))
        tree.extend(split_tile(ExportSource(directory).hash_tile(tile), tile))
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
        print(
            f"{name} proof at size {size:,}: median {percentile(samples, 0.5):.3f} ms, "
            f"p99 {percentile(samples, 0.99):.3f} ms ({args.proofs} proofs)"
        )


def _serve(arguments: list[str], env: dict[str, str] | None = None) -> Any:
    import subprocess

    return subprocess.Popen(
        arguments, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _stop(process: Any) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except Exception:
        process.kill()


def _cpu_seconds(root: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by process `root` with its descendants, and by the
    PostgreSQL server's processes (`postgres: ...`): what a request costs each, whatever the load."""
    tick = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    postgres = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            command = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        seconds = (int(fields[11]) + int(fields[12])) / tick
        parents[int(entry)], used[int(entry)] = int(fields[1]), seconds
        if command.startswith(b"postgres:"):
            postgres += seconds
    mine = {root}
    grew = True
    while grew:
        grown = {pid for pid, parent in parents.items() if parent in mine} - mine
        grew, mine = bool(grown), mine | grown
    return sum(used.get(pid, 0.0) for pid in mine), postgres


def _measured_load(server: Any, port: int, requests: list[bytes], seconds: float) -> dict[str, Any]:
    """`run_load`'s summary, with the server's and PostgreSQL's CPU a request (microseconds)."""
    from load import run_load

    server_before, postgres_before = _cpu_seconds(server.pid)
    result = run_load(port, requests, max_seconds=seconds)
    server_after, postgres_after = _cpu_seconds(server.pid)
    done = max(result.requests, 1)
    return {
        **result.summary(),
        "server_cpu_us": round((server_after - server_before) / done * 1e6),
        "postgres_cpu_us": round((postgres_after - postgres_before) / done * 1e6),
    }


def api(args: argparse.Namespace) -> None:
    """Load test of our own server on 127.0.0.1 against the ceiling of this stack."""
    import random
    import secrets

    sys.path.insert(0, str(ROOT / "scripts"))
    from load import free_port, http_request, wait_until_up

    from api.tokens import TokenFile
    from ledger.store.datadir import init_ledger

    print(f"machine: {json.dumps(machine())}")
    python = sys.executable
    rows: list[dict[str, Any]] = []
    requests_n, reads_n = args.requests, args.reads

    # The ceiling: one verify + one insert per POST (SQLite, and PostgreSQL when there is one), and
    # a trivial GET.
    key = Ed25519PrivateKey.generate()
    message = b"integritas/entry/v1\n" + b"x" * 600
    ceiling_body = key.sign(message) + message
    dsn = args.postgres or os.environ.get("INTEGRITAS_TEST_POSTGRES")
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    for ceiling_store in ["SQLite"] + (["PostgreSQL"] if dsn else []):
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as scratch:
                port = free_port()
                env = {
                    "PYTHONPATH": str(ROOT / "scripts"),
                    "CEILING_DB": f"{scratch}/c.sqlite",
                    "CEILING_KEY": __import__("base64").b64encode(raw).decode(),
                }
                if ceiling_store == "PostgreSQL":
                    import psycopg

                    env["CEILING_POSTGRES"] = postgres_storage(dsn)().postgres_dsn or ""
                    with psycopg.connect(env["CEILING_POSTGRES"], autocommit=True) as conn:
                        conn.execute("CREATE TABLE leaves (id BIGSERIAL PRIMARY KEY, leaf BYTEA)")
                server = _serve(
                    [
                        python,
                        "-m",
                        "uvicorn",
                        "load:ceiling_app",
                        "--factory",
                        "--port",
                        str(port),
                        "--workers",
                        str(workers),
                        "--loop",
                        "uvloop",
                        "--http",
                        "httptools",
                        "--log-level",
                        "warning",
                    ],
                    env=env,
                )
                try:
                    wait_until_up(port, path="/get")
                    post = http_request("POST", "/append", ceiling_body, {"Content-Type": "application/octet-stream"})
                    summary = _measured_load(server, port, [post] * requests_n, args.seconds)
                    what = f"ceiling: verify + {ceiling_store} insert"
                    rows.append({"what": what, "workers": workers, **summary})
                    if ceiling_store == "SQLite":
                        summary = _measured_load(server, port, [http_request("GET", "/get")] * reads_n, args.seconds)
                        rows.append({"what": "ceiling: trivial GET", "workers": workers, **summary})
                finally:
                    _stop(server)

    storages = [("SQLite", None)] + ([("PostgreSQL", dsn)] if dsn else [])
    for label, postgres in storages:
        for workers in (1, 2):
            with tempfile.TemporaryDirectory() as scratch:
                directory = Path(scratch) / "ledger"
                postgres_url = postgres_storage(postgres)().postgres_dsn if postgres else None
                store = init_ledger(
                    directory,
                    origin=ORIGIN,
                    name="Bench",
                    root_key=key_for("root"),
                    log_key=key_for("log"),
                    postgres_dsn=postgres_url,
                )

                class Builder(LedgerBuilder):
                    @property
                    def state(self):  # type: ignore[override]
                        return store.state  # noqa: B023 (used before the loop moves on)

                builder = Builder(apply=store.append)
                builder.admin = builder.register_key("admin", "administrator")
                builder.register_unit("bench", 10_000_000)
                registrar = builder.registrars["bench"]
                nonce = secrets.token_hex(3)
                posts = []
                for n in range(requests_n):
                    number = f"{nonce}{n:012d}"
                    submission = builder.sign(
                        registrar,
                        "pact.signed",
                        f"pact/bench/{number}",
                        {
                            "employee": {"name": f"Pegawai {n}", "number": number},
                            "pact_digest": digest("pakta integritas"),
                            "signed_on": "2020-07-08",
                            "occasion": "yearly",  # init_ledger's policy is rules edition 2
                        },
                        at="2020-07-08T09:00:00Z",
                    )
                    body = json.dumps(submission.to_json()).encode()
                    posts.append(http_request("POST", "/v1/entries", body, {"Content-Type": "application/json"}))
                store.close()
                _, token = TokenFile(directory / "tokens.json").add("bench", "auditor")
                port = free_port()
                command = [
                    python,
                    "-m",
                    "cli",
                    "serve",
                    "--ledger",
                    str(directory),
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                ]
                if postgres_url:
                    command += ["--postgres", postgres_url]
                server = _serve(command)
                try:
                    wait_until_up(port, path="/v1/log")
                    summary = _measured_load(server, port, posts, args.seconds)
                    rows.append({"what": f"{label}: signed appends, distinct streams", "workers": workers, **summary})
                    size = json.loads(
                        __import__("urllib.request").request.urlopen(f"http://127.0.0.1:{port}/v1/log").read()
                    )["size"]
                    rng = random.Random(1)
                    proofs = [
                        http_request("GET", f"/v1/proofs/inclusion?index={rng.randrange(size)}&size={size}")
                        for _ in range(reads_n)
                    ]
                    for what, reqs in (
                        ("inclusion proof", proofs),
                        ("checkpoint", [http_request("GET", "/tlog/checkpoint")] * reads_n),
                        (
                            "entry",
                            [
                                http_request(
                                    "GET",
                                    f"/v1/entries/{rng.randrange(size)}",
                                    headers={"Authorization": f"Bearer {token}"},
                                )
                                for _ in range(reads_n)
                            ],
                        ),
                    ):
                        summary = _measured_load(server, port, reqs, args.seconds)
                        rows.append({"what": f"{label}: read {what}", "workers": workers, **summary})
                finally:
                    _stop(server)

    print()
    print(
        "| what | workers | requests | req/s | p50 ms | p99 ms | server CPU µs/req | PostgreSQL CPU µs/req | statuses |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        print(
            f"| {row['what']} | {row['workers']} | {row['requests']} | {row['rate']:,.0f} | {row['p50_ms']} | "
            f"{row['p99_ms']} | {row['server_cpu_us']:,} | {row['postgres_cpu_us']:,} | {row['statuses']} |"
        )
    ceiling = {(r["what"], r["workers"]): r["rate"] for r in rows}
    print()
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    for row in rows:
        if "signed appends" in row["what"]:
            label = row["what"].split(":")[0]
            base = ceiling[(f"ceiling: verify + {label} insert", row["workers"])]
            target = {"SQLite": 0.65, "PostgreSQL": 0.50}[label]
            print(
                f"{row['what']}, {row['workers']} worker(s): {row['rate'] / base:.0%} of the {label} ceiling "
                f"(target {target:.0%})"
            )
        for what, target in (("inclusion proof", None), ("checkpoint", None), ("entry", 0.60)):
            if row["what"].endswith(f"read {what}"):
                base = ceiling[("ceiling: trivial GET", row["workers"])]
                goal = "" if target is None else f" (target {target:.0%})"
                print(f"{row['what']}, {row['workers']} worker(s): {row['rate'] / base:.0%} of a trivial GET{goal}")
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))


def _statm_mib() -> float:
    """This process's resident memory now, in MiB (Linux /proc/self/statm)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def merkle(args: argparse.Namespace) -> None:
    """The in-memory Merkle tree at `--leaves` leaves: appends, extension from leaf hashes, proofs.

    These were bounds inside tests/crypto/test_merkle.py (3 s for a million appends, 1 ms a proof);
    speed goals live here, where a loaded machine cannot fail a test run."""
    import hashlib

    from ledger.crypto.merkle import MerkleTree

    print(f"machine: {json.dumps(machine())}")
    n = args.leaves
    leaves = [hashlib.sha256(i.to_bytes(8, "big")).digest() for i in range(n)]
    started = time.perf_counter()
    tree = MerkleTree()
    for leaf in leaves:
        tree.append(leaf)
    appended = time.perf_counter() - started
    del tree
    started = time.perf_counter()
    before = _statm_mib()
    tree = MerkleTree.from_leaf_hashes(leaves)
    extended = time.perf_counter() - started
    print(f"the tree of {n:,} leaves holds {_statm_mib() - before:,.0f} MiB (resident, measured around its making)")
    rng = __import__("random").Random(7)
    inclusion, consistency = [], []
    for _ in range(args.proofs):
        start = time.perf_counter()
        tree.inclusion_proof(rng.randrange(n), n)
        inclusion.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        tree.consistency_proof(rng.randrange(1, n), n)
        consistency.append((time.perf_counter() - start) * 1000)
    print(f"{n:,} appends one by one: {appended:.2f} s; extension by {n:,} leaf hashes: {extended:.2f} s")
    for name, samples in (("inclusion", inclusion), ("consistency", consistency)):
        print(
            f"{name} proof at size {n:,}: median {percentile(samples, 0.5):.3f} ms, "
            f"p99 {percentile(samples, 0.99):.3f} ms ({args.proofs} proofs)"
        )


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
    p.add_argument(
        "--backend", choices=["pynacl", "cryptography"], help="only this Ed25519 backend (default: each installed)"
    )
    p.set_defaults(run=verify)
    p = sub.add_parser("merkle", help="in-memory Merkle tree: appends, extension and proofs at a million leaves")
    p.add_argument("--leaves", type=int, default=1_000_000)
    p.add_argument("--proofs", type=int, default=10_000)
    p.set_defaults(run=merkle)
    p = sub.add_parser("api", help="load test of the HTTP API on 127.0.0.1, against this stack's ceiling")
    p.add_argument("--requests", type=int, default=2000, help="appends per configuration")
    p.add_argument("--reads", type=int, default=4000, help="requests per read kind")
    p.add_argument("--seconds", type=float, default=20.0, help="time bound of each load run")
    p.add_argument("--postgres", help="PostgreSQL DSN where databases may be created")
    p.add_argument("--json", help="also write the figures to this file")
    p.set_defaults(run=api)
    import bench_views  # scripts/bench_views.py

    p = sub.add_parser("views", help="rebuild of every view and oversight queries on a synthetic regency")
    bench_views.add_arguments(p)
    p.set_defaults(run=bench_views.run)
    import bench_rebuild  # scripts/bench_rebuild.py

    p = sub.add_parser("rebuild", help="views rebuild from the synthetic export against the read+parse floor")
    bench_rebuild.add_arguments(p)
    p.set_defaults(run=bench_rebuild.run)
    import bench_memory  # scripts/bench_memory.py

    p = sub.add_parser("memory", help="where the verifier's (or the views') fold state's memory goes")
    bench_memory.add_arguments(p)
    p.set_defaults(run=bench_memory.run)
    import bench_audit  # scripts/bench_audit.py

    p = sub.add_parser("audit", help="CPU per entry of the audit's parts (parse, fold, hand-over, verify), one process")
    bench_audit.add_arguments(p)
    p.set_defaults(run=bench_audit.run)
    import bench_witness  # scripts/bench_witness.py

    p = sub.add_parser("witness", help="append to cosigned checkpoint latency, append rate with witnesses on/off")
    bench_witness.add_arguments(p)
    p.set_defaults(run=bench_witness.run)
    import bench_groups  # scripts/bench_groups.py

    p = sub.add_parser("groups", help="group commit in one process: appends from many threads, entries a group")
    bench_groups.add_arguments(p)
    p.set_defaults(run=bench_groups.run)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
