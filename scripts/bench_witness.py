"""Witnessing benchmark (run through `scripts/bench witness`): what cosignatures cost and how soon they come.

Everything on 127.0.0.1: one `integritas serve` (SQLite, one worker) and two `integritas witness
serve` processes, the demo's arrangement.

- **latency**: one append at a time; from the moment the 201 receipt arrives until
  `GET /v1/log/cosigned` shows a checkpoint holding the entry that both witnesses cosigned,
  polled every 2 ms; p50 and p99 over `--count` appends;
- **throughput**: `--appends` pact.signed entries to distinct streams over 8 keep-alive
  connections, against a fresh ledger with the two witnesses and against one without witnesses.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from ledger.entry import Submission
from ledger.store.datadir import TRUST_FILE, init_ledger
from tests.builder import LedgerBuilder, digest, key_for
from witness.config import init_witness

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
ORIGIN = "bench.integritas.example/witness"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=200, help="appends timed one at a time to their cosignature")
    parser.add_argument("--appends", type=int, default=1000, help="appends per throughput run")
    parser.add_argument("--json", help="also write the figures to this file")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cli(*args: str) -> str:
    result = subprocess.run([PYTHON, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout


def _start(args: list[str], ready: str) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTEGRITAS_")}
    process = subprocess.Popen(
        [PYTHON, "-m", "cli", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(ready, timeout=1).status_code < 500:
                return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"{args[0]} did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, 15)
    try:
        process.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)


def _ledger(directory: Path, count: int) -> list[Submission]:
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Bench",
        root_key=key_for("root"),
        log_key=key_for("log"),
        genesis_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    try:
        builder = LedgerBuilder(state=store.state, apply=store.append, origin=ORIGIN)
        builder.admin = builder.register_key("admin", "administrator")
        builder.register_unit("u0")
        registrar = builder.registrars["u0"]
        submissions = []
        for n in range(count):
            number = f"b{n:07d}"
            body = {
                "employee": {"name": f"Pegawai {number}", "number": number},
                "pact_digest": digest("pakta"),
                "signed_on": "2024-01-01",
            }
            submissions.append(
                builder.sign(
                    registrar, "pact.signed", f"pact/u0/{number}", body, at="2024-01-01T08:00:00Z", seq=0, prev=None
                )
            )
    finally:
        store.close()
    return submissions


def _with_witnesses(ledger: Path, witnesses: list[tuple[Path, str]]) -> None:
    arguments: list[str] = []
    for directory, url in witnesses:
        arguments += ["--witness", _cli("witness", "key", str(directory)).strip(), url]
    _cli("witness", "policy", "--ledger", str(ledger), *arguments, "--quorum", "2")


def _latency(url: str, submissions: list[Submission]) -> list[float]:
    samples = []
    with httpx.Client(timeout=10) as client:
        for submission in submissions:
            answer = client.post(
                f"{url}/v1/entries", content=submission.leaf_bytes, headers={"content-type": "application/json"}
            )
            answered = time.perf_counter()
            index = answer.json()["index"]
            deadline = answered + 30
            while time.perf_counter() < deadline:
                cosigned = client.get(f"{url}/v1/log/cosigned")
                if cosigned.status_code == 200:
                    document = cosigned.json()
                    if document["size"] > index and len(document["cosigned_by"]) == 2:
                        break
                time.sleep(0.002)
            else:
                raise RuntimeError(f"entry {index} not cosigned in 30 s")
            samples.append(time.perf_counter() - answered)
    return samples


async def _throughput_async(url: str, submissions: list[Submission]) -> float:
    queue = list(reversed(submissions))
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=8)) as client:

        async def worker() -> None:
            while queue:
                submission = queue.pop()
                answer = await client.post(
                    f"{url}/v1/entries", content=submission.leaf_bytes, headers={"content-type": "application/json"}
                )
                if answer.status_code != 201:
                    raise RuntimeError(answer.text)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(8)))
        return len(submissions) / (time.perf_counter() - started)


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run(args: argparse.Namespace) -> None:
    from bench import machine  # scripts/bench.py

    print(json.dumps(machine()))
    base = Path(tempfile.mkdtemp(prefix="bench-witness-"))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        witnessed, plain = base / "witnessed", base / "plain"
        on = _ledger(witnessed, args.count + args.appends)
        off = _ledger(plain, args.appends)
        log_vkey = json.loads((witnessed / TRUST_FILE).read_text())["verifier_key"]
        witnesses = []
        for name in ("kejari-blora.example/witness", "polres-blora.example/witness"):
            directory = base / name.split(".")[0]
            init_witness(directory, name, [log_vkey])
            port = _free_port()
            processes.append(
                _start(["witness", "serve", str(directory), "--port", str(port)], f"http://127.0.0.1:{port}/")
            )
            witnesses.append((directory, f"http://127.0.0.1:{port}"))
        _with_witnesses(witnessed, witnesses)
        rows: list[dict[str, Any]] = []
        port = _free_port()
        server = _start(["serve", "--ledger", str(witnessed), "--port", str(port)], f"http://127.0.0.1:{port}/v1/log")
        processes.append(server)
        url = f"http://127.0.0.1:{port}"
        samples = _latency(url, on[: args.count])
        rows.append(
            {
                "what": "append to cosigned checkpoint (2 of 2 witnesses)",
                "count": len(samples),
                "p50_ms": round(_percentile(samples, 0.5) * 1000, 1),
                "p99_ms": round(_percentile(samples, 0.99) * 1000, 1),
                "max_ms": round(max(samples) * 1000, 1),
            }
        )
        rate_on = asyncio.run(_throughput_async(url, on[args.count :]))
        _stop(server)
        processes.remove(server)
        port = _free_port()
        server = _start(["serve", "--ledger", str(plain), "--port", str(port)], f"http://127.0.0.1:{port}/v1/log")
        processes.append(server)
        rate_off = asyncio.run(_throughput_async(f"http://127.0.0.1:{port}", off))
        rows.append(
            {"what": "appends/s, 8 connections, witnesses on", "count": args.appends, "per_second": round(rate_on)}
        )
        rows.append(
            {"what": "appends/s, 8 connections, witnesses off", "count": args.appends, "per_second": round(rate_off)}
        )
        for row in rows:
            print(json.dumps(row))
        if args.json:
            Path(args.json).write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    finally:
        for process in processes:
            _stop(process)
        shutil.rmtree(base, ignore_errors=True)
