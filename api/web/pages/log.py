"""The log page, public: origin, verifier key, checkpoint, the trust anchor and the whole-log download."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.routers.tlog import export as export_archive
from api.web.access import ExportPageReader
from api.web.pages.shared import latest_checkpoint, page_store, router
from api.web.render import render


@router.get("/log")
def log_page(request: Request) -> HTMLResponse:
    """Origin, verifier key, size and checkpoint, and how to verify the log offline (public)."""
    store = page_store(request)
    checkpoint = latest_checkpoint(store)
    return render(
        request,
        "log.html",
        nav="log",
        trust=store.trust_anchor().to_json(),
        key_id=store.verifier_key.key_id.hex(),
        checkpoint=checkpoint,
        base_url=str(request.base_url).rstrip("/"),
    )


@router.get("/log/trust.json")
def trust_file(request: Request) -> JSONResponse:
    """The trust anchor as this server states it; compare it with the one the administrator gave you."""
    anchor = page_store(request).trust_anchor()
    return JSONResponse(anchor.to_json(), headers={"Content-Disposition": 'attachment; filename="trust.json"'})


@router.get("/log/export")
def log_export(request: Request, reader: ExportPageReader) -> Response:
    """The whole log as a tlog-tiles archive (as `GET /v1/export`), for a token held in the cookie."""
    return export_archive(page_store(request), reader)
