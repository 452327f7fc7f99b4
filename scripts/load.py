"""Load generation for `scripts/bench api`: a small keep-alive HTTP/1.1 client on asyncio, and the
"ceiling" app, the least an append can cost on this stack: FastAPI under uvicorn doing one Ed25519
verify and one SQLite insert per request.

The client is deliberately minimal (raw asyncio streams) so that on a 2-core machine the load
generator takes as little CPU from the server as it can; every run is bounded in requests and time.
"""

import asyncio
import base64
import os
import sqlite3
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import Request


@dataclass
class LoadResult:
    requests: int
    seconds: float
    latencies_ms: list[float]
    statuses: dict[int, int]

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0

    def summary(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "rate": round(self.rate, 1),
            "p50_ms": round(self.percentile(0.5), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "mean_ms": round(statistics.fmean(self.latencies_ms), 2) if self.latencies_ms else 0,
            "statuses": self.statuses,
        }


async def _connection(
    host: str, port: int, requests: list[bytes], cursor: list[int], deadline: float, result: LoadResult
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while cursor[0] < len(requests) and time.perf_counter() < deadline:
            request = requests[cursor[0]]
            cursor[0] += 1
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            await reader.readexactly(length)
            result.latencies_ms.append((time.perf_counter() - started) * 1000)
            status = int(status_line.split()[1])
            result.statuses[status] = result.statuses.get(status, 0) + 1
    finally:
        writer.close()


def http_request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def run_load(port: int, requests: Sequence[bytes], *, concurrency: int = 16, max_seconds: float = 15.0) -> LoadResult:
    """Send `requests` over `concurrency` keep-alive connections; stop early after `max_seconds`."""
    result = LoadResult(0, 0.0, [], {})
    cursor = [0]

    async def main() -> None:
        deadline = time.perf_counter() + max_seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_connection("127.0.0.1", port, list(requests), cursor, deadline, result) for _ in range(concurrency))
        )
        result.seconds = time.perf_counter() - started

    asyncio.run(main())
    result.requests = len(result.latencies_ms)
    return result


def ceiling_app() -> Any:
    """The ceiling: one Ed25519 verify and one insert per POST: SQLite (WAL, synchronous FULL) in
    CEILING_DB, or, with CEILING_POSTGRES (a DSN), one autocommitted PostgreSQL insert."""
    # (No `from __future__ import annotations` in this module: FastAPI must see `Request` itself.)
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(os.environ["CEILING_KEY"]))
    if os.environ.get("CEILING_POSTGRES"):
        import psycopg

        connection: Any = psycopg.connect(os.environ["CEILING_POSTGRES"], autocommit=True)
        connection.execute("CREATE TABLE IF NOT EXISTS leaves (id BIGSERIAL PRIMARY KEY, leaf BYTEA)")
        insert = "INSERT INTO leaves (leaf) VALUES (%s)"
    else:
        connection = sqlite3.connect(os.environ["CEILING_DB"], check_same_thread=False, isolation_level=None)
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("CREATE TABLE IF NOT EXISTS leaves (id INTEGER PRIMARY KEY, leaf BLOB)")
        insert = "INSERT INTO leaves (leaf) VALUES (?)"
    app = FastAPI()

    @app.post("/append")
    async def append(request: Request) -> JSONResponse:
        body = await request.body()
        signature, message = body[:64], body[64:]
        public.verify(signature, message)
        connection.execute(insert, (message,))
        return JSONResponse({"ok": True}, status_code=201)

    @app.get("/get")
    async def get() -> JSONResponse:
        return JSONResponse({"ok": True})

    return app


def wait_until_up(port: int, timeout: float = 60.0, path: str = "/") -> None:
    import urllib.error
    import urllib.request

    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server on port {port} did not come up")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


Maker = Callable[[], bytes]
