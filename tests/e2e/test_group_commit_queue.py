"""Group commit with more queued submissions than one group holds (ledger.store.application).

`LedgerStore.append` queues a ticket and writes groups of at most MAX_GROUP queued tickets under the
store lock. A thread that gets the lock while more than MAX_GROUP tickets are queued ahead of its
own (the lock is not FIFO) writes a group that does not hold its ticket; it must go on until its
own ticket is answered. Regression: it used to return `ticket.outcome()` of an unanswered ticket,
an AssertionError (a 500), although its submission was then stored by a later group.

The interleaving is made deterministic with the store's (reentrant) lock: while the test thread
holds it, MAX_GROUP + 44 threads queue their submissions and wait; then the test thread appends
one more, as a thread would that won the lock with 300 tickets ahead of its own.

Not reachable through the HTTP API as shipped (AnyIO's thread limiter runs at most 40 appends per
process), but by any in-process caller with more than MAX_GROUP concurrent appenders.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ledger.entry import Submission
from ledger.store.application import MAX_GROUP, LedgerStore, Receipt
from ledger.store.config import Storage
from tests.builder import ORIGIN, LedgerBuilder, digest, key_for

QUEUE_TIMEOUT = 20.0
EXTRA = 44


def _pact(builder: LedgerBuilder, registrar: Any, n: int) -> Submission:
    number = f"q{n:06d}"
    body = {
        "employee": {"name": f"Pegawai {n}", "number": number},
        "pact_digest": digest("pakta"),
        "signed_on": "2020-02-01",
    }
    return builder.sign(registrar, "pact.signed", f"pact/u0/{number}", body, at="2020-02-01T00:00:00Z")


def test_a_ticket_beyond_one_group_is_still_answered() -> None:
    store = LedgerStore(Storage.memory(), ORIGIN, key_for("log"))
    builder = LedgerBuilder(state=store.state, apply=store.append, origin=ORIGIN)
    builder.genesis()
    builder.admin = builder.register_key("admin", "administrator")
    builder.register_unit("u0")
    registrar = builder.registrars["u0"]
    queued = [_pact(builder, registrar, n) for n in range(MAX_GROUP + EXTRA)]
    late = _pact(builder, registrar, 999_999)
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
        deadline = time.monotonic() + QUEUE_TIMEOUT
        while len(store._queue) < len(queued):
            assert time.monotonic() < deadline, f"only {len(store._queue)} of {len(queued)} tickets queued"
            time.sleep(0.01)
        # This thread now "wins" the lock with MAX_GROUP + EXTRA tickets ahead of its own.
        try:
            outcome = store.append(late)
        except BaseException as exc:
            outcome = exc
    for thread in threads:
        thread.join(QUEUE_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads)

    assert all(isinstance(result, Receipt) for result in results.values()), "every queued append is answered"
    assert len(results) == len(queued)
    assert store.size == before + len(queued) + 1
    # The late caller's submission is in the log; it must get its receipt, not an exception.
    assert isinstance(outcome, Receipt), f"append raised {outcome!r} for a submission it stored"
    assert outcome.leaf_hash == late.leaf_hash
    assert store.state.leaf_indices[late.leaf_hash] == outcome.leaf_index
