"""Dependencies shared by the routers: the store (to write), its read interface, and the read-token check."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import Forbidden, Unauthorised
from api.tokens import TokenFile, TokenRecord
from ledger.store.application import LedgerStore
from ledger.store.reader import LedgerReader


async def get_store(request: Request) -> LedgerStore:
    """The app's store, for the route that appends. Routes catch up with other server processes as
    their reads need (`store.refresh()` for the latest, `store.ensure(size)` for a named size or index)."""
    store: LedgerStore = request.app.state.store
    return store


def ledger_reader(request: Request) -> LedgerReader:
    """The app's store as its read interface: what every read route and page uses."""
    store: LedgerReader = request.app.state.store
    return store


async def get_reader(request: Request) -> LedgerReader:
    return ledger_reader(request)


Store = Annotated[LedgerStore, Depends(get_store)]
Reader = Annotated[LedgerReader, Depends(get_reader)]


def bearer_token(request: Request) -> str | None:
    """The token of an `Authorization: Bearer` header, if the request has one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authorised(tokens: TokenFile, token: str | None, roles: tuple[str, ...]) -> TokenRecord:
    """The active record of `token` if its role is one of `roles`; raise unauthorized or forbidden."""
    if token is None:
        raise Unauthorised("this resource needs a bearer token with a read role")
    record = tokens.find(token)
    if record is None:
        raise Unauthorised("the bearer token is not valid (unknown or revoked)")
    if record.role not in roles:
        raise Forbidden(f"role {record.role} may not read this; it needs {' or '.join(roles)}")
    return record


READ_TOKEN = HTTPBearer(
    scheme_name="readToken",
    description="a read token (`integritas tokens add`) with a read role: auditor, overseer or operator",
    auto_error=False,  # a missing token is answered by `authorised` with the API's own problem document
)


def reader(*roles: str) -> Callable[..., Awaitable[TokenRecord]]:
    """A dependency that admits a bearer token holding one of `roles`: 401 without one, 403 otherwise."""

    # async: FastAPI runs a plain `def` dependency in its thread pool, a hop per request for nothing.
    # `_credentials` declares the bearer scheme in the OpenAPI document (Swagger UI's "Authorize");
    # the check itself reads the header as every read does (bearer_token).
    async def check(
        request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(READ_TOKEN)] = None
    ) -> TokenRecord:
        return authorised(request.app.state.tokens, bearer_token(request), roles)

    return check


# Who reads what: entry contents name people, so every read role may see them; the bulk export is
# for those who audit or run the ledger.
ENTRY_READERS = ("auditor", "overseer", "operator")
EXPORT_READERS = ("auditor", "operator")
EntryReader = Annotated[TokenRecord, Depends(reader(*ENTRY_READERS))]
ExportReader = Annotated[TokenRecord, Depends(reader(*EXPORT_READERS))]
