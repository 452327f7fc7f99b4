"""The web pages for overseers and auditors (DESIGN §8: "web pages for people under `/`").

Server-rendered from the same sources as the JSON API, read directly: the status views through
`projections.queries` and the store for entries, proofs and checkpoints. Page handlers are plain
functions: FastAPI runs them in its thread pool, where the views' database reads belong.

Public: the log page, its trust anchor, the bundle check and the static files. Everything that shows
what entries say needs a read token (`access.PageReader`).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import parse_qs, urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from api.routers.entries import stored_entry
from api.routers.tlog import export as export_archive
from api.web.access import (
    TOKEN_COOKIE,
    TOKEN_MAX_AGE,
    ExportPageReader,
    PageError,
    PageReader,
    safe_next,
    same_origin,
)
from api.web.charts import bar_chart
from api.web.render import ASSETS, PAGE_HEADERS, render, translator
from ledger.crypto.checkpoint import parse_checkpoint
from ledger.crypto.keys import encode_base64
from ledger.crypto.note import parse_note
from ledger.crypto.record_proof import parse_record_proof
from ledger.entry import FINGERPRINT_PATTERN, ID_PATTERN, SCORE_AREAS, STAGES, TRACKS, UNIT_TYPES
from ledger.store.application import LedgerStore
from projections import queries
from projections.queries import DatabaseViews

router = APIRouter(include_in_schema=False)

UNITS_PER_PAGE = 25
HISTORY_PER_PAGE = 50
ROWS_PER_PAGE = 25
STALLED_DAYS = 180
PREDICATES = ("none", "wbk", "wbbm")
COVERAGE_BELOW = ("1", "0.9", "0.8", "0.5")
LEVELS = ("internal", "national")
INDEX = Annotated[int, Path(ge=0, le=2**63 - 1)]
MAX_FORM_BYTES = 4096


# --- shared ------------------------------------------------------------------------------------------


def _store(request: Request) -> LedgerStore:
    store: LedgerStore = request.app.state.store
    return store


def _views(request: Request) -> DatabaseViews:
    service = request.app.state.views
    if service is None:
        raise PageError(503, "This server keeps no status views (its store is in memory).")
    return DatabaseViews(service.projector.view)


class Params:
    """The query parameters of a page, checked: a bad one is a 400 page naming it."""

    def __init__(self, request: Request) -> None:
        self.query = request.query_params

    def _fail(self, name: str, problem: str) -> PageError:
        return PageError(400, "{field}: {problem}", field=name, problem=problem)

    def text(self, name: str, *, choices: tuple[str, ...] | None = None, max_length: int = 64) -> str | None:
        value = self.query.get(name, "").strip()
        if not value:
            return None
        if len(value) > max_length:
            raise self._fail(name, "too long")
        if choices is not None and value not in choices:
            raise self._fail(name, "not one of the choices")
        return value

    def integer(self, name: str, default: int, low: int = 0, high: int = 10**9) -> int:
        value = self.query.get(name, "").strip()
        if not value:
            return default
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise self._fail(name, "not a whole number")
        return int(value)

    def day(self, name: str) -> date | None:
        value = self.text(name, max_length=10)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self._fail(name, "not a date (YYYY-MM-DD)") from None

    def page(self) -> int:
        return self.integer("page", 1, 1)


@dataclass(frozen=True)
class Pager:
    """Page `number` of `total` rows, `size` a page."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.size)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def _signers(store: LedgerStore, fingerprints: Any) -> dict[str, dict[str, Any]]:
    """Holder name, title and role of each signer, from the key registry the rules keep."""
    found = {}
    for fingerprint in set(fingerprints):
        key = store.state.keys.get(fingerprint)
        if key is not None:
            found[fingerprint] = {"name": key.holder_name, "title": key.holder_title, "role": key.role}
    return found


def _checkpoint(store: LedgerStore) -> dict[str, Any]:
    store.refresh()
    text = store.latest_checkpoint()
    body = parse_checkpoint(parse_note(text).text)
    return {"text": text, "size": body.tree_size, "root": encode_base64(body.root_hash)}


def _named(answer: dict[str, Any], units: list[dict[str, Any]]) -> dict[str, Any]:
    """An answer whose rows name units by id only (failed reviews), with each unit's name added."""
    names = {u["unit"]: u["name"] for u in units}
    return {**answer, "data": [{**row, "name": names.get(row["unit"])} for row in answer["data"]]}


def _unit_of(stream: str) -> str | None:
    head, _, rest = stream.partition("/")
    if head in ("unit", "pact", "witness", "oversight"):
        return rest.partition("/")[0]
    return None


# --- overview and units ---------------------------------------------------------------------------------


@router.get("/")
def overview(request: Request, _: PageReader) -> HTMLResponse:
    """Counts by stage and predicate, pact coverage, units needing attention, the latest checkpoint."""
    t = translator(request)
    views = _views(request)
    units = views.units()
    counts = views.counts()
    stage_chart = bar_chart(
        t.gettext("Units by stage"),
        [(s, t.label("stage", s), counts["by_stage"].get(s, 0), f"/units?stage={s}") for s in STAGES],
    )
    predicate_chart = bar_chart(
        t.gettext("Units by predicate"),
        [(p, t.label("predicate", p), counts["by_predicate"].get(p, 0), f"/units?predicate={p}") for p in PREDICATES],
    )
    valid = sum(u["pact_coverage"]["valid"] for u in units)
    headcount = sum(u["pact_coverage"]["headcount"] for u in units)
    short = sorted(
        (u for u in units if Decimal(u["pact_coverage"]["ratio"]) < 1),
        key=lambda u: (Decimal(u["pact_coverage"]["ratio"]), u["unit"]),
    )
    return render(
        request,
        "overview.html",
        nav="overview",
        as_of=views.as_of(),
        stage_chart=stage_chart,
        predicate_chart=predicate_chart,
        coverage={
            "valid": valid,
            "headcount": headcount,
            "ratio": str(Decimal(valid) / Decimal(headcount)) if headcount else "0",
            "full": len(units) - len(short),
            "units": len(units),
            "lowest": short[:5],
        },
        stalled=queries.stalled(views, days=STALLED_DAYS, limit=5),
        stalled_days=STALLED_DAYS,
        remediation=queries.open_remediation(views, limit=5),
        failed=_named(queries.failed_reviews(views, limit=5), units),
        checkpoint=_checkpoint(_store(request)),
    )


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
    filters = {
        "type": params.text("type", choices=UNIT_TYPES),
        "stage": params.text("stage", choices=STAGES),
        "predicate": params.text("predicate", choices=PREDICATES),
        "below": params.text("below", choices=COVERAGE_BELOW),
    }
    sort = params.text("sort", choices=tuple(UNIT_SORTS)) or "unit"
    number = params.page()
    views = _views(request)
    # The query filters; the page sorts, since people want stages in the order of the stage machine.
    rows: list[dict[str, Any]] = []
    while True:
        answer = queries.unit_list(
            views,
            type_=filters["type"],
            stage=filters["stage"],
            predicate=filters["predicate"],
            below=filters["below"],
            offset=len(rows),
            limit=queries.MAX_PAGE,
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
        choices={"type": UNIT_TYPES, "stage": STAGES, "predicate": PREDICATES, "below": COVERAGE_BELOW},
        sorts=tuple(UNIT_SORTS),
    )


@router.get("/units/{unit}")
def unit_page(unit: str, request: Request, _: PageReader) -> HTMLResponse:
    """One unit: status, results, pact coverage and who lacks a pact, remediation, witnesses, notes, history."""
    if not ID_PATTERN.fullmatch(unit):
        raise PageError(404, "Unit {unit} is not registered.", unit=unit)
    views = _views(request)
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
    store = _store(request)
    signers = _signers(
        store,
        [row["signer"] for row in history]
        + [w["signer"] for w in witnesses]
        + [n["signer"] for n in status["oversight_notes"]],
    )
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
        weights={area: f"{w}" for area, w in store.state.policy.weights.items()} if store.state.policy else {},
    )


# --- records ------------------------------------------------------------------------------------------------


def _record_index(store: LedgerStore, index: int) -> None:
    store.ensure(index + 1)
    if index >= store.size:
        raise PageError(404, "Record {index} is not in the log (size {size}).", index=index, size=store.size)


@router.get("/records/{index}")
def record_page(index: INDEX, request: Request, _: PageReader) -> HTMLResponse:
    """An entry, its signer and key status, its inclusion proof and checkpoint, and the in-browser check."""
    store = _store(request)
    store.refresh()
    _record_index(store, index)
    record = stored_entry(store, index)
    entry = record.entry
    bundle = parse_record_proof(store.record_proof(index))
    checkpoint = parse_checkpoint(parse_note(bundle.checkpoint).text)
    key = store.state.keys.get(entry["signer"])
    return render(
        request,
        "record.html",
        record=record,
        entry=entry,
        body=json.dumps(entry["body"], indent=2, ensure_ascii=False, sort_keys=True),
        unit=_unit_of(entry["stream"]),
        key=key,
        key_valid_then=key is not None and (key.revoked_index is None or index <= key.revoked_index),
        proof=[encode_base64(node) for node in bundle.proof],
        checkpoint={
            "text": bundle.checkpoint,
            "size": checkpoint.tree_size,
            "root": encode_base64(checkpoint.root_hash),
        },
    )


@router.get("/records/{index}/entry")
def record_entry(index: INDEX, request: Request, _: PageReader) -> JSONResponse:
    """The stored entry, as `GET /v1/entries/{index}` answers it, for the page's own script (cookie access)."""
    store = _store(request)
    _record_index(store, index)
    return JSONResponse(stored_entry(store, index).model_dump(), headers={"Cache-Control": "no-store"})


@router.get("/records/{index}/leaf")
def record_leaf(index: INDEX, request: Request, _: PageReader) -> Response:
    """The leaf bytes, to check with the proof on the bundle page or with `integritas verify-record`."""
    store = _store(request)
    _record_index(store, index)
    return Response(
        store.leaf(index),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="integritas-{index}.leaf"', "Cache-Control": "no-store"},
    )


# --- oversight ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    name: str
    label: str
    kind: str  # "int", "date", "choice:<label category>", "ratio", "unit", "fingerprint"
    choices: tuple[str, ...] = ()
    default: str = ""


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str  # how the template shows it (macros.cell)


@dataclass(frozen=True)
class Question:
    name: str
    title: str
    description: str
    filters: tuple[Filter, ...]
    columns: tuple[Column, ...]
    run: Callable[..., dict[str, Any]]


def _type(name: str = "type") -> Filter:
    return Filter(name, "Type", "choice:type", UNIT_TYPES)


UNIT = Column("unit", "Unit", "unit")
QUESTIONS = {
    q.name: q
    for q in (
        Question(
            "stalled",
            "Stalled units",
            "Units whose stage has not changed for a number of days (designated units are not waiting).",
            (
                Filter("days", "Stalled for at least (days)", "int", default=str(STALLED_DAYS)),
                Filter("on", "Counted to date", "date"),
                _type(),
                Filter("stage", "Stage", "choice:stage", STAGES),
                Filter("track", "Track", "choice:track", TRACKS),
            ),
            (
                UNIT,
                Column("type", "Type", "label:type"),
                Column("stage", "Stage", "label:stage"),
                Column("since", "Since", "day"),
                Column("days", "Days", "number"),
                Column("last_activity", "Last activity", "activity"),
            ),
            lambda views, p, offset, limit: queries.stalled(
                views,
                days=p.integer("days", STALLED_DAYS, 0, 36500),
                on=p.day("on"),
                type_=p.text("type", choices=UNIT_TYPES),
                stage=p.text("stage", choices=STAGES),
                track=p.text("track", choices=TRACKS),
                offset=offset,
                limit=limit,
            ),
        ),
        Question(
            "pact-gaps",
            "Pact gaps",
            "Units whose integrity pact coverage is below a ratio, with the employees known to lack a pact.",
            (
                Filter("below", "Coverage below", "choice:coverage", COVERAGE_BELOW),
                _type(),
                Filter("stage", "Stage", "choice:stage", STAGES),
            ),
            (
                UNIT,
                Column("stage", "Stage", "label:stage"),
                Column("headcount", "Headcount", "number"),
                Column("valid", "Valid pacts", "number"),
                Column("missing", "Missing", "number"),
                Column("ratio", "Coverage", "percent"),
                Column("released", "Released pacts", "released"),
            ),
            lambda views, p, offset, limit: queries.pact_gaps(
                views,
                below=p.text("below", choices=COVERAGE_BELOW) or "1",
                type_=p.text("type", choices=UNIT_TYPES),
                stage=p.text("stage", choices=STAGES),
                offset=offset,
                limit=limit,
            ),
        ),
        Question(
            "remediation",
            "Open remediation",
            "Remediation items still open, oldest first.",
            (
                Filter("older_than", "Older than (days)", "int", default="0"),
                Filter("on", "Counted to date", "date"),
                _type(),
                Filter("unit", "Unit id", "unit"),
            ),
            (
                UNIT,
                Column("stage", "Stage", "label:stage"),
                Column("area", "Area", "label:area"),
                Column("text", "Item", "remediation"),
                Column("opened_at", "Opened", "day"),
                Column("age_days", "Age (days)", "number"),
                Column("opened_index", "Opened in", "record"),
            ),
            lambda views, p, offset, limit: queries.open_remediation(
                views,
                older_than=p.integer("older_than", 0, 0, 36500),
                on=p.day("on"),
                type_=p.text("type", choices=UNIT_TYPES),
                unit=p.text("unit"),
                offset=offset,
                limit=limit,
            ),
        ),
        Question(
            "failed-reviews",
            "Failed reviews",
            "Assessments that failed, with their failing checks; newest first.",
            (
                Filter("since", "From date", "date"),
                Filter("until", "Before date", "date"),
                Filter("level", "Level", "choice:level", LEVELS),
                Filter("track", "Track", "choice:track", TRACKS),
                _type(),
                Filter("unit", "Unit id", "unit"),
            ),
            (
                UNIT,
                Column("at", "Time (WIB)", "when"),
                Column("level", "Level", "label:level"),
                Column("step", "Step", "label:step"),
                Column("year", "Year", "text"),
                Column("track", "Track", "label:track"),
                Column("total", "Total", "decimal"),
                Column("failing_checks", "Failing checks", "checks"),
                Column("index", "Record", "record"),
            ),
            lambda views, p, offset, limit: _named(
                queries.failed_reviews(
                    views,
                    since=_day_text(p.day("since")),
                    until=_day_text(p.day("until")),
                    level=p.text("level", choices=LEVELS),
                    track=p.text("track", choices=TRACKS),
                    type_=p.text("type", choices=UNIT_TYPES),
                    unit=p.text("unit"),
                    offset=offset,
                    limit=limit,
                ),
                views.units(),
            ),
        ),
        Question(
            "signer",
            "Signer activity",
            "Who a signer is, what they signed and whether their key was valid then.",
            (
                Filter("signer", "Signer fingerprint", "fingerprint"),
                Filter("since", "From date", "date"),
                Filter("until", "Before date", "date"),
            ),
            (
                Column("at", "Time (WIB)", "when"),
                Column("kind", "Kind", "label:kind"),
                UNIT,
                Column("summary", "Details", "summary"),
                Column("index", "Record", "record"),
            ),
            lambda views, p, offset, limit: queries.signer_activity(
                views,
                _fingerprint(p),
                since=_day_text(p.day("since")),
                until=_day_text(p.day("until")),
                offset=offset,
                limit=limit,
            ),
        ),
    )
}


def _day_text(day: date | None) -> str | None:
    # Entry times are RFC 3339 UTC strings: a date compares as the start of that day.
    return None if day is None else day.isoformat()


def _fingerprint(params: Params) -> str:
    value = params.text("signer", max_length=64)
    if value is None:
        raise PageError(400, "Give a signer's fingerprint to see their activity.")
    if not FINGERPRINT_PATTERN.fullmatch(value):
        raise PageError(400, "{field}: {problem}", field="signer", problem="not one of the choices")
    return value


def _question(name: str) -> Question:
    if name not in QUESTIONS:
        raise PageError(404, "There is no oversight question {name}.", name=name)
    return QUESTIONS[name]


def _rows(question: Question, answer: dict[str, Any]) -> list[dict[str, Any]]:
    data = answer["data"]
    return list(data["entries"] if question.name == "signer" else data)


@router.get("/oversight")
def oversight_index(request: Request, _: PageReader) -> HTMLResponse:
    """The oversight questions, each with what it answers."""
    return render(request, "oversight_index.html", nav="oversight", questions=list(QUESTIONS.values()))


@router.get("/oversight/{name}.csv")
def oversight_csv(name: str, request: Request, _: PageReader) -> Response:
    """Every row of an oversight answer, with the same filters, as CSV (UTF-8 with a BOM, for spreadsheets)."""
    question = _question(name)
    params = Params(request)
    views = _views(request)
    rows: list[dict[str, Any]] = []
    while True:
        answer = question.run(views, params, len(rows), queries.MAX_PAGE)
        batch = _rows(question, answer)
        rows += batch
        if not batch or len(rows) >= answer["page"]["total"]:
            break
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow([column.key for column in question.columns])
    for row in rows:
        writer.writerow([_csv_cell(row.get(column.key)) for column in question.columns])
    size = answer["as_of"]["tree_size"]
    return Response(
        "\ufeff" + output.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="integritas-{name}-{size}.csv"',
            "Cache-Control": "no-store",
        },
    )


def _csv_cell(value: Any) -> str:
    """The answer's own value; lists and objects as compact JSON. A text that a spreadsheet would run as
    a formula gets a leading apostrophe (OWASP's CSV injection advice)."""
    if value is None:
        return ""
    if isinstance(value, list | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


@router.get("/oversight/{name}")
def oversight_page(name: str, request: Request, _: PageReader) -> HTMLResponse:
    """One oversight question: its filters, its answer a page at a time, and the CSV link."""
    question = _question(name)
    params = Params(request)
    number = params.page()
    values = {f.name: request.query_params.get(f.name, f.default) for f in question.filters}
    if question.name == "signer" and not values["signer"]:
        answer, signer, signers = None, None, {}
        pager = Pager(1, ROWS_PER_PAGE, 0)
    else:
        views = _views(request)
        answer = question.run(views, params, (number - 1) * ROWS_PER_PAGE, ROWS_PER_PAGE)
        pager = Pager(number, ROWS_PER_PAGE, answer["page"]["total"])
        signer = answer["data"]["signer"] if question.name == "signer" else None
        signers = _signers(_store(request), [row["signer"] for row in _rows(question, answer) if "signer" in row])
    return render(
        request,
        "oversight.html",
        nav="oversight",
        question=question,
        values=values,
        answer=answer,
        rows=_rows(question, answer) if answer else [],
        pager=pager,
        signer=signer,
        signers=signers,
        as_of=answer["as_of"] if answer else None,
        csv_url=f"/oversight/{name}.csv?"
        + urlencode([(k, v) for k, v in request.query_params.multi_items() if k != "page"]),
    )


# --- the log, public ------------------------------------------------------------------------------------------


def _trust(store: LedgerStore) -> dict[str, Any]:
    return {
        "origin": store.origin,
        "verifier_key": store.verifier_key_text,
        "root_fingerprint": store.state.root_fingerprint,
    }


@router.get("/log")
def log_page(request: Request) -> HTMLResponse:
    """Origin, verifier key, size and checkpoint, and how to verify the log offline (public)."""
    store = _store(request)
    checkpoint = _checkpoint(store)
    return render(
        request,
        "log.html",
        nav="log",
        trust=_trust(store),
        key_id=store.verifier_key.key_id.hex(),
        checkpoint=checkpoint,
        base_url=str(request.base_url).rstrip("/"),
    )


@router.get("/log/trust.json")
def trust_file(request: Request) -> JSONResponse:
    """The trust anchor as this server states it; compare it with the one the administrator gave you."""
    return JSONResponse(_trust(_store(request)), headers={"Content-Disposition": 'attachment; filename="trust.json"'})


@router.get("/log/export")
def log_export(request: Request, reader: ExportPageReader) -> Response:
    """The whole log as a tlog-tiles archive (as `GET /v1/export`), for a token held in the cookie."""
    return export_archive(_store(request), reader)


@router.get("/verify")
def bundle_page(request: Request) -> HTMLResponse:
    """Verify a record bundle and its leaf from disk, in the browser; nothing is uploaded (public)."""
    return render(request, "verify.html", nav="verify")


# --- the read token --------------------------------------------------------------------------------------------


@router.get("/token")
def token_page(request: Request) -> HTMLResponse:
    """The token form, or who this browser is signed in as."""
    return render(request, "token.html", next=safe_next(request.query_params.get("next")), error=None)


@router.post("/token")
async def token_set(request: Request) -> Response:
    """Keep a valid read token in an HttpOnly, SameSite=Strict cookie, then go back to the page that asked."""
    if not same_origin(request):
        raise PageError(403, "The form was sent from another site.")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PageError(400, "{field}: {problem}", field="token", problem="too long")
    form = parse_qs(body.decode("utf-8", errors="replace"))
    token = (form.get("token") or [""])[0].strip()
    target = safe_next((form.get("next") or ["/"])[0])
    if not token or request.app.state.tokens.find(token) is None:
        raise PageError(401, "The token is not valid (unknown or revoked).", token_form=True, next=target)
    response = RedirectResponse(target, status_code=303, headers=PAGE_HEADERS)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        max_age=TOKEN_MAX_AGE,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/token/forget")
def token_forget(request: Request) -> Response:
    """Forget the token this browser holds."""
    if not same_origin(request):
        raise PageError(403, "The form was sent from another site.")
    response = RedirectResponse("/log", status_code=303, headers=PAGE_HEADERS)
    response.delete_cookie(TOKEN_COOKIE, path="/", httponly=True, samesite="strict")
    return response


# --- static files ---------------------------------------------------------------------------------------------


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
