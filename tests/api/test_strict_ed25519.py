"""POST /v1/entries refuses a signature outside the strict Ed25519 subset (ledger.crypto.ed25519) with
`ed25519_not_strict`, whichever backend the server has, and nothing is appended; its twin, the
honest signature of the same entry, is accepted afterwards."""

from __future__ import annotations

import hashlib

import pytest
from fastapi.testclient import TestClient

from ledger.crypto import ed25519
from ledger.crypto.keys import encode_base64, public_key_bytes
from tests.api.api_builder import ApiBuilder, assert_problem, post_submission
from tests.builder import key_for

UNIT_BODY = {"name": "Dinas Kesehatan", "type": "dinas", "headcount": 40}


def identity_r_signature(key_name: str, signing_input: bytes) -> bytes:
    """A signature only its key's holder can make, with R the identity and S = k·a: OpenSSL alone
    accepts it, libsodium refuses it (tests/crypto/test_ed25519.py)."""
    key = key_for(key_name)
    digest = hashlib.sha512(key.private_bytes_raw()).digest()
    a = (int.from_bytes(digest[:32], "little") & ((1 << 254) - 8)) | 1 << 254
    r = (1).to_bytes(32, "little")
    k = int.from_bytes(hashlib.sha512(r + public_key_bytes(key.public_key()) + signing_input).digest(), "little")
    return r + (k % ed25519.L * a % ed25519.L).to_bytes(32, "little")


@pytest.mark.parametrize("backend", ["pynacl", "cryptography"])
def test_a_signature_outside_the_strict_subset_is_refused(
    client: TestClient, builder: ApiBuilder, backend: str
) -> None:
    ed25519.use_backend(backend)
    try:
        good = builder.sign(builder.root, "unit.registered", "unit/lain", UNIT_BODY)
        size = client.get("/v1/log").json()["size"]
        forged = {**good.to_json(), "signature": encode_base64(identity_r_signature("root", good.signing_input()))}
        problem = assert_problem(post_submission(client, forged), 422, "ed25519_not_strict")
        assert "small order" in problem["detail"]
        s_plus_l = int.from_bytes(good.signature[32:], "little") + ed25519.L
        stretched = {
            **good.to_json(),
            "signature": encode_base64(good.signature[:32] + s_plus_l.to_bytes(32, "little")),
        }
        assert_problem(post_submission(client, stretched), 422, "bad_signature")  # RFC 8032 refuses S ≥ L
        assert client.get("/v1/log").json()["size"] == size
        assert post_submission(client, good).status_code == 201
    finally:
        ed25519.use_backend(None)
