"""The evidence page: a document checked against an assessment's `evidence` in the browser, hashed
there and never uploaded (ledger.evidence; docs/how-to/prove-a-document.md). It reads the record
through the record pages' own entry route, so it needs the same read access as they do."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web.access import PageReader
from api.web.pages.shared import Params, router
from api.web.render import render

NO_RECORD = -1


@router.get("/evidence")
def evidence_page(request: Request, _: PageReader) -> HTMLResponse:
    """Pick a document, the assessors' manifest and a record: the browser checks one against the other."""
    params = Params(request)
    record = params.integer("record", NO_RECORD, 0, 2**63 - 1)
    return render(
        request,
        "evidence.html",
        record=None if record == NO_RECORD else record,
        item=params.text("item") or "",
    )
