"""Witnesses end to end: the real server (uvicorn, two workers) submits to real witnesses.

- cosigned checkpoints arrive without holding back appends, and a receipt upgrades to a cosigned
  tlog-proof that `integritas verify-record` accepts under the quorum;
- a witness that is down never blocks appends;
- `integritas verify URL` passes under the quorum, and fails with witness_quorum_not_met (naming
  who cosigned) when the policy asks for a witness that never cosigned;
- a split view signed with the real log key gets no cosignature and fails verification.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ledger.crypto.checkpoint import Checkpoint, parse_checkpoint, sign_checkpoint
from ledger.crypto.note import parse_note
from ledger.entry import Submission
from ledger.store.datadir import TRUST_FILE
from tests.builder import digest, key_for
from tests.e2e.conftest import add_token, prepare_ledger, run_cli, start_server, stop_server
from tests.witness.servers import free_port, serving
from witness.app import create_witness_app
from witness.config import init_witness, open_witness

KEJARI = "kejaksaan-negeri.example/witness"
POLRES = "polres.example/witness"
DOWN = "inspektorat.example/witness"


def _pact(builder, registrar, at: str) -> Submission:  # type: ignore[no-untyped-def]
    number = f"w{uuid.uuid4().hex[:10]}"
    body = {
        "employee": {"name": f"Pegawai {number}", "number": number},
        "pact_digest": digest("pakta"),
        "signed_on": at[:10],
    }
    return builder.sign(registrar, "pact.signed", f"pact/u0/{number}", body, at=at, seq=0, prev=None)


@pytest.fixture(scope="module")
def witnessed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:  # type: ignore[type-arg]
    base = tmp_path_factory.mktemp("witnessed")
    ledger = base / "ledger"
    builder, keys = prepare_ledger(ledger, None)
    token = add_token(ledger)
    log_vkey = json.loads((ledger / TRUST_FILE).read_text())["verifier_key"]
    vkeys = {}
    for name in (KEJARI, POLRES, DOWN):
        vkeys[name] = init_witness(base / name.split(".")[0], name, [log_vkey])
    down_url = f"http://127.0.0.1:{free_port()}"  # nothing listens: this witness is down throughout
    with (
        serving(create_witness_app(open_witness(base / "kejaksaan-negeri"))) as kejari,
        serving(create_witness_app(open_witness(base / "polres"))) as polres,
    ):
        from ledger.crypto.cosignature import format_cosigner_key

        urls = {KEJARI: kejari, POLRES: polres, DOWN: down_url}
        arguments = []
        for name in (KEJARI, POLRES, DOWN):
            arguments += ["--witness", format_cosigner_key(vkeys[name]), urls[name]]
        result = run_cli("witness", "policy", "--ledger", str(ledger), *arguments, "--quorum", "1")
        assert result.returncode == 0, result.stderr
        server = start_server(ledger, base, workers=2, postgres_url=None)
        try:
            yield {
                "base": base,
                "ledger": ledger,
                "url": server.url,
                "builder": builder,
                "keys": keys,
                "token": token,
                "vkeys": vkeys,
                "server": server,
            }
        finally:
            stop_server(server)


def _trust(witnessed: dict, policy_quorum: str | None = None) -> Path:  # type: ignore[type-arg]
    trust = json.loads((witnessed["ledger"] / TRUST_FILE).read_text())
    policy = (witnessed["ledger"] / "witness-policy").read_text()
    if policy_quorum is not None:
        policy = policy.replace("quorum witnesses", f"quorum {policy_quorum}")
    trust["witness_policy"] = policy
    path = witnessed["base"] / f"trust-{(policy_quorum or 'default').replace('/', '_')}.json"
    path.write_text(json.dumps(trust))
    return path


def _wait_cosigned(url: str, index: int, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = httpx.get(f"{url}/v1/entries/{index}/proof", params={"cosigned": "true"}, timeout=5)
        if answer.status_code == 200:
            return answer.text
        assert answer.status_code == 404 and answer.json()["code"] == "not_cosigned_yet", answer.text
        assert answer.headers["retry-after"] == "1"
        time.sleep(0.05)
    pytest.fail(f"no cosigned checkpoint holds leaf {index} after {timeout}s")


def test_appends_are_cosigned_and_a_witness_down_blocks_nothing(witnessed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    url, builder, registrar = witnessed["url"], witnessed["builder"], witnessed["keys"]["registrar"]
    started = time.monotonic()
    receipts = []
    with httpx.Client(timeout=10) as client:
        for n in range(20):
            submission = _pact(builder, registrar, f"2024-01-{n + 1:02d}T08:00:00Z")
            answer = client.post(
                f"{url}/v1/entries", content=submission.leaf_bytes, headers={"content-type": "application/json"}
            )
            assert answer.status_code == 201, answer.text
            receipts.append((answer.json(), submission))
    # Twenty appends while one witness refuses every connection: none waited for it.
    assert time.monotonic() - started < 10
    last, submission = receipts[-1]
    bundle = _wait_cosigned(url, last["index"])
    (tmp_path / "record.tlog-proof").write_text(bundle)
    (tmp_path / "leaf.json").write_bytes(submission.leaf_bytes)
    result = run_cli(
        "verify-record",
        str(tmp_path / "record.tlog-proof"),
        str(tmp_path / "leaf.json"),
        "--trust",
        str(_trust(witnessed)),
    )
    assert result.returncode == 0, result.stderr
    assert "cosigned by" in result.stdout
    # The cosigned checkpoint is public and names who cosigned it; the dead witness is not among them.
    cosigned = httpx.get(f"{url}/v1/log/cosigned").json()
    assert set(cosigned["cosigned_by"]) <= {KEJARI, POLRES} and cosigned["cosigned_by"]
    # The same upgraded bundle fails when the policy requires the witness that is down.
    strict = _trust(witnessed, DOWN)
    failed = run_cli(
        "verify-record", str(tmp_path / "record.tlog-proof"), str(tmp_path / "leaf.json"), "--trust", str(strict)
    )
    assert failed.returncode == 1
    assert "witness_quorum_not_met" in failed.stderr and "cosigned by" in failed.stderr


def test_verify_url_under_the_quorum(witnessed: dict) -> None:  # type: ignore[type-arg]
    url, token = witnessed["url"], witnessed["token"]
    _wait_cosigned(url, 0)
    ok = run_cli("verify", url, "--trust", str(_trust(witnessed)), "--token", token, "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["ok"] and report["cosigned_by"]
    # The served checkpoint carries cosignature lines; a verifier without a policy ignores them.
    plain = json.loads((witnessed["ledger"] / TRUST_FILE).read_text())
    plain_path = witnessed["base"] / "trust-plain.json"
    plain_path.write_text(json.dumps({k: v for k, v in plain.items() if k != "witness_policy"}))
    assert run_cli("verify", url, "--trust", str(plain_path), "--token", token).returncode == 0
    failed = run_cli("verify", url, "--trust", str(_trust(witnessed, DOWN)), "--token", token, "--json")
    assert failed.returncode == 1
    failures = json.loads(failed.stdout)["failures"]
    assert [f["code"] for f in failures] == ["witness_quorum_not_met"]
    assert failures[0]["evidence"]["cosigned_by"]


def test_a_split_view_gets_no_cosignature_and_fails_verify(witnessed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    url = witnessed["url"]
    served = httpx.get(f"{url}/tlog/checkpoint").text
    size = parse_checkpoint(parse_note(served).text).tree_size
    # The operator re-signs another tree of the same size with the real log key.
    forged = sign_checkpoint(Checkpoint(parse_note(served).text.split("\n")[0], size, bytes(32)), key_for("e2e-log"))
    answer = httpx.post(
        f"{_witness_url(witnessed, KEJARI)}/add-checkpoint",
        content=f"old {size}\n\n{forged}".encode(),
    )
    assert answer.status_code == 409
    assert answer.headers["content-type"] == "text/x.tlog.size"
    # Without a cosignature, the forged checkpoint cannot meet the quorum.
    from ledger.crypto.witness_policy import parse_witness_policy, verify_witness_quorum
    from ledger.errors import VerificationFailed

    policy = parse_witness_policy((witnessed["ledger"] / "witness-policy").read_text())
    with pytest.raises(VerificationFailed) as failed:
        verify_witness_quorum(forged, policy)
    assert failed.value.code == "witness_quorum_not_met"
    assert open_witness(witnessed["base"] / "kejaksaan-negeri").state.evidence()[-1].request.endswith(forged.encode())


def _witness_url(witnessed: dict, name: str) -> str:  # type: ignore[type-arg]
    for line in (witnessed["ledger"] / "witness-policy").read_text().splitlines():
        parts = line.split()
        if parts[:2] == ["witness", name]:
            return parts[3]
    raise AssertionError(name)


def test_the_policy_names_real_cosigner_keys(witnessed: dict) -> None:  # type: ignore[type-arg]
    text = (witnessed["ledger"] / "witness-policy").read_text()
    for name, key in witnessed["vkeys"].items():
        assert f"witness {name} {key.public_key.hex()} " in text


def test_pages_show_who_cosigned(witnessed: dict) -> None:  # type: ignore[type-arg]
    url = witnessed["url"]
    _wait_cosigned(url, 0)
    page = httpx.get(f"{url}/log", params={"lang": "en"}).text
    assert 'id="cosigned-by"' in page
    cosigned_by = httpx.get(f"{url}/v1/log/cosigned").json()["cosigned_by"]
    for name in cosigned_by:
        assert f"<code>{name}</code>" in page
    assert (
        httpx.get(f"{url}/log/trust.json").json()["witness_policy"]
        == (witnessed["ledger"] / "witness-policy").read_text()
    )
    # The quorum reads in the page's language: "1 of (...)" in English, "1 dari (...)" in Indonesian.
    assert "<code>1 of (" in page and "<code>1 dari (" not in page
    indonesian = httpx.get(f"{url}/log", params={"lang": "id"}).text
    assert "<code>1 dari (" in indonesian and "<code>1 of (" not in indonesian


def test_monitor_follows_the_witnessed_log(witnessed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    import feedparser

    url, token = witnessed["url"], witnessed["token"]
    _wait_cosigned(url, 0)
    arguments = [
        "monitor",
        url,
        "--trust",
        str(_trust(witnessed)),
        "--state",
        str(tmp_path / "m.json"),
        "--feed",
        str(tmp_path / "m.atom"),
        "--token",
        token,
        "--unit",
        "u0",
        "--once",
    ]
    first = run_cli(*arguments)
    assert first.returncode == 0, first.stdout + first.stderr
    assert first.stdout.startswith("monitor started at tree size")
    submission = _pact(witnessed["builder"], witnessed["keys"]["registrar"], "2024-02-01T08:00:00Z")
    answer = httpx.post(
        f"{url}/v1/entries", content=submission.leaf_bytes, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 201
    index = answer.json()["index"]
    _wait_cosigned(url, index)
    second = run_cli(*arguments)
    assert second.returncode == 0, second.stdout + second.stderr
    assert f"#{index} pact.signed pact/u0/" in second.stdout
    feed = feedparser.parse(str(tmp_path / "m.atom"))
    assert feed.bozo == 0 and feed.entries[0].title.startswith(f"#{index} pact.signed")


def test_the_http_export_carries_the_policy_and_the_cosigned_checkpoint(witnessed: dict, tmp_path: Path) -> None:  # type: ignore[type-arg]
    # GET /v1/export holds what `integritas export` holds: the cosigned checkpoint and the witness
    # policy in trust.json, so the archive verifies under the quorum with its own trust.json alone.
    import io
    import tarfile

    url, token = witnessed["url"], witnessed["token"]
    _wait_cosigned(url, 0)
    answer = httpx.get(f"{url}/v1/export", headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert answer.status_code == 200, answer.text
    out = tmp_path / "export"
    with tarfile.open(fileobj=io.BytesIO(answer.content), mode="r:gz") as archive:
        archive.extractall(out, filter="data")
    trust = json.loads((out / "trust.json").read_text())
    assert trust["witness_policy"] == (witnessed["ledger"] / "witness-policy").read_text()
    assert (
        "\n\u2014 " + KEJARI in (out / "checkpoint").read_text()
        or "\n\u2014 " + POLRES in (out / "checkpoint").read_text()
    )
    ok = run_cli("verify", str(out), "--trust", str(out / "trust.json"), "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["cosigned_by"]
    # Its negative twin: the same archive held to a witness that never cosigned fails by name.
    failed = run_cli("verify", str(out), "--trust", str(_trust(witnessed, DOWN)), "--json")
    assert failed.returncode == 1
    assert [f["code"] for f in json.loads(failed.stdout)["failures"]] == ["witness_quorum_not_met"]


def test_healthz_reports_each_witness_lag(witnessed: dict) -> None:  # type: ignore[type-arg]
    # /healthz (and the integritas_witness_lag_entries gauge) know each witness's cosigned size: the
    # two running witnesses catch up to the log; the one that is down lags it, so the ledger's health
    # says a witness is not current (worth paging someone) although the quorum of one is met.
    url = witnessed["url"]
    deadline = time.monotonic() + 20
    health: dict = {}  # type: ignore[type-arg]
    while time.monotonic() < deadline:
        health = httpx.get(f"{url}/healthz", timeout=5).json()
        lag = health["witness_lag"]
        if lag.get(KEJARI) == 0 and lag.get(POLRES) == 0:
            break
        time.sleep(0.1)
    assert health["witness_lag"][KEJARI] == 0 and health["witness_lag"][POLRES] == 0, health
    assert health["witness_lag"][DOWN] == health["log_entries"] > 0
    assert health["witnesses_current"] is False
    assert "a witness has not cosigned the latest checkpoint" in health["reasons"]
