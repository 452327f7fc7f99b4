"""The direct routes (api.routing: `GET /v1/entries/{index}` for a plain index, `POST /v1/entries`)
answer as the FastAPI routes that document them would: the same status, headers and bytes for
every kind of answer, checked against the same app without its direct routes on a copy of the same
ledger."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.routers.entries import receipt_document
from api.routing import DirectRoute
from api.schemas import Receipt
from api.settings import Settings
from ledger.store.application import Receipt as StoreReceipt
from tests.api.api_builder import ApiBuilder, Tokens, bearer

JSON = {"content-type": "application/json"}


def without_direct_routes(app: FastAPI) -> FastAPI:
    app.router.routes[:] = [route for route in app.router.routes if not isinstance(route, DirectRoute)]
    return app


@pytest.fixture
def both(ledger_dir: Path, tokens: Tokens, tmp_path: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """Clients of the shipped app and of the app without direct routes, on two copies of one ledger."""
    copy = tmp_path / "copy"
    shutil.copytree(ledger_dir, copy)
    shipped = create_app(Settings(ledger_dir=ledger_dir, token_file=tokens.path))
    plain = without_direct_routes(create_app(Settings(ledger_dir=copy, token_file=tokens.path)))
    with (
        TestClient(shipped, raise_server_exceptions=False) as one,
        TestClient(plain, raise_server_exceptions=False) as other,
    ):
        yield one, other


def answer(response: Any) -> tuple[int, dict[str, str], bytes]:
    headers = {name: value for name, value in response.headers.items() if name not in ("date", "x-request-id")}
    return response.status_code, headers, response.content


def test_the_direct_routes_come_first(app: FastAPI) -> None:
    first = app.router.routes[:2]
    assert all(isinstance(route, DirectRoute) for route in first)
    assert {(route.method, route.path) for route in first} == {("GET", "/v1/entries/{index}"), ("POST", "/v1/entries")}  # type: ignore[attr-defined]


def test_every_kind_of_submission_is_answered_as_the_documented_route_answers(
    both: tuple[TestClient, TestClient], tokens: Tokens
) -> None:
    one, other = both
    builder = ApiBuilder(one.app, one)  # type: ignore[arg-type]
    builder.admin = builder.register_key("admin", "administrator")
    for submission, _ in builder.accepted:  # the same entries in the copy, through FastAPI's route
        posted = other.post("/v1/entries", content=json.dumps(submission.to_json()), headers=JSON)
        assert posted.status_code == 201
    registrar_unit = builder.sign(
        builder.admin, "unit.registered", "unit/u9", {"name": "Unit 9", "type": "dinas", "headcount": 3}
    )
    valid = json.dumps(registrar_unit.to_json()).encode()
    stale = builder.sign(
        builder.admin, "unit.registered", "unit/u9", {"name": "Unit 9", "type": "dinas", "headcount": 4}
    )
    requests: list[tuple[bytes, dict[str, str]]] = [
        (valid, {"content-type": "application/json"}),  # 201
        (valid, {"content-type": "application/json"}),  # 200: a duplicate, with its original receipt
        (json.dumps(stale.to_json()).encode(), {"content-type": "application/json"}),  # 409: seq taken
        (valid, {"content-type": "text/plain"}),  # 415
        (b"{not json", {"content-type": "application/json"}),  # 400
        (b"{}", {"content-type": "application/json; charset=utf-8"}),  # 400/422: not a submission
        (b"x" * (2 << 20), {"content-type": "application/json"}),  # 413
    ]
    statuses = []
    for body, headers in requests:
        mine, theirs = (
            one.post("/v1/entries", content=body, headers=headers),
            other.post("/v1/entries", content=body, headers=headers),
        )
        assert answer(mine) == answer(theirs), body[:40]
        statuses.append(mine.status_code)
    assert statuses[:4] == [201, 200, 409, 415] and statuses[-1] == 413 and all(s >= 400 for s in statuses[2:])


def test_entry_reads_are_answered_as_the_documented_route_answers(
    both: tuple[TestClient, TestClient], tokens: Tokens
) -> None:
    one, other = both
    for path in ("/v1/entries/0", "/v1/entries/1", f"/v1/entries/{2**63 - 1}", "/v1/entries/9"):
        for headers in (bearer(tokens.auditor), {}, bearer("itg_unknown")):
            assert answer(one.get(path, headers=headers)) == answer(other.get(path, headers=headers)), (path, headers)


def test_the_receipt_is_the_response_models_dump(client: TestClient) -> None:
    store = client.app.state.store  # type: ignore[attr-defined]
    stored = store.receipt(0)
    for receipt in (stored, StoreReceipt(**{**stored.__dict__, "duplicate": True})):
        document = receipt_document(store, receipt)
        assert list(document.items()) == list(Receipt(**document).model_dump().items())
    # The twin: a field out of the model's order would show.
    assert list(reversed(document.items())) != list(Receipt(**document).model_dump().items())
