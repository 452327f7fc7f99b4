"""Regression test of an outside attack's finding: every request body is read with a bound, and 413 comes as
soon as it is crossed (issue 10, item 1)."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.api_builder import new_ledger
from tests.e2e.conftest import PYTHON, ROOT, Server, clean_environment, free_port, stop_server, wait_ready

FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_token_form_over_the_limit_is_413_through_create_app(client: TestClient) -> None:
    response = client.post("/token", content=b"token=" + b"0" * 10_000, headers=FORM)
    assert response.status_code == 413
    assert "text/html" in response.headers["content-type"]


def test_token_form_streamed_without_length_is_413_through_create_app(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b"token="
        for _ in range(100):
            yield b"0" * 1000

    response = client.post("/token", content=chunks(), headers=FORM)
    assert response.status_code == 413


@pytest.fixture
def served_ledger(tmp_path: Path) -> Iterator[Server]:
    """`integritas serve` (real uvicorn) over a fresh ledger."""
    ledger = new_ledger(tmp_path / "ledger")
    port = free_port()
    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            [PYTHON, "-m", "cli", "serve", "--ledger", str(ledger), "--port", str(port)],
            cwd=ROOT,
            env=clean_environment(),
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path, ledger)
    try:
        wait_ready(server)
        yield server
    finally:
        stop_server(server)


def _answer_while_streaming(port: int, path: str, media_type: str, total: int) -> tuple[bytes, int]:
    """Send a chunked body of `total` bytes, reading as we go; return the answer and how much was sent
    before it arrived (the server must answer before the client has finished)."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {media_type}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        connection.setblocking(False)
        chunk = b"%x\r\n%s\r\n" % (65536, b"0" * 65536)
        answer = b""
        deadline = time.monotonic() + 30
        while sent < total and time.monotonic() < deadline:
            with contextlib.suppress(BlockingIOError):
                answer += connection.recv(65536)
            if answer:
                break
            try:
                connection.send(chunk)
                sent += 65536
            except BlockingIOError:
                time.sleep(0.01)
            except OSError:  # the server closed the connection after answering
                break
        connection.setblocking(True)
        connection.settimeout(10)
        while b"\r\n\r\n" not in answer:
            more = connection.recv(65536)
            if not more:
                break
            answer += more
    return answer, sent


@pytest.mark.parametrize(
    ("path", "media_type"),
    [("/token", "application/x-www-form-urlencoded"), ("/v1/entries", "application/json")],
)
def test_a_chunked_body_over_the_limit_is_413_before_the_client_finished_sending(
    served_ledger: Server, path: str, media_type: str
) -> None:
    port = int(served_ledger.url.rsplit(":", 1)[1])
    total = 400 * 1024 * 1024  # the attack's 400 MB; the answer must come long before
    answer, sent = _answer_while_streaming(port, path, media_type, total)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert sent < 64 * 1024 * 1024, f"the server read {sent} bytes before answering"
