"""Atom feeds for overseers (RFC 4287): one per oversight question and one per unit.

`/feeds/oversight/{question}.atom` has an entry per row of the question's answer with the page's
filters (a failed review, a stalled unit, an open case...); `/feeds/units/{unit}.atom` has the unit's
failed reviews and screenings, designations and revocations, case steps and oversight notes, and its
crossing of the stall threshold (`days`, the stalled question's default unless given). Entries link
to the record pages; ids are tag URIs (RFC 4151) under the log's origin, stable as the log grows;
`updated` is the time of the record in the log (a crossing: the day it happened, in WIB).

Access: a read token, never in the URL (a URL leaks into feed readers' lists, proxies' and servers'
logs and Referer headers). A feed reader sends it by HTTP Basic authentication (RFC 7617), which
ordinary feed readers support: any user name, the token as the password; a program may send it as a
bearer token, and a browser that holds the pages' cookie may follow the feed link. Without one the
answer is 401 with `WWW-Authenticate: Basic` (and `Bearer`); a revoked token stops working at once
(`integritas tokens revoke`). Give each reader a token of its own (role overseer) to revoke it alone.

Errors are problem documents (RFC 9457), as for the API: a feed reader is a program.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from api.deps import ENTRY_READERS, authorised, bearer_token
from api.errors import Unauthorised
from api.problems import problem, problem_of
from api.web.access import TOKEN_COOKIE, PageError
from api.web.i18n import WIB, Translator
from api.web.pages.oversight import QUESTIONS, Question, answer_rows
from api.web.pages.shared import Params, page_store, page_views
from api.web.render import translator
from api.web.spreadsheet import Sheet, summary_text, wib_day
from ledger import codes
from ledger.canonical import canonical_json_of
from ledger.entry import ID_PATTERN, parse_leaf
from ledger.errors import LedgerError, NotFound
from projections import queries
from projections.catalog import CATALOG
from projections.queries import DatabaseViews
from witness.atom import FeedItem, format_atom

router = APIRouter(include_in_schema=False)

ATOM = "application/atom+xml; charset=utf-8"
FEED_ENTRIES = 100  # the newest entries a feed holds
STALL_DAYS = CATALOG["stalled"].defaults["days"]
CHALLENGE = 'Basic realm="integritas feeds", charset="UTF-8", Bearer realm="integritas"'
# What a unit's feed follows (issue 14): failed reviews, designations and revocations, cases and notes.
UNIT_EVENTS = (
    "assessment.reviewed",
    "screening.recorded",
    "stage.advanced",
    "predicate.revoked",
    "case.opened",
    "case.advanced",
    "case.closed",
    "oversight.noted",
)
# Row members that change while a row stays the same fact (days counted to the log's last day).
VOLATILE = frozenset(("days", "days_left", "last_activity", "age_days", "remaining"))


def _token(request: Request) -> str | None:
    """The token of a Basic header's password, a bearer header, or the pages' cookie."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            _user, _colon, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return password.strip() or None
    return bearer_token(request) or request.cookies.get(TOKEN_COOKIE, "").strip() or None


def _admit(request: Request) -> Response | None:
    """None if the request holds a valid read token; the 401 or 403 problem otherwise."""
    try:
        authorised(request.app.state.tokens, _token(request), ENTRY_READERS)
    except LedgerError as error:
        headers = {"WWW-Authenticate": CHALLENGE} if isinstance(error, Unauthorised) else None
        return problem_of(request, error, headers)
    return None


def _tag_base(request: Request) -> str:
    """`tag:<host>,<day of the log's first entry>:<origin path>`: the log's own name for its feeds (RFC 4151)."""
    store = page_store(request)
    host, _, path = store.origin.partition("/")
    first = parse_leaf(store.leaf(0)).entry.at[:10] if store.size else "2019-01-01"
    return f"tag:{host.lower()},{first}:{path}".rstrip(":/")


def _moment(value: str | date) -> str:
    """A time of the log as it is; a day as its start in WIB (RFC 3339 with offset)."""
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=WIB).isoformat()
    return value if "T" in value else datetime.fromisoformat(value).replace(tzinfo=WIB).isoformat()


def _feed(
    request: Request, feed_id: str, title: str, page: str, items: list[FeedItem], as_of: dict[str, Any]
) -> Response:
    items = sorted(items, key=lambda item: (_sort_key(item.updated), item.id), reverse=True)[:FEED_ENTRIES]
    base = str(request.base_url).rstrip("/")
    self_url = base + request.url.path + (f"?{request.url.query}" if request.url.query else "")
    updated = max((item.updated for item in items), key=_sort_key, default=as_of.get("at") or _moment(date.today()))
    store = page_store(request)
    author = store.ledger_name() or "Integritas"
    document = format_atom(
        feed_id,
        title,
        items,
        updated,
        author=author,
        links=(("self", self_url), ("alternate", base + page)),
    )
    return Response(document, media_type=ATOM, headers={"Cache-Control": "no-store"})


def _sort_key(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


def _problem_of_page(error: PageError) -> Response:
    if error.status == 404:
        return problem(404, codes.NOT_FOUND, error.message.format(**error.values))
    return problem(400, codes.INVALID_PARAMETER, error.message.format(**error.values))


@router.get("/feeds/oversight/{name}.atom")
def oversight_feed(name: str, request: Request) -> Response:
    """An entry per row of the question's answer with the filters of the query string."""
    refused = _admit(request)
    if refused is not None:
        return refused
    if name not in QUESTIONS:
        return problem(404, codes.UNKNOWN_QUERY, f"there is no oversight question {name}")
    question = QUESTIONS[name]
    t = translator(request)
    try:
        with page_views(request) as views:
            answer = question.run(views, Params(request), 0, queries.MAX_PAGE)
            names = views.unit_names()
    except PageError as error:
        return _problem_of_page(error)
    base, url = _tag_base(request), str(request.base_url).rstrip("/")
    sheet = Sheet(t, names)
    fields = [f for c in question.columns for f in sheet.fields(c.key, c.label, c.kind)]
    items = [_row_item(question, row, base, url, t, fields, answer) for row in answer_rows(question, answer)]
    filters = urlencode(sorted((k, v) for k, v in request.query_params.items() if k != "lang"))
    feed_id = f"{base}/feeds/oversight/{name}" + (f"?{filters}" if filters else "")
    page = f"/oversight/{name}" + (f"?{filters}" if filters else "")
    return _feed(request, feed_id, f"{t.gettext(question.title)} · Integritas", page, items, answer["as_of"])


def _row_item(
    question: Question, row: dict[str, Any], base: str, url: str, t: Translator, fields: list[Any], answer: Any
) -> FeedItem:
    """A row of an oversight answer as a feed entry: about its record if it has one, else about its unit."""
    index = row.get("index", row.get("opened_index"))
    unit = row.get("unit")
    name = row.get("name") or unit or ""
    content = "\n".join(f"{field.header}: {value}" for field in fields if (value := field.read(row)) not in ("", None))
    title = f"{t.gettext(question.title)}: {name}" + (f" ({unit})" if unit and unit != name else "")
    if question.name == "stalled":  # the day the unit crossed the threshold asked for
        days = answer["params"]["days"]
        crossed = date.fromisoformat(wib_day(row["since"])) + timedelta(days=days)
        return FeedItem(
            f"{base}/stalled/{unit}/{row['since']}/{days}",
            title,
            _moment(min(crossed, queries.default_on(answer["as_of"]) or crossed)),
            "stalled",
            content,
            f"{url}/units/{unit}",
        )
    if index is not None:
        when = row.get("at") or row.get("opened_at") or answer["as_of"]["at"]
        return FeedItem(
            f"{base}/records/{index}", title, _moment(when), question.name, content, f"{url}/records/{index}"
        )
    fact = {k: v for k, v in row.items() if k not in VOLATILE}
    digest = hashlib.sha256(canonical_json_of(fact)).hexdigest()[:20]
    when = next((row[k] for k in ("at", "opened_at", "designated_on", "since") if row.get(k)), answer["as_of"]["at"])
    link = f"{url}/units/{unit}" if unit else f"{url}/oversight/{question.name}"
    return FeedItem(f"{base}/oversight/{question.name}/{digest}", title, _moment(when), question.name, content, link)


@router.get("/feeds/units/{unit}.atom")
def unit_feed(unit: str, request: Request) -> Response:
    """The unit's failed reviews, designations, revocations, cases, notes and stall."""
    refused = _admit(request)
    if refused is not None:
        return refused
    t = translator(request)
    try:
        days = Params(request).integer("days", STALL_DAYS, 1, 36500)
    except PageError as error:
        return _problem_of_page(error)
    if not ID_PATTERN.fullmatch(unit):
        return problem(404, codes.UNKNOWN_UNIT, f"unit {unit} is not registered")
    try:
        with page_views(request) as views:
            status = queries.unit_status(views, unit)
            rows = _unit_events(views, unit)
    except NotFound as error:
        return problem_of(request, error)
    except PageError as error:
        return _problem_of_page(error)
    u = status["data"]
    base, url = _tag_base(request), str(request.base_url).rstrip("/")
    items = [_history_item(row, u, base, url, t) for row in rows if _followed(row)]
    stall = _stall_item(u, status["as_of"], days, base, url, t)
    if stall is not None:
        items.append(stall)
    title = f"{u['name']} ({unit}) · Integritas"
    return _feed(request, f"{base}/feeds/units/{unit}", title, f"/units/{unit}", items, status["as_of"])


def _unit_events(views: DatabaseViews, unit: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for kind in UNIT_EVENTS:
        rows += queries.unit_history(views, unit, kind=kind, order="newest", limit=FEED_ENTRIES)["data"]
    return rows


def _followed(row: dict[str, Any]) -> bool:
    summary = row["summary"]
    if row["kind"] in ("assessment.reviewed", "screening.recorded"):
        return bool(summary.get("outcome") == "failed")
    if row["kind"] == "stage.advanced":
        return summary.get("to") in ("designated", "revoked")
    return True


def _history_item(row: dict[str, Any], u: dict[str, Any], base: str, url: str, t: Translator) -> FeedItem:
    details = summary_text(t, row["kind"], row["summary"])
    title = f"{u['name']}: {t.label('kind', row['kind'])}" + (f" · {details}" if details else "")
    content = f"{t.label('kind', row['kind'])}: {details}\n{t.gettext('Record')} #{row['index']} · {t.when(row['at'])}"
    return FeedItem(
        f"{base}/records/{row['index']}", title, row["at"], row["kind"], content, f"{url}/records/{row['index']}"
    )


def _stall_item(
    u: dict[str, Any], as_of: dict[str, Any], days: int, base: str, url: str, t: Translator
) -> FeedItem | None:
    """The unit's crossing of `days` in its stage, counted to the log's last day, if it has crossed."""
    today = queries.default_on(as_of)
    if today is None or u["stage"] == "designated":
        return None
    crossed = date.fromisoformat(wib_day(u["stage_since"])) + timedelta(days=days)
    if crossed > today:
        return None
    stage = t.label("stage", u["stage"])
    title = t.gettext("{name}: {days} days in stage {stage}", name=u["name"], days=days, stage=stage)
    content = t.gettext("In stage {stage} since {day}.", stage=stage, day=t.day(u["stage_since"]))
    return FeedItem(
        f"{base}/stalled/{u['unit']}/{u['stage_since']}/{days}",
        title,
        _moment(crossed),
        "stalled",
        content,
        f"{url}/units/{u['unit']}",
    )
