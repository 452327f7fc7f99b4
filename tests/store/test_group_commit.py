"""Group commit's senders (ledger.store.application, `LedgerStore.append`): a sender waits for its
ticket's answer, not for the store's lock.

When senders waited on the lock, a sender whose ticket another writer had answered saw the answer only
once it got the lock, that is after the next group was written too; groups held one or two tickets with
sixteen senders and the fsyncs and checkpoint of a group were paid for nearly every entry (issue 16).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from ledger.entry import Submission
from ledger.store.application import MAX_GROUP, LedgerStore, Receipt
from ledger.store.config import Storage
from tests.builder import ORIGIN, LedgerBuilder, digest, key_for

TIMEOUT = 20.0
EXTRA = 44  # tickets queued beyond one group


def ledger(storage: Storage) -> tuple[LedgerStore, LedgerBuilder, Any]:
    store = LedgerStore(storage, ORIGIN, key_for("log"))
    builder = LedgerBuilder(state=store.state, apply=store.append, origin=ORIGIN)
    builder.genesis()
    builder.admin = builder.register_key("admin", "administrator")
    builder.register_unit("u0", 100_000)
    return store, builder, builder.registrars["u0"]


def pact(builder: LedgerBuilder, registrar: Any, n: int) -> Submission:
    number = f"g{n:06d}"
    body = {
        "employee": {"name": f"Pegawai {n}", "number": number},
        "pact_digest": digest("pakta"),
        "signed_on": "2020-02-01",
    }
    return builder.sign(registrar, "pact.signed", f"pact/u0/{number}", body, at="2020-02-01T00:00:00Z")


def wait_until(condition: Any, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def test_a_sender_answered_by_another_writer_returns_while_that_writer_holds_the_lock() -> None:
    store, builder, registrar = ledger(Storage.memory())
    submission = pact(builder, registrar, 1)
    results: list[Receipt | BaseException] = []

    def send() -> None:
        try:
            results.append(store.append(submission))
        except BaseException as exc:  # recorded, checked below
            results.append(exc)

    sender = threading.Thread(target=send, daemon=True)
    with store._lock:  # this thread is the writer
        sender.start()
        wait_until(lambda: len(store._queue) == 1, "the sender's ticket was not queued")
        store._write_queued()  # a group holding the sender's ticket, written by this thread
        sender.join(TIMEOUT)
        # The twin of the old way: a sender waiting for the lock would still be waiting here.
        assert not sender.is_alive(), "the sender waited for the writer's lock, not for its answer"
    assert len(results) == 1 and isinstance(results[0], Receipt)
    assert results[0].leaf_hash == submission.leaf_hash
    assert store.state.leaf_indices[submission.leaf_hash] == results[0].leaf_index


def test_a_sender_goes_on_when_another_holder_of_the_lock_lets_it_go() -> None:
    """A catch-up, a reload or a batch holds the lock and wakes no one: the sender looks again."""
    store, builder, registrar = ledger(Storage.memory())
    submission = pact(builder, registrar, 2)
    results: list[Receipt] = []
    sender = threading.Thread(target=lambda: results.append(store.append(submission)), daemon=True)
    with store._lock:  # as `catch_up` holds it
        sender.start()
        wait_until(lambda: len(store._queue) == 1, "the sender's ticket was not queued")
        time.sleep(0.05)
        assert not results  # nothing is written while the lock is held
    sender.join(TIMEOUT)
    assert not sender.is_alive() and len(results) == 1
    assert store.state.leaf_indices[submission.leaf_hash] == results[0].leaf_index


def test_sixteen_senders_share_groups(tmp_path: Path) -> None:
    """On SQLite (a write is an fsync: senders queue meanwhile), 16 senders of 40 entries each are
    written in far fewer groups than entries; waiting on the lock, there were 1.3 to 1.7 a group."""
    store, builder, registrar = ledger(Storage.sqlite(tmp_path / "ledger.sqlite"))
    submissions = [pact(builder, registrar, n) for n in range(16 * 40)]
    groups: list[int] = []
    write_group = store._write_group

    def counted(tickets: list[Any]) -> None:
        groups.append(len(tickets))
        write_group(tickets)

    store._write_group = counted  # type: ignore[method-assign]
    before = store.size
    receipts: list[Receipt] = []

    def send(mine: list[Submission]) -> None:
        for submission in mine:
            receipts.append(store.append(submission))

    senders = [threading.Thread(target=send, args=(submissions[n::16],)) for n in range(16)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(TIMEOUT * 3)
    assert store.size == before + len(submissions) and len(receipts) == len(submissions)
    assert sorted(receipt.leaf_index for receipt in receipts) == list(range(before, store.size))
    assert sum(groups) == len(submissions)
    assert len(groups) <= len(submissions) / 3, f"{len(groups)} groups for {len(submissions)} entries"
    store.close()


def test_a_ticket_beyond_one_group_is_still_answered() -> None:
    """More queued submissions than one group holds (MAX_GROUP). A thread that gets the lock while more
    than MAX_GROUP tickets are queued ahead of its own (the lock is not FIFO) writes a group that does
    not hold its ticket; it must go on until its own ticket is answered. Regression: it used to return
    `ticket.outcome()` of an unanswered ticket, an AssertionError (a 500), although its submission was
    then stored by a later group. Made deterministic with the store's (reentrant) lock: while this
    thread holds it, MAX_GROUP + 44 threads queue their submissions and wait; then it appends one more,
    as a thread would that won the lock with 300 tickets ahead of its own. (Not reachable through the
    HTTP API as shipped, whose thread limiter runs at most 40 appends a process.)"""
    store, builder, registrar = ledger(Storage.memory())
    queued = [pact(builder, registrar, n) for n in range(MAX_GROUP + EXTRA)]
    late = pact(builder, registrar, 999_999)
    before = store.size

    results: dict[int, Receipt | BaseException] = {}

    def append(position: int, submission: Submission) -> None:
        try:
            results[position] = store.append(submission)
        except BaseException as exc:  # recorded, checked below
            results[position] = exc

    threads = [threading.Thread(target=append, args=(n, s), daemon=True) for n, s in enumerate(queued)]
    outcome: Receipt | BaseException
    with store._lock:  # another writer is busy: every append queues its ticket and waits
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + TIMEOUT
        while len(store._queue) < len(queued):
            assert time.monotonic() < deadline, f"only {len(store._queue)} of {len(queued)} tickets queued"
            time.sleep(0.01)
        # This thread now "wins" the lock with MAX_GROUP + EXTRA tickets ahead of its own.
        try:
            outcome = store.append(late)
        except BaseException as exc:
            outcome = exc
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)

    assert all(isinstance(result, Receipt) for result in results.values()), "every queued append is answered"
    assert len(results) == len(queued)
    assert store.size == before + len(queued) + 1
    # The late caller's submission is in the log; it must get its receipt, not an exception.
    assert isinstance(outcome, Receipt), f"append raised {outcome!r} for a submission it stored"
    assert outcome.leaf_hash == late.leaf_hash
    assert store.state.leaf_indices[late.leaf_hash] == outcome.leaf_index


class DatabaseDown(Exception):
    pass


def test_a_group_whose_failure_cannot_be_undone_answers_every_sender_and_the_next_group_reloads() -> None:
    """The save fails and so does the reload after it (the database went down): every sender of the
    group gets the error (one of them used to wait for good), and the next group folds the stored
    log again before deciding, never on the failed group's decisions."""
    store, builder, registrar = ledger(Storage.memory())
    first, second, later = (pact(builder, registrar, n) for n in (1, 2, 3))
    size = store.size
    save, catch_up = store.save, store.catch_up
    down, save_failed = threading.Event(), threading.Event()

    def failing_save(*events: Any) -> Any:
        if down.is_set():
            save_failed.set()
            raise DatabaseDown("save")
        return save(*events)

    def failing_reload(*args: Any) -> Any:  # a reload folds through `catch_up`, after the save failed
        if down.is_set() and save_failed.is_set():
            raise DatabaseDown("reload")
        return catch_up(*args)

    store.save = failing_save  # type: ignore[method-assign]
    store.catch_up = failing_reload  # type: ignore[method-assign]
    results: dict[int, Receipt | BaseException] = {}

    def send(n: int, submission: Submission) -> None:
        try:
            results[n] = store.append(submission)
        except BaseException as exc:  # recorded, checked below
            results[n] = exc

    senders = [threading.Thread(target=send, args=(n, s), daemon=True) for n, s in enumerate((first, second))]
    with store._lock:  # both queue, then one writes the group of two
        for sender in senders:
            sender.start()
        wait_until(lambda: len(store._queue) == 2, "the senders' tickets were not queued")
        down.set()
    for sender in senders:
        sender.join(TIMEOUT)
    assert not any(sender.is_alive() for sender in senders), "a sender waits for an answer no one gives"
    assert all(isinstance(result, DatabaseDown) for result in results.values()) and len(results) == 2
    assert store._stale  # the state still holds the failed group's decisions
    down.clear()  # the database is back
    for submission in (first, later):
        receipt = store.append(submission)
        assert store.state.leaf_indices[submission.leaf_hash] == receipt.leaf_index
    assert not store._stale and store.size == size + 2
    assert second.leaf_hash not in store.state.leaf_indices  # never stored: not in the state either
