"""The materialised views: tables beside the ledger's events, written with their tracking record.

Each recorder is an `eventsourcing` tracking recorder with the view tables added, so that the
documents an event changed and the tracking position of that event commit in one transaction:
after a crash the views and their position agree, and no event is applied twice or skipped. The
SQL is the same for SQLite and PostgreSQL but for parameter markers.

The recorder of the ledger's own events, and its polling subscription for SQLite, are the store's
(ledger.store.polling, chosen by `LedgerEvents.env_for`).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from ledger.store.events import LedgerEvents
from projections import selection
from projections.fold import Changes, PactEvent, with_events
from projections.people import name_key
from projections.selection import ItemWhere, UnitWhere

VIEW_TABLES = (
    "CREATE TABLE IF NOT EXISTS view_units (unit TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_signers (signer TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_employees (unit TEXT NOT NULL, number TEXT NOT NULL, doc TEXT NOT NULL, "
    "PRIMARY KEY (unit, number))",
    # An employee's pact events (projections.fold.PactEvent), gathered into the document when it is read.
    # One B-tree besides the table, in the order it is read in (an employee's, a unit's events).
    "CREATE TABLE IF NOT EXISTS view_employee_events (unit TEXT NOT NULL, number TEXT NOT NULL, idx BIGINT NOT NULL, "
    "event TEXT NOT NULL, PRIMARY KEY (unit, number, idx))",
    "CREATE TABLE IF NOT EXISTS view_history (idx BIGINT PRIMARY KEY, unit TEXT, signer TEXT NOT NULL, "
    "kind TEXT NOT NULL, at TEXT NOT NULL, row TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_history_unit ON view_history (unit, idx)",
    "CREATE INDEX IF NOT EXISTS view_history_signer ON view_history (signer, idx)",
    "CREATE TABLE IF NOT EXISTS view_assessments (idx BIGINT PRIMARY KEY, unit TEXT NOT NULL, "
    "outcome TEXT NOT NULL, at TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # People and search (projections.people): the key directory sorted by name, and the search index,
    # whose terms are ASCII words matched as prefixes (a range over the primary key's B-tree).
    "CREATE TABLE IF NOT EXISTS view_people (fingerprint TEXT PRIMARY KEY, name_key TEXT NOT NULL, "
    "role TEXT NOT NULL, doc TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS view_people_name ON view_people (name_key, fingerprint)",
    "CREATE TABLE IF NOT EXISTS view_search (term TEXT NOT NULL, what TEXT NOT NULL, item TEXT NOT NULL, "
    "PRIMARY KEY (term, what, item))",
    "CREATE INDEX IF NOT EXISTS view_search_item ON view_search (what, item)",
)
# The selection tables (projections.selection): what the oversight queries filter and sort units and
# their items on, so that each reads only the documents on its page (issue 16). `{text}` is TEXT, and
# on PostgreSQL TEXT COLLATE "C": ids, names and days compare by code point, as Python compares them.
UNIT_INDEX_TABLES = (
    "CREATE TABLE IF NOT EXISTS view_unit_index (unit {text} PRIMARY KEY, name {text} NOT NULL, "
    "type {text} NOT NULL, stage {text} NOT NULL, stage_rank INTEGER NOT NULL, track {text}, "
    "predicate {text} NOT NULL, predicate_rank INTEGER NOT NULL, ratio INTEGER NOT NULL, stage_day {text}, "
    "lapsed_cycle INTEGER, barred_until {text}, barred_day {text}, designated_year INTEGER)",
    "CREATE INDEX IF NOT EXISTS view_unit_index_stalled ON view_unit_index (stage_day, unit)",
    "CREATE INDEX IF NOT EXISTS view_unit_index_ratio ON view_unit_index (ratio, unit)",
    "CREATE INDEX IF NOT EXISTS view_unit_index_barred ON view_unit_index (barred_until, unit)",
    "CREATE TABLE IF NOT EXISTS view_unit_remediation (unit {text} NOT NULL, position INTEGER NOT NULL, "
    "opened_index BIGINT NOT NULL, id {text} NOT NULL, opened_day {text} NOT NULL, PRIMARY KEY (unit, position))",
    "CREATE INDEX IF NOT EXISTS view_unit_remediation_order ON view_unit_remediation (opened_index, unit, id)",
    "CREATE TABLE IF NOT EXISTS view_unit_cases (unit {text} NOT NULL, position INTEGER NOT NULL, "
    "opened_index BIGINT NOT NULL, concerns {text} NOT NULL, PRIMARY KEY (unit, position))",
    "CREATE INDEX IF NOT EXISTS view_unit_cases_order ON view_unit_cases (opened_index, unit)",
    "CREATE TABLE IF NOT EXISTS view_unit_proposals (unit {text} NOT NULL, position INTEGER NOT NULL, "
    "cycle INTEGER NOT NULL, agency {text} NOT NULL, outcome {text} NOT NULL, PRIMARY KEY (unit, position))",
    "CREATE INDEX IF NOT EXISTS view_unit_proposals_order ON view_unit_proposals (outcome, cycle, unit)",
    "CREATE TABLE IF NOT EXISTS view_unit_monitoring (unit {text} NOT NULL, year INTEGER NOT NULL, "
    "PRIMARY KEY (unit, year))",
    "CREATE TABLE IF NOT EXISTS view_assessment_index (idx BIGINT PRIMARY KEY, unit {text} NOT NULL, "
    "outcome {text} NOT NULL, at {text} NOT NULL, level {text}, track {text})",
    "CREATE INDEX IF NOT EXISTS view_assessment_index_outcome ON view_assessment_index (outcome, idx)",
)
ITEM_ROWS: dict[str, Callable[[dict[str, Any]], Sequence[tuple[Any, ...]]]] = {
    "view_unit_remediation": selection.remediation_rows,
    "view_unit_cases": selection.case_rows,
    "view_unit_proposals": selection.proposal_rows,
    "view_unit_monitoring": selection.monitoring_rows,
}
UNIT_ITEM_TABLES = tuple(ITEM_ROWS)
UNIT_INDEX_ROWS = ("view_unit_index", *UNIT_ITEM_TABLES, "view_assessment_index")
# The documents and the rows of each entry (scripts/bench_views.py counts them).
DOCUMENT_TABLES = (
    "view_units",
    "view_signers",
    "view_employees",
    "view_employee_events",
    "view_history",
    "view_assessments",
)
DROP_VIEW_ROWS = tuple(
    f"DELETE FROM {table}" for table in (*DOCUMENT_TABLES, "view_meta", "view_people", "view_search", *UNIT_INDEX_ROWS)
)


@dataclass
class ViewDocuments:
    """What one write of the views holds besides the rows of its entries (history lines, pact events,
    assessments: `projections.fold.Changes`): the documents an entry (or a rebuild) changed and the
    meta. `people` are key documents of the directory (projections.people); `terms` replace the
    search terms of each (what, item) they name. All but units may be generators, read as they are
    written."""

    meta: dict[str, Any]
    units: Sequence[tuple[str, dict[str, Any]]] = ()
    signers: Iterable[tuple[str, dict[str, Any]]] = ()
    employees: Iterable[tuple[str, str, dict[str, Any]]] = ()
    people: Iterable[tuple[str, dict[str, Any]]] = ()
    terms: Iterable[tuple[str, str, Sequence[str]]] = ()


class ViewRecorder(TrackingRecorder):
    """The view tables' reads and writes, over a DB-API cursor; `P` is the parameter marker."""

    P = "?"
    TEXT = "TEXT"  # the type of the selection tables' text columns

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        raise NotImplementedError

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        raise NotImplementedError

    def _tracking_table(self) -> str:
        raise NotImplementedError

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every read inside sees one committed state of the views (one read transaction)."""
        local = self._snapshot_local()
        if getattr(local, "cursor", None) is not None:
            yield
            return
        with self._read_transaction() as cursor:
            local.cursor = cursor
            try:
                yield
            finally:
                local.cursor = None

    def _snapshot_local(self) -> threading.local:
        local: threading.local | None = getattr(self, "_local", None)
        if local is None:
            local = self._local = threading.local()
        return local

    @contextmanager
    def _read_transaction(self) -> Iterator[Any]:
        with self._cursor(commit=False) as c:
            yield c

    @contextmanager
    def _reading(self) -> Iterator[Any]:
        cursor = getattr(self._snapshot_local(), "cursor", None)
        if cursor is not None:
            yield cursor
        else:
            with self._cursor(commit=False) as c:
                yield c

    # --- writing ------------------------------------------------------------------------------------

    def write(self, documents: ViewDocuments, *, rows: Changes | None = None, tracking: Tracking | None = None) -> None:
        """Upsert the changed documents, add the rows of the entries folded (`rows`: history, pact
        events, assessments), set meta and track, all in one transaction (a rebuild writes through
        `rebuilding` instead)."""
        try:
            with self._cursor(commit=True) as c:
                if rows is not None:
                    self._add_rows(c, rows)
                wrote = self._write_rows(c, documents, tracking, fresh=False)
        except BaseException:
            self._written().clear()  # rolled back: what the tables hold is no longer known here
            raise
        self._written().update(wrote)

    @contextmanager
    def rebuilding(self, application_name: str = LedgerEvents.name) -> Iterator[Rebuilding]:
        """A rebuild's one transaction, its rows written as the fold makes them: the old rows and
        position deleted first, the history rows added in batches while the fold runs
        (`Rebuilding.history`), the documents and the new position at the end (`Rebuilding.finish`).
        Nothing of a whole log is held in memory for one big write (issue 16, bounded memory). A
        failure anywhere rolls it all back: the old views stay, with their position."""
        self._written().clear()
        try:
            with self._cursor(commit=True) as c:
                self._drop_rows(c, application_name)
                rebuilding = Rebuilding(self, c)
                yield rebuilding
                if not rebuilding.finished:
                    raise RuntimeError("a rebuild's transaction ended before its documents were written")
        except BaseException:
            self._written().clear()
            raise
        self._written().update(rebuilding.wrote)

    def _drop_rows(self, c: Any, application_name: str) -> None:
        for statement in DROP_VIEW_ROWS:
            c.execute(statement)
        c.execute(f"DELETE FROM {self._tracking_table()} WHERE application_name = {self.P}", (application_name,))

    def _add_rows(self, c: Any, made: Changes) -> None:
        """The rows an entry (or a rebuild's batch of entries) adds, in log order: its history line,
        its pact event, its assessment result."""
        p = self.P
        c.executemany(
            f"INSERT INTO view_history VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
            [(row.index, row.unit, row.signer, row.kind, row.at, _dump(row.to_json())) for row in made.history],
        )
        self._add_pact_events(c, made.pact_events)
        self._add_assessments(c, made.assessments)

    def _add_pact_events(self, c: Any, events: Iterable[PactEvent]) -> None:
        p = self.P
        c.executemany(
            f"INSERT INTO view_employee_events VALUES ({p}, {p}, {p}, {p})",
            [(e.unit, e.number, e.event["index"], _dump(e.event)) for e in events],
        )

    def _write_rows(
        self, c: Any, documents: ViewDocuments, tracking: Tracking | None, *, fresh: bool
    ) -> dict[tuple[str, str], Any]:
        """Every row but the history's, in the transaction of `c`. The iterables are read in
        batches (a rebuild's employees and people are millions at national scale)."""
        p = self.P
        c.executemany(
            f"INSERT INTO view_units VALUES ({p}, {p}) ON CONFLICT (unit) DO UPDATE SET doc = excluded.doc",
            [(unit, _dump(doc)) for unit, doc in documents.units],
        )
        wrote = self._index_units(c, [doc for _, doc in documents.units], fresh=fresh)
        _in_batches(
            c,
            f"INSERT INTO view_signers VALUES ({p}, {p}) ON CONFLICT (signer) DO UPDATE SET doc = excluded.doc",
            ((signer, _dump(doc)) for signer, doc in documents.signers),
        )
        _in_batches(
            c,
            f"INSERT INTO view_employees VALUES ({p}, {p}, {p}) "
            "ON CONFLICT (unit, number) DO UPDATE SET doc = excluded.doc",
            ((unit, number, _dump(doc)) for unit, number, doc in documents.employees),
        )
        _in_batches(
            c,
            f"INSERT INTO view_people VALUES ({p}, {p}, {p}, {p}) "
            "ON CONFLICT (fingerprint) DO UPDATE SET name_key = excluded.name_key, role = excluded.role, "
            "doc = excluded.doc",
            ((fp, name_key(doc["name"]), doc["role"], _dump(doc)) for fp, doc in documents.people),
        )
        terms = documents.terms if fresh else list(documents.terms)  # read twice when not fresh
        if not fresh:
            c.executemany(
                f"DELETE FROM view_search WHERE what = {p} AND item = {p}",
                [(what, item) for what, item, _ in terms],
            )
        _in_batches(
            c,
            f"INSERT INTO view_search VALUES ({p}, {p}, {p})",
            ((term, what, item) for what, item, words in terms for term in words),
        )
        c.executemany(
            f"INSERT INTO view_meta VALUES ({p}, {p}) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            [(name, _dump(value)) for name, value in documents.meta.items()],
        )
        if tracking is not None:
            self._track(c, tracking)
        return wrote

    def _index_units(self, c: Any, docs: Sequence[dict[str, Any]], *, fresh: bool) -> dict[tuple[str, str], Any]:
        """Write the selection rows of the units `docs` are the new documents of (projections.selection),
        those that differ from the rows last written (most entries change a unit's coverage, not its
        items: a statement per table would be a round trip each on PostgreSQL). Returns what it wrote,
        for `_written` once committed."""
        p = self.P
        written = {} if fresh else self._written()
        wrote: dict[tuple[str, str], Any] = {}
        columns = selection.FACET_COLUMNS
        facets = []
        for doc in docs:
            facet = selection.unit_facets(doc)
            row = tuple(facet[column] for column in columns)
            if written.get(("view_unit_index", doc["unit"])) != row:
                facets.append(row)
                wrote["view_unit_index", doc["unit"]] = row
        if facets:
            c.executemany(
                f"INSERT INTO view_unit_index ({', '.join(columns)}) VALUES ({', '.join(p for _ in columns)}) "
                f"ON CONFLICT (unit) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in columns[1:])}",
                facets,
            )
        stale: dict[str, list[str]] = {}
        inserts: dict[str, list[tuple[Any, ...]]] = {}
        for table, rows_of in ITEM_ROWS.items():
            for doc in docs:
                rows: tuple[tuple[Any, ...], ...] = tuple(rows_of(doc))
                if written.get((table, doc["unit"])) == rows:  # None if not written by this recorder yet
                    continue
                if not fresh:
                    stale.setdefault(table, []).append(doc["unit"])
                inserts.setdefault(table, []).extend(rows)
                wrote[table, doc["unit"]] = rows
        if stale:
            self._delete_item_rows(c, stale)
        for table, added in inserts.items():
            if added:
                c.executemany(f"INSERT INTO {table} VALUES ({', '.join(p for _ in added[0])})", added)
        return wrote

    def _written(self) -> dict[tuple[str, str], Any]:
        """The selection rows this recorder last committed, by (table, unit): only the leader of the
        views writes them, and a failed transaction forgets them all (see `write`)."""
        written: dict[tuple[str, str], Any] | None = getattr(self, "_written_rows", None)
        if written is None:
            written = {}
            self._written_rows = written
        return written

    def _delete_item_rows(self, c: Any, stale: dict[str, list[str]]) -> None:
        """Delete the item rows of the units in each table, to be written again."""
        for table, units in stale.items():
            c.executemany(f"DELETE FROM {table} WHERE unit = {self.P}", [(unit,) for unit in units])

    def _add_assessments(self, c: Any, docs: Sequence[dict[str, Any]]) -> None:
        p = self.P
        c.executemany(
            f"INSERT INTO view_assessments VALUES ({p}, {p}, {p}, {p}, {p})",
            [(doc["index"], doc["unit"], doc["outcome"], doc["at"], _dump(doc)) for doc in docs],
        )
        self._index_assessments(c, docs)

    def _index_assessments(self, c: Any, docs: Sequence[dict[str, Any]]) -> None:
        if not docs:
            return
        p = self.P
        c.executemany(
            f"INSERT INTO view_assessment_index VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
            [(d["index"], d["unit"], d["outcome"], d["at"], d.get("level"), d.get("track")) for d in docs],
        )

    def index_stored_documents(self, meta: dict[str, Any]) -> int:
        """Fill the selection tables from the documents the views hold, and set `meta`, in one
        transaction: views written before the tables existed (projections.projector). Returns the
        number of units indexed."""
        p = self.P
        with self._cursor(commit=True) as c:
            c.execute("SELECT doc FROM view_units ORDER BY unit")
            units = [json.loads(row["doc"]) for row in c.fetchall()]
            c.execute("SELECT doc FROM view_assessments ORDER BY idx")
            assessments = [json.loads(row["doc"]) for row in c.fetchall()]
            for table in UNIT_INDEX_ROWS:
                c.execute(f"DELETE FROM {table}")
            self._written().clear()  # until committed
            wrote = self._index_units(c, units, fresh=True)
            self._index_assessments(c, assessments)
            c.executemany(
                f"INSERT INTO view_meta VALUES ({p}, {p}) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [(name, _dump(value)) for name, value in meta.items()],
            )
        self._written().update(wrote)
        return len(units)

    def split_employee_events(self, meta: dict[str, Any]) -> int:
        """Move the pact events that views written before they had rows of their own hold inside each
        employee's document to `view_employee_events`, and set `meta`, in one transaction, a unit at a
        time (projections.projector). Returns how many employees' documents were split. Rows the
        table holds already are left over from before an older release wrote these views (a
        downgrade's rebuild clears the meta, not this table): the documents are what stands."""
        p = self.P
        split = 0
        with self._cursor(commit=True) as c:
            c.execute("DELETE FROM view_employee_events")
            c.execute("SELECT DISTINCT unit FROM view_employees ORDER BY unit")
            units = [row["unit"] for row in c.fetchall()]
            for unit in units:
                c.execute(f"SELECT number, doc FROM view_employees WHERE unit = {p} ORDER BY number", (unit,))
                documents = [(row["number"], json.loads(row["doc"])) for row in c.fetchall()]
                held = [(number, doc) for number, doc in documents if "events" in doc]
                self._add_pact_events(
                    c, [PactEvent(unit, number, event) for number, doc in held for event in doc["events"]]
                )
                c.executemany(
                    f"UPDATE view_employees SET doc = {p} WHERE unit = {p} AND number = {p}",
                    [(_dump({k: v for k, v in doc.items() if k != "events"}), unit, number) for number, doc in held],
                )
                split += len(held)
            c.executemany(
                f"INSERT INTO view_meta VALUES ({p}, {p}) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [(name, _dump(value)) for name, value in meta.items()],
            )
        return split

    # --- reading ------------------------------------------------------------------------------------

    def meta(self) -> dict[str, Any]:
        with self._reading() as c:
            c.execute("SELECT name, value FROM view_meta")
            return {row["name"]: json.loads(row["value"]) for row in c.fetchall()}

    def units(self) -> list[dict[str, Any]]:
        with self._reading() as c:
            c.execute("SELECT doc FROM view_units ORDER BY unit")
            return [json.loads(row["doc"]) for row in c.fetchall()]

    def unit(self, unit: str) -> dict[str, Any] | None:
        with self._reading() as c:
            c.execute(f"SELECT doc FROM view_units WHERE unit = {self.P}", (unit,))
            row = c.fetchone()
            return None if row is None else json.loads(row["doc"])

    def signer(self, signer: str) -> dict[str, Any] | None:
        with self._reading() as c:
            c.execute(f"SELECT doc FROM view_signers WHERE signer = {self.P}", (signer,))
            row = c.fetchone()
            return None if row is None else json.loads(row["doc"])

    def employees(self, unit: str) -> list[dict[str, Any]]:
        with self._reading() as c:
            c.execute(f"SELECT doc FROM view_employees WHERE unit = {self.P} ORDER BY number", (unit,))
            documents = [json.loads(row["doc"]) for row in c.fetchall()]
            c.execute(
                f"SELECT number, event FROM view_employee_events WHERE unit = {self.P} ORDER BY number, idx", (unit,)
            )
            events: dict[str, list[dict[str, Any]]] = {}
            for row in c.fetchall():
                events.setdefault(row["number"], []).append(json.loads(row["event"]))
            return [with_events(doc, events.get(doc["number"], [])) for doc in documents]

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
        limit: int = 100,
    ) -> tuple[int, list[dict[str, Any]]]:
        """(total, rows) of history lines in log order (or newest first), by unit or by signer, of one
        kind if asked, within [since, until)."""
        where, params = [], []
        for column, value in (("unit", unit), ("signer", signer), ("kind", kind)):
            if value is not None:
                where.append(f"{column} = {self.P}")
                params.append(value)
        if since is not None:
            where.append(f"at >= {self.P}")
            params.append(since)
        if until is not None:
            where.append(f"at < {self.P}")
            params.append(until)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        direction = "DESC" if newest_first else "ASC"
        with self._reading() as c:
            c.execute(f"SELECT COUNT(*) AS n FROM view_history {clause}", params)
            total = int(c.fetchone()["n"])
            c.execute(
                f"SELECT row FROM view_history {clause} ORDER BY idx {direction} LIMIT {self.P} OFFSET {self.P}",
                [*params, limit, offset],
            )
            return total, [json.loads(row["row"]) for row in c.fetchall()]

    def person(self, fingerprint: str) -> dict[str, Any] | None:
        """A key of the directory."""
        with self._reading() as c:
            c.execute(f"SELECT doc FROM view_people WHERE fingerprint = {self.P}", (fingerprint,))
            row = c.fetchone()
            return None if row is None else json.loads(row["doc"])

    def people(self, *, role: str | None = None, offset: int = 0, limit: int = 100) -> tuple[int, list[dict[str, Any]]]:
        """(total, keys) of the directory, by holder's name, then fingerprint."""
        clause, params = (f"WHERE role = {self.P}", [role]) if role is not None else ("", [])
        with self._reading() as c:
            c.execute(f"SELECT COUNT(*) AS n FROM view_people {clause}", params)
            total = int(c.fetchone()["n"])
            c.execute(
                f"SELECT doc FROM view_people {clause} ORDER BY name_key, fingerprint LIMIT {self.P} OFFSET {self.P}",
                [*params, limit, offset],
            )
            return total, [json.loads(row["doc"]) for row in c.fetchall()]

    def employee(self, unit: str, number: str) -> dict[str, Any] | None:
        """An employee's document, its pact events gathered from their rows (projections.fold.PactEvent)."""
        p = self.P
        with self._reading() as c:
            c.execute(f"SELECT doc FROM view_employees WHERE unit = {p} AND number = {p}", (unit, number))
            row = c.fetchone()
            if row is None:
                return None
            c.execute(
                f"SELECT event FROM view_employee_events WHERE unit = {p} AND number = {p} ORDER BY idx", (unit, number)
            )
            return with_events(json.loads(row["doc"]), [json.loads(event["event"]) for event in c.fetchall()])

    def search(
        self, words: Sequence[str], *, offset: int = 0, limit: int = 100, what: str | None = None
    ) -> tuple[int, list[tuple[str, str]]]:
        """(total, [(what, item)]) of the items that have, for every word, a term starting with it;
        units first, then keys, then employees, each by id."""
        p = self.P
        matches = []
        params: list[Any] = []
        for word in words:
            matches.append(
                f"SELECT DISTINCT what, item FROM view_search WHERE term >= {p} AND term < {p}"
                + (f" AND what = {p}" if what is not None else "")
            )
            params += [word, _after_prefix(word), *([what] if what is not None else [])]
        found = " INTERSECT ".join(matches)
        order = "CASE what WHEN 'unit' THEN 0 WHEN 'key' THEN 1 ELSE 2 END, item"
        with self._reading() as c:
            c.execute(f"SELECT COUNT(*) AS n FROM ({found}) AS hits", params)
            total = int(c.fetchone()["n"])
            c.execute(
                f"SELECT what, item FROM ({found}) AS hits ORDER BY {order} LIMIT {p} OFFSET {p}",
                [*params, limit, offset],
            )
            return total, [(row["what"], row["item"]) for row in c.fetchall()]

    def assessments(self, *, outcome: str | None = None) -> list[dict[str, Any]]:
        with self._reading() as c:
            if outcome is None:
                c.execute("SELECT doc FROM view_assessments ORDER BY idx")
            else:
                c.execute(f"SELECT doc FROM view_assessments WHERE outcome = {self.P} ORDER BY idx", (outcome,))
            return [json.loads(row["doc"]) for row in c.fetchall()]

    # --- the oversight queries' selection (projections.selection; its Python twin there) ----------

    def select_units(self, where: UnitWhere, order: str, offset: int, limit: int) -> tuple[int, list[dict[str, Any]]]:
        """(how many units `where` holds for, the documents of `limit` of them from `offset` in `order`)."""
        p = self.P
        clauses: list[str] = []
        params: list[Any] = []
        for column in ("unit", "type", "stage", "track", "predicate"):
            value = getattr(where, column)
            if value is not None:
                clauses.append(f"i.{column} = {p}")
                params.append(value)
        if where.ratio_below is not None:
            clauses.append(f"i.ratio < {p}")
            params.append(where.ratio_below)
        if where.held:
            clauses.append("i.predicate <> 'none'")
        if where.stalled_by is not None:
            clauses.append(f"i.stage <> 'designated' AND (i.stage_day <= {p} OR i.lapsed_cycle IS NOT NULL)")
            params.append(where.stalled_by)
        if where.barred_after is not None:
            clauses.append(f"i.barred_day > {p}")
            params.append(where.barred_after)
        if where.unmonitored_in is not None:
            clauses.append(
                f"(i.designated_year IS NULL OR i.designated_year < {p}) AND NOT EXISTS "
                f"(SELECT 1 FROM view_unit_monitoring m WHERE m.unit = i.unit AND m.year = {p})"
            )
            params += [where.unmonitored_in, where.unmonitored_in]
        condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
        order_by = ", ".join(f"i.{column}" for column in selection.UNIT_ORDERS[order])
        with self._reading() as c:
            c.execute(f"SELECT COUNT(*) AS n FROM view_unit_index i {condition}", params)
            total = int(c.fetchone()["n"])
            c.execute(
                f"SELECT u.doc FROM view_unit_index i JOIN view_units u ON u.unit = i.unit {condition} "
                f"ORDER BY {order_by} LIMIT {p} OFFSET {p}",
                [*params, limit, offset],
            )
            return total, [json.loads(row["doc"]) for row in c.fetchall()]

    def select_items(
        self, kind: str, where: ItemWhere, offset: int, limit: int
    ) -> tuple[int, list[tuple[dict[str, Any], int]]]:
        """(how many items of `kind` `where` holds for, (unit document, position) of `limit` of them)."""
        p = self.P
        clauses: list[str] = []
        params: list[Any] = []
        for column, value in (("r.unit", where.unit), ("i.type", where.type)):
            if value is not None:
                clauses.append(f"{column} = {p}")
                params.append(value)
        if kind == "remediation":
            table, order = "view_unit_remediation", "r.opened_index, r.unit, r.id, r.position"
            if where.opened_by is not None:
                clauses.append(f"r.opened_day <= {p}")
                params.append(where.opened_by)
        elif kind == "case":
            table, order = "view_unit_cases", "r.opened_index, r.unit, r.position"
            clauses.append("i.predicate <> 'none'")
            if where.concerns is not None:
                clauses.append(f"r.concerns = {p}")
                params.append(where.concerns)
        elif kind == "lapsed":
            table, order = "view_unit_proposals", "r.cycle, r.unit, r.position"
            clauses.append("r.outcome = 'lapsed'")
            if where.cycle is not None:
                clauses.append(f"r.cycle = {p}")
                params.append(where.cycle)
        else:
            raise ValueError(f"no items of kind {kind!r}")
        found = f"FROM {table} r JOIN view_unit_index i ON i.unit = r.unit WHERE {' AND '.join(clauses)}"
        with self._reading() as c:
            c.execute(f"SELECT COUNT(*) AS n {found}", params)
            total = int(c.fetchone()["n"])
            c.execute(
                f"SELECT r.unit, r.position {found} ORDER BY {order} LIMIT {p} OFFSET {p}", [*params, limit, offset]
            )
            page = [(row["unit"], int(row["position"])) for row in c.fetchall()]
            documents = self._documents(c, {unit for unit, _ in page})
            return total, [(documents[unit], position) for unit, position in page if unit in documents]

    def _documents(self, c: Any, units: set[str]) -> dict[str, dict[str, Any]]:
        if not units:
            return {}
        ordered = sorted(units)
        c.execute(f"SELECT unit, doc FROM view_units WHERE unit IN ({', '.join(self.P for _ in ordered)})", ordered)
        return {row["unit"]: json.loads(row["doc"]) for row in c.fetchall()}

    def proposal_tally(self) -> dict[tuple[int, str], dict[str, int]]:
        """How many proposals stand each way, by (cycle, agency)."""
        tally: dict[tuple[int, str], dict[str, int]] = {}
        with self._reading() as c:
            c.execute(
                "SELECT cycle, agency, outcome, COUNT(*) AS n FROM view_unit_proposals GROUP BY cycle, agency, outcome"
            )
            for row in c.fetchall():
                tally.setdefault((int(row["cycle"]), row["agency"]), {})[row["outcome"]] = int(row["n"])
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
        p = self.P
        clauses, params = [f"f.outcome = {p}"], [outcome]
        for clause, value in (
            (f"f.at >= {p}", since),
            (f"f.at < {p}", until),
            (f"f.level = {p}", level),
            (f"f.track = {p}", track),
            (f"f.unit = {p}", unit),
            (f"i.type = {p}", type_),
        ):
            if value is not None:
                clauses.append(clause)
                params.append(value)
        joined = " JOIN view_unit_index i ON i.unit = f.unit" if type_ is not None else ""
        condition = " AND ".join(clauses)
        with self._reading() as c:
            c.execute(f"SELECT COUNT(*) AS n FROM view_assessment_index f{joined} WHERE {condition}", params)
            total = int(c.fetchone()["n"])
            c.execute(
                f"SELECT a.doc FROM view_assessment_index f JOIN view_assessments a ON a.idx = f.idx{joined} "
                f"WHERE {condition} ORDER BY f.idx DESC LIMIT {p} OFFSET {p}",
                [*params, limit, offset],
            )
            return total, [json.loads(row["doc"]) for row in c.fetchall()]

    def unit_names(self) -> dict[str, str]:
        """Every unit's name, by id (without reading a document)."""
        with self._reading() as c:
            c.execute("SELECT unit, name FROM view_unit_index")
            return {row["unit"]: row["name"] for row in c.fetchall()}

    def corrupt_for_test(self, statement: str, params: Sequence[Any] = ()) -> None:
        """Run a raw statement against the view tables (tests use it to damage a row)."""
        with self._cursor(commit=True) as c:
            c.execute(statement, params)


class SQLiteViewRecorder(ViewRecorder, SQLiteTrackingRecorder):
    """The views in the ledger's SQLite file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Views commit without waiting for the disk (synchronous=NORMAL, WAL): a crash can lose
        # their last transactions, and their tracking records with them, so those entries are
        # applied again; the events beside them keep committing with a full sync. The views
        # writer then holds SQLite's one write lock for microseconds, not a disk flush per entry.
        pool = self.datastore.pool
        create = pool._create_connection

        def create_relaxed() -> Any:
            connection = create()
            connection._sqlite_conn.execute("PRAGMA synchronous=NORMAL")
            return connection

        pool._create_connection = create_relaxed  # type: ignore[method-assign]

    def _tracking_table(self) -> str:
        return "tracking"

    @contextmanager
    def _read_transaction(self) -> Iterator[Any]:
        # A write transaction holds the one snapshot SQLite gives a connection for its duration;
        # nothing is written, and views are read rarely enough for the writer lock to be free.
        with self.datastore.transaction(commit=False) as c:
            c.execute("SELECT 1 FROM view_meta LIMIT 1")  # starts the read snapshot (WAL)
            yield c

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *VIEW_TABLES,
            *(statement.format(text=self.TEXT) for statement in UNIT_INDEX_TABLES),
        ]

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            yield c

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)


class PostgresViewRecorder(ViewRecorder, PostgresTrackingRecorder):
    """The views in the ledger's PostgreSQL database."""

    P = "%s"
    TEXT = 'TEXT COLLATE "C"'

    def _tracking_table(self) -> str:
        return str(self.tracking_table_name)

    @contextmanager
    def _read_transaction(self) -> Iterator[Any]:
        with self.datastore.transaction(commit=False) as c:
            c.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield c

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statements: Any = self.sql_create_statements
        statements.extend(SQL(statement) for statement in VIEW_TABLES)
        statements.extend(SQL(statement.format(text=self.TEXT)) for statement in UNIT_INDEX_TABLES)

    def create_table(self) -> None:
        # A server worker starts while another process's views writer holds row locks on these
        # tables. CREATE INDEX IF NOT EXISTS takes a SHARE lock on its table before it finds the
        # index there, and the two deadlock ("deadlock detected": the starting worker fails and
        # uvicorn stops the whole server). When everything is there, nothing is created or locked.
        if not self._all_created():
            super().create_table()

    def _all_created(self) -> bool:
        names = [self.tracking_table_name, *_created_names((*VIEW_TABLES, *UNIT_INDEX_TABLES))]
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                "SELECT bool_and(to_regclass(quote_ident(%s) || '.' || quote_ident(name)) IS NOT NULL) AS ok "
                "FROM unnest(%s::text[]) AS name",
                (self.datastore.schema, names),
            )
            row = c.fetchone()
        if not (row and row["ok"]):
            return False
        # eventsourcing's single-row tracking table carries a migration record once it is made.
        return self.max_tracking_id(self.table_migration_identifier) is not None

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            yield c

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)

    def _delete_item_rows(self, c: Any, stale: dict[str, list[str]]) -> None:
        # One statement (one round trip on the append path) instead of one per table.
        deletes = [f"DELETE FROM {table} WHERE unit = ANY(%(t{n})s)" for n, table in enumerate(stale)]
        steps = "".join(f"d{n} AS ({statement}), " for n, statement in enumerate(deletes[:-1]))
        statement = f"WITH {steps[:-2]} {deletes[-1]}" if steps else deletes[-1]
        c.execute(statement, {f"t{n}": units for n, units in enumerate(stale.values())})


class Rebuilding:
    """The open transaction of `ViewRecorder.rebuilding`."""

    def __init__(self, recorder: ViewRecorder, cursor: Any) -> None:
        self._recorder, self._cursor = recorder, cursor
        self.wrote: dict[tuple[str, str], Any] = {}
        self.finished = False

    def rows(self, made: Changes) -> None:
        """Add the rows of what the fold made (history, pact events, assessments: a batch, in log order)."""
        self._recorder._add_rows(self._cursor, made)

    def finish(self, documents: ViewDocuments, tracking: Tracking | None) -> None:
        """Write every document and the views' new position; the transaction commits when the
        `rebuilding` block ends."""
        self.wrote = self._recorder._write_rows(self._cursor, documents, tracking, fresh=True)
        self.finished = True


BATCH_ROWS = 10_000


def _in_batches(c: Any, statement: str, rows: Iterable[tuple[Any, ...]]) -> None:
    """executemany over `rows` read BATCH_ROWS at a time, so that no list of them all is ever made."""
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, BATCH_ROWS)):  # itertools.batched: Python 3.12
        c.executemany(statement, batch)


def _created_names(statements: Sequence[str]) -> list[str]:
    """The tables and indexes that CREATE ... IF NOT EXISTS statements make."""
    return [match.group(1) for statement in statements if (match := _CREATED.search(statement))]


_CREATED = re.compile(r"IF NOT EXISTS (\w+)")


def _after_prefix(word: str) -> str:
    """The least string above every string starting with `word` (an ASCII word: its last character plus one)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
