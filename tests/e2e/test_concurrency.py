"""Concurrent writers against real server processes (DESIGN §3, §8, §9).

Each scenario runs on four deployments (tests/e2e/conftest.py): SQLite with one uvicorn worker,
SQLite with two workers, PostgreSQL with two workers, and two separate server processes (two
"hosts", each with its own copy of the data directory) sharing one PostgreSQL database. Requests
are sent at once with httpx on asyncio, spread over every server of the deployment.

- same stream, same seq/prev, different entries: exactly one 201 per seq, every other answer 409
  with the current head (the winner) in the problem document;
- different streams: all 201, leaf indices dense and unique, tree size = accepted entries;
- the same submission many times at once: one 201, every other answer 200 with the same receipt;
- all of it at once; and afterwards `integritas verify URL` passes against every server, whose
  sizes and checkpoints agree.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from ledger.crypto.checkpoint import verify_checkpoint
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.crypto.merkle import verify_inclusion
from ledger.entry import Submission
from tests.builder import digest
from tests.e2e.conftest import Deployment, run_cli

pytestmark = [pytest.mark.slow]

REQUEST_TIMEOUT = 60.0  # per request; the whole batch is bounded by BATCH_TIMEOUT
BATCH_TIMEOUT = 90.0
SETTLE_TIMEOUT = 10.0  # for servers to agree on size and checkpoint
REFRESH_LAG = 0.25  # more than LedgerStore.refresh's max_age (0.1 s)
ROUNDS, WRITERS = 4, 12  # same stream: 48 submissions
DISTINCT = 48  # different streams
DUPLICATED, COPIES = 4, 10  # duplicates: 40 requests
PROBLEM = "application/problem+json"


# --- helpers ---------------------------------------------------------------------------------------------


async def _post_all(targets: Sequence[tuple[str, Submission]]) -> list[httpx.Response]:
    limits = httpx.Limits(max_connections=len(targets) + 4, max_keepalive_connections=len(targets) + 4)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT, limits=limits) as client:
        requests = [
            client.post(f"{url}/v1/entries", content=s.leaf_bytes, headers={"content-type": "application/json"})
            for url, s in targets
        ]
        return list(await asyncio.wait_for(asyncio.gather(*requests), BATCH_TIMEOUT))


def post_concurrently(deployment: Deployment, submissions: Sequence[Submission]) -> list[httpx.Response]:
    """POST every submission at once, spread round-robin over the deployment's servers."""
    urls = deployment.urls
    targets = [(urls[n % len(urls)], s) for n, s in enumerate(submissions)]
    return asyncio.run(_post_all(targets))


def get_json(url: str, path: str, token: str | None = None, client: httpx.Client | None = None) -> Any:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    if client is None:
        response = httpx.get(f"{url}{path}", headers=headers, timeout=REQUEST_TIMEOUT)
    else:
        response = client.get(f"{url}{path}", headers=headers)
    assert response.status_code == 200, f"GET {path}: {describe(response)}"
    return response.json()


def log_info(url: str, client: httpx.Client | None = None) -> dict[str, Any]:
    info: dict[str, Any] = get_json(url, "/v1/log", client=client)
    return info


def settled_log(deployment: Deployment) -> dict[str, Any]:
    """GET /v1/log from every server until they all give the same size and checkpoint, twice running.

    A server answers "the latest" from what it knows, catching up with the other processes at most
    every REFRESH_LAG seconds (LedgerStore.refresh); waiting that long first makes every answer current.
    """
    time.sleep(REFRESH_LAG)
    deadline = time.monotonic() + SETTLE_TIMEOUT
    previous: tuple[int, str] | None = None
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        while True:
            # Several reads per URL: with several uvicorn workers each read may reach another one.
            infos = [log_info(url, client) for url in deployment.urls for _ in range(3)]
            state = (infos[0]["size"], infos[0]["checkpoint"])
            agree = all((i["size"], i["checkpoint"]) == state for i in infos)
            if agree and state == previous:
                return infos[0]
            previous = state if agree else None
            if time.monotonic() > deadline:
                seen = [(i["size"], i["checkpoint"]) for i in infos]
                pytest.fail(f"servers disagree after {SETTLE_TIMEOUT}s: {seen}")
            time.sleep(REFRESH_LAG)


def describe(response: httpx.Response) -> str:
    return f"{response.status_code} {response.headers.get('content-type')} {response.text[:600]}"


def check_receipt(deployment: Deployment, submission: Submission, receipt: dict[str, Any]) -> None:
    """The receipt names the submission's leaf, and its proof reaches the signed checkpoint."""
    assert receipt["leaf_hash"] == encode_base64(submission.leaf_hash)
    checkpoint = verify_checkpoint(receipt["checkpoint"], deployment.verifier_key)
    assert checkpoint.tree_size == receipt["tree_size"]
    assert 0 <= receipt["index"] < receipt["tree_size"]
    proof = [decode_base64(node) for node in receipt["inclusion_proof"]]
    verify_inclusion(submission.leaf_hash, receipt["index"], receipt["tree_size"], proof, checkpoint.root_hash)


def note(deployment: Deployment, text: str, *, seq: int, prev: str | None, at: str) -> Submission:
    body = {"office": "district_prosecutor", "topic": "finding", "text": text}
    stream = f"oversight/{deployment.unit}"
    return deployment.builder.sign(deployment.overseer, "oversight.noted", stream, body, at=at, seq=seq, prev=prev)


def pact(deployment: Deployment, at: str) -> Submission:
    """pact.signed on a fresh stream pact/u0/<number>: seq 0, prev null."""
    number = deployment.next_number()
    body = {
        "employee": {"name": f"Pegawai {number}", "number": number},
        "pact_digest": digest("pakta integritas"),
        "signed_on": at[:10],
    }
    stream = f"pact/{deployment.unit}/{number}"
    return deployment.builder.sign(deployment.registrar, "pact.signed", stream, body, at=at, seq=0, prev=None)


def stream_head(deployment: Deployment, stream: str) -> tuple[int, str | None]:
    """(seq, leaf hash) to sign the next entry of `stream` on: (0, None) for an empty stream."""
    document = get_json(deployment.urls[0], f"/v1/streams/{stream}", deployment.token)
    head = document["head"]
    return (0, None) if head is None else (head["seq"] + 1, head["leaf_hash"])


def statuses(responses: Sequence[httpx.Response]) -> Counter[int]:
    return Counter(r.status_code for r in responses)


def assert_only(responses: Sequence[httpx.Response], allowed: set[int], deployment: Deployment) -> None:
    unexpected = [describe(r) for r in responses if r.status_code not in allowed]
    assert not unexpected, f"unexpected answers {unexpected[:5]}\n{deployment.logs()}"


def race_same_stream(deployment: Deployment, seq: int, prev: str | None, tag: str) -> tuple[Submission, dict[str, Any]]:
    """WRITERS different notes signed at the same seq/prev, posted at once; the winner and its receipt."""
    at = deployment.builder.tick()
    submissions = [note(deployment, f"{tag} writer {n}", seq=seq, prev=prev, at=at) for n in range(WRITERS)]
    responses = post_concurrently(deployment, submissions)
    assert_only(responses, {201, 409}, deployment)
    winners = [(s, r) for s, r in zip(submissions, responses, strict=True) if r.status_code == 201]
    assert len(winners) == 1, f"seq {seq}: {statuses(responses)} (exactly one 201 expected)"
    winner, answer = winners[0]
    receipt = answer.json()
    check_receipt(deployment, winner, receipt)
    stream = f"oversight/{deployment.unit}"
    for response in responses:
        if response.status_code != 409:
            continue
        assert response.headers["content-type"].startswith(PROBLEM), describe(response)
        problem = response.json()
        assert problem["code"] == "stale_head", problem
        assert problem["status"] == 409, problem
        assert problem["stream"] == stream, problem
        assert problem["head"] == {"seq": seq, "leaf_hash": receipt["leaf_hash"]}, problem
    return winner, receipt


# --- scenarios ---------------------------------------------------------------------------------------------


def test_same_stream_one_winner_per_seq(deployment: Deployment) -> None:
    stream = f"oversight/{deployment.unit}"
    seq, prev = stream_head(deployment, stream)
    first_seq = seq
    winners: list[tuple[Submission, dict[str, Any]]] = []
    for round_number in range(ROUNDS):
        winner, receipt = race_same_stream(deployment, seq, prev, f"same-stream round {round_number}")
        winners.append((winner, receipt))
        seq, prev = seq + 1, receipt["leaf_hash"]

    # The stream holds exactly the winners, one per seq, in order; no loser was stored.
    document = get_json(deployment.urls[-1], f"/v1/streams/{stream}", deployment.token)
    assert document["head"] == {"seq": first_seq + ROUNDS - 1, "leaf_hash": winners[-1][1]["leaf_hash"]}
    tail = document["entries"][first_seq:]
    assert [e["entry"]["seq"] for e in tail] == list(range(first_seq, first_seq + ROUNDS))
    assert [e["leaf_hash"] for e in tail] == [r["leaf_hash"] for _, r in winners]
    assert [e["index"] for e in tail] == [r["index"] for _, r in winners]
    assert len(document["entries"]) == first_seq + ROUNDS


def test_distinct_streams_all_accepted_with_dense_indices(deployment: Deployment) -> None:
    before = settled_log(deployment)["size"]
    at = deployment.builder.tick()
    submissions = [pact(deployment, at) for _ in range(DISTINCT)]
    responses = post_concurrently(deployment, submissions)
    assert_only(responses, {201}, deployment)

    receipts = [r.json() for r in responses]
    for submission, receipt in zip(submissions, receipts, strict=True):
        check_receipt(deployment, submission, receipt)
        assert before < receipt["tree_size"] <= before + DISTINCT
    # Dense and unique: together with the entries before, exactly 0..size-1.
    assert sorted(r["index"] for r in receipts) == list(range(before, before + DISTINCT))
    after = settled_log(deployment)
    assert after["size"] == before + DISTINCT
    assert verify_checkpoint(after["checkpoint"], deployment.verifier_key).tree_size == after["size"]

    # Each index holds the submission its receipt names, byte for byte (read from the last server).
    url = deployment.urls[-1]
    with httpx.Client(timeout=REQUEST_TIMEOUT) as client:
        for submission, receipt in zip(submissions, receipts, strict=True):
            stored = get_json(url, f"/v1/entries/{receipt['index']}", deployment.token, client)
            assert stored["leaf_hash"] == receipt["leaf_hash"]
            assert {"entry": stored["entry"], "signature": stored["signature"]} == submission.to_json()


def test_concurrent_duplicates_get_one_receipt(deployment: Deployment) -> None:
    before = settled_log(deployment)["size"]
    at = deployment.builder.tick()
    originals = [pact(deployment, at) for _ in range(DUPLICATED)]
    copies = [s for s in originals for _ in range(COPIES)]
    random.Random(7).shuffle(copies)
    responses = post_concurrently(deployment, copies)
    assert_only(responses, {200, 201}, deployment)

    for original in originals:
        answers = [r for s, r in zip(copies, responses, strict=True) if s is original]
        assert statuses(answers) == Counter({201: 1, 200: COPIES - 1}), statuses(answers)
        bodies = [a.json() for a in answers]
        assert all(b == bodies[0] for b in bodies), "every duplicate gets the original receipt"
        check_receipt(deployment, original, bodies[0])
        # Once more, later, to each server: still the original receipt.
        for url in deployment.urls:
            again = httpx.post(
                f"{url}/v1/entries",
                content=original.leaf_bytes,
                headers={"content-type": "application/json"},
                timeout=REQUEST_TIMEOUT,
            )
            assert again.status_code == 200, describe(again)
            assert again.json() == bodies[0]
    assert settled_log(deployment)["size"] == before + DUPLICATED


def test_everything_at_once(deployment: Deployment) -> None:
    """Contention on one stream, new streams and duplicates in one burst."""
    before = settled_log(deployment)["size"]
    stream = f"oversight/{deployment.unit}"
    seq, prev = stream_head(deployment, stream)
    at = deployment.builder.tick()
    racers = [note(deployment, f"storm writer {n}", seq=seq, prev=prev, at=at) for n in range(10)]
    fresh = [pact(deployment, at) for _ in range(20)]
    duplicated = [pact(deployment, at) for _ in range(2)]
    burst = racers + fresh + [s for s in duplicated for _ in range(8)]
    random.Random(11).shuffle(burst)
    responses = post_concurrently(deployment, burst)
    assert_only(responses, {200, 201, 409}, deployment)
    by_submission: dict[int, list[httpx.Response]] = {}
    for submission, response in zip(burst, responses, strict=True):
        by_submission.setdefault(id(submission), []).append(response)

    racer_answers = [by_submission[id(s)][0] for s in racers]
    assert statuses(racer_answers) == Counter({201: 1, 409: 9}), statuses(racer_answers)
    winner_receipt = next(r.json() for r in racer_answers if r.status_code == 201)
    for response in racer_answers:
        if response.status_code == 409:
            assert response.json()["head"] == {"seq": seq, "leaf_hash": winner_receipt["leaf_hash"]}
    assert all(by_submission[id(s)][0].status_code == 201 for s in fresh)
    for submission in duplicated:
        answers = by_submission[id(submission)]
        assert statuses(answers) == Counter({201: 1, 200: 7}), statuses(answers)
        assert all(a.json() == answers[0].json() for a in answers)

    accepted = [r.json() for r in responses if r.status_code == 201]
    assert len(accepted) == 1 + 20 + 2
    assert sorted(r["index"] for r in accepted) == list(range(before, before + len(accepted)))
    for submission, response in zip(burst, responses, strict=True):
        if response.status_code in (200, 201):
            check_receipt(deployment, submission, response.json())
    assert settled_log(deployment)["size"] == before + len(accepted)


def test_verify_passes_against_every_server(deployment: Deployment) -> None:
    info = settled_log(deployment)
    checkpoint = verify_checkpoint(info["checkpoint"], deployment.verifier_key)
    assert checkpoint.tree_size == info["size"]
    for url in deployment.urls:
        trust = ("--trust", str(deployment.trust_path), "--token", deployment.token)
        result = run_cli("verify", url, *trust, "--json")
        assert result.returncode == 0, f"verify {url}: {result.returncode}\n{result.stdout}\n{result.stderr}"
        report = json.loads(result.stdout)
        assert report["ok"] is True
        assert report["failures"] == []
        assert report["entries_checked"] == info["size"]
        assert report["checkpoint"] == info["checkpoint"]
        # The human report exits 0 as well (the command as an auditor types it).
        plain = run_cli("verify", url, *trust)
        assert plain.returncode == 0, f"verify {url}: {plain.stdout}\n{plain.stderr}"
    assert log_info(deployment.urls[0])["size"] == info["size"]
    # No server hid a failure in its log.
    assert "Traceback" not in deployment.logs(), deployment.logs()
