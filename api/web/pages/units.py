"""The units: every unit filtered and sorted, and one unit's page with its history."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.web.access import PageError, PageReader
from api.web.pages.shared import Pager, Params, page_store, page_views, router, signers_of
from api.web.render import render
from ledger.entry import ID_PATTERN, SCORE_AREAS, STAGES
from projections import queries
from projections.catalog import CATALOG, PREDICATES

UNITS_PER_PAGE = 25
HISTORY_PER_PAGE = 50
UNIT_FILTERS = CATALOG["units"].on("web")  # the page sorts by itself (UNIT_SORTS)


UNIT_SORTS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "unit": lambda u: u["unit"],
    "name": lambda u: (u["name"], u["unit"]),
    "type": lambda u: (u["type"], u["name"]),
    "stage": lambda u: (STAGES.index(u["stage"]), u["unit"]),
    "predicate": lambda u: (-PREDICATES.index(u["predicate"]), u["unit"]),
    "coverage": lambda u: (Decimal(u["pact_coverage"]["ratio"]), u["unit"]),
}


@router.get("/units")
def unit_list(request: Request, _: PageReader) -> HTMLResponse:
    """Every unit, filtered by type, stage, predicate and coverage, sorted, a page at a time."""
    params = Params(request)
    filters: dict[str, Any] = {p.name: params.text(p.name, choices=p.choices or p.presets) for p in UNIT_FILTERS}
    sort = params.text("sort", choices=tuple(UNIT_SORTS)) or "unit"
    number = params.page()
    views = page_views(request)
    # The query filters; the page sorts, since people want stages in the order of the stage machine.
    rows: list[dict[str, Any]] = []
    while True:
        answer = queries.unit_list(
            views, **{p.keyword: filters[p.name] for p in UNIT_FILTERS}, offset=len(rows), limit=queries.MAX_PAGE
        )
        rows += answer["data"]
        if len(rows) >= answer["page"]["total"] or not answer["data"]:
            break
    rows.sort(key=UNIT_SORTS[sort])
    pager = Pager(number, UNITS_PER_PAGE, len(rows))
    return render(
        request,
        "units.html",
        nav="units",
        as_of=answer["as_of"],
        units=rows[pager.offset : pager.last],
        pager=pager,
        filters={**filters, "sort": sort},
        choices={p.name: p.choices or p.presets for p in UNIT_FILTERS},
        sorts=tuple(UNIT_SORTS),
    )


@router.get("/units/{unit}")
def unit_page(unit: str, request: Request, _: PageReader) -> HTMLResponse:
    """One unit: status, results, pact coverage and who lacks a pact, remediation, witnesses, notes, history."""
    if not ID_PATTERN.fullmatch(unit):
        raise PageError(404, "Unit {unit} is not registered.", unit=unit)
    views = page_views(request)
    status = views.unit(unit)
    if status is None:
        raise PageError(404, "Unit {unit} is not registered.", unit=unit)
    pager = Pager(Params(request).page(), HISTORY_PER_PAGE, 0)
    total, history = views.history(unit=unit, offset=pager.offset, limit=pager.size)
    pager = Pager(pager.number, pager.size, total)
    today = date.today()
    remediation = [
        {**item, "age_days": (today - date.fromisoformat(item["opened_at"][:10])).days}
        for item in status["remediation_open"]
    ]
    witnesses = (status["declaration"] or {}).get("witnesses", [])
    store = page_store(request)
    signers = signers_of(
        store,
        [row["signer"] for row in history]
        + [w["signer"] for w in witnesses]
        + [n["signer"] for n in status["oversight_notes"]],
    )
    policy = store.policy()
    return render(
        request,
        "unit.html",
        nav="units",
        as_of=views.as_of(),
        u=status,
        remediation=remediation,
        witnesses=witnesses,
        history=history,
        pager=pager,
        signers=signers,
        areas=SCORE_AREAS,
        weights={area: f"{w}" for area, w in policy.weights.items()} if policy else {},
    )
