"""Which units and items an oversight answer holds, chosen before any unit document is read (issue 16).

A unit's document is ~5.5 KB of JSON; a national ledger holds 4,368 units. The queries used to
parse every document, then filter and page in Python. Now the projection keeps, beside each
document, the few facts the queries filter and sort on (`unit_facets`, and the rows of the unit's
remediation items, open cases, proposals and monitored years), and each query selects its page
of units or items first (in SQL over those columns, `projections.recorders`), then reads only the
documents on the page.

The facts are functions of the document alone, so the tables can be filled again from the stored
documents (`ViewProjector._complete_unit_index`), and the selection has a Python twin here over
the documents themselves (`PythonSelection`): the offline fold (`MemoryViews`) and views not
indexed yet answer with it. Both read the same facts, so both select the same rows in the same
order, and the answers' digests agree (tests/projections/test_selection.py compares them).

Nothing here counts days to a clock: the day-counting filters compare the stored dates with a day
the query computes from `on` (the as-of day by default), so the views stay right without rewrites
as time passes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_CEILING, Decimal, localcontext
from typing import Any

from ledger.entry import STAGES

UNIT_INDEX = 1
"""The version of the selection tables the views hold (meta `unit_index`); views whose meta lacks
it are filled from their documents when the views' leader starts, and answered in Python till then."""

PREDICATES = ("none", "wbk", "wbbm")  # lowest first
RATIO_SCALE = 10_000  # coverage ratios are quantized to 0.0001 (projections.fold.unit_document)


# --- the facts of one unit document ------------------------------------------------------------------


def unit_day(at: str) -> str:
    """The UTC day of a logged time (`2024-03-01T08:00:00Z` -> `2024-03-01`), as the queries count days."""
    return datetime.fromisoformat(at.replace("Z", "+00:00")).date().isoformat()


def lapsed_cycle(unit: dict[str, Any]) -> int | None:
    """The cycle of the unit's latest proposal if it lapsed undecided (the unit still waits in it)."""
    proposals = unit.get("proposals") or []
    latest = proposals[-1] if proposals else None
    if latest is None or not latest["lapsed"] or latest["decision"] is not None:
        return None
    cycle: int = latest["cycle"]
    return cycle


def designated_on(u: dict[str, Any]) -> str | None:
    """The date of the decree that gave the unit its current predicate (edition 2), if the log has it."""
    decrees = [d for d in u.get("decrees", []) if d["act"] == "designation" and d["predicate"] == u["predicate"]]
    return decrees[-1]["date"] if decrees else None


def proposal_outcome(proposal: dict[str, Any]) -> str:
    """How a proposal stands (queries.PROPOSAL_OUTCOMES): lapsed, pending, or its decision's outcome."""
    if proposal["lapsed"]:
        return "lapsed"
    decision = proposal["decision"]
    return "pending" if decision is None else str(decision["outcome"])


def _rank(values: Sequence[str], value: str) -> int:
    return values.index(value) if value in values else len(values)


def unit_facets(doc: dict[str, Any]) -> dict[str, Any]:
    """The columns of `view_unit_index`: what the queries filter and sort units on."""
    designated = designated_on(doc)
    since, until = doc["stage_since"], doc["barred_until"]
    return {
        "unit": doc["unit"],
        "name": doc["name"],
        "type": doc["type"],
        "stage": doc["stage"],
        "stage_rank": _rank(STAGES, doc["stage"]),  # queries.UNIT_ORDERS["progress"]
        "track": doc["track"],
        "predicate": doc["predicate"],
        "predicate_rank": -_rank(PREDICATES, doc["predicate"]),  # highest first
        "ratio": int(Decimal(doc["pact_coverage"]["ratio"]) * RATIO_SCALE),
        "stage_day": None if since is None else unit_day(since),
        "lapsed_cycle": lapsed_cycle(doc),
        "barred_until": until,
        "barred_day": None if until is None else until[:10],
        "designated_year": None if designated is None else int(designated[:4]),
    }


FACET_COLUMNS = (
    "unit",
    "name",
    "type",
    "stage",
    "stage_rank",
    "track",
    "predicate",
    "predicate_rank",
    "ratio",
    "stage_day",
    "lapsed_cycle",
    "barred_until",
    "barred_day",
    "designated_year",
)


def remediation_rows(doc: dict[str, Any]) -> list[tuple[str, int, int, str, str]]:
    """(unit, position, opened_index, id, opened_day) of each open remediation item."""
    return [
        (doc["unit"], position, item["opened_index"], item["id"], unit_day(item["opened_at"]))
        for position, item in enumerate(doc["remediation_open"])
    ]


def case_rows(doc: dict[str, Any]) -> list[tuple[str, int, int, str]]:
    """(unit, position, opened_index, concerns) of each open case."""
    return [
        (doc["unit"], position, case["opened_index"], case["concerns"])
        for position, case in enumerate(doc.get("cases", []))
        if case["closed"] is None
    ]


def proposal_rows(doc: dict[str, Any]) -> list[tuple[str, int, int, str, str]]:
    """(unit, position, cycle, agency, outcome) of each proposal."""
    return [
        (doc["unit"], position, p["cycle"], p["agency"], proposal_outcome(p))
        for position, p in enumerate(doc.get("proposals", []))
    ]


def monitoring_rows(doc: dict[str, Any]) -> list[tuple[str, int]]:
    """(unit, year) of each year the unit's monitoring was recorded for."""
    return [(doc["unit"], year) for year in sorted({m["year"] for m in doc.get("monitoring", [])})]


# --- what a query asks for ---------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitWhere:
    """The units a query answers: every condition given must hold."""

    unit: str | None = None
    type: str | None = None
    stage: str | None = None
    track: str | None = None
    predicate: str | None = None
    ratio_below: int | None = None  # the coverage ratio, scaled by RATIO_SCALE, is below it
    held: bool = False  # holds a predicate (WBK or WBBM)
    stalled_by: str | None = None  # not designated, and in its stage since this day or earlier, or lapsed
    barred_after: str | None = None  # barred until a day after this one
    unmonitored_in: int | None = None  # designated before this year, and no monitoring recorded for it


UNIT_ORDERS: dict[str, tuple[str, ...]] = {
    "unit": ("unit",),
    "name": ("name", "unit"),
    "stage": ("stage", "unit"),
    "coverage": ("ratio", "unit"),
    "type": ("type", "name", "unit"),
    "progress": ("stage_rank", "unit"),
    "predicate": ("predicate_rank", "unit"),
    "stalled": ("stage_day", "unit"),  # longest stalled first
    "barred": ("barred_until", "unit"),
}
"""The orders units are selected in: facet columns, the unit id last (unique)."""


@dataclass(frozen=True)
class ItemWhere:
    """The items of units a query answers: remediation items, open cases or lapsed proposals."""

    unit: str | None = None
    type: str | None = None
    opened_by: str | None = None  # remediation: opened on this day or earlier
    concerns: str | None = None  # cases
    cycle: int | None = None  # lapsed proposals


ITEM_KINDS = ("remediation", "case", "lapsed")
"""Items, each a position in a list of its unit's document: `remediation_open`, `cases`, `proposals`."""

ITEM_LISTS = {"remediation": "remediation_open", "case": "cases", "lapsed": "proposals"}


def ratio_bound(below: Decimal) -> int:
    """The least scaled ratio not below `below`: a quantized ratio r is below it iff r * 10^4 < this."""
    with localcontext() as context:
        context.prec = max(28, len(below.as_tuple().digits) + 8)  # exact: no rounding of the user's digits
        return int((below * RATIO_SCALE).to_integral_value(rounding=ROUND_CEILING))


def day_before(on: date, days: int) -> str:
    """The day `days` days before `on` (later if negative); past the calendar's ends, a bound beyond every day."""
    try:
        return (on - timedelta(days=days)).isoformat()
    except OverflowError:
        return "" if days > 0 else "~"  # "" sorts before every ISO day, "~" after


# --- the Python twin (offline fold, views not indexed yet) ---------------------------------------------


def _unit_matches(f: dict[str, Any], doc: dict[str, Any], where: UnitWhere) -> bool:
    for column in ("unit", "type", "stage", "track", "predicate"):
        wanted = getattr(where, column)
        if wanted is not None and f[column] != wanted:
            return False
    if where.ratio_below is not None and not f["ratio"] < where.ratio_below:
        return False
    if where.held and f["predicate"] == "none":
        return False
    if where.stalled_by is not None:
        if f["stage"] == "designated":
            return False
        if not (f["stage_day"] <= where.stalled_by or f["lapsed_cycle"] is not None):
            return False
    if where.barred_after is not None and (f["barred_day"] is None or not f["barred_day"] > where.barred_after):
        return False
    if where.unmonitored_in is not None:
        year = where.unmonitored_in
        if f["designated_year"] is not None and f["designated_year"] >= year:
            return False
        if any(y == year for _, y in monitoring_rows(doc)):
            return False
    return True


def _item_keys(kind: str, doc: dict[str, Any], where: ItemWhere) -> Iterable[tuple[tuple[Any, ...], int]]:
    """(sort key, position) of the unit's items of `kind` that `where` asks for."""
    unit = doc["unit"]
    if kind == "remediation":
        for _, position, opened_index, item_id, opened_day in remediation_rows(doc):
            if where.opened_by is None or opened_day <= where.opened_by:
                yield (opened_index, unit, item_id, position), position
    elif kind == "case":
        if doc["predicate"] == "none":
            return
        for _, position, opened_index, concerns in case_rows(doc):
            if where.concerns is None or concerns == where.concerns:
                yield (opened_index, unit, position), position
    else:
        for _, position, cycle, _agency, outcome in proposal_rows(doc):
            if outcome == "lapsed" and (where.cycle is None or cycle == where.cycle):
                yield (cycle, unit, position), position


class PythonSelection:
    """The selection over parsed unit documents: for a fold in memory, and views not indexed yet."""

    units: Callable[[], list[dict[str, Any]]]
    assessments: Callable[..., list[dict[str, Any]]]

    def select_units(self, where: UnitWhere, order: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(how many units `where` holds for, the documents of `limit` of them from `offset` in `order`)."""
        chosen = [(f, doc) for doc in self.units() if _unit_matches(f := unit_facets(doc), doc, where)]
        columns = UNIT_ORDERS[order]
        chosen.sort(key=lambda pair: tuple(pair[0][c] for c in columns))
        return len(chosen), [doc for _, doc in chosen[offset : offset + limit]]

    def select_items(
        self, kind: str, where: ItemWhere, offset: int, limit: int
    ) -> tuple[int, list[tuple[dict[str, Any], int]]]:
        """(how many items of `kind` `where` holds for, (unit document, position) of `limit` of them)."""
        found = [
            (key, doc, position)
            for doc in self.units()
            if (where.unit is None or doc["unit"] == where.unit) and (where.type is None or doc["type"] == where.type)
            for key, position in _item_keys(kind, doc, where)
        ]
        found.sort(key=lambda row: row[0])
        return len(found), [(doc, position) for _, doc, position in found[offset : offset + limit]]

    def proposal_tally(self) -> dict[tuple[int, str], dict[str, int]]:
        """How many proposals stand each way, by (cycle, agency)."""
        tally: dict[tuple[int, str], dict[str, int]] = {}
        for doc in self.units():
            for _, _, cycle, agency, outcome in proposal_rows(doc):
                counts = tally.setdefault((cycle, agency), {})
                counts[outcome] = counts.get(outcome, 0) + 1
        return tally

    def select_assessments(
        self,
        *,
        outcome: str,
        since: str | None,
        until: str | None,
        level: str | None,
        track: str | None,
        unit: str | None,
        type_: str | None,
        offset: int,
        limit: int,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(how many assessments of `outcome` match, `limit` of them newest first from `offset`)."""
        types = {u["unit"]: u["type"] for u in self.units()} if type_ else {}
        rows = [
            doc
            for doc in self.assessments(outcome=outcome)
            if (since is None or doc["at"] >= since)
            and (until is None or doc["at"] < until)
            and (level is None or doc["level"] == level)
            and (track is None or doc["track"] == track)
            and (unit is None or doc["unit"] == unit)
            and (type_ is None or types.get(doc["unit"]) == type_)
        ]
        rows.sort(key=lambda r: -r["index"])
        return len(rows), rows[offset : offset + limit]

    def unit_names(self) -> dict[str, str]:
        """Every unit's name, by id."""
        return {u["unit"]: u["name"] for u in self.units()}
