"""The oversight pages: one per question of the query catalog, with its filters, a page of its answer
at a time, and every row as CSV.

The filters, columns and labels come from `projections.catalog`; this module only says how a page
reads a filter from its query string (a date field, a list of choices, a number field).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from api.web.access import PageError, PageReader
from api.web.i18n import LANGUAGES
from api.web.pages.shared import (
    Pager,
    Params,
    page_store,
    page_views,
    router,
    signers_of,
    with_holder_names,
    with_unit_names,
)
from api.web.render import render, translator
from api.web.spreadsheet import Sheet, csv_response, neutralised
from ledger.errors import LedgerError
from projections import catalog, people, queries
from projections.offline import digest_command
from projections.queries import DatabaseViews

ROWS_PER_PAGE = 25
NAMED = frozenset(("failed-reviews",))  # answers whose rows name units by id only: the page adds their names


@dataclass(frozen=True)
class Filter:
    """A filter field of a question's form."""

    name: str
    label: str
    kind: str  # the catalog parameter's widget: "int", "year", "date", "choice:<label category>", "unit", "fingerprint"
    choices: tuple[str, ...] = ()
    default: str = ""  # what the field shows when the query string does not set it


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # how the template shows it (macros.cell)


@dataclass(frozen=True)
class Question:
    """An oversight question as its page shows it; its words are the catalog's English (i18n translates)."""

    query: catalog.Query
    name: str
    title: str
    description: str
    filters: tuple[Filter, ...]
    columns: tuple[Column, ...]

    def run(self, views: DatabaseViews, params: Params, offset: int, limit: int) -> dict[str, Any]:
        """The answer to the question with the page's filters, rows `offset` to `offset + limit`."""
        query = self.query
        subject: list[Any] = []
        options: dict[str, Any] = {}
        for param in query.on("web"):
            value = _read(param, query.defaults[param.name], params)
            if param.subject:
                subject.append(value)
            else:
                options[param.keyword] = value
        answer = query.runner(views, *subject, **options, offset=offset, limit=limit)
        return with_unit_names(answer, views.unit_names()) if query.name in NAMED else answer


def _carried(request: Request, **extra: str) -> str:
    """The page's filters (not its page number, nor its language), with `extra`, as a query string."""
    kept = [(k, v) for k, v in request.query_params.multi_items() if k not in ("page", *extra)]
    return urlencode(kept + list(extra.items()))


def _question(query: catalog.Query) -> Question:
    if query.title is None or query.description is None:
        raise TypeError(f"query {query.name} has no page title and description")
    filters = tuple(
        Filter(
            p.name,
            p.label.en if p.label else p.name,
            p.widget,
            p.choices or p.presets,
            str(query.defaults[p.name]) if p.widget == "int" else "",
        )
        for p in query.on("web")
    )
    columns = tuple(Column(c.key, c.label.en, c.kind) for c in query.columns)
    return Question(query, query.name, query.title.en, query.description.en, filters, columns)


QUESTIONS = {name: _question(query) for name, query in catalog.QUESTIONS.items()}


def _read(param: catalog.Param, default: Any, params: Params) -> Any:
    """A filter's value from the query string, checked as its field asks for it; absent, the query's default."""
    if param.widget in ("int", "year"):  # a year's default may be None: the query's own (the log's last year)
        return params.integer(param.name, default, param.low or 0, param.high or 10**9)
    if param.widget == "date":
        day = params.day(param.name)
        if param.value_type is str and day is not None:
            # Entry times are RFC 3339 UTC strings: a date compares as the start of that day.
            return day.isoformat()
        return day
    if param.widget == "fingerprint":
        return _fingerprint(params, param.name)
    value = params.text(param.name, choices=(param.choices or param.presets) or None)
    return default if value is None else value


def _fingerprint(params: Params, name: str) -> str:
    """A signer as typed: a fingerprint, its start or a name (the query resolves it: projections.people)."""
    value = params.text(name, max_length=people.MAX_QUERY)
    if value is None:
        raise PageError(400, "Give a signer's fingerprint to see their activity.")
    return value


def question_named(name: str) -> Question:
    if name not in QUESTIONS:
        raise PageError(404, "There is no oversight question {name}.", name=name)
    return QUESTIONS[name]


def answer_rows(question: Question, answer: dict[str, Any]) -> list[dict[str, Any]]:
    return question.query.rows_of(answer["data"])


@router.get("/oversight")
def oversight_index(request: Request, _: PageReader) -> HTMLResponse:
    """The oversight questions, each with what it answers."""
    return render(request, "oversight_index.html", nav="oversight", questions=list(QUESTIONS.values()))


@router.get("/oversight/{name}.csv")
def oversight_csv(name: str, request: Request, _: PageReader) -> Response:
    """Every row of an oversight answer, with the same filters, as CSV (UTF-8 with a BOM, for spreadsheets).

    With `lang` (the page's link carries it), the file for people in that language (api.web.spreadsheet).
    Without it, the answer's own keys and values, for programs, as follows.

    After the rows, an empty line, the log size and, for each answer the rows came from (one for up
    to 500 rows), its digest and the command that recomputes it offline. Trailing rows, not a
    leading comment: CSV has no comments (RFC 4180), and a spreadsheet takes the first line as the
    header and the rows up to the empty line as the table (what it sorts and filters).
    """
    question = question_named(name)
    params = Params(request)
    if request.query_params.get("lang") in LANGUAGES:  # the page's link: the file for people
        return spreadsheet_of(question, request, params)
    with page_views(request) as views:  # one snapshot: every answer of the file has the same as_of
        rows, answers = every_row(question, views, params)
    answer = answers[-1]
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([column.key for column in question.columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(column.key)) for column in question.columns])
    size = answer["as_of"]["tree_size"]
    writer.writerow([])
    writer.writerow(["log_size", size])
    for each in answers:
        writer.writerow(["digest", each["digest"], digest_command(each)])
    return Response(
        "\ufeff" + output.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="integritas-{name}-{size}.csv"',
            "Cache-Control": "no-store",
        },
    )


def every_row(
    question: Question, views: DatabaseViews, params: Params
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every row of the question's answer with the page's filters, and the answers (of up to 500 rows
    each) they came from."""
    rows: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    while True:
        answer = question.run(views, params, len(rows), queries.MAX_PAGE)
        answers.append(answer)
        batch = answer_rows(question, answer)
        rows += batch
        if not batch or len(rows) >= answer["page"]["total"]:
            return rows, answers


def spreadsheet_of(question: Question, request: Request, params: Params) -> Response:
    """The question's rows as a CSV file in the page's language (api.web.spreadsheet)."""
    t = translator(request)
    with page_views(request) as views:
        rows, answers = every_row(question, views, params)
        names = views.unit_names()
    sheet = Sheet(t, names, signers_of(page_store(request), [row["signer"] for row in rows if "signer" in row]))
    fields = [field for column in question.columns for field in sheet.fields(column.key, column.label, column.kind)]
    size = answers[-1]["as_of"]["tree_size"]
    return csv_response(t, fields, rows, answers, f"integritas-{question.name}-{size}-{t.lang}.csv")


def _csv_cell(value: Any) -> str:
    """The answer's own value; lists and objects as compact JSON. A text that a spreadsheet would run as
    a formula gets a leading apostrophe (OWASP's CSV injection advice)."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return neutralised(str(value))


@router.get("/oversight/{name}")
def oversight_page(name: str, request: Request, token: PageReader) -> HTMLResponse:
    """One oversight question: its filters, its answer a page at a time, and the CSV link."""
    question = question_named(name)
    params = Params(request)
    number = params.page()
    values = {f.name: request.query_params.get(f.name, f.default) for f in question.filters}
    subject = question.query.subject
    if subject is not None and not values[subject.name]:
        answer, signer, signers = None, None, {}
        pager = Pager(1, ROWS_PER_PAGE, 0)
    else:
        try:
            with page_views(request) as views:
                answer = question.run(views, params, (number - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE)
        except PageError as error:
            if error.status != 400:
                raise
            # A bad filter value: the error above the form, which keeps what the reader typed.
            return _page(request, question, values, error=error)
        except LedgerError as exc:
            if "candidates" not in exc.evidence:
                raise
            # A signer's name or prefix that several keys match: the page lists them to choose from.
            return render(
                request,
                "people_choose.html",
                nav="oversight",
                asked=values[subject.name] if subject is not None else "",
                candidates=exc.evidence["candidates"],
                link=f"/oversight/{name}?{subject.name if subject else 'signer'}=",
            )
        pager = Pager(number, ROWS_PER_PAGE, answer["page"]["total"])
        signer = answer["data"]["signer"] if question.name == "signer" else None
        rows = answer_rows(question, answer)
        signers = signers_of(page_store(request), [row["signer"] for row in rows if "signer" in row])
        signers = with_holder_names(request, token, signers, f"page /oversight/{name}: who signed")
    return _page(
        request,
        question,
        values,
        answer=answer,
        rows=answer_rows(question, answer) if answer else [],
        pager=pager,
        signer=signer,
        signers=signers,
    )


def _page(
    request: Request,
    question: Question,
    values: dict[str, str],
    *,
    answer: dict[str, Any] | None = None,
    rows: list[dict[str, Any]] | None = None,
    pager: Pager | None = None,
    signer: dict[str, Any] | None = None,
    signers: dict[str, dict[str, Any]] | None = None,
    error: PageError | None = None,
) -> HTMLResponse:
    lang = translator(request).lang
    return render(
        request,
        "oversight.html",
        status=error.status if error else 200,
        nav="oversight",
        question=question,
        values=values,
        answer=answer,
        rows=rows or [],
        pager=pager or Pager(1, ROWS_PER_PAGE, 0),
        signer=signer,
        signers=signers or {},
        as_of=answer["as_of"] if answer else None,
        error=error,
        csv_url=f"/oversight/{question.name}.csv?{_carried(request, lang=lang)}",
        report_url=f"/oversight/{question.name}/report?{_carried(request, lang=lang)}",
        # A feed reader sends no cookie: the link names the page's language.
        feed_url=f"/feeds/oversight/{question.name}.atom?{_carried(request, lang=lang)}",
    )
