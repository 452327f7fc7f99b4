"""Keeping the views current: an `eventsourcing` projection over the log's LeafAppended events.

`StatusProjection.process_event` folds one leaf (projections.fold) and writes what changed with the
event's tracking record in one transaction, so each entry is applied exactly once, across crashes
and restarts. The fold's in-memory state is rebuilt at start from the log up to the tracked
position. `ViewProjector` drives it: `catch_up()` processes what is new, synchronously (the CLI and
tests use it); `run()` starts eventsourcing's ProjectionRunner in the background (the server).
`rebuild()` throws the views away and folds the whole log again, in bulk.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast

from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    ListenNotifySubscription,
    Notification,
    Tracking,
)
from eventsourcing.projection import BaseProjectionRunner, Projection
from eventsourcing.utils import Environment

from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import MerkleTree
from ledger.errors import Unavailable
from ledger.store.config import Storage
from ledger.store.events import LeafAppended, LedgerEvents
from ledger.store.polling import PollingSubscription
from ledger.store.writer_lock import writer_lock
from projections.fold import Changes, ViewFold
from projections.locks import ViewsLock
from projections.recorders import PostgresViewRecorder, SQLiteViewRecorder, ViewDocuments, ViewRecorder
from projections.selection import UNIT_INDEX

LEAF_TOPIC = f"{LeafAppended.__module__}:{LeafAppended.__qualname__}"
APPLICATION_NAME = LedgerEvents.name  # the store's events application: its events table and tracking key
PAGE = 2000
PEOPLE_INDEX = 1  # the version of the directory and search tables the views hold (meta `people_index`)
# Meta `employee_events`: the employees' pact events are rows of their own (projections.fold.PactEvent),
# not members of the employee documents (issue 16).
EMPLOYEE_EVENTS = 1


def view_recorder_class(storage: Storage) -> type[ViewRecorder]:
    if storage.kind == "postgres":
        return PostgresViewRecorder
    if storage.kind == "sqlite":
        return SQLiteViewRecorder
    raise ValueError("views are materialised in SQLite or PostgreSQL, not in memory")


class StatusProjection(Projection[Any]):
    """Folds each LeafAppended event into the views; one transaction per event, with its tracking."""

    name = "integritas_views"
    topics = (LEAF_TOPIC,)

    def __init__(self, view: Any) -> None:
        super().__init__(view)
        self.fold: ViewFold | None = None
        self.tree = MerkleTree()
        self.lock = threading.RLock()
        self.resync: Callable[[], None] | None = None
        self.write_lock: Any = contextlib.nullcontext()

    def start(self, origin: str, leaves: Iterator[tuple[int, bytes]]) -> None:
        """Rebuild the in-memory fold from the leaves the views already hold."""
        self.tree = MerkleTree()
        self.fold = ViewFold(origin, rows=self.tree.leaf_rows)  # its leaf index reads the tree's hashes
        for index, leaf in leaves:
            self.tree.append(self.fold.apply(index, leaf).leaf_hash)

    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        with self.lock:
            assert self.fold is not None, "start() the projection before processing"
            index = domain_event.originator_version - 1
            if index < self.fold.size:
                return  # already in the views (delivered twice); its tracking is older than ours
            leaf = domain_event.leaf.encode("utf-8")
            try:
                changes = self.fold.apply(index, leaf)
                self.tree.append(changes.leaf_hash)
                with self.write_lock:
                    write_changes(self.view, self.fold, self.tree, changes, tracking)
            except IntegrityError:
                # Another process applied this entry first (a catch-up that ignored the views lock,
                # an older server): the tables' keys refused it twice, and our memory is behind
                # theirs. Re-read it from the log up to their position, then go on.
                if self.resync is None:
                    raise
                self.resync()
                if index >= self.fold.size:
                    raise  # not a duplicate after all
            except BaseException:
                self._forget()
                raise

    def process_events(self, batch: list[tuple[Any, Tracking]]) -> None:
        """Fold several events and write what they changed, with the last one's tracking, in one
        transaction: what `process_event` writes for each, once (`BatchingRunner`)."""
        with self.lock:
            assert self.fold is not None, "start() the projection before processing"
            merged = Changes()
            tracking: Tracking | None = None
            try:
                for domain_event, event_tracking in batch:
                    index = domain_event.originator_version - 1
                    if index < self.fold.size:
                        continue  # already in the views (delivered twice)
                    changes = self.fold.apply(index, domain_event.leaf.encode("utf-8"))
                    self.tree.append(changes.leaf_hash)
                    merge(merged, changes)
                    tracking = event_tracking
                if tracking is None:
                    return
                with self.write_lock:
                    write_changes(self.view, self.fold, self.tree, merged, tracking)
            except IntegrityError:
                # Another process applied some of these first: as in `process_event`, re-read the
                # views' position from the log, then apply what is still missing one by one.
                if self.resync is None:
                    raise
                self.resync()
                for domain_event, event_tracking in batch:
                    self.process_event(domain_event, event_tracking)
            except BaseException:
                self._forget()
                raise

    def _forget(self) -> None:
        """After a write that failed (and rolled back) for any reason but a duplicate: the fold holds
        leaves whose rows the tables do not. Forget it, so that the projector folds again up to the
        tables' position before it goes on (`ViewProjector.start`); kept, those leaves' history rows,
        pact events and assessments would never be written (an employee's events lost for good)."""
        self.fold = None


def merge(into: Changes, changes: Changes) -> None:
    """Add what one applied leaf changed to what the leaves before it in a batch changed."""
    into.units |= changes.units
    into.signers |= changes.signers
    into.employees |= changes.employees
    into.history += changes.history
    into.pact_events += changes.pact_events
    into.assessments += changes.assessments
    into.people |= changes.people
    into.indexed |= changes.indexed
    into.leaf_hash = changes.leaf_hash


MAX_BATCH = 500  # events folded before their views are written, at most
WRITE_INTERVAL = 0.05  # seconds between two writes of the views at least, under a stream of events


class BatchingRunner(BaseProjectionRunner[Any]):
    """eventsourcing's projection runner, writing the views once for all the events already waiting.

    The runner's own loop writes the views once per event, each write its own transaction and
    commit (an fsync on SQLite, a WAL flush on PostgreSQL) in the server process that appends: by
    profile (issue 16) as much CPU as the append itself, and a second commit per entry against
    the store's one per group. Here the events that have arrived are folded together and written
    with the last one's tracking; a view is never more than the events already delivered behind.
    """

    @staticmethod
    def _process_events_loop(  # type: ignore[override]
        subscription: Any, projection: StatusProjection, is_stopping: threading.Event, runner: Any
    ) -> None:
        BaseProjectionRunner._process_events_loop(
            subscription=cast(Any, _Batches(subscription)),  # the loop only iterates it
            projection=cast(Any, _BatchProcessor(projection)),  # and calls process_event
            is_stopping=is_stopping,
            runner=runner,
        )


class _Batches:
    """The subscription's (event, tracking) pairs as lists: each holds what was delivered without waiting."""

    def __init__(self, subscription: Any) -> None:
        self.subscription = subscription

    def __iter__(self) -> Iterator[tuple[list[tuple[Any, Tracking]], None]]:
        batch: list[tuple[Any, Tracking]] = []
        written = 0.0
        for pair in self.subscription:
            batch.append(pair)
            if len(batch) >= MAX_BATCH or not delivered_without_waiting(self.subscription.subscription):
                # Under a stream of appends a batch held one or two events, and each write's statements
                # cost the server more CPU than the append (PostgreSQL: ~0.8 ms an entry, issue 16):
                # a write follows the previous one by WRITE_INTERVAL at least, and gathers what
                # arrived meanwhile. An event after a quiet spell is written at once.
                pause = written + WRITE_INTERVAL - time.monotonic()
                if pause > 0 and len(batch) < MAX_BATCH:
                    time.sleep(pause)
                    if delivered_without_waiting(self.subscription.subscription):
                        continue  # more arrived: gather it before writing
                yield batch, None
                written = time.monotonic()
                batch = []
        if batch:  # a subscription that ends (stopping) after events it said were waiting
            yield batch, None


class _BatchProcessor:
    def __init__(self, projection: StatusProjection) -> None:
        self.projection = projection

    def process_event(self, batch: list[tuple[Any, Tracking]], _: None) -> None:
        self.projection.process_events(batch)


def delivered_without_waiting(subscription: Any) -> bool:
    """Whether the recorder's subscription holds notifications fetched and not yet delivered (its
    next one comes without a query or a wait). Reads the buffers of ledger.store.polling's
    subscription (SQLite) and of eventsourcing 9.5's LISTEN/NOTIFY one (PostgreSQL); for any other, False:
    one write per event, as before."""
    if isinstance(subscription, PollingSubscription):
        return bool(subscription.buffered)
    if isinstance(subscription, ListenNotifySubscription):
        return (
            subscription._notifications_index < len(subscription._notifications)
            or not subscription._notifications_queue.empty()
        )
    return False


def write_changes(
    view: ViewRecorder, fold: ViewFold, tree: MerkleTree, changes: Changes, tracking: Tracking | None
) -> None:
    """Write the documents `changes` names, and the views' position, with `tracking`."""
    view.write(changed_documents(fold, tree, changes, reset=False), rows=changes, tracking=tracking)


def changed_documents(fold: ViewFold, tree: MerkleTree, changes: Changes, *, reset: bool) -> ViewDocuments:
    """The documents and meta `changes` names: units as a list, the rest (millions after a national
    rebuild) made one at a time as they are written. On a `reset` (a rebuild), every employee's
    document and every search item's terms, whatever `changes` names of them."""
    return ViewDocuments(
        units=[(unit, fold.unit_document(unit)) for unit in sorted(changes.units)],
        signers=((signer, fold.signer_document(signer)) for signer in sorted(changes.signers) if signer),
        employees=(
            (unit, number, fold.employee_document(unit, number))
            for unit, number in (fold.employees() if reset else sorted(changes.employees))
        ),
        meta={
            "tree_size": fold.size,
            "root_hash": encode_base64(tree.root()),
            "at": fold.last_at,
            "counts": counts(fold, changes.units),
            "cycles": fold.cycles_document(),
            "refused": fold.refused,
            "people_index": PEOPLE_INDEX,
            # A rebuild writes every unit's selection rows; an entry, the rows of the units it changed,
            # which keep views already indexed (or being filled: _complete_unit_index) complete.
            **({"unit_index": UNIT_INDEX, "employee_events": EMPLOYEE_EVENTS} if reset else {}),
        },
        people=((key, fold.person_document(key)) for key in sorted(changes.people) if key in fold.state.keys),
        terms=(
            (what, item, fold.search_terms(what, item))
            for what, item in (fold.everything_indexed() if reset else sorted(changes.indexed))
        ),
    )


def counts(fold: ViewFold, changed: set[str] | None = None) -> dict[str, dict[str, int]]:
    """Region-wide counts of units by stage and by predicate.

    Kept on the fold and updated for the units an entry `changed` (every entry that moves a unit
    names it): recounting every unit for every entry cost the projection O(units) an append, a
    national ledger's thousands (issue 16). Without `changed`, or on a fold not counted yet, all
    units are counted."""
    tally = fold.stage_tally
    if tally is None or changed is None:
        tally = fold.stage_tally = {"of": {}, "by_stage": {}, "by_predicate": {}}
        changed = set(fold.state.units)
    of, by_stage, by_predicate = tally["of"], tally["by_stage"], tally["by_predicate"]
    for unit_id in changed:
        unit = fold.state.units.get(unit_id)
        if unit is None:
            continue
        now, before = (unit.stage, unit.predicate), of.get(unit_id)
        if now == before:
            continue
        if before is not None:
            by_stage[before[0]] -= 1
            by_predicate[before[1]] -= 1
        by_stage[now[0]] = by_stage.get(now[0], 0) + 1
        by_predicate[now[1]] = by_predicate.get(now[1], 0) + 1
        of[unit_id] = now
    return {
        "by_stage": dict(sorted((k, v) for k, v in by_stage.items() if v)),
        "by_predicate": dict(sorted((k, v) for k, v in by_predicate.items() if v)),
    }


class ViewProjector:
    """The views of one ledger: their recorder, their projection, and the ways to bring them up to date."""

    def __init__(self, storage: Storage, origin: str) -> None:
        self.storage = storage
        self.origin = origin
        self.env = LedgerEvents.env_for(storage)
        factory = InfrastructureFactory.construct(env=Environment(StatusProjection.name, self.env))
        # Several server processes start together; the one holding the writer lock creates the
        # tables, the others find them (PostgreSQL's CREATE ... IF NOT EXISTS still races).
        with writer_lock(storage):
            self.events = LedgerEvents(env=self.env)
            self.view = cast(ViewRecorder, factory.tracking_recorder(view_recorder_class(storage)))
        self.projection = StatusProjection(self.view)
        self.projection.resync = self._load
        if storage.kind == "sqlite":
            # SQLite has one write lock per file, and a writer that finds it taken sleeps in steps
            # of up to 100 ms. Taking the ledger's writer lock first makes the views and the store
            # queue for each other instead (measured: p99 of appends under load).
            self.projection.write_lock = writer_lock(storage)
        self.views_lock = ViewsLock(storage)
        self._runner: BaseProjectionRunner[Any] | None = None
        self._started = False

    # --- positions -----------------------------------------------------------------------------

    def tracked(self) -> int:
        return self.view.max_tracking_id(APPLICATION_NAME) or 0

    def _notifications(self, after: int, stop: int | None = None) -> Iterator[Notification]:
        position = after
        while True:
            page = self.events.recorder.select_notifications(position + 1, PAGE, stop=stop, topics=[LEAF_TOPIC])
            if not page:
                return
            yield from page
            position = page[-1].id

    def _leaves_until(self, stop: int) -> Iterator[tuple[int, bytes]]:
        for notification in self._notifications(0, stop):
            event = self.events.mapper.to_domain_event(notification)
            yield event.originator_version - 1, event.leaf.encode("utf-8")  # type: ignore[attr-defined]

    def start(self) -> None:
        """Rebuild the fold's memory up to the tracked position: once, and again after a failed
        write made the projection forget it (`StatusProjection._forget`)."""
        if not self._started or self.projection.fold is None:
            self._load()
            self._started = True

    def _load(self) -> None:
        with self.projection.lock, _no_gc_while_folding():
            tracked = self.tracked()
            self.projection.start(self.origin, self._leaves_until(tracked) if tracked else iter(()))

    # --- keeping up ------------------------------------------------------------------------------

    def catch_up(self) -> int:
        """Process every LeafAppended event not in the views yet; return how many.

        Only the holder of the views lock writes the views: while a server keeps them current, a
        catch-up from the command line changes nothing and returns 0.
        """
        with self.views_lock.held(blocking=False) as leading:
            if not leading:
                return 0
            pending = self._notifications(self.tracked())
            first = next(pending, None)
            if first is None:
                self._complete_meta()
                self._complete_people()
                self._complete_unit_index()
                self._complete_employee_events()
                return 0  # nothing new: no need to load the fold at all
            self.start()
            self._complete_people()
            self._complete_unit_index()
            self._complete_employee_events()
            done = 0
            for notification in itertools.chain([first], pending):
                event = self.events.mapper.to_domain_event(notification)
                self.projection.process_event(event, Tracking(APPLICATION_NAME, notification.id))
                done += 1
            return done

    def _complete_meta(self) -> None:
        """Give views written by a release before `as_of.at` existed the time of their last entry.

        Their meta lacks it until the next entry is applied; folding what they hold gives it. Only
        the holder of the views lock calls this (catch_up, run).
        """
        if "at" in self.view.meta() or not self.tracked():
            return
        self.start()
        assert self.projection.fold is not None
        self.view.write(ViewDocuments(meta={"at": self.projection.fold.last_at}))

    def _complete_people(self) -> None:
        """Give views written by a release before the directory and search existed (issue 13) their
        tables, from the fold of what they hold; only the holder of the views lock calls this."""
        if self.view.meta().get("people_index") == PEOPLE_INDEX or not self.tracked():
            return
        self.start()
        fold = self.projection.fold
        assert fold is not None
        with self.projection.lock:
            changes = Changes(people=set(fold.state.keys), indexed=set(fold.everything_indexed()))
            self.view.write(
                ViewDocuments(
                    meta={"people_index": PEOPLE_INDEX},
                    people=[(key, fold.person_document(key)) for key in sorted(changes.people)],
                    terms=[(what, item, fold.search_terms(what, item)) for what, item in sorted(changes.indexed)],
                )
            )

    def _complete_employee_events(self) -> None:
        """Give views written by a release whose employee documents held their pact events the rows of
        those events (issue 16), before any new event adds to them. Only the holder of the views lock
        calls this."""
        if self.view.meta().get("employee_events") == EMPLOYEE_EVENTS:
            return
        with self.projection.lock:
            self.view.split_employee_events({"employee_events": EMPLOYEE_EVENTS})

    def _complete_unit_index(self) -> None:
        """Give views written by a release before the selection tables existed (issue 16) their rows,
        from the unit documents they hold (projections.selection); until then the queries answer in
        Python from the documents. Only the holder of the views lock calls this."""
        if self.view.meta().get("unit_index") == UNIT_INDEX:
            return
        with self.projection.lock:
            self.view.index_stored_documents({"unit_index": UNIT_INDEX})

    def run(self) -> None:
        """Keep the views current in the background with eventsourcing's ProjectionRunner."""
        self.start()
        self._complete_meta()
        self._complete_people()
        self._complete_unit_index()
        self._complete_employee_events()
        self._runner = BatchingRunner(
            projection=self.projection,
            application_class=LedgerEvents,
            tracking_recorder=self.view,
            topics=StatusProjection.topics,
            # The runner's LedgerEvents finds the tables __init__ made under the writer lock. Its own
            # DDL (eventsourcing's CREATE OR REPLACE FUNCTION) would run outside that lock and race
            # another worker's start: "tuple concurrently updated", and uvicorn stops the server.
            env={**self.env, "CREATE_TABLE": "no"},
        )
        self._runner.__enter__()  # entered here, exited in stop(): threads joined before the app closes

    def running(self) -> bool:
        """Whether the background runner is still processing (it stops on an error)."""
        return self._runner is not None and not self._runner.is_interrupted.is_set()

    def stop(self) -> None:
        if self._runner is not None:
            runner, self._runner = self._runner, None
            runner.__exit__(None, None, None)

    def size(self) -> int:
        """How many leaves the views hold (from the view tables: other processes may write them)."""
        return int(self.view.meta().get("tree_size", 0))

    # --- rebuilding --------------------------------------------------------------------------------

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Drop the views and fold the whole log again, written in one transaction."""
        with self.views_lock.held(blocking=False) as leading:
            if not leading:
                raise Unavailable(
                    "another process (a running server) is keeping these views; stop it to rebuild them",
                    code=codes.VIEWS_BUSY,
                )
            return self._rebuild(progress)

    def _rebuild(self, progress: Callable[[int, int], None] | None) -> int:
        with self.projection.lock, _no_gc_while_folding():
            total = self._leaf_count()
            last: list[int] = []

            def leaves() -> Iterator[tuple[int, bytes]]:
                for notification in self._notifications(0):
                    event = self.events.mapper.to_domain_event(notification)
                    last[:] = [notification.id]
                    yield event.originator_version - 1, event.leaf.encode("utf-8")  # type: ignore[attr-defined]

            fold, tree = rebuild_views(
                self.view,
                self.origin,
                leaves(),
                total,
                progress,
                lambda: Tracking(APPLICATION_NAME, last[0]) if last else None,
            )
            self.projection.fold, self.projection.tree = fold, tree
            self._started = True
            if self.storage.kind == "sqlite":
                give_back_wal(Path(str(self.storage.sqlite_path)))
            if progress:
                progress(fold.size, total)
            return fold.size

    def _leaf_count(self) -> int:
        return self.events.stored_size()


def rebuild_views(
    view: ViewRecorder,
    origin: str,
    leaves: Iterable[tuple[int, bytes]],
    total: int,
    progress: Callable[[int, int], None] | None = None,
    tracking: Callable[[], Tracking | None] = lambda: None,
) -> tuple[ViewFold, MerkleTree]:
    """Replace the views in `view` by the fold of a whole log's `leaves`, in one transaction whose
    rows of each entry (history, pact events, assessments) are written while the fold runs
    (`ViewRecorder.rebuilding`); `tracking` gives the position once the leaves are read. What
    `integritas views rebuild` and `scripts/bench.py rebuild` run."""
    with view.rebuilding() as rebuilding:
        fold, tree, changes = fold_everything(origin, leaves, total, progress, rebuilding.rows)
        rebuilding.finish(changed_documents(fold, tree, changes, reset=True), tracking())
    return fold, tree


def give_back_wal(database: Path) -> None:
    """Copy SQLite's write-ahead log into the database and truncate it. A rebuild is one transaction,
    so all of it (the whole views: 9.5 GB at 10^7 entries) went through the log, which SQLite's
    automatic checkpoints copy back but never shrink: the disk would hold the views twice."""
    with contextlib.closing(sqlite3.connect(database, timeout=30)) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


ROWS_BATCH = 20_000  # history rows, pact events and assessments handed to the rebuild's transaction at a time


def fold_everything(
    origin: str,
    leaves: Iterable[tuple[int, bytes]],
    total: int,
    progress: Callable[[int, int], None] | None,
    rows: Callable[[Changes], None],
) -> tuple[ViewFold, MerkleTree, Changes]:
    """Fold a whole log's leaves from the first: the fold, its tree, and every document it makes.
    What has a row per entry (history rows, pact events, assessments) goes to `rows` in batches as
    the fold makes it: a national log's 10^7 are never held. A rebuild's work (`rebuild_views`);
    its employees' documents and search terms are every one the fold has, which `changed_documents`
    makes on a reset as they are written, never as one set."""
    tree = MerkleTree()
    fold = ViewFold(origin, rows=tree.leaf_rows)  # its leaf index reads the tree's hashes
    made = Changes()
    for index, leaf in leaves:
        applied = fold.apply(index, leaf)
        made.history += applied.history
        made.pact_events += applied.pact_events
        made.assessments += applied.assessments
        if len(made.history) + len(made.pact_events) >= ROWS_BATCH:
            rows(made)
            made = Changes()
        tree.append(applied.leaf_hash)
        if progress and fold.size % 4096 == 0:
            progress(fold.size, total)
    rows(made)
    changes = Changes()
    changes.units = set(fold.state.units)
    changes.signers = set(fold.signers) | set(fold.state.keys)
    changes.people = set(fold.state.keys)
    return fold, tree, changes


@contextmanager
def _no_gc_while_folding() -> Iterator[None]:
    """Fold with the cyclic garbage collector off, then freeze what the fold built.

    The fold keeps hundreds of thousands of long-lived objects; every full collection walked them
    all (a fifth of a 10^6-entry rebuild, and 300 ms pauses in the queries that followed:
    scripts/bench views). They hold no cycles to collect, so freezing them is safe.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.collect()
        gc.freeze()
        if enabled:
            gc.enable()
