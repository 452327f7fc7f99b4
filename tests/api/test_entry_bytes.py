"""`GET /v1/entries/{i}` is answered from the leaf's bytes (issue 16: the route's profile); these are
the bytes the response model (`StoredEntry`) would make, for every entry of the demo log and for
strings holding every character JCS and pydantic escape."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient

from api.routers.entries import stored_entry, stored_entry_json
from api.schemas import StoredEntry
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
