"""Reports for paper and spreadsheets: a printable report of a unit and of an oversight question,
stamped with the log size, root hash, each answer's digest and the command that recomputes it; the
units list and a unit's history as CSV files in the page's language (api.web.spreadsheet).

A report is a page like the others (print stylesheet: app.css, "Print"), with every row of its
answers rather than a page of them, so that the printed copy is the whole answer its digest covers.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.web.access import PageError, PageReader
from api.web.pages.oversight import every_row, question_named
from api.web.pages.shared import Params, page_store, page_views, router, signers_of
from api.web.pages.units import UNIT_FILTERS, UNIT_SORTS
from api.web.render import render, translator
from api.web.spreadsheet import Field, Sheet, csv_response
from ledger.entry import ID_PATTERN, KINDS
from ledger.errors import NotFound
from projections import queries
from projections.queries import DatabaseViews

# The units list's file: the page's columns, a unit's name beside its id and pact coverage spread out.
UNIT_COLUMNS = (
    ("unit", "Unit", "unit"),
    ("type", "Type", "label:type"),
    ("agency", "Agency", "text"),
    ("stage", "Stage", "label:stage"),
    ("stage_since", "Stage since", "day"),
    ("track", "Track", "label:track"),
    ("predicate", "Predicate", "label:predicate"),
    ("coverage", "Pact coverage", "percent"),
    ("valid", "Valid pacts", "number"),
    ("headcount", "Headcount", "number"),
    ("last_activity", "Last activity", "activity"),
)
HISTORY_COLUMNS = (
    ("index", "Record", "record"),
    ("at", "Time (WIB)", "when"),
    ("kind", "Kind", "label:kind"),
    ("stream", "Stream", "text"),
    ("signer", "Signer", "signer"),
    ("summary", "Details", "summary"),
)
REPORT_HISTORY = queries.MAX_PAGE  # the newest lines of a unit's history a report prints


def _every_unit(views: DatabaseViews, filters: dict[str, Any], sort: str) -> tuple[list[Any], list[Any]]:
    rows: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    while True:
        answer = queries.unit_list(
            views,
            **{p.keyword: filters[p.name] for p in UNIT_FILTERS},
            sort=sort,
            offset=len(rows),
            limit=queries.MAX_PAGE,
        )
        answers.append(answer)
        rows += answer["data"]
        if not answer["data"] or len(rows) >= answer["page"]["total"]:
            return rows, answers


@router.get("/units.csv")
def units_csv(request: Request, _: PageReader) -> Response:
    """Every unit with the units page's filters and sort, as a CSV file in the page's language."""
    params = Params(request)
    filters = {p.name: params.text(p.name, choices=p.choices or p.presets) for p in UNIT_FILTERS}
    sort = params.text("sort", choices=UNIT_SORTS) or "unit"
    t = translator(request)
    with page_views(request) as views:
        units, answers = _every_unit(views, filters, sort)
    rows = [
        {
            **u,
            "coverage": u["pact_coverage"]["ratio"],
            "valid": u["pact_coverage"]["valid"],
            "headcount": u["pact_coverage"]["headcount"],
        }
        for u in units
    ]
    sheet = Sheet(t)
    fields = [field for column in UNIT_COLUMNS for field in sheet.fields(*column)]
    size = answers[-1]["as_of"]["tree_size"]
    return csv_response(t, fields, rows, answers, f"integritas-units-{size}-{t.lang}.csv")


def _unit(unit: str) -> str:
    if not ID_PATTERN.fullmatch(unit):
        raise PageError(404, "Unit {unit} is not registered.", unit=unit)
    return unit


def _history(views: DatabaseViews, unit: str, kind: str | None, limit: int | None) -> tuple[list[Any], list[Any]]:
    """The unit's history newest first, of `kind` if given: every line, or the newest `limit`."""
    rows: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    while True:
        try:
            answer = queries.unit_history(
                views, unit, kind=kind, order="newest", offset=len(rows), limit=queries.MAX_PAGE
            )
        except NotFound:
            raise PageError(404, "Unit {unit} is not registered.", unit=unit) from None
        answers.append(answer)
        rows += answer["data"]
        if not answer["data"] or len(rows) >= answer["page"]["total"] or (limit and len(rows) >= limit):
            return rows, answers


@router.get("/units/{unit}/history.csv")
def unit_history_csv(unit: str, request: Request, _: PageReader) -> Response:
    """A unit's whole history, newest first, of one kind if `kind` says, as a CSV file."""
    kind = Params(request).text("kind", choices=KINDS)
    t = translator(request)
    with page_views(request) as views:
        rows, answers = _history(views, _unit(unit), kind, None)
        names = views.unit_names()
    sheet = Sheet(t, names, signers_of(page_store(request), [row["signer"] for row in rows]))
    fields = [field for column in HISTORY_COLUMNS for field in sheet.fields(*column)]
    fields.insert(4, Field(t.gettext("Unit name"), lambda row: names.get(row.get("unit") or "", "")))
    fields.insert(4, Field(t.gettext("Unit id"), lambda row: row.get("unit") or ""))
    size = answers[-1]["as_of"]["tree_size"]
    return csv_response(t, fields, rows, answers, f"integritas-{unit}-history-{size}-{t.lang}.csv")


@router.get("/units/{unit}/report")
def unit_report(unit: str, request: Request, _: PageReader) -> HTMLResponse:
    """A unit on paper: its status, decrees, cases, notes, open remediation and its newest history,
    stamped with the log size, root, and each answer's digest and command."""
    kind = Params(request).text("kind", choices=KINDS)
    with page_views(request) as views:
        try:
            status = queries.unit_status(views, _unit(unit))
        except NotFound:
            raise PageError(404, "Unit {unit} is not registered.", unit=unit) from None
        history, answers = _history(views, unit, kind, REPORT_HISTORY)
    u = status["data"]
    signers = signers_of(
        page_store(request),
        [row["signer"] for row in history]
        + [n["signer"] for n in u["oversight_notes"]]
        + [c["signer"] for c in u.get("cases", [])],
    )
    return render(
        request,
        "report_unit.html",
        nav="units",
        as_of=status["as_of"],
        u=u,
        kind=kind,
        history=history[:REPORT_HISTORY],
        total=answers[-1]["page"]["total"],
        answers=[status, *answers],
        signers=signers,
    )


@router.get("/oversight/{name}/report")
def oversight_report(name: str, request: Request, _: PageReader) -> HTMLResponse:
    """An oversight question on paper: its filters in words, every row, and the stamp."""
    question = question_named(name)
    params = Params(request)
    if question.query.subject is not None and not request.query_params.get(question.query.subject.name):
        raise PageError(400, "Give a signer's fingerprint to see their activity.")
    with page_views(request) as views:
        rows, answers = every_row(question, views, params)
    signers = signers_of(page_store(request), [row["signer"] for row in rows if "signer" in row])
    given = [(f, request.query_params[f.name]) for f in question.filters if request.query_params.get(f.name)]
    return render(
        request,
        "report_oversight.html",
        nav="oversight",
        as_of=answers[-1]["as_of"],
        question=question,
        given=given,
        rows=rows,
        answers=answers,
        signers=signers,
    )
