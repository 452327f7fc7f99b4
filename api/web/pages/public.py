"""The public pages (issue 14): no token, no personal data; every unit's stage, predicate and decrees,
and per designated unit a printable plaque whose QR code opens a page that verifies the designation in
the visitor's own browser against the log's verifier key (and witness quorum) of trust.json.

Each page shows one public answer (projections.public), whose as_of and digest it prints.
"""

from __future__ import annotations

import json
from typing import Any

import segno
from fastapi import Request
from fastapi.responses import HTMLResponse
from markupsafe import Markup

from api.routers.public import check_document
from api.web.access import PageError
from api.web.charts import bar_chart
from api.web.pages.log import trust_document
from api.web.pages.shared import Params, page_store, page_views, router
from api.web.render import render, translator
from ledger import codes
from ledger.entry import ID_PATTERN, STAGES, UNIT_TYPES
from ledger.errors import NotFound
from projections import public
from projections.catalog import PREDICATES

PLAQUE_SIZES = ("a4", "a5")


def _unit(unit: str) -> str:
    if not ID_PATTERN.fullmatch(unit):
        raise PageError(404, "Unit {unit} is not registered.", unit=unit)
    return unit


def _public_unit(request: Request, unit: str) -> dict[str, Any]:
    with page_views(request) as views:
        try:
            return public.public_unit(views, _unit(unit))
        except NotFound:
            raise PageError(404, "Unit {unit} is not registered.", unit=unit) from None


@router.get("/public")
def public_overview(request: Request) -> HTMLResponse:
    """Counts by stage and predicate, pact coverage in total, the decrees: for anyone."""
    t = translator(request)
    with page_views(request) as views:
        overview = public.public_overview(views)
    counts = overview["data"]
    stage_chart = bar_chart(
        t.gettext("Units by stage"),
        [(s, t.label("stage", s), counts["by_stage"][s], f"/public/units?stage={s}") for s in STAGES],
    )
    predicate_chart = bar_chart(
        t.gettext("Units by predicate"),
        [(p, t.label("predicate", p), counts["by_predicate"][p], f"/public/units?predicate={p}") for p in PREDICATES],
    )
    return render(
        request,
        "public_overview.html",
        nav="public",
        as_of=overview["as_of"],
        answer=overview,
        counts=counts,
        stage_chart=stage_chart,
        predicate_chart=predicate_chart,
    )


@router.get("/public/units")
def public_units(request: Request) -> HTMLResponse:
    """Every unit with its stage, predicate and latest decree; filtered by stage, predicate or type."""
    params = Params(request)
    filters = {
        "stage": params.text("stage", choices=STAGES),
        "predicate": params.text("predicate", choices=PREDICATES),
        "type": params.text("type", choices=UNIT_TYPES),
    }
    with page_views(request) as views:
        answer = public.public_units(views)
    rows = [u for u in answer["data"] if all(v is None or u[k] == v for k, v in filters.items())]
    return render(
        request,
        "public_units.html",
        nav="public",
        as_of=answer["as_of"],
        answer=answer,
        units=rows,
        filters=filters,
        choices={"stage": STAGES, "predicate": PREDICATES, "type": UNIT_TYPES},
    )


@router.get("/public/units/{unit}")
def public_unit(unit: str, request: Request) -> HTMLResponse:
    """One unit: stage, predicate, decrees, pact coverage as counts, monitoring years; its plaque."""
    answer = _public_unit(request, unit)
    designation, revocation = public.plaque_records(answer["data"])
    return render(
        request,
        "public_unit.html",
        nav="public",
        as_of=answer["as_of"],
        answer=answer,
        u=answer["data"],
        checkable=designation is not None,
        holds=designation is not None and revocation is None,
    )


@router.get("/public/decrees")
def public_decrees(request: Request) -> HTMLResponse:
    """Every decree of designation and revocation: number, date, the digest of its document."""
    with page_views(request) as views:
        answer = public.public_decrees(views)
    return render(request, "public_decrees.html", nav="public", as_of=answer["as_of"], answer=answer)


def check_url(request: Request, unit: str) -> str:
    """The absolute URL of a unit's check page, as this server is reached (what the QR code holds)."""
    return f"{str(request.base_url).rstrip('/')}/public/units/{unit}/check"


def qr_svg(text: str) -> Markup:
    """`text` as a QR code (ISO/IEC 18004) in inline SVG; error correction M survives a worn print."""
    code = segno.make_qr(text, error="m")
    return Markup(code.svg_inline(scale=4, border=4, dark="#000", light="#fff", omitsize=True))


@router.get("/public/units/{unit}/plaque")
def plaque(unit: str, request: Request) -> HTMLResponse:
    """A printable plaque (A4 or A5) for a unit holding a predicate, its QR code opening the check page."""
    size = Params(request).text("size", choices=PLAQUE_SIZES) or "a4"
    answer = _public_unit(request, unit)
    designation, revocation = public.plaque_records(answer["data"])
    if designation is None or revocation is not None or answer["data"]["predicate"] == "none":
        raise PageError(404, "Unit {unit} holds no predicate: there is no plaque to print.", unit=unit)
    url = check_url(request, unit)
    return render(
        request,
        "public_plaque.html",
        nav="public",
        as_of=answer["as_of"],
        answer=answer,
        u=answer["data"],
        designation=designation,
        size=size,
        check_url=url,
        qr=qr_svg(url),
    )


@router.get("/public/units/{unit}/check")
def check(unit: str, request: Request) -> HTMLResponse:
    """The plaque's QR target: the designation (and any revocation) verified in the visitor's browser
    against the verifier key of this log's trust.json, which the page shows to be compared."""
    try:
        document = check_document(request, _unit(unit))
    except NotFound as exc:
        if exc.code == codes.NOT_DESIGNATED:
            raise PageError(404, "Unit {unit} has no decree of designation.", unit=unit) from None
        raise PageError(404, "Unit {unit} is not registered.", unit=unit) from None
    return render(
        request,
        "public_check.html",
        nav="public",
        as_of=document["unit"]["as_of"],
        answer=document["unit"],
        u=document["unit"]["data"],
        document=document,
        trust_text=json.dumps(trust_document(page_store(request), request), indent=2),
    )
