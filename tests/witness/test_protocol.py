"""tlog-witness add-checkpoint: every status of the spec, cosignatures, the split view, evidence."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from ledger.crypto.cosignature import add_cosignatures, format_cosigner_key, verify_cosignature
from ledger.crypto.keys import private_key_from_seed
from ledger.crypto.note import parse_verifier_key
from ledger.crypto.witness_policy import parse_witness_policy, verify_witness_quorum
from ledger.errors import VerificationFailed
from tests.witness.logs import ORIGIN, FakeLog, fork, log_key
from witness.app import create_witness_app
from witness.config import add_log, init_witness, open_witness
from witness.protocol import AddCheckpoint, format_add_checkpoint, parse_add_checkpoint
from witness.state import Refusal

NAME = "kejari-blora.example/witness"


@pytest.fixture
def log() -> FakeLog:
    log = FakeLog()
    log.grow(10)
    return log


@pytest.fixture
def client(tmp_path: Path, log: FakeLog) -> TestClient:
    init_witness(tmp_path / "w", NAME, [log.vkey])
    return TestClient(create_witness_app(open_witness(tmp_path / "w")))


def _post(client: TestClient, body: bytes):  # type: ignore[no-untyped-def]
    return client.post("/add-checkpoint", content=body)


def test_cosigns_a_first_and_a_consistent_checkpoint(client: TestClient, log: FakeLog, tmp_path: Path) -> None:
    witness = open_witness(tmp_path / "w")
    first = _post(client, log.request(0))
    assert first.status_code == 200, first.text
    assert first.text.startswith("\u2014 " + NAME + " ")
    cosigned = add_cosignatures(log.checkpoint(), first.text)
    assert verify_cosignature(cosigned, witness.key).name == NAME
    log.grow(5)
    second = _post(client, log.request(10))
    assert second.status_code == 200, second.text
    # Same size and root again: cosigned again (the witness's state does not move back).
    again = _post(client, log.request(15))
    assert again.status_code == 200
    assert witness.state.latest(ORIGIN).tree_size == 15
    assert client.get("/checkpoint", params={"origin": ORIGIN}).text.startswith(ORIGIN + "\n15\n")


def test_request_format_round_trip(log: FakeLog) -> None:
    log.grow(3)
    body = log.request(10)
    parsed = parse_add_checkpoint(body)
    assert parsed.old_size == 10 and len(parsed.proof) > 0
    assert format_add_checkpoint(parsed) == body
    assert format_add_checkpoint(AddCheckpoint(0, (), parsed.checkpoint)).startswith(b"old 0\n\n")


def test_wrong_old_size_is_409_with_the_known_size(client: TestClient, log: FakeLog) -> None:
    assert _post(client, log.request(0, 6)).status_code == 200
    answer = _post(client, log.request(0))
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "text/x.tlog.size"
    assert answer.text == "6\n"
    assert _post(client, log.request(6)).status_code == 200


def test_split_view_with_the_real_log_key_is_refused_and_kept(
    client: TestClient, log: FakeLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _post(client, log.request(0)).status_code == 200
    # Same key, same size, a different history after leaf 4: the witness already cosigned size 10.
    other = fork(log, 4, "b")
    other.grow(6)
    same_size = _post(client, other.request(10))
    assert same_size.status_code == 409
    assert same_size.text == "10\n"
    # Larger, inconsistent: the proof cannot verify against the cosigned root.
    other.grow(5)
    bigger = _post(client, other.request(10))
    assert bigger.status_code == 422
    # The honest history still advances.
    log.grow(1)
    assert _post(client, log.request(10)).status_code == 200
    kept = open_witness(tmp_path / "w").state.evidence(ORIGIN)
    assert [e.request for e in kept] == [other.request(10, 10), other.request(10)]
    from cli.main import main

    assert main(["witness", "evidence", str(tmp_path / "w")]) == 0
    printed = capsys.readouterr().out
    assert printed.count("# ") == 2 and other.checkpoint(10) in printed
    # Under a quorum of this witness, the fork's checkpoint fails verification.
    witness = open_witness(tmp_path / "w")
    public = witness.key.public_key.hex()
    policy = parse_witness_policy(f"witness {NAME} {public}\nquorum {NAME}\n")
    with pytest.raises(VerificationFailed) as failed:
        verify_witness_quorum(other.checkpoint(), policy)
    assert failed.value.code == "witness_quorum_not_met"


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        (lambda log: b"old 0\n" + log.checkpoint().encode(), 400),  # no empty line
        (lambda log: log.request(0).replace(b"old 0", b"old 00"), 400),  # leading zero
        (lambda log: log.request(0).replace(b"old 0", b"old 11"), 400),  # old above the size
        (lambda log: b"old 0\n" + b"AAAA\n" + b"\n" + log.checkpoint().encode(), 400),  # short hash
        (lambda log: b"old 0\n\xff\n\n" + log.checkpoint().encode(), 400),  # not UTF-8
        (lambda log: FakeLog(origin="other.example/log").request(0), 404),  # unknown origin
        (lambda log: FakeLog(key=log_key("not the log's key")).request(0), 403),  # another key, same origin
    ],
)
def test_refusals(client: TestClient, log: FakeLog, mutate, status: int) -> None:  # type: ignore[no-untyped-def]
    answer = _post(client, mutate(log))
    assert answer.status_code == status, answer.text
    assert "Traceback" not in answer.text


def test_bad_consistency_proof_is_422(client: TestClient, log: FakeLog) -> None:
    assert _post(client, log.request(0, 4)).status_code == 200
    body = log.request(4)
    parsed = parse_add_checkpoint(body)
    broken = (bytes(32), *parsed.proof[1:])
    assert _post(client, format_add_checkpoint(AddCheckpoint(4, broken, parsed.checkpoint))).status_code == 422
    assert _post(client, log.request(4)).status_code == 200  # the true proof still passes


def test_old_size_zero_needs_an_empty_proof(client: TestClient, log: FakeLog) -> None:
    parsed = parse_add_checkpoint(log.request(0))
    with_proof = format_add_checkpoint(AddCheckpoint(0, (bytes(32),), parsed.checkpoint))
    assert _post(client, with_proof).status_code == 422


def test_state_survives_reopening(tmp_path: Path, log: FakeLog) -> None:
    init_witness(tmp_path / "w", NAME, [log.vkey])
    witness = open_witness(tmp_path / "w")
    witness.add_checkpoint(log.request(0))
    reopened = open_witness(tmp_path / "w")
    with pytest.raises(Refusal) as refused:
        reopened.add_checkpoint(log.request(0))
    assert refused.value.status == 409


def test_init_and_add_log(tmp_path: Path) -> None:
    key = init_witness(tmp_path / "w", NAME, [])
    assert key.name == NAME
    with pytest.raises(Exception):  # noqa: B017 - the directory is taken
        init_witness(tmp_path / "w", NAME, [])
    other = FakeLog(key=private_key_from_seed(hashlib.sha256(b"x").digest()))
    assert add_log(tmp_path / "w", other.vkey) == parse_verifier_key(other.vkey)
    assert ORIGIN in open_witness(tmp_path / "w").logs
    about = TestClient(create_witness_app(open_witness(tmp_path / "w"))).get("/").text
    assert f"key {format_cosigner_key(key)}\n" in about
    assert f"log {other.vkey}\n" in about
