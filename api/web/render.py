"""Rendering the pages: Jinja2 templates, the language of a request, and the headers every page carries.

Every page goes out with a Content Security Policy that allows scripts and styles from this origin
only (`script-src 'self'`, `style-src 'self'`): the templates hold no inline script, no inline
style and no style attribute, and the charts are inline SVG drawn with presentation attributes.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from api.sessions import current_session
from api.web.access import current_reader
from api.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, Translator
from ledger.crypto.keys import encode_base64
from projections.offline import digest_command

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
LANG_COOKIE = "integritas_lang"

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    # Pages show names and employee numbers: no shared or back-button cache keeps them.
    "Cache-Control": "no-store",
}

environment = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html", "svg"]),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
)
environment.filters["b64"] = encode_base64
environment.globals["digest_command"] = digest_command


@dataclass(frozen=True)
class Asset:
    """A static file, read once: its bytes, media type and ETag."""

    body: bytes
    media_type: str
    etag: str


MEDIA_TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
}


def _load_assets() -> dict[str, Asset]:
    assets = {}
    for path in sorted(STATIC.iterdir()):
        if path.suffix in MEDIA_TYPES:
            body = path.read_bytes()
            assets[path.name] = Asset(body, MEDIA_TYPES[path.suffix], f'"{hashlib.sha256(body).hexdigest()[:16]}"')
    return assets


ASSETS = _load_assets()


def asset_url(name: str) -> str:
    """The URL of a static file, versioned by its content so a new release is fetched at once."""
    return f"/static/{name}?v={ASSETS[name].etag.strip(chr(34))[:10]}"


def language(request: Request) -> str:
    """`?lang=` if given, else the language cookie, else Indonesian."""
    wanted = request.query_params.get("lang")
    if wanted in LANGUAGES:
        return str(wanted)
    cookie = request.cookies.get(LANG_COOKIE)
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def translator(request: Request) -> Translator:
    return Translator(language(request))


def url_with(request: Request, **changes: Any) -> str:
    """This page's URL with some query parameters changed (None removes one)."""
    params = {k: v for k, v in request.query_params.items() if k not in changes}
    params.update({k: v for k, v in changes.items() if v is not None and v != ""})
    query = urlencode(params)
    return local_path(request) + (f"?{query}" if query else "")


def local_path(request: Request) -> str:
    """The request's path as a link that stays on this origin: a path of `//host/x` (or `/\\host/x`,
    which browsers read alike) would be a link to another site (RFC 3986 §4.2, network-path reference)."""
    return "/" + request.url.path.lstrip("/\\")


def invented(origin: str) -> bool:
    """Whether a log's origin lies under a domain reserved for examples (RFC 2606 §2-3): such a log is
    no real register, so its pages say that its people, numbers and decisions are invented (the demo)."""
    labels = origin.split("/", 1)[0].lower().rstrip(".").split(".")
    return labels[-1] == "example" or labels[-2:] in (["example", "com"], ["example", "net"], ["example", "org"])


def render(request: Request, template: str, *, status: int = 200, nav: str = "", **context: Any) -> HTMLResponse:
    """Render `template` for `request`, with the page headers, in the request's language."""
    t = translator(request)
    store = getattr(request.app.state, "store", None)
    page = environment.get_template(template).render(
        request=request,
        t=t,
        _=t.gettext,
        lang=t.lang,
        nav=nav,
        asset=asset_url,
        url_with=lambda **changes: url_with(request, **changes),
        reader=current_reader(request),
        key_session=current_session(request),
        ledger_name=(store.ledger_name() if store is not None else None) or "Integritas",
        demo=store is not None and invented(store.origin),
        **context,
    )
    response = HTMLResponse(page, status_code=status, headers=PAGE_HEADERS)
    if request.query_params.get("lang") in LANGUAGES:
        response.set_cookie(
            LANG_COOKIE, t.lang, max_age=365 * 24 * 3600, path="/", samesite="lax", secure=_secure(request)
        )
    return response


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"
