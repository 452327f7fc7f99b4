"""The bundle page, public: a record's proof and leaf checked in the browser, never uploaded."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web.pages.shared import router
from api.web.render import render


@router.get("/verify")
def bundle_page(request: Request) -> HTMLResponse:
    """Verify a record bundle and its leaf from disk, in the browser; nothing is uploaded (public)."""
    return render(request, "verify.html", nav="verify")
