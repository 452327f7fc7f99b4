"""The HTTP API (DESIGN §8): `create_app(settings)` builds it; nothing is created at import time.

A strict, faithful front to the store: it adds no trust (writes are authorised by signatures,
reads of contents by tokens), hides no failure (every error is an RFC 9457 problem with the
ledger's own code), and answers no client mistake with a 500.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from eventsourcing import persistence as es_persistence
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import observability, problems, web
from api.routers import docs, entries, log, personal_data, public, sessions, streams, tlog, views
from api.routers.personal_data import finish_erasures_cut_short
from api.routing import direct_routes_first
from api.sessions import SESSION_COOKIE, Sessions
from api.settings import Settings
from api.tokens import TokenFile
from api.views import ViewService
from api.web import feeds
from api.web.access import TOKEN_COOKIE
from ledger.store.application import LedgerStore
from ledger.store.config import Storage
from ledger.store.datadir import open_ledger
from witness.server import Witnessing

logger = logging.getLogger(__name__)

DESCRIPTION = """
Integritas: the tamper-evident ledger of Zona Integritas (WBK/WBBM) commitments.

* **Writes** (`POST /v1/entries`) are authorised by the Ed25519 signature of the entry's author
  (DESIGN §3); no token.
* **Reads of entry contents** (entries, streams, keys, entry bundles, export) need
  `Authorization: Bearer <token>` with a read role (auditor, overseer, operator).
* **Public**: log info, checkpoints, hash tiles and proofs, and `/v1/public/...`: every unit's stage,
  predicate and decrees, with no personal data.
* **Try it here**: "Authorize" takes a read token (the bearer scheme of the routes that need one).
* **Errors** are `application/problem+json` (RFC 9457) with a stable `code`.

Verify everything offline: `integritas verify <this server's URL> --trust trust.json`.
"""


class HeadAsGet:
    """Answer HEAD like GET without the body (RFC 9110 §9.3.2); FastAPI routes list GET only."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_without_body(message: Any) -> None:
            if message["type"] == "http.response.body":
                message = {"type": "http.response.body", "body": b"", "more_body": message.get("more_body", False)}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_without_body)


class ResponseHeaders:
    """Headers every answer carries: `nosniff` (a JSON or text answer is never run as a script or
    page, Fetch §3.5), and `Cache-Control: no-store` on anything answered to a request that presents a
    read token (bearer header or the pages' cookie), so no shared or browser cache keeps token-gated
    data (RFC 9111 §5.2.2.5)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        names = {name for name, _ in scope["headers"]}
        cookies = b"".join(value for name, value in scope["headers"] if name == b"cookie")
        credentialed = (
            b"authorization" in names
            or TOKEN_COOKIE.encode() + b"=" in cookies
            or SESSION_COOKIE.encode() + b"=" in cookies
        )

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-content-type-options"]
                headers.append((b"x-content-type-options", b"nosniff"))
                if credentialed:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def open_store(settings: Settings) -> LedgerStore:
    storage = Storage.postgres(settings.postgres_dsn) if settings.postgres_dsn else None
    return open_ledger(settings.ledger_dir, storage=storage, allow_open_key_file=settings.allow_open_key_file)


STARTUP_ATTEMPTS = 5
STARTUP_DELAY = 0.5  # seconds before the second attempt, doubling after each


async def _start(settings: Settings, given: LedgerStore | None) -> tuple[LedgerStore, ViewService | None]:
    """Open the store and the views, trying again on a transient database error.

    uvicorn stops the whole server, every worker, when one worker's start fails. A database that is
    restarting, a lock or a deadlock between workers starting together fails one start, not the next
    (two such races were found and fixed: tests/e2e/test_view_tables_race.py); anything else, or the
    last attempt, fails the start as before."""
    for attempt in range(1, STARTUP_ATTEMPTS + 1):
        store = None
        try:
            store = given or open_store(settings)
            finish_erasures_cut_short(store, settings.ledger_dir)  # issue 15: a crash after an erasure entry
            # Views live in the ledger's database; a store kept in memory (tests) has none.
            views = ViewService(store.storage, store.origin) if store.storage.kind != "memory" else None
            return store, views
        except Exception as error:
            if attempt == STARTUP_ATTEMPTS or not _transient(error):
                raise
            logger.warning(
                "start failed (%s: %s); attempt %d of %d", type(error).__name__, error, attempt, STARTUP_ATTEMPTS
            )
            if store is not None and given is None:
                store.close()
            await asyncio.sleep(STARTUP_DELAY * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # the last attempt returns or raises


def _transient(error: Exception) -> bool:
    """A database error that another attempt may not meet: eventsourcing's wrappings of the driver's
    operational errors, psycopg's own (the writer lock's connection), SQLite's "database is locked"."""
    transient: tuple[type[Exception], ...] = (
        es_persistence.OperationalError,
        es_persistence.InternalError,
        es_persistence.InterfaceError,
        sqlite3.OperationalError,
    )
    try:
        import psycopg
    except ImportError:  # pragma: no cover - installed with the server
        pass
    else:
        transient += (psycopg.OperationalError, psycopg.InternalError)
    return isinstance(error, transient)


def _witnessing(settings: Settings, store: LedgerStore) -> Witnessing:
    """Submit checkpoints to the ledger's witnesses (DIR/witness-policy), in threads of their own."""

    def latest() -> str | None:
        store.refresh()  # never waits for a writer: it skips when one holds the lock
        return store.latest_checkpoint() if store.size else None

    witnessing = Witnessing(settings.ledger_dir, latest, store.consistency_proof)
    witnessing.start()
    return witnessing


def create_app(settings: Settings, *, store: LedgerStore | None = None) -> FastAPI:
    """The API over the ledger in `settings.ledger_dir` (or over `store`, for tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store, views = await _start(settings, store)
        app.state.reads_on_loop = app.state.store.reader_on_loop()  # PostgreSQL's entry reads
        if views is not None:
            views.start()
        app.state.views = views
        app.state.witnessing = _witnessing(settings, app.state.store)
        if app.state.witnessing.configured:  # witness lag for /metrics and /healthz (api.observability)
            app.state.witness_sizes = app.state.witnessing.witness_sizes
        try:
            yield
        finally:
            if app.state.reads_on_loop is not None:
                try:
                    await asyncio.wait_for(app.state.reads_on_loop.close(), 5)
                except Exception as error:  # the stops below run whatever became of these connections
                    logger.warning("entry-read connections not closed (%s)", type(error).__name__)
            app.state.witnessing.stop()
            if views is not None:
                views.stop()
            if store is None:
                app.state.store.close()

    # /docs with files of the fastapi-offline package (api.routers.docs), not FastAPI's CDN links; no /redoc.
    app = FastAPI(
        title="Integritas",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        # No OpenTelemetry (metrics are Prometheus's, api.observability): without this FastAPI asks
        # the global providers on every request whether to trace it.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.settings = settings
    app.state.tokens = TokenFile(settings.tokens_path)
    app.state.sessions = Sessions(settings.ledger_dir)  # signing in with a key (issue 13)
    problems.install(app)
    for module in (log, entries, streams, sessions, tlog, views, public, docs, personal_data, web, feeds):
        # The routes themselves, not include_router(): FastAPI's included-router matching costs more
        # per request than serving a proof (measured with scripts/bench api).
        app.router.routes.extend(module.router.routes)
    direct_routes_first(app.router.routes)
    web.install(app)  # error pages for the web pages; problem documents stay for the API
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(HeadAsGet)
    app.add_middleware(ResponseHeaders)
    observability.install(app)  # access log, /metrics, /healthz; outermost, to log HEAD as HEAD
    return app


def create_app_from_environment() -> FastAPI:
    """For `uvicorn --factory` with several workers: settings from INTEGRITAS_* variables."""
    settings = Settings()  # type: ignore[call-arg]
    if settings.access_log:
        observability.configure_access_log()
    return create_app(settings)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """OpenAPI with problem documents under their own media type, application/problem+json."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    from api.schemas import Problem, Submission

    for model in (Submission, Problem):
        for name, definition in (
            model.model_json_schema(ref_template="#/components/schemas/{model}").get("$defs", {}).items()
        ):
            components.setdefault(name, definition)
        components.setdefault(model.__name__, model.model_json_schema(ref_template="#/components/schemas/{model}"))
        components[model.__name__].pop("$defs", None)
    problem_content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            # FastAPI documents a 422 "Validation Error" for every route with parameters; this API
            # answers a bad parameter with 400 invalid_request instead.
            if responses.get("422", {}).get("description") == "Validation Error":
                del responses["422"]
                responses.setdefault("400", {"description": "a parameter is not valid (code invalid_request)"})
            for status, response in responses.items():
                content = response.get("content", {})
                if status[0] in "45":
                    response["content"] = problem_content  # whatever the route's own media type
                elif (
                    len(content) > 1 and "application/json" in content and not content["application/json"].get("schema")
                ):
                    del content["application/json"]  # a text or binary route's default JSON entry
    app.openapi_schema = schema
    return schema
