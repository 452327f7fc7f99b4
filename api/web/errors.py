"""Error pages for people, problem documents for programs.

The API answers every error with an RFC 9457 problem (api.problems). A web page that fails is
answered with an HTML page in the reader's language instead: a 401 carries the token form, a 404
says what was not found. A request that matched no route gets the HTML 404 page only when it is a
browser's (it accepts text/html) and outside the API's paths; every other request keeps its problem
document, so the API's contract does not change.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from api.web.access import PageError
from api.web.pages import router
from api.web.render import local_path, render
from ledger.errors import LedgerError, NotFound

log = logging.getLogger("integritas.web")
API_PREFIXES = ("/v1/", "/tlog/", "/docs", "/redoc", "/openapi.json")
TITLES = {
    400: "Bad request",
    401: "A read token is needed",
    403: "Not allowed",
    404: "Not found",
    413: "Too large",
    500: "Something went wrong",
    503: "Unavailable",
}
_PAGE_ROUTES = {id(route) for route in router.routes}


def is_page_request(request: Request) -> bool:
    """Whether an error on this request should be a page: a web route's, or a browser's stray path."""
    route = request.scope.get("route")
    if route is not None:
        return id(route) in _PAGE_ROUTES
    path = request.url.path
    return "text/html" in request.headers.get("accept", "") and not path.startswith(API_PREFIXES)


def error_page(request: Request, status: int, message: str, *, token_form: bool = False, **values: Any) -> Response:
    """The error page: a title, what went wrong, and the token form where a token would help."""
    return render(
        request,
        "error.html",
        status=status,
        code=status,
        title=TITLES.get(status, "Something went wrong"),
        message=message,
        values=values,
        token_form=token_form,
        next=values.get("next") or _here(request),
    )


def _here(request: Request) -> str:
    return local_path(request) + (f"?{request.url.query}" if request.url.query else "")


def install(app: FastAPI) -> None:
    """Answer errors of the web pages with pages; keep the API's problem documents for everything else."""

    async def page_error(request: Request, error: Exception) -> Response:
        assert isinstance(error, PageError)
        return error_page(request, error.status, error.message, token_form=error.token_form, **error.values)

    app.add_exception_handler(PageError, page_error)

    def as_page(request: Request, error: Exception) -> tuple[int, str, dict[str, Any]] | None:
        if isinstance(error, NotFound):
            return 404, "{field}: {problem}", {"field": error.code, "problem": error.message}
        if isinstance(error, LedgerError):
            return 400, "{field}: {problem}", {"field": error.code, "problem": error.message}
        if isinstance(error, RequestValidationError):
            first = (list(error.errors()) or [{}])[0]
            field = ".".join(str(p) for p in first.get("loc", ()) if p not in ("path", "query", "body"))
            problem = "not a whole number" if str(first.get("type", "")).startswith("int") else first.get("msg", "")
            return 400, "{field}: {problem}", {"field": field, "problem": problem}
        if isinstance(error, StarletteHTTPException):
            if error.status_code == 404:
                return 404, "There is no page at this address.", {}
            return None  # 405 and the like: the problem document names the allowed methods
        log.error("unexpected error on page %s", request.url.path, exc_info=error)
        return 500, "The server failed; the operator's log has the details.", {}

    for family in (LedgerError, RequestValidationError, StarletteHTTPException, Exception):
        api_handler = app.exception_handlers.get(family)
        if api_handler is None:
            continue
        app.add_exception_handler(family, _either(api_handler, as_page))


def _either(
    api_handler: Callable[[Request, Any], Awaitable[Response] | Response],
    as_page: Callable[[Request, Exception], tuple[int, str, dict[str, Any]] | None],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    async def handle(request: Request, error: Exception) -> Response:
        page = as_page(request, error) if is_page_request(request) else None
        if page is not None:
            status, message, values = page
            return error_page(request, status, message, **values)
        response = api_handler(request, error)
        return await response if isinstance(response, Awaitable) else response

    return handle
