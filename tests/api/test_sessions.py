"""Signing in with a key (docs/design/stage-4.md, api.sessions): challenge, signature, session cookie,
its reading rights, and the stream heads a signed-in form chains to. Every acceptance has its refusal."""

from __future__ import annotations

import base64
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.sessions import SESSION_COOKIE, Sessions, signin_message
from ledger.crypto.keys import fingerprint
from tests.api.api_builder import ApiBuilder, assert_problem
from tests.builder import ORIGIN, key_for


def sign_in(client: TestClient, key: Ed25519PrivateKey, *, origin: str = ORIGIN) -> tuple[int, dict[str, str]]:
    challenge = client.post("/v1/sessions/challenge").json()["challenge"]
    signature = base64.b64encode(key.sign(signin_message(origin, challenge))).decode()
    response = client.post(
        "/v1/sessions",
        json={"fingerprint": fingerprint(key.public_key()), "challenge": challenge, "signature": signature},
    )
    return response.status_code, response.json() if response.content else {}


def test_a_registered_key_signs_in_and_reads_heads(builder: ApiBuilder, client: TestClient) -> None:
    key = builder.register_key("head-a", "unit_head")
    assert client.get("/v1/heads/key/" + fingerprint(key.public_key())).status_code == 401  # not yet
    status, _ = sign_in(client, key)
    assert status == 204
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie is not None and cookie.startswith(fingerprint(key.public_key()) + ".")
    answer = client.get("/v1/heads/key/" + fingerprint(key.public_key()))
    assert answer.status_code == 200
    assert answer.json()["head"]["seq"] == 0
    assert client.get("/v1/heads/unit/none-yet").json() == {"stream": "unit/none-yet", "head": None}
    assert_problem(client.get("/v1/heads/not a stream"), 400, "invalid_stream")
    assert client.delete("/v1/sessions").status_code == 204
    assert client.get("/v1/heads/unit/none-yet").status_code == 401


def test_a_challenge_is_spent_once(builder: ApiBuilder, client: TestClient) -> None:
    key = builder.register_key("head-b", "unit_head")
    challenge = client.post("/v1/sessions/challenge").json()["challenge"]
    signature = base64.b64encode(key.sign(signin_message(ORIGIN, challenge))).decode()
    document = {"fingerprint": fingerprint(key.public_key()), "challenge": challenge, "signature": signature}
    assert client.post("/v1/sessions", json=document).status_code == 204
    assert_problem(client.post("/v1/sessions", json=document), 401, "challenge_invalid")
    never_issued = base64.b64encode(b"\x01" * 32).decode()
    assert_problem(client.post("/v1/sessions", json={**document, "challenge": never_issued}), 401, "challenge_invalid")


def test_an_expired_challenge_is_refused(tmp_path: Path) -> None:
    sessions = Sessions(tmp_path)
    challenge, expires = sessions.issue_challenge(now=1000.0)
    assert expires == 1300
    try:
        sessions.spend_challenge(challenge, now=1301.0)
    except Exception as exc:
        assert getattr(exc, "code", None) == "challenge_invalid"
    else:
        raise AssertionError("an expired challenge was accepted")
    fresh, _ = sessions.issue_challenge(now=1000.0)
    sessions.spend_challenge(fresh, now=1299.0)  # its twin inside the 5 minutes passes


def test_wrong_signature_unknown_or_revoked_key_is_refused(builder: ApiBuilder, client: TestClient) -> None:
    key = builder.register_key("head-c", "unit_head")
    stranger = key_for("never-registered")
    status, problem = sign_in(client, stranger)
    assert (status, problem["code"]) == (401, "signin_refused")
    status, problem = sign_in(client, key, origin="another.example/log")  # signed for another log
    assert (status, problem["code"]) == (401, "signin_refused")
    builder.submit(builder.root, "key.revoked", f"key/{fingerprint(key.public_key())}", {"reason": "lost"})
    status, problem = sign_in(client, key)
    assert (status, problem["code"]) == (401, "signin_refused")
    assert client.cookies.get(SESSION_COOKIE) is None


def test_a_session_ends_with_its_keys_revocation(builder: ApiBuilder, client: TestClient) -> None:
    key = builder.register_key("head-d", "unit_head")
    assert sign_in(client, key)[0] == 204
    assert client.get("/v1/heads/unit/x").status_code == 200
    builder.submit(builder.root, "key.revoked", f"key/{fingerprint(key.public_key())}", {"reason": "lost"})
    assert client.get("/v1/heads/unit/x").status_code == 401


def test_a_tampered_cookie_reads_nothing(builder: ApiBuilder, client: TestClient) -> None:
    key = builder.register_key("head-e", "unit_head")
    other = builder.register_key("overseer-e", "overseer")
    assert sign_in(client, key)[0] == 204
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie is not None
    _, expires, mac = cookie.split(".")
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, f"{fingerprint(other.public_key())}.{expires}.{mac}")  # another key
    assert client.get("/v1/heads/unit/x").status_code == 401
    client.cookies.set(SESSION_COOKIE, f"{fingerprint(key.public_key())}.{int(expires) + 9999}.{mac}")  # longer
    assert client.get("/v1/heads/unit/x").status_code == 401


def test_malformed_sign_in_requests(client: TestClient) -> None:
    assert_problem(client.post("/v1/sessions", content=b"{"), 400, "invalid_signin")
    assert_problem(client.post("/v1/sessions", json={"fingerprint": "x"}), 400, "invalid_signin")
    document = {"fingerprint": "A" * 64, "challenge": "x", "signature": "y"}
    assert_problem(client.post("/v1/sessions", json=document), 400, "invalid_signin")


def test_reading_rights_follow_the_keys_role(builder: ApiBuilder, client: TestClient) -> None:
    overseer = builder.register_key("overseer-f", "overseer")
    employee = builder.register_key("employee-f", "employee")
    assert sign_in(client, employee)[0] == 204
    assert client.get("/units").status_code == 403  # an employee's key writes; it reads no one's records
    client.cookies.clear()
    assert sign_in(client, overseer)[0] == 204
    page = client.get("/units")
    assert page.status_code == 200
    assert "overseer-f" in page.text  # the header names the key's holder


def test_key_status(builder: ApiBuilder, client: TestClient) -> None:
    key = builder.register_key("head-g", "unit_head")
    fp = fingerprint(key.public_key())
    assert client.get(f"/v1/key-status/{fp}").json() == {"fingerprint": fp, "status": "registered", "role": "unit_head"}
    builder.submit(builder.root, "key.revoked", f"key/{fp}", {"reason": "lost"})
    assert client.get(f"/v1/key-status/{fp}").json()["status"] == "revoked"
    unknown = fingerprint(key_for("nobody").public_key())
    assert client.get(f"/v1/key-status/{unknown}").json()["status"] == "unregistered"
    assert_problem(client.get("/v1/key-status/xyz"), 400, "invalid_signin")
