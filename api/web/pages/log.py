"""The log page, public: origin, verifier key, checkpoint, the trust anchor and the whole-log download."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.routers.tlog import export as export_archive
from api.web.access import ExportPageReader
from api.web.pages.shared import latest_checkpoint, page_store, router
from api.web.render import render, translator
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.store.reader import LedgerReader


def trust_document(store: LedgerReader, request: Request) -> dict[str, Any]:
    """The trust anchor as trust.json states it, with the ledger's witness policy if it has one."""
    anchor = store.trust_anchor()
    policy = request.app.state.witnessing.policy_text
    if policy is not None:
        anchor = dataclasses.replace(anchor, witness_policy_text=policy)
    return anchor.to_json()


def _witnesses(request: Request) -> dict[str, Any] | None:
    """The ledger's witnesses and who cosigned the checkpoint served now, for the page."""
    witnessing = request.app.state.witnessing
    if witnessing.policy is None:
        return None
    cosigned = witnessing.cosigned()
    return {
        "names": [witness.name for witness in witnessing.policy.witnesses],
        "quorum": witnessing.policy.describe_quorum(of=translator(request).gettext("of")),
        "cosigned_by": witnessing.cosigners(cosigned) if cosigned else [],
        "size": SignedCheckpoint(cosigned).tree_size if cosigned else None,
        "text": cosigned,
    }


@router.get("/log")
def log_page(request: Request) -> HTMLResponse:
    """Origin, verifier key, size and checkpoint, and how to verify the log offline (public)."""
    store = page_store(request)
    checkpoint = latest_checkpoint(store)
    return render(
        request,
        "log.html",
        nav="log",
        trust=trust_document(store, request),
        witnesses=_witnesses(request),
        key_id=store.verifier_key.key_id.hex(),
        checkpoint=checkpoint,
        base_url=str(request.base_url).rstrip("/"),
    )


@router.get("/log/trust.json")
def trust_file(request: Request) -> JSONResponse:
    """The trust anchor as this server states it; compare it with the one the administrator gave you."""
    anchor = trust_document(page_store(request), request)
    return JSONResponse(anchor, headers={"Content-Disposition": 'attachment; filename="trust.json"'})


@router.get("/log/export")
def log_export(request: Request, reader: ExportPageReader) -> Response:
    """The whole log as a tlog-tiles archive (as `GET /v1/export`), for a token held in the cookie."""
    return export_archive(request, page_store(request), reader)
