"""`GET /v1/entries/{i}` is answered from the leaf's bytes (issue 16: the route's profile); these are
the bytes the response model (`StoredEntry`) would make, for every entry of the demo log and for
strings holding every character JCS and pydantic escape."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from api.routers.entries import stored_entry, stored_entry_json
from api.routing import DirectRoute
from api.schemas import StoredEntry
from api.tokens import TokenFile
from ledger.canonical import canonical_json
from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import hash_leaf
from ledger.store.reader import StoredLeaf
from tests.api.api_builder import DemoLog, Tokens, bearer


def model_bytes(index: int, leaf: bytes) -> bytes:
    """What FastAPI sends for a StoredEntry made from `leaf` (its response model's JSON)."""
    document = json.loads(leaf)
    model = StoredEntry(
        index=index,
        leaf_hash=encode_base64(hash_leaf(leaf)),
        entry=document["entry"],
        signature=document["signature"],
    )
    return model.model_dump_json().encode("utf-8")


class OneLeaf:
    """A reader holding one leaf, for stored_entry_json."""

    def __init__(self, leaf: bytes) -> None:
        self.leaf = leaf

    def entry(self, index: int) -> StoredLeaf:
        return StoredLeaf(index, self.leaf, hash_leaf(self.leaf))


def test_every_demo_entry_is_answered_with_the_response_models_bytes(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens
) -> None:
    for index, leaf in enumerate(demo.leaves):
        response = demo_client.get(f"/v1/entries/{index}", headers=bearer(demo_tokens.auditor))
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        assert response.content == model_bytes(index, leaf)


def test_escapes_and_non_ascii_text_come_out_as_the_response_model_writes_them() -> None:
    text = "".join(chr(c) for c in range(0x80)) + "\u2028\u2029é\U0001f600\ufeff\ud7ff\ue000"
    entry: dict[str, Any] = {"body": {"text": text, "n": 12345678901234, "list": [1, -2, None, True]}, "kind": "x"}
    leaf = canonical_json({"entry": entry, "signature": "c2lnbmF0dXJl"})
    assert stored_entry_json(OneLeaf(leaf), 7) == model_bytes(7, leaf)  # type: ignore[arg-type]
    # and the other readers' StoredEntry (streams, record pages) says the same
    assert stored_entry(OneLeaf(leaf), 7).model_dump_json().encode() == model_bytes(7, leaf)  # type: ignore[arg-type]


def test_a_different_leaf_gives_different_bytes() -> None:
    """The twin: the answer is the leaf's, not a fixed shape (a changed signature shows)."""
    entry = {"body": {}, "kind": "x"}
    first = canonical_json({"entry": entry, "signature": "AAAA"})
    second = canonical_json({"entry": entry, "signature": "AAAB"})
    assert stored_entry_json(OneLeaf(first), 1) != stored_entry_json(OneLeaf(second), 1)  # type: ignore[arg-type]
    assert stored_entry_json(OneLeaf(second), 1) == model_bytes(1, second)  # type: ignore[arg-type]


def test_the_fast_route_answers_as_the_documented_route(demo_client: TestClient, demo_tokens: Tokens) -> None:
    """A plain index goes to the direct route; a leading zero reaches FastAPI's `get_entry`: same answers."""
    matched = demo_client.app.router.routes  # type: ignore[attr-defined]
    assert isinstance(
        matched[next(i for i, r in enumerate(matched) if getattr(r, "path", "") == "/v1/entries/{index}")], DirectRoute
    )
    auth = bearer(demo_tokens.auditor)
    for fast, documented in (("/v1/entries/3", "/v1/entries/003"), ("/v1/entries/0", "/v1/entries/00")):
        one, other = demo_client.get(fast, headers=auth), demo_client.get(documented, headers=auth)
        assert one.status_code == other.status_code == 200
        assert one.content == other.content
        assert one.headers["content-type"] == other.headers["content-type"] == "application/json"
        assert one.headers["cache-control"] == other.headers["cache-control"] == "no-store"
    head = demo_client.head("/v1/entries/3", headers=auth)
    assert head.status_code == 200 and head.content == b""
    for path in ("/v1/entries/99999", "/v1/entries/099999", f"/v1/entries/{2**63 - 1}"):
        assert demo_client.get(path, headers=auth).json()["code"] == "index_out_of_range", path
    for path in ("/v1/entries/-1", f"/v1/entries/{2**63}", "/v1/entries/1x"):
        assert demo_client.get(path, headers=auth).json()["code"] == "invalid_request", path


def test_the_fast_route_checks_the_token_as_the_documented_route(demo_client: TestClient, demo_tokens: Tokens) -> None:
    for path in ("/v1/entries/3", "/v1/entries/03"):
        for headers in ({}, bearer(demo_tokens.revoked), bearer("itg_unknown"), {"authorization": "Basic x"}):
            response = demo_client.get(path, headers=headers)
            assert response.status_code == 401 and response.json()["code"] == "unauthorized", (path, headers)
            assert response.headers["www-authenticate"] == 'Bearer realm="integritas"'


def test_a_token_revoked_while_serving_stops_reading_entries_at_once(client: TestClient, tokens: Tokens) -> None:
    record, token = TokenFile(tokens.path).add("Inspektorat Kabupaten Contoh", "auditor")
    assert client.get("/v1/entries/0", headers=bearer(token)).status_code == 200
    TokenFile(tokens.path).revoke(record.id)
    response = client.get("/v1/entries/0", headers=bearer(token))
    assert response.status_code == 401 and response.json()["code"] == "unauthorized"
    assert client.get("/v1/entries/0", headers=bearer(tokens.auditor)).status_code == 200
