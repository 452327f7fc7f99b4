"""The ledger store: an `eventsourcing` Application that accepts entries through the rules fold and
sequences them into one RFC 6962 log with signed C2SP checkpoints (DESIGN §5, §9).

Write path of `append`: catch up with what other writers stored, `decide` (pure), build the
stream event and the log event (leaf bytes, new root, signed checkpoint), save both in one
transaction, and only then `evolve` the in-memory state. A database conflict on either event
means another writer got there first: catch up and decide again, which either succeeds on the new
head, finds the submission already accepted (duplicate: original receipt), or raises `Conflict`.

The in-memory state (rules state and Merkle tree) is a cache of the stored log, rebuilt at start
from the log events alone; the stored root of every leaf is compared with the recomputed one, so a
damaged store refuses to start instead of signing on top of damage.
"""

from __future__ import annotations

import errno
import json
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import IntegrityError

from ledger import codes
from ledger.crypto.checkpoint import Checkpoint, SignedCheckpoint, verify_checkpoint_by_any
from ledger.crypto.compact_range import CompactRange
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.crypto.keys import fingerprint as key_fingerprint
from ledger.crypto.merkle import MerkleTree, hash_leaf
from ledger.crypto.note import VerifierKey, format_verifier_key, parse_verifier_key, verifier_key_for
from ledger.crypto.record_proof import RecordProof, format_record_proof
from ledger.crypto.tiles import Tile, tile_hashes
from ledger.entry import Submission, parse_leaf
from ledger.errors import LedgerError, MalformedInput, NotFound, Unavailable
from ledger.files import write_atomically
from ledger.rules import Decision, KeyRecord, LedgerState, Person, Policy, StreamHead, decide, evolve
from ledger.signed_head import SignedHead, read_signed_head, verify_signed_head
from ledger.store.config import Storage
from ledger.store.events import LOG_ID, LeafAppended, LedgerEvents, Stream, stream_event
from ledger.store.reader import StoredLeaf
from ledger.store.writer_lock import writer_lock
from ledger.trust import TrustAnchor

if TYPE_CHECKING:  # psycopg loads only for PostgreSQL
    from ledger.store.postgres import AsyncPointReader

READ_PAGE = 1000
log = logging.getLogger("integritas.store")
MAX_WRITE_ATTEMPTS = 20
MAX_GROUP = 256  # submissions decided and saved together at most
WAKE_TIMEOUT = 0.005  # seconds a queued sender waits before looking at the writer lock again
STORAGE_MARGIN = 1 << 20  # bytes a write leaves free on the ledger's disk at least


class StoreDamaged(Unavailable):
    """The stored log does not replay: it was changed behind the store's back."""

    code = codes.STORE_DAMAGED


class StorageFull(Unavailable):
    """The disk holding the ledger has no room for a write: nothing was written, try again later."""

    code = codes.STORAGE_FULL


@dataclass(frozen=True)
class Receipt:
    """What the log answers for an accepted entry (DESIGN §8): where it is and the checkpoint
    that includes it."""

    leaf_index: int
    leaf_hash: bytes
    tree_size: int
    root_hash: bytes
    checkpoint: str  # the signed note
    duplicate: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.leaf_index,
            "leaf_hash": encode_base64(self.leaf_hash),
            "tree_size": self.tree_size,
            "root_hash": encode_base64(self.root_hash),
            "checkpoint": self.checkpoint,
        }


def storage_full_error(exc: BaseException) -> StorageFull | None:
    """`storage_full` if `exc`, or what caused it, is a full disk: ENOSPC or EDQUOT from a file,
    SQLITE_FULL from SQLite, SQLSTATE 53100 (disk_full) from PostgreSQL; None otherwise."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StorageFull):
            return seen
        full = (
            (isinstance(seen, OSError) and seen.errno in (errno.ENOSPC, errno.EDQUOT))
            or "database or disk is full" in str(seen)
            or getattr(seen, "sqlstate", None) == "53100"
        )
        if full:
            return StorageFull(
                "the disk holding the ledger is full: nothing was written; free some space and send it again"
            )
        seen = seen.__cause__ or seen.__context__
    return None


def utc_now() -> datetime:
    return datetime.now(UTC)


class _Ticket:
    """One submission waiting for its group to be written, and then its answer."""

    def __init__(self, submission: Submission) -> None:
        self.submission = submission
        self.decision: Decision | None = None
        self.duplicate_of: int | None = None
        self.done = False
        self.answered = False  # its group is final: `done` and the outcome no longer change
        self.wake = threading.Event()  # set when answered, or when the writer lock is free to take
        self._receipt: Receipt | None = None
        self._error: BaseException | None = None

    def succeed(self, receipt: Receipt) -> None:
        self._receipt, self.done = receipt, True

    def fail(self, error: BaseException) -> None:
        self._error, self.done = error, True

    def reset(self) -> None:
        self.decision = self.duplicate_of = self._receipt = self._error = None
        self.done = False

    def answer(self) -> None:
        """The group that decided this ticket is final (saved, or failed and undone): wake its sender."""
        if self.done:
            self.answered = True
            self.wake.set()

    def outcome(self) -> Receipt:
        if self._error is not None:
            raise self._error
        assert self._receipt is not None
        return self._receipt


def _fail_unanswered(tickets: Sequence[_Ticket], exc: BaseException) -> None:
    """Fail with `exc` (a full disk named as such) every ticket of a group not answered yet."""
    error = storage_full_error(exc) or exc
    for ticket in tickets:
        if not ticket.done:
            ticket.fail(error)


class LedgerStore(LedgerEvents):
    """One ledger: its rules state, its Merkle tree and its event store.

    It keeps the `LedgerReader` interface (ledger.store.reader), through which the API, the web
    pages and the export read it. Writers change the in-memory state and tree under `_lock` (one
    writer at a time); each change is also made under `_memory`, a plain lock held only for the
    change itself, and every read of that memory takes it, so that a reader never sees a dict or
    the tree half changed and never waits for a write's disk or database work.
    """

    def __init__(
        self,
        storage: Storage,
        origin: str,
        log_key: Ed25519PrivateKey,
        *,
        clock: Callable[[], datetime] = utc_now,
        progress: Callable[[int, int], None] | None = None,
        signed_head: Path | None = None,
        next_log_key: Ed25519PrivateKey | None = None,
    ) -> None:
        # Creating the tables (and PostgreSQL's functions) races between processes starting together:
        # the one holding the writer lock creates them, the others find them.
        with writer_lock(storage):
            super().__init__(env=self.env_for(storage))
        self.storage = storage
        self._signed_head_path = signed_head
        self._local_directories = sorted(
            {path.parent for path in (signed_head, storage.sqlite_path) if path is not None}, key=str
        )
        self.origin = origin
        self.verifier_key: VerifierKey = verifier_key_for(origin, log_key.public_key())
        self._log_key = log_key
        # During a log key's rotation (docs/operations.md, section 5) checkpoints carry both signatures.
        self._next_log_key = next_log_key
        self.next_verifier_key = None if next_log_key is None else verifier_key_for(origin, next_log_key.public_key())
        self._clock = clock
        self._lock = threading.RLock()
        self._memory = threading.Lock()
        self.state = LedgerState(origin=origin)
        self.tree = MerkleTree()
        self._checkpoint: SignedCheckpoint | None = None
        self._refreshed = 0.0
        self._queue: list[_Ticket] = []
        self._queue_guard = threading.Lock()
        self._unsettled: tuple[int, bytes] | None = None  # a committed head whose guard is not settled yet
        self._stale = False  # a failed group's decisions are in the state and its reload failed
        self._writer_lock = writer_lock(storage)
        self.catch_up(progress)
        self._check_latest_checkpoint()
        self._check_signed_head()

    # --- reading (the LedgerReader interface) -------------------------------------------------------

    @property
    def size(self) -> int:
        return self.tree.size

    @property
    def verifier_key_text(self) -> str:
        return format_verifier_key(self.verifier_key)

    def _log_keys(self) -> tuple[Ed25519PrivateKey, ...]:
        """The keys that sign each new checkpoint: the log key, and the next one during a rotation."""
        return (self._log_key,) if self._next_log_key is None else (self._log_key, self._next_log_key)

    def signed_checkpoint(self) -> SignedCheckpoint:
        """The latest checkpoint this process knows (see `refresh`), text and parsed together."""
        checkpoint = self._checkpoint  # replaced whole, never changed: one read is consistent
        if checkpoint is None:
            raise NotFound("the log is empty: it has no checkpoint yet", code=codes.EMPTY_LOG)
        return checkpoint

    def latest_checkpoint(self) -> str:
        """The signed note of the latest checkpoint this process knows (see `refresh`)."""
        return self.signed_checkpoint().text

    def trust_anchor(self) -> TrustAnchor:
        """The trust anchor an auditor takes away: origin, log verifier key, root key fingerprint, and
        the national root's fingerprint when the policy names one (an auditor compares it with the one
        the national authority publishes)."""
        with self._memory:
            # The genesis root, whatever `root.rotated` handed the root to since: verification follows
            # the handovers from it (docs/operations.md, section 7), and trust files never need replacing.
            root_fingerprint = self.state.genesis_root_fingerprint
            policy = self.state.policy
        if root_fingerprint is None:
            raise NotFound("the log has no genesis entry yet: it has no root key", code=codes.EMPTY_LOG)
        national = None if policy is None or policy.national_root is None else key_fingerprint(policy.national_root)
        return TrustAnchor(
            self.origin,
            self.verifier_key,
            root_fingerprint,
            national_root_fingerprint=national,
            additional_verifier_keys=self._other_verifier_keys(),
        )

    def _other_verifier_keys(self) -> tuple[VerifierKey, ...]:
        """The log's keys besides `verifier_key`: the next key during a rotation, and every key the log
        announced or retired (old checkpoints stay signed by retired keys; the log says from when they
        no longer count)."""
        with self._memory:
            texts = list(self.state.log_keys)
        others = [parse_verifier_key(text) for text in texts]
        if self.next_verifier_key is not None:
            others.append(self.next_verifier_key)
        unique: dict[bytes, VerifierKey] = {}
        for key in others:
            if key.key_id != self.verifier_key.key_id:
                unique.setdefault(key.key_id, key)
        return tuple(unique.values())

    def ledger_name(self) -> str | None:
        """The name the genesis entry gave the ledger (None before genesis)."""
        with self._memory:
            return self.state.name

    def policy(self) -> Policy | None:
        """The policy in force (None before genesis)."""
        with self._memory:
            return self.state.policy

    def stream_head(self, stream: str) -> StreamHead | None:
        """The last entry of `stream`, which the next must follow; None for a stream with no entries."""
        with self._memory:
            return self.state.streams.get(stream)

    def key(self, fingerprint: str) -> KeyRecord | None:
        """A copy of the registered key with this fingerprint, or None."""
        with self._memory:
            record = self.state.keys.get(fingerprint)
            return None if record is None else replace(record)

    def registered_keys(self) -> list[KeyRecord]:
        """Copies of every registered key, in registration order."""
        with self._memory:
            records = [replace(record) for record in self.state.keys.values()]
        return sorted(records, key=lambda record: record.registered_index)

    def person(self, pseudonym: str) -> Person | None:
        """A copy of what the log knows of a person (rules edition 3): commitment, entries, erasure."""
        with self._memory:
            record = self.state.persons.get(pseudonym)
            return None if record is None else replace(record, indices=list(record.indices))

    def erased_persons(self) -> list[str]:
        """The pseudonyms whose erasure the log holds (rules edition 3), for finishing their deletion."""
        with self._memory:
            return [p.pseudonym for p in self.state.persons.values() if p.erased_index is not None]

    def leaf_hash(self, index: int) -> bytes:
        """The hash of leaf `index`."""
        self.ensure(index + 1)
        with self._memory:
            return self.tree.leaf_hash(index)

    def root(self, size: int | None = None) -> bytes:
        """The root of the tree of `size` leaves (default: all this process knows)."""
        with self._memory:
            return self.tree.root(size)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size` leaves."""
        with self._memory:
            return self.tree.inclusion_proof(index, size)

    def consistency_proof(self, first: int, second: int) -> list[bytes]:
        """RFC 9162 §2.1.4 consistency proof between the trees of `first` and `second` leaves."""
        with self._memory:
            return self.tree.consistency_proof(first, second)

    def tile_hashes(self, tile: Tile) -> bytes:
        """The bytes of a hash tile (C2SP tlog-tiles) of this tree."""
        with self._memory:
            return tile_hashes(self.tree, tile)

    def entry(self, index: int) -> StoredLeaf:
        """Leaf `index`: its bytes and its hash."""
        leaf = self.leaf(index)
        with self._memory:
            return StoredLeaf(index, leaf, self.tree.leaf_hash(index))

    def reader_on_loop(self) -> AsyncPointReader | None:
        """For `entry_on_loop` on PostgreSQL (used and closed by one event loop); None elsewhere:
        SQLite's point read is a local page, cheaper than any hop."""
        if self.storage.kind != "postgres":
            return None
        from ledger.store.postgres import AsyncPointReader, PointReadPostgresApplicationRecorder

        assert isinstance(self.recorder, PointReadPostgresApplicationRecorder)
        return AsyncPointReader(self.recorder, self.storage.postgres_parts())

    async def entry_on_loop(self, index: int, reader: AsyncPointReader) -> StoredLeaf | None:
        """Leaf `index` read by `reader` on the event loop, if this process knows the leaf already and
        the reader is ready; None otherwise (`entry` catches up first, which is a read of every newer
        event). A leaf that does not hash to the tree's leaf is refused (StoreDamaged)."""
        if not 0 <= index < self.size or not reader.ready():
            return None
        stored = await reader.select_event(LOG_ID, index + 1)
        if stored is None:  # the tree holds it, so the database must: let `entry` say what is wrong
            return None
        event: LeafAppended = self.mapper.to_domain_event(stored)  # type: ignore[assignment]
        leaf = event.leaf.encode("utf-8")
        with self._memory:
            leaf_hash = self.tree.leaf_hash(index)
        if hash_leaf(leaf) != leaf_hash:
            raise StoreDamaged(f"leaf {index} read on the event loop is not the tree's leaf {index}", leaf_index=index)
        return StoredLeaf(index, leaf, leaf_hash)

    def leaf(self, index: int) -> bytes:
        """The leaf bytes at `index`."""
        self.ensure(index + 1)
        if not 0 <= index < self.size:
            raise NotFound(f"leaf index {index} is not below the tree size {self.size}", code=codes.INDEX_OUT_OF_RANGE)
        return self.log_events(index, index + 1)[0].leaf.encode("utf-8")

    def leaves(self, start: int = 0, stop: int | None = None) -> Iterator[bytes]:
        """Leaf bytes from `start` up to `stop` (default: the current size), read in pages."""
        stop = self.size if stop is None else stop
        position = start
        while position < stop:
            events = self.log_events(position, min(stop, position + READ_PAGE))
            if not events:
                break
            for event in events:
                yield event.leaf.encode("utf-8")
            position += len(events)

    def stream_entries(self, stream: str) -> list[tuple[int, bytes]]:
        """(leaf index, leaf hash) of each entry of `stream` in `seq` order; empty if none."""
        self.catch_up()
        if self.stream_head(stream) is None:
            return []
        aggregate: Stream = self.repository.get(stream)
        return [(index, decode_base64(leaf_hash)) for index, leaf_hash in aggregate.entries]

    def receipt(self, index: int) -> Receipt:
        """The receipt issued when leaf `index` was accepted: the first checkpoint that holds it."""
        self.ensure(index + 1)
        if not 0 <= index < self.size:
            raise NotFound(f"leaf index {index} is not below the tree size {self.size}", code=codes.INDEX_OUT_OF_RANGE)
        position = index
        while position < self.size:
            for event in self.log_events(position, min(self.size, position + READ_PAGE)):
                if event.checkpoint is not None:
                    size = event.originator_version
                    return Receipt(index, self.leaf_hash(index), size, self.root(size), event.checkpoint)
            position += READ_PAGE
        raise StoreDamaged(f"no checkpoint was stored at or after leaf {index}")

    def record_proof(self, index: int, checkpoint: SignedCheckpoint | None = None) -> str:
        """A C2SP tlog-proof of leaf `index` against the latest checkpoint, or against `checkpoint`
        (one of this log's, no larger than the tree: e.g. the witnesses' cosigned one)."""
        checkpoint = checkpoint or self.signed_checkpoint()
        size = checkpoint.tree_size
        self.ensure(size)
        if not 0 <= index < size:
            raise NotFound(f"leaf index {index} is not below the tree size {size}", code=codes.INDEX_OUT_OF_RANGE)
        return format_record_proof(RecordProof(index, tuple(self.inclusion_proof(index, size)), checkpoint.text))

    # --- catching up ----------------------------------------------------------------------------------

    def catch_up(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Fold the log events stored after our size (by earlier runs or other processes)."""
        with self._lock:
            before = self.size
            total = self.stored_size() if progress else 0
            while True:
                events = self.log_events(self.size, self.size + READ_PAGE)
                if not events:
                    break
                for event in events:
                    self._replay(event)
                if progress:
                    progress(self.size, total)
            return self.size - before

    def refresh(self, max_age: float = 0.1) -> None:
        """Catch up for a read of "the latest", unless that was done less than `max_age` s ago.

        Another server process may have appended meanwhile; a read of the latest checkpoint may lag
        it by `max_age`, never more, and never by a write of this process. A read that names a size
        or an index beyond ours catches up at once (`ensure`).
        """
        now = time.monotonic()
        if now - self._refreshed < max_age:
            return
        # A writer holding the lock is bringing the state forward anyway: do not queue behind it.
        if self._lock.acquire(blocking=False):
            try:
                self.catch_up()
                self._refreshed = now
            finally:
                self._lock.release()

    def ensure(self, size: int) -> None:
        """Catch up if the log may have grown to `size` through another process."""
        if size > self.size:
            self.catch_up()

    def _replay(self, event: LeafAppended) -> None:
        index = event.originator_version - 1
        if index != self.size:
            raise StoreDamaged(f"log event for leaf {index} follows leaf {self.size - 1}")
        try:
            submission = parse_leaf(event.leaf.encode("utf-8"))
            # Signatures were checked when the log accepted each entry; `integritas verify` checks
            # them again. Every other rule is replayed, so a changed entry stops the store here.
            decision = decide(self.state, submission, index, event.timestamp, signature_verified=True)
        except LedgerError as exc:
            raise StoreDamaged(
                f"stored leaf {index} does not replay ({exc.code}: {exc.message}); run `integritas verify`",
                leaf_index=index,
            ) from exc
        with self._memory:
            self.tree.append(submission.leaf_hash)
        root = self.tree.root()
        if event.root_hash != encode_base64(root):
            raise StoreDamaged(f"stored root after leaf {index} differs from the recomputed root", leaf_index=index)
        if event.checkpoint is not None:
            try:
                checkpoint = SignedCheckpoint(event.checkpoint)
            except LedgerError as exc:
                raise StoreDamaged(f"stored checkpoint at leaf {index} does not parse: {exc.message}") from exc
            if (checkpoint.origin, checkpoint.tree_size, checkpoint.root_hash) != (self.origin, index + 1, root):
                raise StoreDamaged(f"stored checkpoint at leaf {index} names another tree", leaf_index=index)
            self._checkpoint = checkpoint
        with self._memory:
            evolve(self.state, decision)

    def _check_latest_checkpoint(self) -> None:
        # Each stored root was compared while replaying; the latest signed checkpoint is compared
        # too, signature included, so an edit of a leaf and its stored root together is caught.
        if self._checkpoint is None:
            return
        try:
            keys = (self.verifier_key, *((self.next_verifier_key,) if self.next_verifier_key else ()))
            checkpoint, _ = verify_checkpoint_by_any(self._checkpoint.text, keys)
        except LedgerError as exc:
            raise StoreDamaged(f"the latest stored checkpoint does not verify: {exc.message}") from exc
        if (checkpoint.tree_size, checkpoint.root_hash) != (self.size, self.tree.root()):
            raise StoreDamaged(
                f"the latest stored checkpoint (size {checkpoint.tree_size}) does not match the stored leaves "
                f"(size {self.size})"
            )

    def _check_signed_head(self) -> None:
        """Refuse a log shorter than, or different from, the last checkpoint this server signed.

        DESIGN §5: the last signed size is persisted and checked before signing. The database holds
        every checkpoint with its leaf; this file, kept beside the log key, catches a database that
        lost its newest entries (restored from an old backup, say), on top of which the log would
        otherwise sign a second, different checkpoint of a size it had already signed.
        """
        if self._signed_head_path is None:
            return
        try:
            head = read_signed_head(self._signed_head_path)
            if head is not None:
                verify_signed_head(head, self.size, self.tree.root)
        except LedgerError as exc:
            raise StoreDamaged(exc.message, code=exc.code, **exc.evidence) from exc

    def _record_signed_head(self, receipt: Receipt) -> None:
        """Before a commit: write and fsync the checkpoint about to be committed, with the head before
        it (`previous`), so that the guard never lags what is acknowledged; a full disk fails here,
        with nothing committed."""
        if self._signed_head_path is None:
            return
        head = SignedHead(
            receipt.tree_size, encode_base64(receipt.root_hash), (self.size, encode_base64(self.tree.root()))
        )
        write_atomically(self._signed_head_path, json.dumps(head.to_json()).encode("utf-8"))

    def _settle_signed_head(self, size: int, root: bytes) -> None:
        """After a commit (or a failed one): the guard names the stored head alone again, so that a
        store that later loses entries is caught even at the previous head. Best effort: a failure
        leaves the guard ahead of the store or equal to it, never behind what was acknowledged.
        So its rename is not fsynced (one fsync less a group, issue 16): lost in a crash, it leaves
        the intent written before the commit, which names this head too."""
        self._unsettled = None
        if self._signed_head_path is None:
            return
        document = SignedHead(size, encode_base64(root)).to_json()
        try:
            write_atomically(self._signed_head_path, json.dumps(document).encode("utf-8"), sync_rename=False)
        except OSError as exc:
            log.warning("signed-head.json not settled at size %d (%s): the next write settles it", size, exc)

    def _settle_later_if_busy(self, size: int, root: bytes) -> None:
        """Settle the guard after a commit, unless submissions are queued: then the next group's intent
        (whose `previous` names this head, so a store that loses this group is caught as a settled
        guard would catch it) replaces it within moments, and its two fsyncs are saved. A group that
        writes nothing settles what is left (`_write_group`)."""
        with self._queue_guard:
            busy = bool(self._queue)
        if busy:
            self._unsettled = (size, root)
        else:
            self._settle_signed_head(size, root)

    def _check_room(self, tickets: Sequence[_Ticket]) -> None:
        """Refuse a write, before anything is decided, when the disk holding the ledger's files has no
        room for it: four times the leaves (events, write-ahead log) and a margin."""
        needed = STORAGE_MARGIN + 4 * sum(len(ticket.submission.leaf_bytes) for ticket in tickets)
        for directory in self._local_directories:
            try:
                free = shutil.disk_usage(directory).free
            except OSError:
                continue
            if free < needed:
                raise StorageFull(
                    f"the disk holding the ledger has {free} bytes free, a write needs {needed}: "
                    "nothing was written; free some space and send it again",
                    free_bytes=free,
                )

    def reload(self) -> None:
        """Forget the in-memory state and replay the whole stored log."""
        with self._lock:
            with self._memory:
                self.state = LedgerState(origin=self.origin)
                self.tree = MerkleTree()
                self._checkpoint = None
            self.catch_up()

    def check(self, submission: Submission) -> None:
        """Decide `submission` as the next leaf against the log as this process knows it, appending
        nothing: raise what `append` would raise for it now (`integritas sign`'s check before it
        prints a submission; a later append decides again on the log as it then is)."""
        with self._memory:
            decide(self.state, submission, self.state.size, self._clock())

    # --- writing ----------------------------------------------------------------------------------------

    def append(self, submission: Submission) -> Receipt:
        """Accept one submission, or raise the error of the rule that refuses it.

        A submission already in the log returns its original receipt (marked `duplicate`).

        Group commit: submissions that arrive while a write is in progress queue up, and the next
        writer decides them all in arrival order and saves the accepted ones in one transaction
        under one checkpoint. Each still gets its own answer (receipt, refusal or conflict); a
        refusal of one never affects another, and under load the fsync and the checkpoint
        signature are paid once per group instead of once per entry.
        """
        ticket = _Ticket(submission)
        with self._queue_guard:
            self._queue.append(ticket)
        while True:
            # A sender waits for its ticket's answer, not for the lock: waiting on the lock, a sender
            # whose ticket another writer had answered saw it only when that writer's next group was
            # done too, and each group held one or two tickets with sixteen senders (issue 16).
            ticket.wake.clear()
            if ticket.answered:
                return ticket.outcome()
            if self._lock.acquire(blocking=False):
                try:
                    if not ticket.answered:
                        self._write_queued()  # at most MAX_GROUP queued tickets, ours among them or not
                finally:
                    self._lock.release()
                    self._wake_next_writer()
            else:
                # Woken by the writer when answered or when the lock is free; the timeout covers the
                # lock's other holders (a catch-up, a reload, a batch), which wake no one.
                ticket.wake.wait(WAKE_TIMEOUT)

    def _wake_next_writer(self) -> None:
        """Once the lock is free: the first queued sender writes the next group."""
        with self._queue_guard:
            if self._queue:
                self._queue[0].wake.set()

    def _write_queued(self) -> None:
        with self._queue_guard:
            tickets, self._queue = self._queue[:MAX_GROUP], self._queue[MAX_GROUP:]
        try:
            self._write_tickets(tickets)
        except BaseException as exc:
            # The failure's handling failed too (a reload of a database gone down, say): the group's
            # senders get the error rather than wait for an answer no one would give.
            _fail_unanswered(tickets, exc)
            raise
        finally:
            if self._unsettled is not None:
                self._settle_later_if_busy(*self._unsettled)  # whatever became of the group
            for ticket in tickets:
                ticket.answer()

    def _write_tickets(self, tickets: list[_Ticket]) -> None:
        for _ in range(MAX_WRITE_ATTEMPTS):
            try:
                with self._writer_lock:
                    self._write_group(tickets)
                return
            except IntegrityError:
                # A writer that ignored the writer lock stored entries meanwhile: start again on the
                # true log (the group's decisions had moved the state already).
                self._reload_after_failed_write()
                for ticket in tickets:
                    ticket.reset()
            except BaseException as exc:
                _fail_unanswered(tickets, exc)
                if any(ticket.decision is not None for ticket in tickets):
                    self._reload_after_failed_write()
                return
        for ticket in tickets:
            ticket.fail(Unavailable("too many concurrent writers: try again", code=codes.BUSY))

    def _reload_after_failed_write(self) -> None:
        """The state holds a failed group's decisions: fold the stored log again. Until that succeeds
        (the database may be down) the next group reloads first, never deciding on that state."""
        self._stale = True
        self.reload()
        self._stale = False

    def _write_group(self, tickets: list[_Ticket]) -> None:
        """Decide `tickets` in order on the caught-up state, save the accepted ones, answer each."""
        if self._stale:
            self._reload_after_failed_write()
        self._check_room(tickets)
        self.catch_up()
        # One reading of the clock: the time the rules saw is the time stored with the entries,
        # so that their replay sees the same.
        now = self._clock()
        accepted: list[_Ticket] = []
        for ticket in tickets:
            leaf_hash = ticket.submission.leaf_hash
            existing = self.state.leaf_indices.get(leaf_hash)
            if existing is not None:
                ticket.duplicate_of = existing  # answered once the group is saved
                continue
            try:
                ticket.decision = decide(self.state, ticket.submission, self.state.size, now)
            except LedgerError as exc:
                ticket.fail(exc)
                continue
            with self._memory:
                evolve(self.state, ticket.decision)
            accepted.append(ticket)
        receipt = None
        if accepted:
            decisions = [ticket.decision for ticket in accepted if ticket.decision is not None]
            events, receipt, checkpoint = self._events_for(decisions, now)
            self._save_signed(events, receipt)
            self._commit(decisions, receipt, checkpoint, state_evolved=True)
        for ticket in accepted:
            assert ticket.decision is not None and receipt is not None
            ticket.succeed(
                Receipt(
                    ticket.decision.index,
                    ticket.submission.leaf_hash,
                    receipt.tree_size,
                    receipt.root_hash,
                    receipt.checkpoint,
                )
            )
        for ticket in tickets:
            if not ticket.done and ticket.duplicate_of is not None:
                original = self.receipt(ticket.duplicate_of)
                ticket.succeed(Receipt(**{**original.__dict__, "duplicate": True}))

    def append_batch(self, submissions: Sequence[Submission]) -> list[Receipt]:
        """Accept several submissions in one transaction with one checkpoint, all or nothing.

        For bulk loading. Entries may depend on earlier ones in the batch, so the state evolves as
        the batch is decided; if any is refused or the save fails, the state is rebuilt from the
        store (a cost paid only on failure) and the error is raised with the entry's position.
        """
        if not submissions:
            return []
        with self._lock:
            for _ in range(MAX_WRITE_ATTEMPTS):
                decisions: list[Decision] = []
                try:
                    with self._writer_lock:
                        self.catch_up()
                        now = self._clock()
                        self._decide_batch(submissions, now, decisions)
                        events, receipt, checkpoint = self._events_for(decisions, now)
                        self._save_signed(events, receipt)
                except IntegrityError:
                    self.reload()  # a writer that ignored the lock got in first: decide again
                    continue
                except BaseException as exc:
                    if decisions:
                        self.reload()
                    full = storage_full_error(exc)
                    if full is not None:
                        raise full from exc
                    raise
                self._commit(decisions, receipt, checkpoint, state_evolved=True)
                return [
                    Receipt(d.index, d.submission.leaf_hash, receipt.tree_size, receipt.root_hash, receipt.checkpoint)
                    for d in decisions
                ]
            raise Unavailable("too many concurrent writers: try again", code=codes.BUSY)

    def _decide_batch(self, submissions: Sequence[Submission], now: datetime, decisions: list[Decision]) -> None:
        """Decide and evolve each submission in turn, so that later ones see earlier ones."""
        seen: set[bytes] = set()
        for position, submission in enumerate(submissions):
            try:
                if submission.leaf_hash in self.state.leaf_indices or submission.leaf_hash in seen:
                    raise MalformedInput(
                        f"batch entry {position} is already in the log or the batch", code=codes.DUPLICATE_IN_BATCH
                    )
                seen.add(submission.leaf_hash)
                decision = decide(self.state, submission, self.state.size, now)
            except LedgerError as exc:
                exc.evidence["batch_position"] = position
                raise
            with self._memory:
                evolve(self.state, decision)
            decisions.append(decision)

    def _events_for(
        self, decisions: Sequence[Decision], timestamp: datetime
    ) -> tuple[list[Any], Receipt, SignedCheckpoint]:
        """The stream and log events of `decisions`, the receipt of the last one and its checkpoint.

        Roots are computed on a scratch extension of the tree, so nothing in memory changes until
        the save succeeds.
        """
        pending = CompactRange.of(self.tree)
        events: list[Any] = []
        last = len(decisions) - 1
        for position, decision in enumerate(decisions):
            submission = decision.submission
            entry = submission.entry
            pending.append(submission.leaf_hash)
            root = pending.root()
            checkpoint: SignedCheckpoint | None = None
            if position == last:
                size = pending.size
                self._check_extends_signed(size)
                checkpoint = SignedCheckpoint.sign(Checkpoint(self.origin, size, root), *self._log_keys())
            events.append(
                stream_event(entry.stream, entry.seq, decision.index, encode_base64(submission.leaf_hash), timestamp)
            )
            events.append(
                LeafAppended(
                    originator_id=LOG_ID,
                    originator_version=decision.index + 1,
                    timestamp=timestamp,
                    leaf=submission.leaf_bytes.decode("utf-8"),
                    root_hash=encode_base64(root),
                    checkpoint=None if checkpoint is None else checkpoint.text,
                )
            )
        assert checkpoint is not None
        final = decisions[-1]
        return events, Receipt(final.index, final.submission.leaf_hash, pending.size, root, checkpoint.text), checkpoint

    def _save_signed(self, events: list[Any], receipt: Receipt) -> None:
        """Commit `events` between the two writes of the signed-head guard (intent, then settled)."""
        self._record_signed_head(receipt)
        try:
            self.save(*events)
        except BaseException:
            self._settle_signed_head(self.size, self.tree.root())
            raise
        self._settle_later_if_busy(receipt.tree_size, receipt.root_hash)

    def _check_extends_signed(self, size: int) -> None:
        # The log never signs two inconsistent checkpoints: a new one must extend the stored tree,
        # whose last checkpoint was persisted with its leaf; the tree only grows by appending.
        if size <= self.size:
            raise StoreDamaged(f"refusing to sign a checkpoint of size {size}: the log already has {self.size}")

    def _commit(
        self,
        decisions: Sequence[Decision],
        receipt: Receipt,
        checkpoint: SignedCheckpoint,
        *,
        state_evolved: bool = False,
    ) -> None:
        with self._memory:
            for decision in decisions:
                if not state_evolved:
                    evolve(self.state, decision)
                self.tree.append(decision.submission.leaf_hash)
        self._checkpoint = checkpoint
