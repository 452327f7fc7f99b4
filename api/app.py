"""The HTTP API (DESIGN §8): `create_app(settings)` builds it; nothing is created at import time.

A strict, faithful front to the store: it adds no trust (writes are authorised by signatures,
reads of contents by tokens), hides no failure (every error is an RFC 9457 problem with the
ledger's own code), and answers no client mistake with a 500.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api import problems
from api.routers import entries, log, streams, tlog
from api.settings import Settings
from api.tokens import TokenFile
from ledger.store.application import LedgerStore
from ledger.store.config import Storage
from ledger.store.datadir import open_ledger

DESCRIPTION = """
Integritas: the tamper-evident ledger of Zona Integritas (WBK/WBBM) commitments.

* **Writes** (`POST /v1/entries`) are authorised by the Ed25519 signature of the entry's author
  (DESIGN §3); no token.
* **Reads of entry contents** (entries, streams, keys, entry bundles, export) need
  `Authorization: Bearer <token>` with a read role (auditor, overseer, operator).
* **Public**: log info, checkpoints, hash tiles and proofs.
* **Errors** are `application/problem+json` (RFC 9457) with a stable `code`.

Verify everything offline: `integritas verify <this server's URL> --trust trust.json`.
"""


def open_store(settings: Settings) -> LedgerStore:
    storage = Storage.postgres(settings.postgres_dsn) if settings.postgres_dsn else None
    return open_ledger(settings.ledger_dir, storage=storage)


def create_app(settings: Settings, *, store: LedgerStore | None = None) -> FastAPI:
    """The API over the ledger in `settings.ledger_dir` (or over `store`, for tests)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.store = store or open_store(settings)
        try:
            yield
        finally:
            if store is None:
                app.state.store.close()

    app = FastAPI(title="Integritas", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.tokens = TokenFile(settings.tokens_path)
    problems.install(app)
    for module in (log, entries, streams, tlog):
        # The routes themselves, not include_router(): FastAPI's included-router matching costs more
        # per request than serving a proof (measured with scripts/bench api).
        app.router.routes.extend(module.router.routes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def create_app_from_environment() -> FastAPI:
    """For `uvicorn --factory` with several workers: settings from INTEGRITAS_* variables."""
    return create_app(Settings())  # type: ignore[call-arg]


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
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content["application/problem+json"] = content.pop("application/json")
                if status == "422" and "application/problem+json" not in content:
                    response["content"] = {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }
                    response["description"] = "refused by the ledger's rules"
    app.openapi_schema = schema
    return schema
