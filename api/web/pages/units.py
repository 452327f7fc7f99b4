"""The units: every unit filtered and sorted, and one unit's page with its history."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web.access import PageError, PageReader
from api.web.pages.shared import Pager, Params, page_store, page_views, router, signers_of, with_holder_names
from api.web.render import render, translator
from ledger.entry import ID_PATTERN, KINDS, SCORE_AREAS
from ledger.errors import NotFound
from projections import queries
from projections.catalog import CATALOG

UNITS_PER_PAGE = 25
HISTORY_PER_PAGE = 50
UNIT_FILTERS = CATALOG["units"].on("web")  # and `sort`, of the page's own choices (UNIT_SORTS)


# The orders the page offers, of the query's (queries.UNIT_ORDERS): stages in the order units pass them.
UNIT_SORTS = ("unit", "name", "type", "progress", "predicate", "coverage")
# Links written before the page offered `progress` sorted by `stage` in the same sense: keep them working.
OLD_UNIT_SORTS = {"stage": "progress"}


@router.get("/units")
def unit_list(request: Request, _: PageReader) -> HTMLResponse:
    """Every unit, filtered by type, stage, predicate and coverage, sorted, a page at a time: each page
    is one answer of the units query, whose digest it shows."""
    params = Params(request)
    try:
        filters: dict[str, Any] = {p.name: params.text(p.name, choices=p.choices or p.presets) for p in UNIT_FILTERS}
        sort = params.text("sort", choices=(*UNIT_SORTS, *OLD_UNIT_SORTS)) or "unit"
        number = params.page()
    except PageError as error:
        # A bad filter value: the error above the form, which keeps the reader's other choices.
        given = {p.name: request.query_params.get(p.name, "") for p in UNIT_FILTERS}
        return _units_page(request, None, given | {"sort": request.query_params.get("sort", "")}, error=error)
    sort = OLD_UNIT_SORTS.get(sort, sort)
    with page_views(request) as views:
        answer = queries.unit_list(
            views,
            **{p.keyword: filters[p.name] for p in UNIT_FILTERS},
            sort=sort,
            offset=(number - 1) * UNITS_PER_PAGE,
            limit=UNITS_PER_PAGE,
        )
    return _units_page(request, answer, {**filters, "sort": sort}, number=number)


def _units_page(
    request: Request,
    answer: dict[str, Any] | None,
    filters: dict[str, Any],
    *,
    number: int = 1,
    error: PageError | None = None,
) -> HTMLResponse:
    return render(
        request,
        "units.html",
        status=error.status if error else 200,
        nav="units",
        as_of=answer["as_of"] if answer else None,
        answer=answer,
        units=answer["data"] if answer else [],
        pager=Pager(number, UNITS_PER_PAGE, answer["page"]["total"] if answer else 0),
        filters=filters,
        choices={p.name: p.choices or p.presets for p in UNIT_FILTERS},
        sorts=UNIT_SORTS,
        error=error,
        csv_url="/units.csv?"
        + urlencode(
            [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", "lang")]
            + [("lang", translator(request).lang)]
        ),
    )


@router.get("/units/{unit}")
def unit_page(unit: str, request: Request, token: PageReader) -> HTMLResponse:
    """One unit: status, results, pact coverage and who lacks a pact, remediation, witnesses, notes, history.

    The status and the page of history are two answers (unit, history), each shown with its digest.
    """
    unit = queries.unit_id(unit)  # ids are lowercase by grammar: /units/DPMPTSP is dpmptsp
    if not ID_PATTERN.fullmatch(unit):
        raise PageError(404, "Unit {unit} is not registered.", unit=unit)
    params = Params(request)
    kind = params.text("kind", choices=KINDS)
    pager = Pager(params.page(), HISTORY_PER_PAGE, 0)
    with page_views(request) as views:
        try:
            status = queries.unit_status(views, unit)
        except NotFound:
            raise PageError(404, "Unit {unit} is not registered.", unit=unit) from None
        history = queries.unit_history(views, unit, kind=kind, order="newest", offset=pager.offset, limit=pager.size)
    pager = Pager(pager.number, pager.size, history["page"]["total"])
    u = status["data"]
    # Ages are counted to the day of the log's last entry, as the remediation question counts them.
    today = queries.default_on(status["as_of"])
    remediation = [
        {**item, "age_days": (today - date.fromisoformat(item["opened_at"][:10])).days if today else None}
        for item in u["remediation_open"]
    ]
    witnesses = (u["declaration"] or {}).get("witnesses", [])
    store = page_store(request)
    signers = signers_of(
        store,
        [row["signer"] for row in history["data"]]
        + [w["signer"] for w in witnesses]
        + [n["signer"] for n in u["oversight_notes"]]
        + [c["signer"] for c in u.get("cases", [])],
    )
    signers = with_holder_names(request, token, signers, f"page /units/{unit}: who signed")
    policy = store.policy()
    return render(
        request,
        "unit.html",
        nav="units",
        as_of=status["as_of"],
        unit_answer=status,
        u=u,
        remediation=remediation,
        counted_to=today,
        witnesses=witnesses,
        history=history,
        pager=pager,
        signers=signers,
        areas=SCORE_AREAS,
        weights={area: f"{w}" for area, w in policy.weights.items()} if policy else {},
        kind=kind,
        kinds=KINDS,
    )
