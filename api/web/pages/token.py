"""The read token: kept in an HttpOnly cookie for the pages that need one, and forgotten on request."""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.routers.entries import read_limited
from api.web.access import TOKEN_COOKIE, TOKEN_MAX_AGE, PageError, safe_next, same_origin
from api.web.pages.shared import router
from api.web.render import PAGE_HEADERS, render
from ledger.errors import TooLarge

MAX_FORM_BYTES = 4096


@router.get("/token")
def token_page(request: Request) -> HTMLResponse:
    """The token form, or who this browser is signed in as."""
    return render(request, "token.html", next=safe_next(request.query_params.get("next")), error=None)


@router.post("/token")
async def token_set(request: Request) -> Response:
    """Keep a valid read token in an HttpOnly, SameSite=Strict cookie, then go back to the page that asked."""
    if not same_origin(request):
        raise PageError(403, "The form was sent from another site.")
    try:
        body = await read_limited(request, MAX_FORM_BYTES)  # chunk by chunk: 413 as soon as it is over
    except TooLarge as exc:
        raise PageError(413, "{field}: {problem}", field="token", problem="too long") from exc
    form = parse_qs(body.decode("utf-8", errors="replace"))
    token = (form.get("token") or [""])[0].strip()
    target = safe_next((form.get("next") or ["/"])[0])
    if not token or request.app.state.tokens.find(token) is None:
        raise PageError(401, "The token is not valid (unknown or revoked).", token_form=True, next=target)
    response = RedirectResponse(target, status_code=303, headers=PAGE_HEADERS)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        max_age=TOKEN_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/token/forget")
def token_forget(request: Request) -> Response:
    """Forget the token this browser holds."""
    if not same_origin(request):
        raise PageError(403, "The form was sent from another site.")
    response = RedirectResponse("/log", status_code=303, headers=PAGE_HEADERS)
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")
    return response
