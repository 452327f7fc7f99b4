"""`/docs`: Swagger UI 5, served by this app with the files the `fastapi-offline` package ships, never
from a CDN, so the API's documentation works on an intranet without the internet (issue 14). No ReDoc:
its page loads its logo from its vendor's CDN whatever its options. Swagger UI 5 reads OpenAPI 3.1,
which FastAPI writes. "Authorize" takes a read token: the OpenAPI document declares the bearer scheme
on every route that needs one (api.deps.READ_TOKEN)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

from fastapi import APIRouter
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse, Response

from ledger import codes
from ledger.errors import NotFound

router = APIRouter(include_in_schema=False)

ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "favicon.png": "image/png",
}
"""The package's files the pages load, by name: nothing else is served."""
PREFIX = "/docs/static/"


@cache
def _asset(name: str) -> bytes:
    return (files("fastapi_offline") / "static" / name).read_bytes()


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Integritas API",
        swagger_js_url=PREFIX + "swagger-ui-bundle.js",
        swagger_css_url=PREFIX + "swagger-ui.css",
        swagger_favicon_url=PREFIX + "favicon.png",
        oauth2_redirect_url="/docs/oauth2-redirect",
    )


@router.get("/docs/oauth2-redirect")
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get(PREFIX + "{name}")
def docs_asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        raise NotFound(f"no file {name} in the API documentation", code=codes.NOT_FOUND)
    return Response(_asset(name), media_type=media_type, headers={"Cache-Control": "public, max-age=86400"})
