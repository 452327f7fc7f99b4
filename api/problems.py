"""RFC 9457 problem details, with the same stable `code` the CLI prints (docs/contract/errors.md).

Every error the API answers goes through here: ledger errors, request validation, unknown routes
and methods, and anything unexpected (a 500 that says nothing of the inside). The HTTP status is
the error's family's, from one table, `HTTP_STATUS_OF_FAMILY`; no code is matched here.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import (
    INTERNAL_ERROR,
    INVALID_REQUEST,
    NO_SUCH_ROUTE,
    Forbidden,
    MethodNotAllowed,
    Unauthorised,
    UnsupportedMediaType,
)
from ledger.errors import (
    Conflict,
    LedgerError,
    MalformedInput,
    NotFound,
    Refused,
    TooLarge,
    Unavailable,
    UsageError,
    VerificationFailed,
    evidence_json,
)

PROBLEM_TYPE_BASE = "https://integritas.example/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("integritas.api")

# The HTTP status of each error family (RFC 9110 §15).
HTTP_STATUS_OF_FAMILY = {
    LedgerError.family: 500,
    MalformedInput.family: 400,
    UsageError.family: 400,
    TooLarge.family: 413,
    UnsupportedMediaType.family: 415,
    Unauthorised.family: 401,
    Forbidden.family: 403,
    NotFound.family: 404,
    MethodNotAllowed.family: 405,
    Conflict.family: 409,
    VerificationFailed.family: 422,
    Refused.family: 422,
    Unavailable.family: 503,
}
TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict: stale stream head",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Refused by the ledger's rules",
    500: "Internal server error",
    503: "Service unavailable",
}


def status_for(error: LedgerError) -> int:
    """The HTTP status of `error`: its family's."""
    return HTTP_STATUS_OF_FAMILY[error.family]


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        # A detail quoting client input may hold a lone surrogate, which UTF-8 cannot encode.
        "detail": detail.encode("utf-8", "backslashreplace").decode("utf-8"),
        "code": code,
        **extra,
    }
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="integritas"')
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers or None)


def problem_of(request: Request, error: LedgerError, headers: dict[str, str] | None = None) -> JSONResponse:
    """The problem document of a ledger or API error, with its family's status."""
    status = status_for(error)
    extra: dict[str, Any] = {}
    if isinstance(error, Conflict):
        extra["head"] = evidence_json(error.evidence.get("head"))
        extra["stream"] = error.evidence.get("stream")
    elif "failing" in error.evidence:
        extra["failing_checks"] = error.evidence["failing"]
    elif "candidates" in error.evidence:  # an ambiguous signer question: the keys it could mean
        extra["candidates"] = error.evidence["candidates"]
    if isinstance(error, Refused) and error.reason is not None:
        # The rule's message and its values, so that a client renders the refusal in its own
        # language from the catalogue (ledger.rules.messages) instead of parsing `detail`.
        extra["reason"] = error.reason
        extra["params"] = evidence_json(error.params)
    if status >= 500:
        log.error("%s %s: %s (%s)", request.method, request.url.path, error.message, error.code)
    return problem(status, error.code, error.message, headers, **extra)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        retry_after = error.evidence.get("retry_after")
        headers = {"Retry-After": str(retry_after)} if isinstance(retry_after, int) else None
        return problem_of(request, error, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        details = "; ".join(
            f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in error.errors()
        )
        return problem_of(request, MalformedInput(details or "the request is not valid", code=INVALID_REQUEST))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return problem_of(request, NotFound(f"there is no resource at {request.url.path}", code=NO_SUCH_ROUTE))
        if error.status_code == 405:
            # RFC 9110 §15.5.6: a 405 names the methods the resource does allow.
            return problem_of(
                request,
                MethodNotAllowed(f"{request.method} is not allowed on {request.url.path}"),
                headers={"Allow": (error.headers or {}).get("Allow", "GET")},
            )
        # Any other status the framework raises keeps it, with the code http_<status>.
        return problem(error.status_code, f"http_{error.status_code}", str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # Never a stack trace to a client; the log keeps it for the operator.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, INTERNAL_ERROR, "the server failed; the operator's log has the details")
