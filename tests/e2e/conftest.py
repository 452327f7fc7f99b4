"""End-to-end fixtures: real `integritas serve` processes (uvicorn) on 127.0.0.1, over SQLite or PostgreSQL.

A `Deployment` is a ledger data directory prepared in-process (genesis, an administrator, an overseer,
unit `u0` with its head and pact registrar), a read token made with `integritas tokens add`, and one
or two running server processes. Everything is bounded: server start, readiness polling, requests,
shutdown.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.crypto.note import VerifierKey, parse_verifier_key
from ledger.rules import legacy_policy_document
from ledger.store.datadir import TRUST_FILE, init_ledger
from tests.builder import LedgerBuilder, key_for

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
ORIGIN = "e2e.integritas.example/log"
START_TIMEOUT = 90.0  # seconds for a server to answer GET /v1/log (over 30 s seen on a loaded machine)
STOP_TIMEOUT = 10.0
CLI_TIMEOUT = 60.0


@dataclass(frozen=True)
class Layout:
    """How a deployment runs: which database, how many workers per server, how many servers."""

    name: str
    postgres: bool
    workers: int
    servers: int


LAYOUTS = [
    Layout("sqlite-1worker", postgres=False, workers=1, servers=1),
    Layout("sqlite-2workers", postgres=False, workers=2, servers=1),
    Layout("postgres-2workers", postgres=True, workers=2, servers=1),
    Layout("postgres-2servers", postgres=True, workers=1, servers=2),
]


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path
    ledger_dir: Path

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")[-limit:]
        except OSError:
            return ""


@dataclass
class Deployment:
    layout: Layout
    ledger_dir: Path
    servers: list[Server]
    token: str
    builder: LedgerBuilder
    verifier_key: VerifierKey
    overseer: Ed25519PrivateKey
    registrar: Ed25519PrivateKey
    unit: str = "u0"
    counter: list[int] = field(default_factory=lambda: [0])

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    @property
    def trust_path(self) -> Path:
        return self.ledger_dir / TRUST_FILE

    def next_number(self) -> str:
        """A fresh employee number: a pact stream no test has used yet."""
        self.counter[0] += 1
        return f"e2e{uuid.uuid4().hex[:8]}{self.counter[0]:05d}"

    def logs(self) -> str:
        return "\n".join(f"--- server {s.url} ---\n{s.log_tail()}" for s in self.servers)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def clean_environment() -> dict[str, str]:
    """The test's environment without INTEGRITAS_* settings that could reach the server's Settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith("INTEGRITAS_")}


def run_cli(*args: str, timeout: float = CLI_TIMEOUT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "cli", *args],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def start_server(ledger_dir: Path, log_dir: Path, *, workers: int, postgres_url: str | None) -> Server:
    port = free_port()
    command = [
        PYTHON,
        "-m",
        "cli",
        "serve",
        "--ledger",
        str(ledger_dir),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    if postgres_url:
        command += ["--postgres", postgres_url]
    log_path = log_dir / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=clean_environment(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: uvicorn's workers are stopped with it
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path, ledger_dir)
    try:
        wait_ready(server)
    except BaseException:
        stop_server(server)
        raise
    return server


def wait_ready(server: Server) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    last_error = ""
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                pytest.fail(f"server {server.url} exited with {server.process.returncode}:\n{server.log_tail()}")
            try:
                response = client.get(f"{server.url}/v1/log")
                if response.status_code == 200:
                    return
                last_error = f"{response.status_code} {response.text[:200]}"
            except httpx.HTTPError as exc:
                last_error = repr(exc)
            time.sleep(0.1)
    pytest.fail(f"server {server.url} not ready after {START_TIMEOUT}s ({last_error}):\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    """SIGTERM to the server's own process group (the CLI, uvicorn's supervisor and its workers)."""
    process = server.process
    group = process.pid  # start_new_session: the group id is the pid of the process we started
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=STOP_TIMEOUT)
    # Whatever of the group is still alive (a worker that ignored SIGTERM) is killed.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_TIMEOUT)


# --- PostgreSQL: one fresh database per deployment (module scope; the logic of tests/conftest.py) ----------


def postgres_server() -> str:
    server = os.environ.get("INTEGRITAS_TEST_POSTGRES")
    if not server:
        message = "no PostgreSQL: run ./scripts/test"
        if os.environ.get("INTEGRITAS_REQUIRE_POSTGRES") == "1":
            pytest.fail(message + " (INTEGRITAS_REQUIRE_POSTGRES=1)", pytrace=False)
        pytest.skip(message)
    return server


def create_database(server: str) -> tuple[str, str]:
    """Create a uniquely named database; return (its name, its postgresql:// URL)."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(server)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    dbname = f"integritas_e2e_{worker}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
    user = quote(str(params.get("user") or ""), safe="")
    password = quote(str(params.get("password") or ""), safe="")
    host, port = params.get("host", "127.0.0.1"), int(str(params.get("port") or 5432))
    return dbname, f"postgresql://{user}:{password}@{host}:{port}/{quote(dbname, safe='')}"


def drop_database(server: str, dbname: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server, autocommit=True, connect_timeout=10) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))


# --- the ledger ---------------------------------------------------------------------------------------------


def prepare_ledger(directory: Path, postgres_url: str | None) -> tuple[LedgerBuilder, dict[str, Ed25519PrivateKey]]:
    """Genesis, an administrator, an overseer and unit u0 (head, registrar), appended in-process."""
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji end-to-end",
        root_key=key_for("root"),
        log_key=key_for("e2e-log"),
        postgres_dsn=postgres_url,
        genesis_at=datetime(2020, 1, 1, tzinfo=UTC),
        policy=legacy_policy_document(),
    )
    try:
        builder = LedgerBuilder(state=store.state, apply=store.append, origin=ORIGIN)
        builder.admin = builder.register_key("admin", "administrator")
        overseer = builder.register_key("kajari", "overseer")
        builder.register_unit("u0")
        registrar = builder.registrars["u0"]
    finally:
        store.close()
    return builder, {"overseer": overseer, "registrar": registrar}


def add_token(ledger_dir: Path) -> str:
    result = run_cli("tokens", "add", "--ledger", str(ledger_dir), "E2E auditor", "--role", "auditor")
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1].strip()


@pytest.fixture(scope="module", params=LAYOUTS, ids=[layout.name for layout in LAYOUTS])
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    layout: Layout = request.param
    base = tmp_path_factory.mktemp(layout.name)
    server_url: str | None = None
    dbname: str | None = None
    postgres_url: str | None = None
    if layout.postgres:
        server_url = postgres_server()
        dbname, postgres_url = create_database(server_url)
    servers: list[Server] = []
    try:
        ledger_dir = base / "ledger"
        builder, keys = prepare_ledger(ledger_dir, postgres_url)
        token = add_token(ledger_dir)
        directories = [ledger_dir]
        for n in range(1, layout.servers):
            # Another host: its own copy of the data directory (config, log key, tokens), same database.
            copy = base / f"ledger-host{n + 1}"
            shutil.copytree(ledger_dir, copy)
            directories.append(copy)
        for directory in directories:
            servers.append(start_server(directory, base, workers=layout.workers, postgres_url=postgres_url))
        trust = json.loads((ledger_dir / TRUST_FILE).read_text(encoding="utf-8"))
        yield Deployment(
            layout=layout,
            ledger_dir=ledger_dir,
            servers=servers,
            token=token,
            builder=builder,
            verifier_key=parse_verifier_key(trust["verifier_key"]),
            overseer=keys["overseer"],
            registrar=keys["registrar"],
        )
    finally:
        for server in servers:
            stop_server(server)
        if server_url and dbname:
            drop_database(server_url, dbname)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """A failing test against a deployment carries its servers' logs: a server that died says why there."""
    report = yield
    deployment = getattr(item, "funcargs", {}).get("deployment")
    if report.failed and isinstance(deployment, Deployment):
        report.sections.append(("server logs", deployment.logs()))
    return report
