"""The pages' own CSS and scripts."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from api.web.access import PageError
from api.web.pages.shared import router
from api.web.render import ASSETS


@router.get("/static/{name}")
def static_file(name: str, request: Request) -> Response:
    """The pages' own CSS and scripts (no third-party assets), with ETags; immutable when versioned."""
    asset = ASSETS.get(name)
    if asset is None:
        raise PageError(404, "There is no page at this address.")
    versioned = request.query_params.get("v") == asset.etag.strip('"')[:10]
    headers = {
        "ETag": asset.etag,
        "Cache-Control": "public, max-age=31536000, immutable" if versioned else "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(status_code=304, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
