"""A witness killed with SIGKILL during add-checkpoint never cosigns two inconsistent trees.

Two clients hold the real log key and two histories that share their first leaves (a split view),
and race to have the witness cosign their trees, while the witness process (the real
``integritas witness serve``, uvicorn) is killed with SIGKILL at random moments and restarted.
Every cosignature the clients ever received must then form one chain: one history past the fork,
sizes never going back, and the witness's state after the last restart at the largest of them.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx
import pytest

from ledger.crypto.checkpoint import parse_checkpoint
from ledger.crypto.cosignature import add_cosignatures, verify_cosignature
from ledger.crypto.note import parse_note
from tests.e2e.conftest import PYTHON, ROOT
from tests.witness.logs import ORIGIN, FakeLog, fork
from tests.witness.servers import free_port
from witness.config import init_witness, open_witness

FORK_AT = 5
KILLS = 6


def _start(directory: Path, port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [PYTHON, "-m", "cli", "witness", "serve", str(directory), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("witness did not start")


@pytest.mark.slow
def test_sigkill_during_add_checkpoint_never_splits(tmp_path: Path) -> None:
    honest = FakeLog("a")
    honest.grow(FORK_AT)
    liar = fork(honest, FORK_AT, "b")
    honest.grow(400)
    liar.grow(400 - 0)
    key = init_witness(tmp_path / "w", "kejari.example/w", [honest.vkey])
    port = free_port()
    url = f"http://127.0.0.1:{port}/add-checkpoint"
    cosigned: list[tuple[str, int, str]] = []  # (history, size, cosigned note)
    stop = threading.Event()

    def client(log: FakeLog, name: str) -> None:
        rng = random.Random(name)
        known = 0
        with httpx.Client(timeout=5) as http:
            while not stop.is_set() and known < log.tree.size:
                size = min(log.tree.size, known + rng.randint(0, 3))
                try:
                    answer = http.post(url, content=log.request(known, size))
                except httpx.TransportError:
                    time.sleep(0.02)  # the witness is down: the same request again
                    continue
                if answer.status_code == 200:
                    cosigned.append((name, size, add_cosignatures(log.checkpoint(size), answer.text)))
                    known = size
                elif answer.status_code == 409:
                    known = int(answer.text)  # the size the witness knows: go on from there
                    if known > log.tree.size or rng.random() < 0.5:
                        known = rng.randint(0, min(known, log.tree.size))  # or try to rewind it
                else:
                    time.sleep(0.01)  # 422: this history is inconsistent with what was cosigned

    process = _start(tmp_path / "w", port)
    threads = [threading.Thread(target=client, args=(log, name)) for log, name in ((honest, "a"), (liar, "b"))]
    try:
        for thread in threads:
            thread.start()
        rng = random.Random(12)
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.05, 0.4))
            os.kill(process.pid, signal.SIGKILL)  # mid-request, most likely: the clients never pause
            process.wait(10)
            process = _start(tmp_path / "w", port)
        time.sleep(0.5)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
        process.kill()
        process.wait(10)

    assert len(cosigned) > 10, "too few cosignatures to mean anything"
    past_fork = {name for name, size, _ in cosigned if size > FORK_AT}
    assert len(past_fork) == 1, f"the witness cosigned both histories past the fork: {past_fork}"
    for _, size, note in cosigned:
        verify_cosignature(note, key)
        assert parse_checkpoint(parse_note(note).text).tree_size == size
    winner = [size for name, size, _ in cosigned if name in past_fork]
    assert winner == sorted(winner), "a client of one history saw its cosigned size go back"
    state = open_witness(tmp_path / "w").state.latest(ORIGIN)
    assert state.tree_size >= max(size for _, size, _ in cosigned)
