"""The log side: checkpoints reach every witness, cosignatures are gathered, a dead witness blocks nothing."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from ledger.crypto.cosignature import verify_cosignature
from ledger.crypto.witness_policy import parse_witness_policy, verify_witness_quorum
from ledger.errors import VerificationFailed
from tests.witness.logs import FakeLog, fork
from tests.witness.servers import free_port, serving
from witness.app import create_witness_app
from witness.config import init_witness, open_witness
from witness.submitter import CosignedCheckpointFile, WitnessEndpoint, WitnessSubmitter


def _until(condition, timeout: float = 10.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


class _Log:
    """A FakeLog behind a lock, as a server's store is."""

    def __init__(self) -> None:
        self.log = FakeLog()
        self.lock = threading.Lock()
        self.note: str | None = None

    def append(self, count: int = 1) -> None:
        with self.lock:
            self.log.grow(count)
            self.note = self.log.checkpoint()

    def latest(self) -> str | None:
        with self.lock:
            return self.note

    def proof(self, old: int, new: int) -> list[bytes]:
        with self.lock:
            return self.log.tree.consistency_proof(old, new)


def test_two_witnesses_cosign_and_one_down_blocks_nothing(tmp_path: Path) -> None:
    log = _Log()
    keys = []
    for name in ("kejari.example/w", "polres.example/w"):
        keys.append(init_witness(tmp_path / name.split(".")[0], name, [log.log.vkey]))
    dead_port = free_port()  # nothing listens here: the third witness is down
    with (
        serving(create_witness_app(open_witness(tmp_path / "kejari"))) as kejari,
        serving(create_witness_app(open_witness(tmp_path / "polres"))) as polres,
    ):
        endpoints = [WitnessEndpoint(keys[0], kejari), WitnessEndpoint(keys[1], polres)]
        down = init_witness(tmp_path / "down", "down.example/w", [log.log.vkey])
        endpoints.append(WitnessEndpoint(down, f"http://127.0.0.1:{dead_port}"))
        published = CosignedCheckpointFile(tmp_path / "cosigned")
        submitter = WitnessSubmitter(endpoints, log.latest, log.proof, published=published, poll_interval=0.05)
        submitter.start()
        try:
            started = time.monotonic()
            for _ in range(20):
                log.append(3)
                submitter.notify()
            # Appends never waited for a witness, even with one down.
            assert time.monotonic() - started < 2.0
            policy = parse_witness_policy(
                f"witness kejari.example/w {keys[0].public_key.hex()}\n"
                f"witness polres.example/w {keys[1].public_key.hex()}\n"
                f"witness down.example/w {down.public_key.hex()}\n"
                "group both all kejari.example/w polres.example/w\nquorum both\n"
            )

            def cosigned_at_60() -> bool:
                note = submitter.cosigned()
                if note is None or "\n60\n" not in note:
                    return False
                try:
                    return set(verify_witness_quorum(note, policy)) == {"kejari.example/w", "polres.example/w"}
                except VerificationFailed:
                    return False  # one witness has answered, the other not yet

            assert _until(cosigned_at_60), submitter.cosigned()
            assert _until(lambda: published.read() == submitter.cosigned())  # the file follows the memory
            assert "down.example/w" in submitter.errors
            for key in keys:
                verify_cosignature(published.read() or "", key)
        finally:
            submitter.stop()


def test_a_restarted_submitter_learns_the_witness_size_from_409(tmp_path: Path) -> None:
    log = _Log()
    key = init_witness(tmp_path / "w", "kejari.example/w", [log.log.vkey])
    with serving(create_witness_app(open_witness(tmp_path / "w"))) as url:
        log.append(5)
        first = WitnessSubmitter([WitnessEndpoint(key, url)], log.latest, log.proof, poll_interval=0.05)
        first.start()
        assert _until(lambda: first.cosigned() is not None)
        first.stop()
        log.append(5)
        # A new submitter starts from old size 0, gets 409 "5", then sends a proof from 5.
        second = WitnessSubmitter([WitnessEndpoint(key, url)], log.latest, log.proof, poll_interval=0.05)
        second.start()
        try:
            assert _until(lambda: "\n10\n" in (second.cosigned() or ""))
        finally:
            second.stop()


def test_a_split_view_gets_no_cosignature(tmp_path: Path) -> None:
    honest = _Log()
    honest.append(8)
    key = init_witness(tmp_path / "w", "kejari.example/w", [honest.log.vkey])
    with serving(create_witness_app(open_witness(tmp_path / "w"))) as url:
        submitter = WitnessSubmitter([WitnessEndpoint(key, url)], honest.latest, honest.proof, poll_interval=0.05)
        submitter.start()
        assert _until(lambda: submitter.cosigned() is not None)
        submitter.stop()
        # The same log key signs a different history of the same and of a larger size.
        split = _Log()
        split.log = fork(honest.log, 3, "b")
        split.append(7)
        liar = WitnessSubmitter([WitnessEndpoint(key, url)], split.latest, split.proof, poll_interval=0.05)
        liar.start()
        try:
            assert _until(lambda: "kejari.example/w" in liar.errors)
            assert liar.cosigned() is None
        finally:
            liar.stop()
        assert len(open_witness(tmp_path / "w").state.evidence()) >= 1
