"""The materialised views: tables beside the ledger's events, written with their tracking record.

Each recorder is an `eventsourcing` tracking recorder with the view tables added, so that the
documents an event changed and the tracking position of that event commit in one transaction:
after a crash the views and their position agree, and no event is applied twice or skipped. The
SQL is the same for SQLite and PostgreSQL but for parameter markers.

The recorder of the ledger's own events, and its polling subscription for SQLite, are the store's
(ledger.store.polling, chosen by `LedgerEvents.env_for`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.sqlite import SQLiteTrackingRecorder
from psycopg.sql import SQL

from ledger.store.events import LedgerEvents
from projections.people import name_key

VIEW_TABLES = (
    "CREATE TABLE IF NOT EXISTS view_units (unit TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_signers (signer TEXT PRIMARY KEY, doc TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS view_employees (unit TEXT NOT NULL, number TEXT NOT NULL, doc TEXT NOT NULL, "
    "PRIMARY KEY (unit, number))",
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
DROP_VIEW_ROWS = tuple(
    f"DELETE FROM {table}"
    for table in (
        "view_units",
        "view_signers",
        "view_employees",
        "view_history",
        "view_assessments",
        "view_meta",
        "view_people",
        "view_search",
    )
)


class ViewRecorder(TrackingRecorder):
    """The view tables' reads and writes, over a DB-API cursor; `P` is the parameter marker."""

    P = "?"

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

    def write(
        self,
        *,
        units: Sequence[tuple[str, dict[str, Any]]],
        signers: Sequence[tuple[str, dict[str, Any]]],
        employees: Sequence[tuple[str, str, dict[str, Any]]],
        history: Sequence[dict[str, Any]],
        assessments: Sequence[dict[str, Any]],
        meta: dict[str, Any],
        tracking: Tracking | None,
        reset: bool = False,
        people: Sequence[tuple[str, dict[str, Any]]] = (),
        terms: Sequence[tuple[str, str, Sequence[str]]] = (),
    ) -> None:
        """Upsert changed documents, add history rows, set meta and track, all in one transaction.

        `people` are key documents of the directory (projections.people); `terms` replace the search
        terms of each (what, item) they name."""
        p = self.P
        with self._cursor(commit=True) as c:
            if reset:
                # In the same transaction as the new rows: a failed rebuild leaves the old views
                # and their position together, never rows without a position.
                for statement in DROP_VIEW_ROWS:
                    c.execute(statement)
                c.execute(
                    f"DELETE FROM {self._tracking_table()} WHERE application_name = {p}",
                    (tracking.application_name if tracking else LedgerEvents.name,),
                )
            c.executemany(
                f"INSERT INTO view_units VALUES ({p}, {p}) ON CONFLICT (unit) DO UPDATE SET doc = excluded.doc",
                [(unit, _dump(doc)) for unit, doc in units],
            )
            c.executemany(
                f"INSERT INTO view_signers VALUES ({p}, {p}) ON CONFLICT (signer) DO UPDATE SET doc = excluded.doc",
                [(signer, _dump(doc)) for signer, doc in signers],
            )
            c.executemany(
                f"INSERT INTO view_employees VALUES ({p}, {p}, {p}) "
                "ON CONFLICT (unit, number) DO UPDATE SET doc = excluded.doc",
                [(unit, number, _dump(doc)) for unit, number, doc in employees],
            )
            c.executemany(
                f"INSERT INTO view_history VALUES ({p}, {p}, {p}, {p}, {p}, {p})",
                [(row["index"], row["unit"], row["signer"], row["kind"], row["at"], _dump(row)) for row in history],
            )
            c.executemany(
                f"INSERT INTO view_assessments VALUES ({p}, {p}, {p}, {p}, {p})",
                [(doc["index"], doc["unit"], doc["outcome"], doc["at"], _dump(doc)) for doc in assessments],
            )
            c.executemany(
                f"INSERT INTO view_people VALUES ({p}, {p}, {p}, {p}) "
                "ON CONFLICT (fingerprint) DO UPDATE SET name_key = excluded.name_key, role = excluded.role, "
                "doc = excluded.doc",
                [(fp, name_key(doc["name"]), doc["role"], _dump(doc)) for fp, doc in people],
            )
            if not reset:
                c.executemany(
                    f"DELETE FROM view_search WHERE what = {p} AND item = {p}",
                    [(what, item) for what, item, _ in terms],
                )
            c.executemany(
                f"INSERT INTO view_search VALUES ({p}, {p}, {p})",
                [(term, what, item) for what, item, words in terms for term in words],
            )
            c.executemany(
                f"INSERT INTO view_meta VALUES ({p}, {p}) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [(name, _dump(value)) for name, value in meta.items()],
            )
            if tracking is not None:
                self._track(c, tracking)

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
            return [json.loads(row["doc"]) for row in c.fetchall()]

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
        with self._reading() as c:
            c.execute(f"SELECT doc FROM view_employees WHERE unit = {self.P} AND number = {self.P}", (unit, number))
            row = c.fetchone()
            return None if row is None else json.loads(row["doc"])

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
        return [*super().construct_create_table_statements(), *VIEW_TABLES]

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            yield c

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)


class PostgresViewRecorder(ViewRecorder, PostgresTrackingRecorder):
    """The views in the ledger's PostgreSQL database."""

    P = "%s"

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

    @contextmanager
    def _cursor(self, *, commit: bool) -> Iterator[Any]:
        with self.datastore.transaction(commit=commit) as c:
            yield c

    def _track(self, cursor: Any, tracking: Tracking) -> None:
        self._insert_tracking(cursor, tracking)


def _after_prefix(word: str) -> str:
    """The least string above every string starting with `word` (an ASCII word: its last character plus one)."""
    return word[:-1] + chr(ord(word[-1]) + 1)


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
