"""The oversight questions (DOMAIN.md) and status reads, answered from views with proof of origin.

Every answer is `{"query", "params", "as_of": {"tree_size", "root_hash", "at"}, "page"?, "data",
"digest"}` where `digest` is the SHA-256 of the RFC 8785 canonical JSON of the whole answer but its
digest (docs/design/rules-edition-2.md, "Answers are pure functions of the log"). The same functions
run over the materialised views (`DatabaseViews`) and over a fold made offline from an export
(`MemoryViews`): if the views are exactly the fold of the log at `as_of`, the digests agree.

An answer is a function of the log prefix it reads and its parameters only, never of the clock:
days (stalled, age of remediation) are counted to `on`, which defaults to the date of `as_of.at`
(the time of the prefix's last entry) and is part of the answer's parameters.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from ledger import codes
from ledger.canonical import canonical_json_of
from ledger.entry import FINGERPRINT_PATTERN
from ledger.errors import MalformedInput, NotFound
from projections import people as people_module
from projections.fold import ViewFold
from projections.selection import (
    ITEM_LISTS,
    UNIT_INDEX,
    ItemWhere,
    PythonSelection,
    UnitWhere,
    day_before,
    designated_on,
    lapsed_cycle,
    ratio_bound,
)

MAX_PAGE = 500
PREDICATES = ("none", "wbk", "wbbm")  # lowest first (projections.selection.PREDICATES)
PAGE_SIZE = 100  # rows an answer holds when the caller does not say


class Views(Protocol):
    """What the queries read."""

    def as_of(self) -> dict[str, Any]: ...
    def counts(self) -> dict[str, Any]: ...
    def units(self) -> list[dict[str, Any]]: ...
    # the oversight queries' selection: their page of units or items first (projections.selection)
    def select_units(
        self, where: UnitWhere, order: str, offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]: ...
    def select_items(
        self, kind: str, where: ItemWhere, offset: int, limit: int
    ) -> tuple[int, list[tuple[dict[str, Any], int]]]: ...
    def proposal_tally(self) -> dict[tuple[int, str], dict[str, int]]: ...
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
    ) -> tuple[int, list[dict[str, Any]]]: ...
    def unit_names(self) -> dict[str, str]: ...
    def unit(self, unit: str) -> dict[str, Any] | None: ...
    def signer(self, signer: str) -> dict[str, Any] | None: ...
    def employees(self, unit: str) -> list[dict[str, Any]]: ...
    def history(
        self,
        *,
        unit: str | None = None,
        signer: str | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: str | None = None,
        newest_first: bool = False,
        offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> tuple[int, list[dict[str, Any]]]: ...
    def assessments(self, *, outcome: str | None = None) -> list[dict[str, Any]]: ...
    def cycles(self) -> list[dict[str, Any]]: ...
    # people and search (projections.people)
    def person(self, fingerprint: str) -> dict[str, Any] | None: ...
    def people(
        self, *, role: str | None = None, offset: int = 0, limit: int = PAGE_SIZE
    ) -> tuple[int, list[dict[str, Any]]]: ...
    def employee(self, unit: str, number: str) -> dict[str, Any] | None: ...
    def search(
        self, words: Sequence[str], *, offset: int = 0, limit: int = PAGE_SIZE, what: str | None = None
    ) -> tuple[int, list[tuple[str, str]]]: ...


class DatabaseViews(PythonSelection):
    """The materialised views (projections.recorders).

    The queries select their page in SQL over the selection tables once the views hold them (meta
    `unit_index`); views written before them are answered by the Python twin until the views'
    leader has filled them (projections.projector)."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self._meta = recorder.meta()
        if self._meta.get("unit_index") == UNIT_INDEX:
            self.select_units = recorder.select_units  # type: ignore[method-assign]
            self.select_items = recorder.select_items  # type: ignore[method-assign]
            self.proposal_tally = recorder.proposal_tally  # type: ignore[method-assign]
            self.select_assessments = recorder.select_assessments  # type: ignore[method-assign]
            self.unit_names = recorder.unit_names  # type: ignore[method-assign]

    def as_of(self) -> dict[str, Any]:
        return {
            "tree_size": self._meta.get("tree_size", 0),
            "root_hash": self._meta.get("root_hash"),
            "at": self._meta.get("at"),
        }

    def counts(self) -> dict[str, Any]:
        counts: dict[str, Any] = self._meta.get("counts", {"by_stage": {}, "by_predicate": {}})
        return counts

    def cycles(self) -> list[dict[str, Any]]:
        cycles: list[dict[str, Any]] = self._meta.get("cycles", [])  # views of an edition-1 log may lack it
        return cycles

    def __getattr__(self, name: str) -> Any:  # units, unit, signer, employees, history, assessments
        return getattr(self.recorder, name)


def read(recorder: Any, function: Callable[..., dict[str, Any]], *args: Any, **kwargs: Any) -> dict[str, Any]:
    """Answer `function` from the materialised views as of one committed state (one snapshot)."""
    with recorder.snapshot():
        return function(DatabaseViews(recorder), *args, **kwargs)


class MemoryViews(PythonSelection):
    """A fold held in memory: the offline twin of the database views."""

    def __init__(self, fold: ViewFold, root_hash: str) -> None:
        from projections.projector import counts

        self.fold = fold
        self.root_hash = root_hash
        self._counts = counts(fold)
        if fold.history_log is None:
            raise ValueError("MemoryViews needs a fold made with keep_history=True")
        self._history = fold.history_log
        self._terms: dict[tuple[str, str], list[str]] | None = None  # the search index, made when first asked

    def as_of(self) -> dict[str, Any]:
        return {"tree_size": self.fold.size, "root_hash": self.root_hash, "at": self.fold.last_at}

    def counts(self) -> dict[str, Any]:
        return self._counts

    def units(self) -> list[dict[str, Any]]:
        return [self.fold.unit_document(unit) for unit in sorted(self.fold.state.units)]

    def unit(self, unit: str) -> dict[str, Any] | None:
        return self.fold.unit_document(unit) if unit in self.fold.state.units else None

    def signer(self, signer: str) -> dict[str, Any] | None:
        if signer not in self.fold.signers and signer not in self.fold.state.keys:
            return None
        return self.fold.signer_document(signer)

    def employees(self, unit: str) -> list[dict[str, Any]]:
        known = self.fold.state.units.get(unit)
        return [] if known is None else [self.fold.employee(unit, number) for number in sorted(known.pacts)]

    def history(
        self,
        *,
        unit: str | None = None,
        signer: str | None = None,
        since: str | None = None,
        until: str | None = None,
        kind: str | None = None,
        newest_first: bool = False,
        offset: int = 0,
        limit: int = PAGE_SIZE,
    ) -> tuple[int, list[dict[str, Any]]]:
        rows = [
            row
            for row in self._history
            if (unit is None or row["unit"] == unit)
            and (signer is None or row["signer"] == signer)
            and (since is None or row["at"] >= since)
            and (until is None or row["at"] < until)
            and (kind is None or row["kind"] == kind)
        ]
        if newest_first:
            rows.reverse()
        return len(rows), rows[offset : offset + limit]

    def assessments(self, *, outcome: str | None = None) -> list[dict[str, Any]]:
        assert self.fold.assessment_log is not None  # an offline fold keeps them
        return [doc for doc in self.fold.assessment_log if outcome is None or doc["outcome"] == outcome]

    def cycles(self) -> list[dict[str, Any]]:
        return self.fold.cycles_document()

    def person(self, fingerprint: str) -> dict[str, Any] | None:
        return self.fold.person_document(fingerprint) if fingerprint in self.fold.state.keys else None

    def people(
        self, *, role: str | None = None, offset: int = 0, limit: int = PAGE_SIZE
    ) -> tuple[int, list[dict[str, Any]]]:
        keys = [self.fold.person_document(fp) for fp in self.fold.state.keys]
        rows = sorted(
            (k for k in keys if role is None or k["role"] == role),
            key=lambda k: (people_module.name_key(k["name"]), k["fingerprint"]),
        )
        return len(rows), rows[offset : offset + limit]

    def employee(self, unit: str, number: str) -> dict[str, Any] | None:
        return self.fold.employee(unit, number) if self.fold.is_employee(unit, number) else None

    def search(
        self, words: Sequence[str], *, offset: int = 0, limit: int = PAGE_SIZE, what: str | None = None
    ) -> tuple[int, list[tuple[str, str]]]:
        if self._terms is None:
            self._terms = {item: self.fold.search_terms(*item) for item in self.fold.everything_indexed()}
        hits = [
            item
            for item, terms in self._terms.items()
            if (what is None or item[0] == what) and all(any(t.startswith(w) for t in terms) for w in words)
        ]
        hits.sort(key=lambda item: (people_module.WHATS.index(item[0]), item[1]))
        return len(hits), hits[offset : offset + limit]


# --- answers -------------------------------------------------------------------------------------------


def answer(
    query: str, params: dict[str, Any], views: Views, data: Any, page: dict[str, int] | None = None
) -> dict[str, Any]:
    """The envelope every view answer has; the digest covers all of it: query, params, as_of, page, data."""
    document = {"query": query, "params": params, "as_of": views.as_of()}
    if page is not None:
        document["page"] = page
    document["data"] = data
    document["digest"] = digest(document)
    return document


def digest(document: dict[str, Any]) -> str:
    """SHA-256 (lowercase hex) of the RFC 8785 form of an answer without its `digest` member."""
    return hashlib.sha256(canonical_json_of({k: v for k, v in document.items() if k != "digest"})).hexdigest()


def _paginate(rows: list[Any], offset: int, limit: int) -> tuple[list[Any], dict[str, int]]:
    limit, offset = _limit(limit), _offset(offset)
    return rows[offset : offset + limit], {"offset": offset, "limit": limit, "total": len(rows)}


def _select_units(
    views: Views, where: UnitWhere, order: str, offset: int, limit: int
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The page of unit documents `where` selects, in `order`, and the page's description."""
    limit, offset = _limit(limit), _offset(offset)
    total, documents = views.select_units(where, order, offset, limit)
    return documents, {"offset": offset, "limit": limit, "total": total}


def _select_items(
    views: Views, kind: str, where: ItemWhere, offset: int, limit: int
) -> tuple[list[tuple[dict[str, Any], Any, int]], dict[str, int]]:
    """The page of (unit document, item, its position in the document's list) `where` selects, and
    the page's description."""
    limit, offset = _limit(limit), _offset(offset)
    total, found = views.select_items(kind, where, offset, limit)
    # A position past the document's list is a damaged view (rows edited by hand): the row is left
    # out, and the answer's digest differs from the offline recomputation's, which names it.
    items = [
        (doc, listed[position], position)
        for doc, position in found
        if position < len(listed := doc.get(ITEM_LISTS[kind], []))
    ]
    return items, {"offset": offset, "limit": limit, "total": total}


def _offset(offset: int) -> int:
    if offset < 0:
        raise MalformedInput(f"offset {offset} is negative", code=codes.INVALID_PARAMETER)
    return offset


def _instant(text: str | None, name: str) -> str | None:
    """An RFC 3339 time (any offset) or a date, as the log writes times: UTC seconds with Z."""
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise MalformedInput(
            f"{name} {text!r} is not an RFC 3339 time or a date", code=codes.INVALID_PARAMETER
        ) from exc
    if moment.tzinfo is None:
        if len(text) != 10:
            raise MalformedInput(f"{name} {text!r} needs a time zone (Z or +07:00)", code=codes.INVALID_PARAMETER)
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE:
        raise MalformedInput(f"limit {limit} is not between 1 and {MAX_PAGE}", code=codes.INVALID_PARAMETER)
    return limit


def _days(since: str, on: date) -> int:
    return (on - datetime.fromisoformat(since.replace("Z", "+00:00")).date()).days


def _today(on: date | None, views: Views) -> date | None:
    """The day answers count to: `on`, or else `default_on` of the views' prefix."""
    return on if on is not None else default_on(views.as_of())


def default_on(as_of: dict[str, Any]) -> date | None:
    """The (UTC) date of the last entry of the prefix `as_of` describes; None for an empty log, which
    has no unit to count days of."""
    at = as_of["at"]
    return None if at is None else datetime.fromisoformat(at.replace("Z", "+00:00")).date()


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


# --- status ----------------------------------------------------------------------------------------------


def unit_id(unit: str) -> str:
    """A unit id as asked: ids are lowercase by grammar, so `DPMPTSP` asks for `dpmptsp`."""
    return unit.strip().lower()


def unit_status(views: Views, unit: str) -> dict[str, Any]:
    unit = unit_id(unit)
    document = views.unit(unit)
    if document is None:
        raise NotFound(f"unit {unit} is not registered", code=codes.UNKNOWN_UNIT)
    return answer("unit", {"unit": unit}, views, document)


UNIT_ORDERS = ("unit", "name", "stage", "coverage", "type", "progress", "predicate")
"""The orders `unit_list` sorts by: the unit id; name, stage (alphabetical), coverage ratio or type
(then name), each then the unit id; progress (the stages in the order units pass them); predicate
(highest first). Their columns: selection.UNIT_ORDERS."""


def unit_list(
    views: Views,
    *,
    type_: str | None = None,
    stage: str | None = None,
    track: str | None = None,
    predicate: str | None = None,
    below: str | None = None,
    sort: str = "unit",
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Every unit's status, filtered and sorted (by one of UNIT_ORDERS)."""
    ratio_below = None if below is None else ratio_bound(_ratio(below))
    if sort not in UNIT_ORDERS:
        raise MalformedInput(f"sort by one of {', '.join(UNIT_ORDERS)}, not {sort!r}", code=codes.INVALID_PARAMETER)
    where = UnitWhere(type=type_, stage=stage, track=track, predicate=predicate, ratio_below=ratio_below)
    data, page = _select_units(views, where, sort, offset, limit)
    params = {"type": type_, "stage": stage, "track": track, "predicate": predicate, "below": below, "sort": sort}
    return answer("units", params, views, data, page)


def region_counts(views: Views) -> dict[str, Any]:
    return answer("counts", {}, views, views.counts())


HISTORY_ORDERS = ("log", "newest")  # log order (oldest first), or newest first (the unit page's)


def unit_history(
    views: Views,
    unit: str,
    *,
    kind: str | None = None,
    order: str = "log",
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Everything recorded about a unit, across its unit, pact, witness and oversight streams, in log
    order or newest first, of one kind of entry if `kind` says."""
    unit = unit_id(unit)
    if views.unit(unit) is None:
        raise NotFound(f"unit {unit} is not registered", code=codes.UNKNOWN_UNIT)
    if order not in HISTORY_ORDERS:
        raise MalformedInput(
            f"order is one of {', '.join(HISTORY_ORDERS)}, not {order!r}", code=codes.INVALID_PARAMETER
        )
    total, rows = views.history(
        unit=unit, kind=kind, newest_first=order == "newest", offset=_offset(offset), limit=_limit(limit)
    )
    params = {"unit": unit, "kind": kind, "order": order}
    return answer("history", params, views, rows, {"offset": offset, "limit": limit, "total": total})


# --- oversight --------------------------------------------------------------------------------------------


def stalled(
    views: Views,
    *,
    days: int = 180,
    on: date | None = None,
    type_: str | None = None,
    stage: str | None = None,
    track: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Units whose stage has not changed for at least `days` days before `on`; longest stalled first."""
    reference = _today(on, views)
    if reference is None:  # an empty log, which has no unit
        data, page = _paginate([], offset, limit)
    else:
        # A designated unit is not waiting for a next step; the others are stalled from `days` days
        # in their stage, or while the cycle of their latest proposal closed undecided.
        where = UnitWhere(type=type_, stage=stage, track=track, stalled_by=day_before(reference, days))
        units, page = _select_units(views, where, "stalled", offset, limit)
        data = []
        for u in units:
            row = {
                "unit": u["unit"],
                "name": u["name"],
                "type": u["type"],
                "stage": u["stage"],
                "track": u["track"],
                "since": u["stage_since"],
                "days": _days(u["stage_since"], reference),
                "last_activity": u["last_activity"],
            }
            if "proposals" in u:  # rules edition 2: a proposal whose cycle closed undecided is stalled
                row["lapsed"] = lapsed_cycle(u)
            data.append(row)
    params = {"days": days, "on": _day(reference), "type": type_, "stage": stage, "track": track}
    return answer("stalled", params, views, data, page)


def pact_gaps(
    views: Views,
    *,
    below: str = "1",
    type_: str | None = None,
    stage: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Units whose pact coverage is below `below`, with the employees known to lack a valid pact."""
    where = UnitWhere(type=type_, stage=stage, ratio_below=ratio_bound(_ratio(below)))
    units, page = _select_units(views, where, "coverage", offset, limit)
    data = []
    for u in units:
        coverage = u["pact_coverage"]
        data.append(
            {
                "unit": u["unit"],
                "name": u["name"],
                "type": u["type"],
                "stage": u["stage"],
                "headcount": coverage["headcount"],
                "valid": coverage["valid"],
                "missing": max(0, coverage["headcount"] - coverage["valid"]),
                "ratio": coverage["ratio"],
                "released": u["released_pacts"],
            }
        )
    return answer("pact-gaps", {"below": below, "type": type_, "stage": stage}, views, data, page)


def open_remediation(
    views: Views,
    *,
    older_than: int = 0,
    on: date | None = None,
    type_: str | None = None,
    unit: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Open remediation items at least `older_than` days old on `on`; oldest first."""
    reference = _today(on, views)
    if reference is None:  # an empty log, which has no unit
        data, page = _paginate([], offset, limit)
    else:
        where = ItemWhere(unit=unit, type=type_, opened_by=day_before(reference, older_than))
        items, page = _select_items(views, "remediation", where, offset, limit)
        data = []
        for u, item, _ in items:
            age = _days(item["opened_at"], reference)
            data.append({"unit": u["unit"], "name": u["name"], "stage": u["stage"], **item, "age_days": age})
    params = {"older_than": older_than, "on": _day(reference), "type": type_, "unit": unit}
    return answer("remediation", params, views, data, page)


def failed_reviews(
    views: Views,
    *,
    since: str | None = None,
    until: str | None = None,
    level: str | None = None,
    track: str | None = None,
    type_: str | None = None,
    unit: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Assessments that failed, with their failing threshold checks and remediation; newest first."""
    since, until = _instant(since, "since"), _instant(until, "until")
    limit, offset = _limit(limit), _offset(offset)
    total, data = views.select_assessments(
        outcome="failed",
        since=since,
        until=until,
        level=level,
        track=track,
        unit=unit,
        type_=type_,
        offset=offset,
        limit=limit,
    )
    page = {"offset": offset, "limit": limit, "total": total}
    params = {"since": since, "until": until, "level": level, "track": track, "type": type_, "unit": unit}
    return answer("failed-reviews", params, views, data, page)


def signer_activity(
    views: Views,
    signer: str,
    *,
    since: str | None = None,
    until: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Who the signer is, what they signed (in log order) and whether their key was valid then.

    `signer` is a fingerprint, a prefix of one or a holder's name (projections.people.resolve_signer);
    the answer's params name the fingerprint it resolved to."""
    if not FINGERPRINT_PATTERN.fullmatch(signer) or views.signer(signer) is None:
        signer = people_module.resolve_signer(views, signer)
    document = views.signer(signer)
    if document is None:
        raise NotFound(f"signer {signer} has signed nothing and holds no key here", code=codes.UNKNOWN_SIGNER)
    since, until = _instant(since, "since"), _instant(until, "until")
    total, rows = views.history(signer=signer, since=since, until=until, offset=_offset(offset), limit=_limit(limit))
    data = {"signer": document, "entries": rows}
    return answer(
        "signer",
        {"signer": signer, "since": since, "until": until},
        views,
        data,
        {"offset": offset, "limit": limit, "total": total},
    )


def _ratio(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except ArithmeticError as exc:
        raise MalformedInput(f"{text!r} is not a ratio like 0.9", code=codes.INVALID_PARAMETER) from exc
    if not value.is_finite() or not 0 <= value <= 1:
        raise MalformedInput(f"{text!r} is not a ratio between 0 and 1", code=codes.INVALID_PARAMETER)
    return value


# --- rules edition 2: cycles, decrees, monitoring, cases (docs/design/rules-edition-2.md) ----------------


YEARS = (2000, 2999)  # the years an entry may name (docs/contract/entry.md: a year is 2000..2999)


def _year(year: int | None, name: str) -> int | None:
    if year is not None and not YEARS[0] <= year <= YEARS[1]:
        raise MalformedInput(
            f"{name} {year} is not a year between {YEARS[0]} and {YEARS[1]}", code=codes.INVALID_PARAMETER
        )
    return year


def open_cases(
    views: Views,
    *,
    type_: str | None = None,
    concerns: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Units holding a predicate (WBK or WBBM) with an open case: one row per open case, oldest first."""
    items, page = _select_items(views, "case", ItemWhere(type=type_, concerns=concerns), offset, limit)
    data = [
        {
            "unit": u["unit"],
            "name": u["name"],
            "type": u["type"],
            "predicate": u["predicate"],
            "case": case["id"],
            "case_stage": case["stage"],
            "concerns": case["concerns"],
            "opened_at": case["opened_at"],
            "opened_index": case["opened_index"],
            "office": case["office"],
            "office_name": case["office_name"],
        }
        for u, case, _ in items
    ]
    return answer("open-cases", {"type": type_, "concerns": concerns}, views, data, page)


def unmonitored(
    views: Views,
    *,
    year: int | None = None,
    type_: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Units holding a predicate with no monitoring recorded for `year` (default: the year of the log's
    last entry). A unit whose predicate was decreed in `year` or later is not yet due that year."""
    year = _year(year, "year")
    if year is None:
        today = default_on(views.as_of())
        year = None if today is None else today.year
    if year is None:  # an empty log, which has no unit
        data, page = _paginate([], offset, limit)
    else:
        # A unit whose predicate was decreed in `year` or later is not due yet.
        where = UnitWhere(type=type_, held=True, unmonitored_in=year)
        units, page = _select_units(views, where, "unit", offset, limit)
        data = [
            {
                "unit": u["unit"],
                "name": u["name"],
                "type": u["type"],
                "stage": u["stage"],
                "predicate": u["predicate"],
                "designated_on": designated_on(u),
                "last_monitored": max((m["year"] for m in u.get("monitoring", [])), default=None),
            }
            for u in units
        ]
    return answer("unmonitored", {"year": year, "type": type_}, views, data, page)


def lapsed(
    views: Views,
    *,
    cycle: int | None = None,
    type_: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Proposals whose cycle closed without a decision (designation or return); by cycle, then unit."""
    cycle = _year(cycle, "cycle")
    closing = {c["year"]: c["closes_on"] for c in views.cycles()}
    items, page = _select_items(views, "lapsed", ItemWhere(type=type_, cycle=cycle), offset, limit)
    data = []
    for u, proposal, position in items:
        proposals = u["proposals"]
        later = proposals[position + 1] if position + 1 < len(proposals) else None
        screening = proposal["screening"]
        data.append(
            {
                "unit": u["unit"],
                "name": u["name"],
                "type": u["type"],
                "agency": proposal["agency"],
                "cycle": proposal["cycle"],
                "track": proposal["track"],
                "proposed_at": proposal["at"],
                "index": proposal["index"],
                "closes_on": closing.get(proposal["cycle"]),
                "screening": None if screening is None else screening["outcome"],
                "stage": u["stage"],
                "proposed_again": None if later is None else later["cycle"],
            }
        )
    return answer("lapsed", {"cycle": cycle, "type": type_}, views, data, page)


def barred(
    views: Views,
    *,
    on: date | None = None,
    type_: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Units barred from proposals on `on` (default: the day of the log's last entry), and until when;
    the bar runs from a revocation (edition 2: from its decree's date)."""
    reference = _today(on, views)
    if reference is None:  # an empty log, which has no unit
        data, page = _paginate([], offset, limit)
    else:
        where = UnitWhere(type=type_, barred_after=reference.isoformat())
        units, page = _select_units(views, where, "barred", offset, limit)
        data = []
        for u in units:
            until = u["barred_until"]
            revocation = u.get("revocation")
            data.append(
                {
                    "unit": u["unit"],
                    "name": u["name"],
                    "type": u["type"],
                    "stage": u["stage"],
                    "barred_until": until,
                    "days_left": (date.fromisoformat(until[:10]) - reference).days,
                    "predicate": None if revocation is None else revocation["predicate"],
                    "ground": None if revocation is None else revocation["ground"],
                    "decree": None if revocation is None else revocation["decree"],
                    "index": u["stage_index"] if revocation is None else revocation["index"],
                }
            )
    return answer("barred", {"on": _day(reference), "type": type_}, views, data, page)


PROPOSAL_OUTCOMES = ("designated", "returned", "revoked", "lapsed", "pending")
"""How a proposal stands: decided (designated, returned, the predicate it built on revoked), lapsed
with its cycle, or still pending."""


def proposals(
    views: Views,
    *,
    cycle: int | None = None,
    agency: str | None = None,
    offset: int = 0,
    limit: int = PAGE_SIZE,
) -> dict[str, Any]:
    """Per cycle and agency: the proposals made against the quota, and how they stand; by cycle, agency."""
    cycle = _year(cycle, "cycle")
    counted = {key: dict.fromkeys(PROPOSAL_OUTCOMES, 0) | outcomes for key, outcomes in views.proposal_tally().items()}
    rows = []
    for c in views.cycles():
        quotas = c.get("quotas", {})
        agencies = sorted({"", *quotas, *(a for (year, a) in counted if year == c["year"])})
        for each in agencies:
            if (cycle is not None and c["year"] != cycle) or (agency is not None and each != agency):
                continue
            tally = counted.get((c["year"], each), dict.fromkeys(PROPOSAL_OUTCOMES, 0))
            quota = quotas.get(each, c["quota"])
            rows.append(
                {
                    "cycle": c["year"],
                    "agency": each,
                    "quota": quota,
                    "proposed": sum(tally.values()),
                    "remaining": max(0, quota - sum(tally.values())),
                    **tally,
                    "proposal_deadline": c["proposal_deadline"],
                    "closes_on": c["closes_on"],
                }
            )
    data, page = _paginate(rows, offset, limit)
    return answer("proposals", {"cycle": cycle, "agency": agency}, views, data, page)


# --- people and search (issue 13; projections.people) ----------------------------------------------------


def people_directory(
    views: Views, *, role: str | None = None, offset: int = 0, limit: int = PAGE_SIZE
) -> dict[str, Any]:
    """The directory of keys: holder, role, scope, office, valid from, revoked; by name."""
    total, rows = views.people(role=role, offset=_offset(offset), limit=_limit(limit))
    return answer("people", {"role": role}, views, rows, {"offset": offset, "limit": limit, "total": total})


def search(views: Views, *, q: str | None = None, offset: int = 0, limit: int = PAGE_SIZE) -> dict[str, Any]:
    """Units, keys and employees whose name, id, number or fingerprint every word of `q` begins a word of."""
    if q is None:
        raise MalformedInput("give the words to search for (q)", code=codes.INVALID_PARAMETER)
    total, rows = people_module.search_rows(views, q, _offset(offset), _limit(limit))
    return answer("search", {"q": q}, views, rows, {"offset": offset, "limit": limit, "total": total})
