"""The store contract (DESIGN §3, §5, §9): what `LedgerStore` promises on every storage backend.

Following eventsourcing's recorder test cases, `StoreContract` is abstract: pytest does not
collect it (its name does not start with ``Test``), and each backend subclasses it once and
provides the ``storage`` fixture (tests/store/test_memory.py, test_sqlite.py, test_postgres.py).
Backends whose events outlive a store (``persistent``) also provide `edit_stored_event`, which
changes a stored event behind the store's back, as damage or an attacker would.

The store's clock is fixed at `NOW` unless a test says otherwise, so "too far in the future" is
exact and replaying the log with `NOW` as the log's clock reproduces the store's decisions.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

import pytest

from ledger.crypto.checkpoint import SignedCheckpoint, verify_checkpoint
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes
from ledger.crypto.merkle import MerkleTree, hash_leaf, root_from_leaf_hashes, verify_consistency, verify_inclusion
from ledger.crypto.note import verifier_key_for
from ledger.crypto.tiles import tile_hashes, tiles_for_size
from ledger.entry import Submission, format_time, parse_leaf, parse_time, submission_from_json
from ledger.errors import Conflict, LedgerError, NotFound, Refused, VerificationFailed
from ledger.log_sources import POSTGRES_EVENTS_TABLE
from ledger.rules import LedgerState, fold
from ledger.store.application import LedgerStore, Receipt, StoreDamaged
from ledger.store.config import Storage
from ledger.store.events import LedgerEvents
from ledger.store.reader import LedgerReader
from ledger.trust import TrustAnchor
from tests.builder import FAILING, LOG_TIME, ORIGIN, LedgerBuilder, key_for

LOG_KEY = key_for("log")
NOW = LOG_TIME


def fixed_clock() -> datetime:
    return NOW


def note_body(text: str) -> dict[str, str]:
    return {"office": "district_prosecutor", "topic": "finding", "text": text}


class StoreBuilder(LedgerBuilder):
    """A `LedgerBuilder` that appends to a store and signs on the store's current state.

    `state` is read from the store on every use, because `LedgerStore.reload` replaces
    `store.state`; `use` switches the target store (two stores on one database). Every append is
    kept in `appended` as (submission, receipt).
    """

    def __init__(self, store: LedgerStore) -> None:
        self.store = store
        self.appended: list[tuple[Submission, Receipt]] = []
        super().__init__(apply=self._append, origin=store.origin)

    @property
    def state(self) -> LedgerState:
        return self.store.state

    def use(self, store: LedgerStore) -> StoreBuilder:
        self.store = store
        return self

    def _append(self, submission: Submission) -> Receipt:
        receipt = self.store.append(submission)
        self.appended.append((submission, receipt))
        return receipt

    def note(self, unit: str, text: str = "a finding", **kwargs: Any) -> Submission:
        """An `oversight.noted` entry on the unit's oversight stream, signed but not appended."""
        return self.sign(self.overseer, "oversight.noted", f"oversight/{unit}", note_body(text), **kwargs)

    def chain(self, unit: str, count: int, text: str) -> list[Submission]:
        """`count` oversight notes of one unit, each on the one before: a stream's future."""
        stream = f"oversight/{unit}"
        head = self.state.streams.get(stream)
        seq = 0 if head is None else head.seq + 1
        prev = None if head is None else head.leaf_hash
        submissions = []
        for n in range(count):
            submission = self.sign(
                self.overseer,
                "oversight.noted",
                stream,
                note_body(f"{text} {n}"),
                seq=seq + n,
                prev=None if prev is None else encode_base64(prev),
            )
            prev = submission.leaf_hash
            submissions.append(submission)
        return submissions


@dataclass(frozen=True)
class LogSnapshot:
    """Everything a refused write must leave as it was: the log and every stored event."""

    size: int
    root: bytes
    checkpoint: str | None
    leaves: tuple[bytes, ...]
    records: tuple[tuple[Any, ...], ...]


def snapshot(store: LedgerStore) -> LogSnapshot:
    store.catch_up()
    try:
        checkpoint: str | None = store.latest_checkpoint()
    except NotFound:
        checkpoint = None
    notifications = store.recorder.select_notifications(start=1, limit=10**9)
    records = tuple((n.id, n.originator_id, n.originator_version, n.topic, bytes(n.state)) for n in notifications)
    return LogSnapshot(store.size, store.tree.root(), checkpoint, tuple(store.leaves()), records)


def replay_state(store: LedgerStore) -> LedgerState:
    """The rules state folded afresh from the stored leaves, independently of the store."""
    state = LedgerState(origin=store.origin)
    for leaf in store.leaves():
        fold(state, parse_leaf(leaf), NOW)
    return state


def check_receipt(store: LedgerStore, submission: Submission, receipt: Receipt) -> None:
    """The receipt names the submission's leaf, and its checkpoint and proof verify."""
    checkpoint = verify_checkpoint(receipt.checkpoint, store.verifier_key)
    assert checkpoint.origin == store.origin
    assert checkpoint.tree_size == receipt.tree_size
    assert checkpoint.root_hash == receipt.root_hash
    assert receipt.leaf_hash == submission.leaf_hash == hash_leaf(submission.leaf_bytes)
    assert 0 <= receipt.leaf_index < receipt.tree_size
    assert store.leaf(receipt.leaf_index) == submission.leaf_bytes
    leaves = list(store.leaves(0, receipt.tree_size))
    assert len(leaves) == receipt.tree_size
    assert root_from_leaf_hashes([hash_leaf(leaf) for leaf in leaves]) == receipt.root_hash
    proof = store.tree.inclusion_proof(receipt.leaf_index, receipt.tree_size)
    verify_inclusion(receipt.leaf_hash, receipt.leaf_index, receipt.tree_size, proof, receipt.root_hash)


def check_log(store: LedgerStore) -> None:
    """The whole log: dense leaves, the root over them, and a latest checkpoint naming both."""
    leaves = list(store.leaves())
    assert len(leaves) == store.size
    root = root_from_leaf_hashes([hash_leaf(leaf) for leaf in leaves])
    assert root == store.tree.root()
    checkpoint = verify_checkpoint(store.latest_checkpoint(), store.verifier_key)
    assert (checkpoint.tree_size, checkpoint.root_hash) == (store.size, root)


def interpose(store: LedgerStore, action: Callable[[], object]) -> None:
    """Run `action` once, just before `store`'s next save: another writer committing between
    this store's decision and its transaction, the race two processes can run."""
    real_save = store.save

    def save(*args: Any, **kwargs: Any) -> Any:
        store.save = real_save  # type: ignore[method-assign]
        action()
        return real_save(*args, **kwargs)

    store.save = save  # type: ignore[method-assign]


class FallingClock:
    """A wall clock that steps back a minute every time it is read (NTP correcting a fast clock)."""

    def __init__(self, start: datetime) -> None:
        self.next = start

    def __call__(self) -> datetime:
        now = self.next
        self.next -= timedelta(minutes=1)
        return now


# --- bad inputs: each returns (submission, error class, code) after any setup it needs ------------

BadInput = tuple[Submission, type[LedgerError], str]


def unknown_signer(b: StoreBuilder) -> BadInput:
    stranger = key_for("stranger")
    submission = b.sign(stranger, "oversight.noted", "oversight/dpm", note_body("who am I"))
    return submission, Refused, "unknown_signer"


def revoked_signer(b: StoreBuilder) -> BadInput:
    retired = b.register_key("retired-overseer", "overseer")
    b.submit(b.admin, "key.revoked", f"key/{fingerprint(retired.public_key())}", {"reason": "retired"})
    return b.sign(retired, "oversight.noted", "oversight/dpm", note_body("late")), Refused, "revoked_signer"


def wrong_role(b: StoreBuilder) -> BadInput:
    body = {"name": "Unit new", "type": "dinas", "headcount": 3}
    return b.sign(b.overseer, "unit.registered", "unit/new", body), Refused, "role_not_allowed"


def out_of_scope(b: StoreBuilder) -> BadInput:
    submission = b.sign(b.heads["kec"], "unit.headcount_set", "unit/dpm", {"headcount": 12})
    return submission, Refused, "out_of_scope"


def other_log(b: StoreBuilder) -> BadInput:
    return b.note("dpm", log="other.integritas.example/log"), Refused, "wrong_log"


def too_far_in_future(b: StoreBuilder) -> BadInput:
    at = format_time(NOW + timedelta(minutes=5, seconds=1))
    return b.note("dpm", at=at), Refused, "time_in_future"


def before_previous_entry(b: StoreBuilder) -> BadInput:
    b.submit(b.overseer, "oversight.noted", "oversight/dpm", note_body("first"))
    head = b.state.streams["oversight/dpm"]
    at = format_time(parse_time(head.at) - timedelta(seconds=1))
    return b.note("dpm", at=at), Refused, "time_before_previous"


def transition_not_in_table(b: StoreBuilder) -> BadInput:
    body = {"from": "registered", "to": "building", "track": "wbk", "note": ""}
    submission = b.sign(b.heads["dpm"], "stage.advanced", "unit/dpm", body)
    return submission, Refused, "transition_not_allowed"


def passed_below_thresholds(b: StoreBuilder) -> BadInput:
    b.to_building("bld", headcount=2)
    body = {
        "level": "internal",
        "year": 2021,
        "track": "wbk",
        "step": "lke",
        "scores": FAILING,
        "outcome": "passed",
        "remediation": [],
    }
    submission = b.sign(b.tpi, "assessment.reviewed", "unit/bld", body)
    return submission, Refused, "thresholds_not_met"


def bad_signature(b: StoreBuilder) -> BadInput:
    good = b.note("dpm", text="tampered")
    flipped = bytes([good.signature[0] ^ 0x01]) + good.signature[1:]
    document = {"entry": good.entry.to_json(), "signature": encode_base64(flipped)}
    return submission_from_json(document), VerificationFailed, "bad_signature"


def signed_by_another_key(b: StoreBuilder) -> BadInput:
    forged = b.note("dpm", text="forged")
    impostor = key_for("impostor").sign(forged.entry.signing_input())
    document = {"entry": forged.entry.to_json(), "signature": encode_base64(impostor)}
    return submission_from_json(document), VerificationFailed, "bad_signature"


BAD_INPUTS: dict[str, Callable[[StoreBuilder], BadInput]] = {
    f.__name__: f
    for f in (
        unknown_signer,
        revoked_signer,
        wrong_role,
        out_of_scope,
        other_log,
        too_far_in_future,
        before_previous_entry,
        transition_not_in_table,
        passed_below_thresholds,
        bad_signature,
        signed_by_another_key,
    )
}


class StoreContract:
    """The contract every storage backend of `LedgerStore` must keep. Subclass it once per backend
    and override the `storage` fixture; persistent backends also implement `edit_stored_event`."""

    persistent: ClassVar[bool] = True

    @pytest.fixture
    def storage(self) -> Storage:
        raise NotImplementedError("each backend overrides the storage fixture")

    @pytest.fixture(autouse=True)
    def _stores(self, storage: Storage) -> Iterator[None]:
        self.log_storage = storage
        self.opened: list[LedgerStore] = []
        yield
        for store in self.opened:
            store.close()

    def make_store(self, clock: Callable[[], datetime] = fixed_clock) -> LedgerStore:
        """A store on this backend's storage; on a persistent backend, a second call opens the same
        log again, as another process or a restart would."""
        store = LedgerStore(self.log_storage, ORIGIN, LOG_KEY, clock=clock)
        self.opened.append(store)
        return store

    def edit_stored_event(self, originator_id: str, version: int, old: bytes, new: bytes) -> None:
        """Replace the one occurrence of `old` by `new` in a stored event's state, in the database."""
        raise NotImplementedError

    def require_persistence(self) -> None:
        if not self.persistent:
            pytest.skip("memory storage does not outlive its store")

    @pytest.fixture
    def store(self) -> LedgerStore:
        return self.make_store()

    @pytest.fixture
    def builder(self, store: LedgerStore) -> StoreBuilder:
        """A log with genesis, one key per role, and units dpm and kec with their keys."""
        builder = StoreBuilder(store)
        builder.standard_cast()
        builder.register_unit("dpm")
        builder.register_unit("kec")
        return builder

    # --- append ------------------------------------------------------------------------------------

    def test_empty_store_has_no_checkpoint(self, store: LedgerStore) -> None:
        assert store.size == 0
        assert list(store.leaves()) == []
        with pytest.raises(NotFound) as caught:
            store.latest_checkpoint()
        assert caught.value.code == "empty_log"

    def test_append_returns_dense_receipts_that_verify(self, builder: StoreBuilder) -> None:
        store = builder.store
        for n in range(3):
            builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body(f"n{n}"))
        assert [r.leaf_index for _, r in builder.appended] == list(range(len(builder.appended)))
        for submission, receipt in builder.appended:
            assert receipt.tree_size == receipt.leaf_index + 1
            assert not receipt.duplicate
            # Old receipts still verify once the log has grown past them.
            check_receipt(store, submission, receipt)
            assert store.receipt(receipt.leaf_index) == receipt
        assert store.size == len(builder.appended)
        check_log(store)

    def test_receipt_checkpoint_is_signed_by_the_log_key_only(self, builder: StoreBuilder) -> None:
        store = builder.store
        _, receipt = builder.appended[-1]
        other = verifier_key_for(ORIGIN, key_for("another log key").public_key())
        with pytest.raises(VerificationFailed):
            verify_checkpoint(receipt.checkpoint, other)
        verify_checkpoint(receipt.checkpoint, store.verifier_key)

    def test_duplicate_returns_the_original_receipt(self, builder: StoreBuilder) -> None:
        store = builder.store
        first = builder.note("dpm", text="once")
        original = store.append(first)
        store.append(builder.note("dpm", text="after"))
        before = snapshot(store)
        again = store.append(first)
        assert again.duplicate
        assert (again.leaf_index, again.leaf_hash, again.tree_size, again.root_hash) == (
            original.leaf_index,
            original.leaf_hash,
            original.tree_size,
            original.root_hash,
        )
        assert again.checkpoint == original.checkpoint
        assert snapshot(store) == before

    def test_duplicate_genesis_returns_receipt_of_leaf_zero(self, builder: StoreBuilder) -> None:
        store = builder.store
        genesis, receipt = builder.appended[0]
        before = snapshot(store)
        again = store.append(genesis)
        assert again.duplicate and again.leaf_index == 0 and again.tree_size == 1
        assert again.checkpoint == receipt.checkpoint
        assert snapshot(store) == before

    @pytest.mark.parametrize("how", ["same-head", "older-head", "seq-ahead"])
    def test_stale_head_is_a_conflict_with_the_current_head(self, builder: StoreBuilder, how: str) -> None:
        store = builder.store
        older = builder.note("dpm", text="signed on the empty stream")
        store.append(builder.note("dpm", text="one"))
        winner = builder.note("dpm", text="two")
        same_head = builder.note("dpm", text="three")
        store.append(winner)
        ahead = builder.note("dpm", text="four", seq=winner.entry.seq + 2, prev=encode_base64(winner.leaf_hash))
        loser = {"same-head": same_head, "older-head": older, "seq-ahead": ahead}[how]
        before = snapshot(store)
        with pytest.raises(Conflict) as caught:
            store.append(loser)
        assert caught.value.code == "stale_head"
        assert caught.value.evidence["head"] == {
            "seq": winner.entry.seq,
            "leaf_hash": winner.leaf_hash,
        }
        assert snapshot(store) == before

    @pytest.mark.parametrize("case", list(BAD_INPUTS))
    def test_bad_input_leaves_the_log_unchanged(self, builder: StoreBuilder, case: str) -> None:
        store = builder.store
        submission, error, code = BAD_INPUTS[case](builder)
        before = snapshot(store)
        state_before = replay_state(store)
        with pytest.raises(error) as caught:
            store.append(submission)
        assert caught.value.code == code
        assert snapshot(store) == before
        assert store.state == state_before
        # The store is not wedged: the next good entry takes the next index.
        receipt = store.append(builder.note("dpm", text="still open"))
        assert receipt.leaf_index == before.size

    def test_at_exactly_five_minutes_ahead_is_accepted(self, builder: StoreBuilder) -> None:
        store = builder.store
        submission = builder.note("dpm", at=format_time(NOW + timedelta(minutes=5)))
        check_receipt(store, submission, store.append(submission))

    def test_entry_accepted_while_the_clock_steps_back_still_replays(self) -> None:
        clock = FallingClock(NOW)
        store = self.make_store(clock=clock)
        builder = StoreBuilder(store)
        clock.next = NOW + timedelta(days=1)  # setup entries are far from the limit
        builder.standard_cast()
        builder.register_unit("dpm")
        clock.next = NOW
        submission = builder.note("dpm", at=format_time(NOW + timedelta(minutes=4, seconds=30)))
        try:
            store.append(submission)
        except Refused:
            return  # refusing it is also consistent: nothing was stored
        store.reload()
        assert store.state.leaf_indices[submission.leaf_hash] == store.size - 1

    # --- append_batch ------------------------------------------------------------------------------

    def new_unit_batch(self, b: StoreBuilder, unit: str) -> list[Submission]:
        """A unit, its head's key and its declaration: the third entry needs the first two."""
        head = key_for(f"head-{unit}")
        head_fp = fingerprint(head.public_key())
        registered = b.sign(
            b.admin, "unit.registered", f"unit/{unit}", {"name": f"Unit {unit}", "type": "kantor", "headcount": 4}
        )
        key = b.sign(
            b.admin,
            "key.registered",
            f"key/{head_fp}",
            {
                "public_key": encode_base64(public_key_bytes(head.public_key())),
                "role": "unit_head",
                "scope": [unit],
                "holder": {"name": "Kepala", "title": "unit_head"},
            },
        )
        declared = b.sign(
            head,
            "stage.advanced",
            f"unit/{unit}",
            {"from": "registered", "to": "declared", "track": "wbk", "note": ""},
            seq=1,
            prev=encode_base64(registered.leaf_hash),
        )
        return [registered, key, declared]

    def test_batch_shares_one_checkpoint_and_may_depend_on_itself(self, builder: StoreBuilder) -> None:
        store = builder.store
        size = store.size
        batch = [builder.note("kec", text="first"), *self.new_unit_batch(builder, "baru")]
        receipts = store.append_batch(batch)
        assert [r.leaf_index for r in receipts] == list(range(size, size + len(batch)))
        assert {(r.tree_size, r.root_hash, r.checkpoint) for r in receipts} == {
            (size + len(batch), store.tree.root(), store.latest_checkpoint())
        }
        for submission, receipt in zip(batch, receipts, strict=True):
            check_receipt(store, submission, receipt)
            assert store.receipt(receipt.leaf_index) == receipt
        assert store.state.units["baru"].stage == "declared"
        assert store.state == replay_state(store)
        check_log(store)

    def test_empty_batch_changes_nothing(self, builder: StoreBuilder) -> None:
        before = snapshot(builder.store)
        assert builder.store.append_batch([]) == []
        assert snapshot(builder.store) == before

    @pytest.mark.parametrize("position", [0, 2, 3])
    def test_batch_is_all_or_nothing(self, builder: StoreBuilder, position: int) -> None:
        store = builder.store
        batch = [builder.note("kec", text="first"), *self.new_unit_batch(builder, "baru")]
        refused = builder.sign(
            builder.overseer, "unit.registered", "unit/lain", {"name": "Unit lain", "type": "dinas", "headcount": 2}
        )
        batch.insert(position, refused)
        before = snapshot(store)
        with pytest.raises(Refused) as caught:
            store.append_batch(batch)
        assert caught.value.code == "role_not_allowed"
        assert caught.value.evidence["batch_position"] == position
        assert snapshot(store) == before
        assert store.state == replay_state(store)
        assert "baru" not in store.state.units
        # Nothing of the batch is remembered: its first entry goes in as new, at the next index.
        first = batch[1] if position == 0 else batch[0]
        receipt = store.append(first)
        assert not receipt.duplicate and receipt.leaf_index == before.size

    def test_batch_stale_entry_is_a_conflict_and_stores_nothing(self, builder: StoreBuilder) -> None:
        store = builder.store
        winner, loser = builder.note("kec", text="a"), builder.note("kec", text="b")
        store.append(winner)
        batch = [builder.note("dpm", text="fine"), loser]
        before = snapshot(store)
        with pytest.raises(Conflict) as caught:
            store.append_batch(batch)
        assert caught.value.evidence["batch_position"] == 1
        assert caught.value.evidence["head"]["leaf_hash"] == winner.leaf_hash
        assert snapshot(store) == before
        assert store.state == replay_state(store)

    def test_batch_duplicate_names_its_position(self, builder: StoreBuilder) -> None:
        store = builder.store
        note = builder.note("kec", text="twice")
        before = snapshot(store)
        with pytest.raises(LedgerError) as caught:
            store.append_batch([note, note])
        assert snapshot(store) == before
        assert caught.value.evidence.get("batch_position") == 1

    # --- persistence -------------------------------------------------------------------------------

    def grow(self, builder: StoreBuilder) -> None:
        """A log with a designated unit, a batch and some notes: every kind of rules state."""
        builder.to_designated("bpbd")
        builder.store.append_batch(builder.chain("kec", 3, "batched"))
        for n in range(2):
            builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body(f"{n}"))

    def test_reopened_store_replays_the_same_log(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        store = builder.store
        self.grow(builder)
        reopened = self.make_store()
        assert reopened.size == store.size
        assert reopened.tree.root() == store.tree.root()
        assert reopened.latest_checkpoint() == store.latest_checkpoint()
        assert reopened.state == store.state
        assert reopened.state.units["bpbd"].stage == "designated"
        assert reopened.state.units["bpbd"].predicate == "wbk"
        assert {u: s.stage for u, s in reopened.state.units.items()} == {
            "dpm": "registered",
            "kec": "registered",
            "bpbd": "designated",
        }
        assert list(reopened.leaves()) == list(store.leaves())
        for index in range(store.size):
            assert reopened.receipt(index) == store.receipt(index)
        check_log(reopened)
        # The reopened store goes on where the log stopped.
        receipt = reopened.append(builder.use(reopened).note("dpm", text="after reopen"))
        assert receipt.leaf_index == store.size
        store.catch_up()
        assert store.latest_checkpoint() == receipt.checkpoint

    def test_stream_entries_after_reopen(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        self.grow(builder)
        reopened = self.make_store()
        by_stream: dict[str, list[tuple[int, bytes]]] = {}
        for index, leaf in enumerate(builder.store.leaves()):
            entry = parse_leaf(leaf).entry
            by_stream.setdefault(entry.stream, []).append((index, hash_leaf(leaf)))
        assert set(by_stream) == set(reopened.state.streams)
        for stream, entries in by_stream.items():
            assert reopened.stream_entries(stream) == entries
            assert builder.store.stream_entries(stream) == entries
        assert len(reopened.stream_entries("oversight/kec")) == 3
        assert reopened.stream_entries("oversight/nobody") == []

    def test_process_environment_cannot_redirect_the_store(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.require_persistence()
        monkeypatch.setenv("INTEGRITAS_PERSISTENCE_MODULE", "eventsourcing.popo")
        store = self.make_store()
        StoreBuilder(store).genesis()
        monkeypatch.delenv("INTEGRITAS_PERSISTENCE_MODULE")
        assert self.make_store().size == 1

    # --- two stores on one database (two processes) -----------------------------------------------

    def test_two_stores_interleave_with_dense_indices(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        first = builder.store
        second = self.make_store()
        receipts = []
        for n in range(3):
            receipts.append(
                builder.use(first).submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body(f"first {n}"))
            )
            receipts.append(
                builder.use(second).submit(
                    builder.overseer, "oversight.noted", "oversight/kec", note_body(f"second {n}")
                )
            )
        start = receipts[0].leaf_index
        assert [r.leaf_index for r in receipts] == list(range(start, start + 6))
        assert first.catch_up() == 1  # the second store's last entry
        assert second.catch_up() == 0
        assert first.size == second.size == start + 6
        assert first.latest_checkpoint() == second.latest_checkpoint() == receipts[-1].checkpoint
        assert list(first.leaves()) == list(second.leaves())
        assert first.state == second.state
        kec = [(r.leaf_index, r.leaf_hash) for r in receipts[1::2]]
        assert first.stream_entries("oversight/kec") == kec
        check_log(first)

    def test_stale_write_through_the_second_store_is_a_conflict(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        first = builder.store
        second = self.make_store()
        stale = builder.use(second).note("dpm", text="second saw the old head")
        winner = builder.use(first).note("dpm", text="first got there")
        first.append(winner)
        before = snapshot(first)
        with pytest.raises(Conflict) as caught:
            second.append(stale)
        assert caught.value.evidence["head"] == {"seq": winner.entry.seq, "leaf_hash": winner.leaf_hash}
        assert snapshot(first) == before
        assert second.size == first.size
        assert second.state == first.state

    def test_race_between_decision_and_save_on_another_stream_lands(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        first = builder.store
        second = self.make_store()
        mine = builder.use(second).note("kec", text="second")
        theirs = builder.use(first).note("dpm", text="first")
        interpose(second, lambda: first.append(theirs))
        receipt = second.append(mine)
        assert receipt.leaf_index == first.state.leaf_indices[theirs.leaf_hash] + 1
        check_receipt(second, mine, receipt)
        check_log(second)
        assert first.catch_up() == 1

    def test_race_between_decision_and_save_on_the_same_stream_conflicts(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        first = builder.store
        second = self.make_store()
        mine = builder.use(second).note("dpm", text="second")
        theirs = builder.use(second).note("dpm", text="first")  # the same head
        interpose(second, lambda: first.append(theirs))
        with pytest.raises(Conflict) as caught:
            second.append(mine)
        assert caught.value.evidence["head"]["leaf_hash"] == theirs.leaf_hash
        assert second.state == replay_state(second)
        check_log(second)

    def test_race_with_the_same_submission_returns_the_original(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        first = builder.store
        second = self.make_store()
        same = builder.use(second).note("dpm", text="sent twice")
        originals: list[Receipt] = []
        interpose(second, lambda: originals.append(first.append(same)))
        again = second.append(same)
        assert again.duplicate
        assert (again.leaf_index, again.checkpoint) == (originals[0].leaf_index, originals[0].checkpoint)

    def test_raced_batch_stores_nothing_of_itself(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        first = builder.store
        second = self.make_store()
        batch = builder.use(second).chain("kec", 2, "batched")
        theirs = builder.use(first).note("dpm", text="first")
        interpose(second, lambda: first.append(theirs))
        try:
            second.append_batch(batch)
        except Exception:  # a refused batch must leave nothing of itself either
            second.catch_up()
            assert all(s.leaf_hash not in second.state.leaf_indices for s in batch)
        assert second.state == replay_state(second)
        check_log(second)

    def test_raced_batch_is_decided_again(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        first = builder.store
        second = self.make_store()
        batch = builder.use(second).chain("kec", 2, "batched")
        theirs = builder.use(first).note("dpm", text="first")
        interpose(second, lambda: first.append(theirs))
        try:
            receipts = second.append_batch(batch)
        except LedgerError:
            return
        size = first.state.leaf_indices[theirs.leaf_hash] + 1
        assert [r.leaf_index for r in receipts] == [size, size + 1]

    def test_concurrent_writers_on_different_streams_all_land(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        stores = [builder.store, self.make_store()]
        chains = [builder.chain(unit, 8, f"from {unit}") for unit in ("dpm", "kec")]
        errors: list[BaseException] = []
        receipts: list[list[Receipt]] = [[], []]

        def write(n: int) -> None:
            try:
                for submission in chains[n]:
                    receipts[n].append(stores[n].append(submission))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=write, args=(n,)) for n in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for store in stores:
            store.catch_up()
            check_log(store)
        start = builder.appended[-1][1].leaf_index + 1
        indices = sorted(r.leaf_index for rs in receipts for r in rs)
        assert indices == list(range(start, start + 16))
        for chain, unit in zip(chains, ("dpm", "kec"), strict=True):
            got = [h for _, h in stores[0].stream_entries(f"oversight/{unit}")]
            assert got == [s.leaf_hash for s in chain]

    # --- damage ------------------------------------------------------------------------------------

    def leaf_index_of(self, builder: StoreBuilder, kind: str, stream: str) -> int:
        return next(r.leaf_index for s, r in builder.appended if s.entry.kind == kind and s.entry.stream == stream)

    @pytest.mark.parametrize("where", ["unit-name", "last-note-text", "last-note-kind", "signature"])
    def test_edited_leaf_refuses_to_open(self, builder: StoreBuilder, where: str) -> None:
        self.require_persistence()
        store = builder.store
        builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body("zzz"))
        last = store.size - 1
        if where == "unit-name":
            index, old, new = self.leaf_index_of(builder, "unit.registered", "unit/dpm"), b"Unit dpm", b"Unit dpx"
        elif where == "last-note-text":
            index, old, new = last, b"zzz", b"zzy"
        elif where == "last-note-kind":
            index, old, new = last, b"oversight.noted", b"oversight.notee"
        else:
            index = self.leaf_index_of(builder, "key.registered", f"key/{fingerprint(builder.regent.public_key())}")
            signature = encode_base64(builder.appended[index][0].signature).encode()
            old, new = signature[:8], signature[:7] + (b"A" if signature[7:8] != b"A" else b"B")
        self.edit_stored_event("log", index + 1, old, new)
        with pytest.raises(StoreDamaged) as caught:
            self.make_store()
        assert caught.value.evidence["leaf_index"] == index
        with pytest.raises(StoreDamaged):
            store.reload()

    def test_leaf_edited_with_its_stored_root_refuses_to_open(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        store = builder.store
        builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body("zzz"))
        index = store.size - 1
        leaves = list(store.leaves())
        edited = leaves[index].replace(b"zzz", b"zzy")
        hashes = [hash_leaf(leaf) for leaf in [*leaves[:index], edited]]
        new_root = encode_base64(root_from_leaf_hashes(hashes))
        # The event's root_hash member only: the checkpoint text holds the old root as well.
        stored = f'"root_hash":"{encode_base64(store.tree.root())}"'.encode()
        self.edit_stored_event("log", index + 1, b"zzz", b"zzy")
        self.edit_stored_event("log", index + 1, stored, f'"root_hash":"{new_root}"'.encode())
        with pytest.raises(StoreDamaged):
            self.make_store()

    # --- reading: the LedgerReader interface -----------------------------------------------------------

    def test_the_store_keeps_the_reader_interface(self, store: LedgerStore) -> None:
        members = [name for name in vars(LedgerReader) if not name.startswith("_")]
        assert "inclusion_proof" in members and "signed_checkpoint" in members
        reader: LedgerReader = store  # and mypy checks the signatures
        assert all(hasattr(reader, name) for name in members), [n for n in members if not hasattr(reader, n)]

    def test_reads_agree_with_the_stored_log(self, builder: StoreBuilder) -> None:
        store = builder.store
        builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body("first"))
        builder.submit(builder.overseer, "oversight.noted", "oversight/dpm", note_body("second"))
        leaves = list(store.leaves())
        hashes = [hash_leaf(leaf) for leaf in leaves]
        size = store.size
        assert size == len(leaves) == len(builder.appended)
        for index, (submission, _) in enumerate(builder.appended):
            stored = store.entry(index)
            assert (stored.index, stored.leaf, stored.leaf_hash) == (index, submission.leaf_bytes, hashes[index])
            assert stored.document() == json.loads(submission.leaf_bytes)
            assert store.leaf(index) == submission.leaf_bytes
            assert store.leaf_hash(index) == hashes[index]
        for index, leaf_size in ((0, 1), (3, 7), (size - 1, size)):
            root = root_from_leaf_hashes(hashes[:leaf_size])
            assert store.root(leaf_size) == root
            verify_inclusion(hashes[index], index, leaf_size, store.inclusion_proof(index, leaf_size), root)
        old_root = root_from_leaf_hashes(hashes[:5])
        verify_consistency(5, size, old_root, store.root(), store.consistency_proof(5, size))
        tile = next(iter(tiles_for_size(size)))
        assert store.tile_hashes(tile) == tile_hashes(MerkleTree.from_leaf_hashes(hashes), tile)
        # The stream's head is its last entry, whose seq the next must follow.
        head = store.stream_head("oversight/dpm")
        assert head is not None
        assert (head.seq, head.leaf_hash, head.index) == (1, hashes[-1], size - 1)
        assert [index for index, _ in store.stream_entries("oversight/dpm")] == [size - 2, size - 1]

    def test_the_latest_signed_checkpoint_is_the_receipts(self, builder: StoreBuilder) -> None:
        store = builder.store
        receipt = builder.appended[-1][1]
        checkpoint = store.signed_checkpoint()
        assert checkpoint.text == store.latest_checkpoint() == receipt.checkpoint
        assert (checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash) == (
            store.origin,
            receipt.tree_size,
            receipt.root_hash,
        )
        assert SignedCheckpoint.parse(checkpoint.text, store.verifier_key) == checkpoint
        # Its negative twin: the same text does not verify under another log's key.
        with pytest.raises(VerificationFailed):
            SignedCheckpoint.parse(checkpoint.text, verifier_key_for(store.origin, key_for("other").public_key()))

    def test_ledger_facts_and_trust_anchor(self, builder: StoreBuilder) -> None:
        store = builder.store
        root_fingerprint = fingerprint(builder.root.public_key())
        assert store.trust_anchor() == TrustAnchor(store.origin, store.verifier_key, root_fingerprint)
        assert store.trust_anchor().to_json()["verifier_key"] == store.verifier_key_text
        assert store.ledger_name() == builder.state.name is not None
        policy = store.policy()
        assert policy is not None and policy is builder.state.policy

    def test_an_empty_store_has_no_anchor_name_or_policy(self, store: LedgerStore) -> None:
        for read in (store.signed_checkpoint, store.trust_anchor):
            with pytest.raises(NotFound) as caught:
                read()
            assert caught.value.code == "empty_log"
        assert store.ledger_name() is None and store.policy() is None
        assert store.registered_keys() == []

    def test_keys_are_read_as_copies_in_registration_order(self, builder: StoreBuilder) -> None:
        store = builder.store
        keys = store.registered_keys()
        assert [k.registered_index for k in keys] == sorted(k.registered_index for k in keys)
        assert {k.fingerprint for k in keys} == set(builder.state.keys)
        retired = builder.register_key("retired-overseer", "overseer")
        retired_fingerprint = fingerprint(retired.public_key())
        before = store.key(retired_fingerprint)
        assert before is not None and before.revoked_index is None
        builder.submit(builder.admin, "key.revoked", f"key/{retired_fingerprint}", {"reason": "retired"})
        after = store.key(retired_fingerprint)
        assert after is not None and after.revoked_index == store.size - 1
        assert before.revoked_index is None  # a copy: what a reader holds does not change under it
        assert store.key("00" * 32) is None

    def test_reads_beyond_the_log_are_refused(self, builder: StoreBuilder) -> None:
        store = builder.store
        size = store.size
        assert store.stream_head("oversight/none") is None
        assert store.stream_entries("oversight/none") == []
        for read in (
            lambda: store.leaf_hash(size),
            lambda: store.entry(size),
            lambda: store.inclusion_proof(0, size + 1),
            lambda: store.consistency_proof(1, size + 1),
            lambda: store.record_proof(size),
        ):
            with pytest.raises(NotFound):
                read()

    def test_reads_by_index_catch_up_with_another_store(self, builder: StoreBuilder) -> None:
        self.require_persistence()
        reader = self.make_store()
        builder.submit(builder.overseer, "oversight.noted", "oversight/kec", note_body("elsewhere"))
        index = builder.store.size - 1
        assert reader.size == index  # it has not looked yet
        assert reader.entry(index).leaf == builder.appended[-1][0].leaf_bytes
        assert reader.leaf_hash(index) == builder.appended[-1][1].leaf_hash
        head = reader.stream_head("oversight/kec")
        assert head is not None and head.index == index

    def test_the_store_and_the_views_share_one_events_application(self, store: LedgerStore) -> None:
        # One name: the PostgreSQL events table, and the key of the views' tracking records.
        assert type(store).name == LedgerEvents.name == "Integritas"
        assert f"{LedgerEvents.name.lower()}_events" == POSTGRES_EVENTS_TABLE

        class Subclassed(LedgerStore):
            pass

        assert Subclassed.name == LedgerEvents.name  # eventsourcing would name it "Subclassed"
