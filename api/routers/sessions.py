"""Signing in with a key (docs/design/stage-4.md) and the stream heads a writer signs on.

`POST /v1/sessions/challenge` gives a challenge; `POST /v1/sessions` takes its signature by a
registered, unrevoked key and sets the session cookie (HttpOnly, SameSite=Strict) with the reading
rights of the key's role (api.sessions); `DELETE /v1/sessions` forgets it. `GET /v1/heads/{stream}`
is the head a form chains its entry to, for a signed-in key or a read token.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.deps import ENTRY_READERS, authorised, bearer_token
from api.errors import INVALID_SIGNIN, SIGNIN_REFUSED, Unauthorised
from api.routers.entries import read_limited
from api.schemas import problem_responses
from api.sessions import SESSION_COOKIE, Sessions, current_session, parse_fingerprint, signin_message
from ledger import codes
from ledger.crypto.keys import SIGNATURE_SIZE, decode_base64, encode_base64, verify_signature
from ledger.entry import STREAM_PATTERN
from ledger.errors import MalformedInput, VerificationFailed

router = APIRouter(tags=["signing in"])
MAX_SIGNIN_BYTES = 1024


def _time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.post("/v1/sessions/challenge", responses=problem_responses(503))
def new_challenge(request: Request) -> JSONResponse:
    """A sign-in challenge: 32 random bytes (base64), good once, for 5 minutes."""
    sessions: Sessions = request.app.state.sessions
    challenge, expires = sessions.issue_challenge()
    return JSONResponse({"challenge": challenge, "expires": _time(expires)}, headers={"Cache-Control": "no-store"})


@router.post("/v1/sessions", status_code=204, responses=problem_responses(400, 401, 413))
async def sign_in(request: Request) -> Response:
    """`{"fingerprint", "challenge", "signature"}`: the key's signature of
    `integritas-signin/v1\\n<origin>\\n<challenge>\\n` sets the session cookie."""
    body = await read_limited(request, MAX_SIGNIN_BYTES)
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise MalformedInput("the sign-in request is not JSON", code=INVALID_SIGNIN) from exc
    if not isinstance(document, dict) or set(document) != {"fingerprint", "challenge", "signature"}:
        raise MalformedInput("send exactly fingerprint, challenge and signature", code=INVALID_SIGNIN)
    fingerprint = parse_fingerprint(document["fingerprint"])
    challenge, signature_text = document["challenge"], document["signature"]
    if not isinstance(challenge, str) or not isinstance(signature_text, str):
        raise MalformedInput("challenge and signature are base64 strings", code=INVALID_SIGNIN)
    signature = decode_base64(signature_text, size=SIGNATURE_SIZE, what="signature")
    sessions: Sessions = request.app.state.sessions
    sessions.spend_challenge(challenge)  # spent whatever follows: a failed try cannot be replayed
    store = request.app.state.store
    store.refresh()
    key = store.key(fingerprint)
    if key is None or key.revoked_index is not None:
        raise Unauthorised("this log holds no valid key with that fingerprint", code=SIGNIN_REFUSED)
    try:
        verify_signature(key.public_key, signature, signin_message(store.origin, challenge), what="sign-in")
    except VerificationFailed as exc:
        raise Unauthorised("the signature is not the key's signature of the challenge", code=SIGNIN_REFUSED) from exc
    cookie, expires = sessions.cookie_for(key)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=expires - int(datetime.now(UTC).timestamp()),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.delete("/v1/sessions", status_code=204)
def sign_out() -> Response:
    """Forget this browser's session cookie."""
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/v1/heads/{stream:path}", responses=problem_responses(400, 401, 403))
def stream_head(stream: str, request: Request) -> JSONResponse:
    """`{"stream", "head": {"seq", "leaf_hash"} or null}`: what the next entry of the stream chains to
    (for a signed-in key, or a read token)."""
    if current_session(request) is None:
        authorised(request.app.state.tokens, bearer_token(request), ENTRY_READERS)
    if not STREAM_PATTERN.fullmatch(stream):
        raise MalformedInput(f"{stream!r} is not a stream id", code=codes.INVALID_STREAM)
    store = request.app.state.store
    store.refresh()
    head = store.stream_head(stream)
    found = None if head is None else {"seq": head.seq, "leaf_hash": encode_base64(head.leaf_hash)}
    return JSONResponse({"stream": stream, "head": found}, headers={"Cache-Control": "no-store"})


@router.get("/v1/key-status/{fingerprint}", responses=problem_responses(400))
def key_status(fingerprint: str, request: Request) -> JSONResponse:
    """`{"fingerprint", "status": unregistered|registered|revoked, "role"}` (public: a key's holder asks
    from the device that holds it; the answer names no one)."""
    parse_fingerprint(fingerprint)
    store = request.app.state.store
    store.refresh()
    key = store.key(fingerprint)
    status = "unregistered" if key is None else "registered" if key.revoked_index is None else "revoked"
    role = None if key is None else key.role
    return JSONResponse(
        {"fingerprint": fingerprint, "status": status, "role": role}, headers={"Cache-Control": "no-store"}
    )
