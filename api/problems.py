"""RFC 9457 problem details, with the same stable `code` the CLI prints (DESIGN §8).

Every error the API answers goes through here: ledger errors, request validation, unknown routes
and methods, and anything unexpected (a 500 that says nothing of the inside). The mapping from
error family to HTTP status lives in one place, `status_for`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ledger.errors import Conflict, LedgerError, MalformedInput, NotFound, Refused, VerificationFailed, evidence_json

PROBLEM_TYPE_BASE = "https://integritas.example/problems/"
MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("integritas.api")

# Codes whose status is not their family's.
STATUS_OF_CODE = {
    "entry_too_large": 413,
    "request_too_large": 413,
    "unsupported_media_type": 415,
    "unauthorized": 401,
    "forbidden": 403,
    "store_damaged": 503,
    "busy": 503,
    "views_behind": 503,
    "views_unavailable": 503,
    "method_not_allowed": 405,
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


class ApiError(LedgerError):
    """An error the API itself raises (authorisation, content type, size)."""


def status_for(error: LedgerError) -> int:
    if error.code in STATUS_OF_CODE:
        return STATUS_OF_CODE[error.code]
    if isinstance(error, Conflict):
        return 409
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Refused | VerificationFailed):
        return 422
    if isinstance(error, MalformedInput):
        return 400
    return 500


def problem(status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="integritas"'
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers or None)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into a problem document."""

    @app.exception_handler(LedgerError)
    async def ledger_error(request: Request, error: LedgerError) -> JSONResponse:
        status = status_for(error)
        extra: dict[str, Any] = {}
        if isinstance(error, Conflict):
            extra["head"] = evidence_json(error.evidence.get("head"))
            extra["stream"] = error.evidence.get("stream")
        elif "failing" in error.evidence:
            extra["failing_checks"] = error.evidence["failing"]
        if isinstance(error, Refused) and error.reason is not None:
            # The rule's message and its values, so that a client renders the refusal in its own
            # language from the catalogue (ledger.rules.messages) instead of parsing `detail`.
            extra["reason"] = error.reason
            extra["params"] = evidence_json(error.params)
        if status >= 500:
            log.error("%s %s: %s (%s)", request.method, request.url.path, error.message, error.code)
        return problem(status, error.code, error.message, **extra)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        details = "; ".join(
            f"{'.'.join(str(part) for part in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in error.errors()
        )
        return problem(400, "invalid_request", details or "the request is not valid")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 404:
            return problem(404, "no_such_route", f"there is no resource at {request.url.path}")
        if error.status_code == 405:
            # RFC 9110 §15.5.6: a 405 names the methods the resource does allow.
            return problem(
                405,
                "method_not_allowed",
                f"{request.method} is not allowed on {request.url.path}",
                headers={"Allow": (error.headers or {}).get("Allow", "GET")},
            )
        return problem(error.status_code, f"http_{error.status_code}", str(error.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        # Never a stack trace to a client; the log keeps it for the operator.
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(500, "internal_error", "the server failed; the operator's log has the details")
