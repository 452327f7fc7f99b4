"""What the API tests share: throwaway ledgers, the demo log, read tokens, problem checks, and a
`LedgerBuilder` whose entries go through `POST /v1/entries` of a running `create_app` (DESIGN §8)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from api.tokens import TokenFile
from ledger.crypto.keys import encode_base64
from ledger.entry import Submission
from ledger.rules import LedgerState, legacy_policy_document
from ledger.store.application import LedgerStore
from ledger.store.datadir import init_ledger
from tests.builder import ORIGIN, LedgerBuilder, key_for

JSON = {"content-type": "application/json"}
PROBLEM_MEMBERS = {"type", "title", "status", "detail", "code"}


def new_ledger(directory: Path) -> Path:
    """A ledger holding only its genesis entry, whose root key is `tests.builder`'s root key."""
    init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji API",
        root_key=key_for("root"),
        log_key=key_for("log"),
        policy=legacy_policy_document(),
    )
    return directory


@dataclass(frozen=True)
class DemoLog:
    """The demo ledger's data directory, its leaves and its trust anchor (trust.json)."""

    directory: Path
    leaves: tuple[bytes, ...]
    trust: dict[str, Any]

    @property
    def size(self) -> int:
        return len(self.leaves)


@dataclass(frozen=True)
class Tokens:
    """One active token per read role, one revoked token, and the file holding them."""

    path: Path
    auditor: str
    overseer: str
    operator: str
    revoked: str

    @classmethod
    def create(cls, path: Path) -> Tokens:
        tokens = TokenFile(path)
        made = {role: tokens.add(f"API test {role}", role)[1] for role in ("auditor", "overseer", "operator")}
        record, revoked = tokens.add("API test, revoked", "auditor")
        tokens.revoke(record.id)
        return cls(path, made["auditor"], made["overseer"], made["operator"], revoked)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def post_submission(client: httpx.Client, submission: Submission | dict[str, Any] | bytes) -> httpx.Response:
    """POST a submission as application/json: a signed `Submission`, a JSON value, or raw bytes."""
    if isinstance(submission, Submission):
        data = json.dumps(submission.to_json(), ensure_ascii=False).encode("utf-8")
    elif isinstance(submission, dict):
        data = json.dumps(submission, ensure_ascii=False).encode("utf-8")
    else:
        data = submission
    return client.post("/v1/entries", content=data, headers=JSON)


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is an RFC 9457 problem document with `status` and the stable `code`."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json", response.headers
    document: dict[str, Any] = response.json()
    assert document.keys() >= PROBLEM_MEMBERS, document
    assert document["status"] == status
    assert document["code"] == code, document
    assert document["type"] == f"https://integritas.example/problems/{code}"
    assert isinstance(document["title"], str) and document["title"]
    assert isinstance(document["detail"], str) and document["detail"]
    return document


class ApiBuilder(LedgerBuilder):
    """A `LedgerBuilder` that signs on the head the app's store holds and submits over HTTP.

    The usual steps (`standard_cast`, `to_building`, ...) must be accepted: each answer is checked to
    be 201. `accepted` keeps every (submission, receipt) pair.
    """

    def __init__(self, app: FastAPI, client: httpx.Client) -> None:
        self.app = app
        self.client = client
        self.accepted: list[tuple[Submission, dict[str, Any]]] = []
        super().__init__(apply=self._post, origin=ORIGIN)

    @property
    def store(self) -> LedgerStore:
        store: LedgerStore = self.app.state.store
        return store

    @property
    def state(self) -> LedgerState:
        return self.store.state

    def genesis(self, policy: dict[str, Any] | None = None) -> None:
        """Nothing to do: `new_ledger` appended the genesis entry, signed by this builder's root key."""
        assert self.state.size >= 1 and policy is None

    def head(self, stream: str) -> dict[str, Any] | None:
        head = self.state.streams.get(stream)
        return None if head is None else {"seq": head.seq, "leaf_hash": encode_base64(head.leaf_hash)}

    def _post(self, submission: Submission) -> dict[str, Any]:
        response = post_submission(self.client, submission)
        assert response.status_code == 201, response.text
        receipt: dict[str, Any] = response.json()
        self.accepted.append((submission, receipt))
        return receipt
