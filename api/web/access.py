"""Who may see a page (DESIGN §8): the same read tokens as the API, from a cookie or a bearer header, or
a key's session (api.sessions) with the reading rights of the key's role.

Pages that show what entries say (names, employee numbers) ask for a read token once: a form sets
it in an HttpOnly, SameSite=Strict cookie, which scripts cannot read and other sites cannot send.
The log, its checkpoint and the bundle check are public.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request

from api.deps import ENTRY_READERS, EXPORT_READERS, authorised, bearer_token
from api.errors import Forbidden
from api.sessions import current_session
from api.tokens import TokenFile, TokenRecord
from ledger.errors import LedgerError

TOKEN_COOKIE = "integritas_token"
TOKEN_MAX_AGE = 12 * 3600  # a working day: a shared office computer forgets it overnight


class PageError(Exception):
    """A page that cannot be shown: rendered as an error page in the reader's language."""

    def __init__(self, status: int, message: str, *, token_form: bool = False, **values: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message  # an English message, translated when rendered
        self.values = values
        self.token_form = token_form


def presented_token(request: Request) -> str | None:
    """The token of a bearer header, else of the cookie."""
    return bearer_token(request) or request.cookies.get(TOKEN_COOKIE, "").strip() or None


def current_reader(request: Request) -> TokenRecord | None:
    """The active token record the request presents, if any (for the page header)."""
    token = presented_token(request)
    if token is None:
        return None
    tokens: TokenFile = request.app.state.tokens
    return tokens.find(token)


def page_reader(*roles: str) -> Callable[[Request], Awaitable[TokenRecord]]:
    """A dependency admitting a token with one of `roles`: the token form (401) or 403 otherwise."""

    async def check(request: Request) -> TokenRecord:
        token = presented_token(request)
        if token is None:
            # A key's session reads with its role's reading rights (api.sessions, stage-4.md).
            session = current_session(request)
            if session is None:
                raise PageError(401, "A read token is needed", token_form=True)
            if session.read_role not in roles:
                raise PageError(403, "This key's role may not see this page.", token_form=True)
            return TokenRecord(f"key-{session.fingerprint[:8]}", session.holder_name, session.read_role, "", "")
        try:
            return authorised(request.app.state.tokens, token, roles)
        except LedgerError as exc:
            if isinstance(exc, Forbidden):
                raise PageError(403, "This token's role may not see this page.", token_form=True) from exc
            raise PageError(401, "The token is not valid (unknown or revoked).", token_form=True) from exc

    return check


PageReader = Annotated[TokenRecord, Depends(page_reader(*ENTRY_READERS))]
ExportPageReader = Annotated[TokenRecord, Depends(page_reader(*EXPORT_READERS))]


def same_origin(request: Request) -> bool:
    """A form post from one of our own pages: browsers send Origin on every POST."""
    origin = request.headers.get("origin")
    if origin is None:
        return True  # not a browser form (curl); the cookie is SameSite=Strict anyway
    return origin == f"{request.url.scheme}://{request.headers.get('host', '')}"


def safe_next(target: str | None) -> str:
    """A local path to go back to after the token form; never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
