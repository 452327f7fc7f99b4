"""Whole-log verification (DESIGN §6): everything an auditor checks without trusting the server.

Given a log source and a trust anchor (origin, the log's verifier key, the root key's fingerprint)
and optionally the auditor's last trusted checkpoint, `verify_log` checks, in the order of §6:

1. the latest checkpoint's signature by a log key the anchor lists, and its origin; after the replay
   (5), that one of the keys that signed it was not retired (`log_key.retired`) before it;
2. consistency with the trusted checkpoint: the log's first `m` leaves hash to the trusted root;
3. the root recomputed from all leaves equals the checkpoint's root;
4. every hash tile the source serves equals the hashes computed from the leaves;
5. for every entry: canonical form, strict format, signature, signer key validity, role and scope,
   stream chain, time order and every rule of the fold, replayed from genesis, whose signer must be
   the trusted root key; when the trust anchor pins a national root (rules edition 2), every policy
   the log sets must name that one (`national_root_mismatch`);
6. rules edition 3, when the source carries personal data (an auditor export's personal-data.json, a
   data directory's personal.sqlite): each person's data and salt open the commitment the log holds
   for the pseudonym (`personal_data_mismatch`), and none is held for a person the log names nowhere
   (`personal_data_unlogged`) or records as erased (`personal_data_of_erased`).

It reports every failure with its leaf index (not just the first); a failing entry keeps its index
but does not change the replayed state. Signatures are checked in worker processes, one per core,
while the main process parses and folds. `ok` is true only when nothing failed; the caller saves
the new trusted checkpoint only then (python-tuf's rule: trusted state moves forward only through
verification).

Signatures go through ledger.crypto.ed25519 (libsodium when PyNaCl is installed, else OpenSSL), so
an auditor reaches the server's verdict with either. Imports: the standard library, `cryptography`,
`rfc8785`, `msgspec` (through ledger.entry) and the pure core; never the store,
FastAPI or eventsourcing. Where the log comes from is the caller's: anything that is a `LogSource`
(ledger.log_sources reads exports, data directories and servers).
"""

from __future__ import annotations

import gc
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from typing import Any, Protocol, runtime_checkable

from ledger import codes
from ledger.crypto import ed25519
from ledger.crypto.checkpoint import Checkpoint, verify_checkpoint_by_any
from ledger.crypto.keys import encode_base64, fingerprint
from ledger.crypto.merkle import MerkleTree, hash_leaf, verify_consistency
from ledger.crypto.note import VerifierKey, format_verifier_key
from ledger.crypto.tiles import Tile, tile_hashes, tiles_for_size
from ledger.crypto.witness_policy import verify_witness_quorum
from ledger.entry import parse_leaf
from ledger.errors import LedgerError, VerificationFailed, evidence_json
from ledger.personal import Disclosure, verify_disclosure
from ledger.rules import LeafIndex, LedgerState, decide, evolve
from ledger.trust import TrustAnchor as TrustAnchor  # where callers have imported it from

SIGNATURE_BATCH = 512
MAX_EXPECTED_LEAVES = 1 << 24
MAX_BATCHES_IN_FLIGHT_PER_WORKER = 4
# The fold's state only grows while the log is replayed, and Python's collector would walk all of it
# again and again (a tenth of the main process's time at 10^5 leaves); every so many leaves, what
# exists is frozen out of its walks (gc.freeze) until the replay ends. Reference counting still frees
# what is dropped meanwhile.
GC_FREEZE_EVERY = 1 << 15


class LogSource(Protocol):
    """What the verifier reads: a log's latest checkpoint, its leaves in order and any hash tiles."""

    description: str
    has_tiles: bool

    def checkpoint(self) -> str:
        """The latest signed checkpoint (note text)."""
        ...

    def leaves(self, size: int) -> Iterator[bytes]:
        """The first `size` leaves in order; fewer if the source has fewer."""
        ...

    def hash_tile(self, tile: Tile) -> bytes:
        """The bytes of a hash tile; raises `NotFound` if the source lacks it."""
        ...


@runtime_checkable
class StoredDerivedData(Protocol):
    """A source that also holds what a server derived from the leaves (a ledger's data directory): the
    verifier checks it as the server does at open, so that `verify DIR` passes only what serves."""

    def stored_heads(self, size: int) -> Iterator[tuple[int, str, str | None]]:
        """(leaf index, stored root_hash, stored checkpoint or None) of the first `size` leaves."""
        ...

    def check_signed_head(self, size: int, root_of: Callable[[int], bytes]) -> None:
        """Raise unless the source's signed-head guard agrees with `size` verified leaves."""
        ...


@runtime_checkable
class PersonalDataSource(Protocol):
    """A source that may carry the personal data behind the log's commitments (rules edition 3)."""

    def personal_data(self) -> list[Disclosure] | None:
        """Every disclosure the source holds, or None when it holds no personal data at all."""
        ...


@dataclass(frozen=True)
class Failure:
    """One thing that did not verify: where (a leaf index, or None for the log as a whole), why."""

    leaf_index: int | None
    code: str
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "leaf_index": self.leaf_index,
            "code": self.code,
            "message": self.message,
            "evidence": evidence_json(self.evidence),
        }


@dataclass
class Report:
    """The outcome of verifying one log."""

    source: str
    checkpoint: Checkpoint | None = None
    checkpoint_text: str | None = None
    entries_checked: int = 0
    tiles_checked: int = 0
    failures: list[Failure] = field(default_factory=list)
    state: LedgerState | None = None
    cosigned_by: list[str] = field(default_factory=list)  # witnesses whose cosignatures verified
    national_root: str | None = None  # fingerprint of the national root the log's policy names, if any
    persons_checked: int | None = None  # disclosures checked against the commitments (None: none carried)

    @property
    def ok(self) -> bool:
        return self.checkpoint is not None and not self.failures

    def fail(self, leaf_index: int | None, error: LedgerError | str, code: str = "", **evidence: Any) -> None:
        if isinstance(error, LedgerError):
            self.failures.append(Failure(leaf_index, error.code, error.message, {**error.evidence, **evidence}))
        else:
            self.failures.append(Failure(leaf_index, code, error, evidence))


def verify_log(
    source: LogSource,
    trust: TrustAnchor,
    *,
    now: datetime,
    trusted_checkpoint: str | None = None,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Verify the log behind `source` against `trust`; never raises for a fault in the log."""
    report = Report(source.description)
    try:
        text = source.checkpoint()
        checkpoint, signed_by = verify_checkpoint_by_any(text, trust.verifier_keys)
    except LedgerError as exc:
        report.fail(None, exc)
        return report
    if checkpoint.origin != trust.origin:
        report.fail(
            None,
            f"checkpoint is for log {checkpoint.origin!r}, trusted origin is {trust.origin!r}",
            codes.WRONG_LOG_CHECKPOINT,
        )
        return report
    report.checkpoint, report.checkpoint_text = checkpoint, text
    policy = trust.witness_policy
    if policy is not None:
        # A checkpoint signed by the log key alone may be one of two histories shown to two
        # auditors; the witnesses' cosignatures say it is the one history they saw.
        try:
            # The policy must list one of the log keys that signed (both, during a key's rotation).
            listed = {key for key, _ in policy.logs}
            log_key = next((k.public_key for k in signed_by if k.public_key in listed), signed_by[0].public_key)
            report.cosigned_by = sorted(
                verify_witness_quorum(text, policy, log_public_key=log_key, now=int(now.timestamp()))
            )
        except LedgerError as exc:
            report.fail(None, exc)

    trusted = None
    if trusted_checkpoint is not None:
        try:
            # The auditor's own record: whichever listed key signed it then, retired since or not.
            trusted, _ = verify_checkpoint_by_any(trusted_checkpoint, trust.verifier_keys)
        except LedgerError as exc:
            report.fail(None, f"the trusted checkpoint does not verify: {exc.message}", codes.INVALID_TRUSTED_STATE)
            return report
        if trusted.tree_size > checkpoint.tree_size:
            report.fail(
                None,
                f"the log shrank: it shows size {checkpoint.tree_size}, the trusted checkpoint has {trusted.tree_size}",
                codes.CONSISTENCY_FAILED,
                trusted_checkpoint=trusted_checkpoint,
                checkpoint=text,
            )
            return report

    tree = _replay_entries(source, checkpoint.tree_size, trust, now, workers, report, progress)
    if tree.size != checkpoint.tree_size:
        report.fail(
            None, f"the log holds {tree.size} leaves, its checkpoint says {checkpoint.tree_size}", codes.MISSING_LEAVES
        )
        return report
    if report.state is not None and not _signed_by_unretired(report.state, signed_by, checkpoint.tree_size):
        report.fail(
            None,
            f"the checkpoint of size {checkpoint.tree_size} is signed only by log keys the log retired before it: "
            + ", ".join(format_verifier_key(key) for key in signed_by),
            codes.LOG_KEY_RETIRED,
            checkpoint=text,
        )
    computed = tree.root(checkpoint.tree_size)
    if computed != checkpoint.root_hash:
        report.fail(
            None,
            "the root computed from all leaves differs from the checkpoint's root",
            codes.ROOT_MISMATCH,
            expected_root=checkpoint.root_hash,
            computed_root=computed,
            checkpoint=text,
        )
    if trusted is not None:
        _check_consistency(tree, trusted, trusted_checkpoint or "", checkpoint, text, report)
    if source.has_tiles:
        _check_tiles(source, tree, checkpoint.tree_size, report)
    if isinstance(source, PersonalDataSource) and report.state is not None and not report.failures:
        # Only against a log that verified: a state folded from damaged leaves would call every
        # person unlogged, naming each damage again.
        _check_personal_data(source, report.state, report)
    if isinstance(source, StoredDerivedData) and not report.failures:
        # Only over leaves that verified: derived data of damaged leaves would name each damage twice.
        _check_data_directory(source, tree, trust, report)
    return report


def _check_data_directory(source: StoredDerivedData, tree: MerkleTree, trust: TrustAnchor, report: Report) -> None:
    """What the server checks when it opens this directory (ledger.store.application, at open): each
    stored root equals the root of the leaves up to it, each stored checkpoint names that tree, and
    the signed-head guard is not ahead of, or different from, the stored log."""
    try:
        for index, root_text, checkpoint_text in source.stored_heads(tree.size):
            root = tree.root(index + 1)
            if root_text != encode_base64(root):
                report.fail(
                    index,
                    f"the stored root after leaf {index} differs from the root of the leaves",
                    codes.STORED_ROOT_MISMATCH,
                    stored_root=root_text,
                    computed_root=root,
                )
            if checkpoint_text is not None:
                _check_stored_checkpoint(index, checkpoint_text, root, trust, report)
        source.check_signed_head(tree.size, tree.root)
    except LedgerError as exc:
        report.fail(exc.evidence.get("leaf_index"), exc)


def _check_personal_data(source: PersonalDataSource, state: LedgerState, report: Report) -> None:
    """Step 6: every disclosure the source carries opens the commitment the log holds for its person."""
    try:
        disclosures = source.personal_data()
    except LedgerError as exc:
        report.fail(None, exc)
        return
    if disclosures is None:
        return
    report.persons_checked = len(disclosures)
    for disclosure in disclosures:
        person = state.persons.get(disclosure.person)
        if person is None:
            report.fail(
                None,
                f"personal data is held for {disclosure.person}, whom no entry of the log names",
                codes.PERSONAL_DATA_UNLOGGED,
                person=disclosure.person,
            )
            continue
        if person.erased_index is not None:
            report.fail(
                person.erased_index,
                f"personal data is still held for {disclosure.person}, erased at leaf {person.erased_index}",
                codes.PERSONAL_DATA_OF_ERASED,
                person=disclosure.person,
            )
            continue
        try:
            verify_disclosure(disclosure, person.commitment)
        except VerificationFailed as exc:
            report.fail(person.commitment_index, exc)


def _signed_by_unretired(state: LedgerState, signed_by: tuple[VerifierKey, ...], tree_size: int) -> bool:
    """Whether one of the keys that signed a checkpoint of `tree_size` was still the log's then: not
    retired by a `log_key.retired` among the first `tree_size - 1` leaves (the checkpoint that
    includes the retirement itself is the overlap's last, still signed by both keys)."""
    for key in signed_by:
        record = state.log_keys.get(format_verifier_key(key))
        if record is None or record.retired_index is None or record.retired_index >= tree_size - 1:
            return True
    return False


def _check_stored_checkpoint(index: int, text: str, root: bytes, trust: TrustAnchor, report: Report) -> None:
    try:
        stored, signed_by = verify_checkpoint_by_any(text, trust.verifier_keys)
        if report.state is not None and not _signed_by_unretired(report.state, signed_by, index + 1):
            raise VerificationFailed("it is signed only by log keys retired before it", code=codes.LOG_KEY_RETIRED)
    except LedgerError as exc:
        message = f"the checkpoint stored with leaf {index} does not verify: {exc.code}: {exc.message}"
        report.fail(index, message, codes.STORED_CHECKPOINT_MISMATCH)
        return
    if (stored.origin, stored.tree_size, stored.root_hash) != (trust.origin, index + 1, root):
        report.fail(
            index, f"the checkpoint stored with leaf {index} names another tree", codes.STORED_CHECKPOINT_MISMATCH
        )


def _check_consistency(
    tree: MerkleTree, trusted: Checkpoint, trusted_text: str, checkpoint: Checkpoint, text: str, report: Report
) -> None:
    # The proof is computed from the leaves the log serves now: if they still hash to the trusted
    # root at its size, the log only grew; if not, the evidence shows two signed, inconsistent heads.
    proof = tree.consistency_proof(trusted.tree_size, checkpoint.tree_size)
    try:
        verify_consistency(trusted.tree_size, checkpoint.tree_size, trusted.root_hash, checkpoint.root_hash, proof)
        if tree.root(trusted.tree_size) != trusted.root_hash:
            raise VerificationFailed(
                "the first leaves no longer hash to the trusted root", code=codes.CONSISTENCY_FAILED
            )
    except VerificationFailed as exc:
        report.fail(
            None,
            f"the log is not consistent with the trusted checkpoint of size {trusted.tree_size}: {exc.message}",
            codes.CONSISTENCY_FAILED,
            trusted_checkpoint=trusted_text,
            checkpoint=text,
            consistency_proof=proof,
            root_at_trusted_size=tree.root(trusted.tree_size),
        )


def _check_tiles(source: LogSource, tree: MerkleTree, size: int, report: Report) -> None:
    for tile in tiles_for_size(size):
        try:
            served = source.hash_tile(tile)
        except LedgerError as exc:
            report.fail(None, exc, tile=tile.path)
            continue
        expected = tile_hashes(tree, tile)
        report.tiles_checked += 1
        if served != expected:
            report.fail(
                _first_leaf_of_difference(served, expected, tile),
                f"{tile.path} differs from the hashes of the leaves it covers",
                codes.TILE_MISMATCH,
                tile=tile.path,
            )


def _first_leaf_of_difference(served: bytes, expected: bytes, tile: Tile) -> int | None:
    assert isinstance(tile.level, int)
    for position in range(0, min(len(served), len(expected)), 32):
        if served[position : position + 32] != expected[position : position + 32]:
            return int((tile.index * 256 + position // 32) * 256**tile.level)
    return None


def _replay_entries(
    source: LogSource,
    size: int,
    trust: TrustAnchor,
    now: datetime,
    workers: int | None,
    report: Report,
    progress: Callable[[int, int], None] | None,
) -> MerkleTree:
    """Hash, parse and fold every leaf, checking signatures on the side; return the tree of the leaves.

    The fold runs ahead of the signature checks, as if every signature were good, so that both
    cores stay busy. When one is not, the fold is run once more without the entries whose
    signatures failed, so that a forged entry (a forged key registration, say) shapes nothing
    after it and everything that relied on it is reported too. Good logs pay for one pass only.
    """
    tree = MerkleTree()
    # The fold's leaf index reads its hashes from the tree's leaves (each appended right after its
    # fold), instead of a second copy: 32 bytes a leaf, 305 MiB at 10^7 (issue 16, item 4).
    replay = _Replay(trust, now, rows=tree.leaf_rows, expected=size)
    bad_signatures: list[Failure] = []
    batch: list[tuple[int, bytes, bytes, bytes]] = []
    pending: deque[Future[list[tuple[int, str, str]]]] = deque()
    workers = workers or os.cpu_count() or 1

    def collect(future: Future[list[tuple[int, str, str]]]) -> None:
        bad_signatures.extend(Failure(index, code, message) for index, code, message in future.result())

    with _signature_pool(workers) as pool, _frozen_as_it_grows() as grown:
        for index, leaf in enumerate(_leaves(source, size, report)):
            grown(index)
            check = replay.fold(index, leaf)
            if check is not None:
                batch.append(check)
            # Leaf by leaf, not in batches: the fold's leaf index reads this leaf's hash from the tree
            # when the next entry is folded (a duplicate or a `basis` may name it).
            tree.append(replay.leaf_hash if replay.leaf_hash is not None else hash_leaf(leaf))
            if len(batch) >= SIGNATURE_BATCH:
                pending.append(pool.submit(_verify_signatures, batch))
                batch = []
                # Back-pressure: parsing outruns the workers, and queued batches would pile up
                # hundreds of megabytes of messages; wait for the oldest past a few per worker.
                while len(pending) > MAX_BATCHES_IN_FLIGHT_PER_WORKER * workers:
                    collect(pending.popleft())
            if progress and index % 4096 == 0:
                progress(index, size)
            report.entries_checked = index + 1
        if batch:
            pending.append(pool.submit(_verify_signatures, batch))
        while pending:
            collect(pending.popleft())
    if bad_signatures:
        skip: set[int | None] = {failure.leaf_index for failure in bad_signatures}
        replay = _Replay(trust, now, skip=skip, rows=tree.leaf_rows, expected=tree.size)
        with _frozen_as_it_grows() as grown:
            for index, leaf in enumerate(_leaves(source, tree.size, Report(report.source))):
                grown(index)
                replay.fold(index, leaf)
    report.state = replay.state
    report.national_root = replay.national_root
    report.failures += bad_signatures + replay.failures
    pinned = trust.national_root_fingerprint
    if pinned is not None and replay.state.policy is not None and replay.national_root is None:
        report.fail(
            None,
            f"the log's policy names no national root; the trust anchor pins {pinned[:12]}…",
            codes.NATIONAL_ROOT_MISMATCH,
            pinned=pinned,
        )
    report.failures.sort(key=lambda f: (f.leaf_index is None, f.leaf_index or 0))
    if progress:
        progress(tree.size, size)
    return tree


@contextmanager
def _frozen_as_it_grows() -> Iterator[Callable[[int], None]]:
    """`grown(index)` freezes what exists every GC_FREEZE_EVERY leaves (see there); unfrozen at the end."""

    def grown(index: int) -> None:
        if index % GC_FREEZE_EVERY == GC_FREEZE_EVERY - 1:
            gc.freeze()

    try:
        yield grown
    finally:
        gc.unfreeze()


def _leaves(source: LogSource, size: int, report: Report) -> Iterator[bytes]:
    try:
        yield from source.leaves(size)
    except LedgerError as exc:
        report.fail(exc.evidence.get("leaf_index"), exc)


class _Replay:
    """The rules fold over the log, leaf by leaf, recording what each leaf broke."""

    def __init__(
        self,
        trust: TrustAnchor,
        now: datetime,
        skip: set[int | None] | None = None,
        rows: bytearray | None = None,
        expected: int = 0,
    ) -> None:
        self.trust = trust
        self.now = now
        self.skip = skip or set()  # leaves already known bad (their signatures failed)
        # `rows`: the leaf hashes of the log's tree, which the caller appends each leaf to after its
        # fold. `expected`: the checkpoint's size, capped (a checkpoint is the log's claim) so that a
        # lying one costs at most a 128 MiB table: the index is then made once, not doubled up to it.
        index = LeafIndex(rows=rows, expected=min(expected, MAX_EXPECTED_LEAVES))
        self.state = LedgerState(origin=trust.origin, leaf_indices=index)
        self.failures: list[Failure] = []
        self.leaf_hash: bytes | None = None  # of the last leaf folded, when it parsed
        self.national_root: str | None = None  # fingerprint of the national root of the policy in force

    def fail(self, index: int, code: str, message: str, evidence: dict[str, Any] | None = None) -> None:
        self.failures.append(Failure(index, code, message, evidence or {}))

    def fold(self, index: int, leaf: bytes) -> tuple[int, bytes, bytes, bytes] | None:
        """Fold one leaf; return its signature check (index, public key, signature, message), or None."""
        self.leaf_hash = None
        if index in self.skip:
            return None
        state = self.state
        if index > 0 and state.policy is None:
            self.fail(index, codes.NO_GENESIS, "cannot be checked: the log has no valid genesis entry")
            return None
        try:
            submission = parse_leaf(leaf)
            self.leaf_hash = submission.leaf_hash
            signer = submission.entry.signer
            if index == 0 and signer != self.trust.root_fingerprint:
                self.fail(
                    0,
                    codes.UNTRUSTED_ROOT,
                    f"genesis is signed by {signer[:12]}…, the trusted root key is {self.trust.root_fingerprint[:12]}…",
                )
                return None
            # A refused leaf before this one still took its index: the index is the leaf's own.
            decision = decide(state, submission, index, self.now, signature_verified=True)
        except LedgerError as exc:
            self.fail(index, exc.code, exc.message, exc.evidence)
            return None
        evolve(state, decision)
        if submission.entry.kind in ("ledger.genesis", "policy.set"):
            self._check_national_root(index)
        key = decision.key.public_key if decision.key is not None else state.keys[signer].public_key
        return index, key, submission.signature, submission.signing_input()

    def _check_national_root(self, index: int) -> None:
        """A policy (genesis or policy.set) must name the national root the trust anchor pins."""
        policy = self.state.policy
        assert policy is not None
        self.national_root = None if policy.national_root is None else fingerprint(policy.national_root)
        pinned = self.trust.national_root_fingerprint
        if pinned is not None and self.national_root is not None and self.national_root != pinned:
            self.fail(
                index,
                codes.NATIONAL_ROOT_MISMATCH,
                f"the policy names national root {self.national_root[:12]}…, the trust anchor pins {pinned[:12]}…",
                {"national_root": self.national_root, "pinned": pinned},
            )


def _verify_signatures(batch: list[tuple[int, bytes, bytes, bytes]]) -> list[tuple[int, str, str]]:
    """Run in a worker: (index, code, message) of each entry signature that does not verify, with the
    server's codes (`bad_signature`, or `ed25519_not_strict`: ledger.crypto.ed25519.failure)."""
    failed = []
    verify = ed25519.verify  # the audit's hot path: one call per entry
    for index, public_key, signature, message in batch:
        if not verify(public_key, signature, message):
            code, reason = ed25519.failure(public_key, signature, message)
            if reason == ed25519.DOES_NOT_VERIFY:
                failed.append((index, code, "the entry's Ed25519 signature does not verify with its signer's key"))
            else:
                failed.append((index, code, f"the entry's signature: {reason}"))
    return failed


class _InlineExecutor(Executor):
    """One worker means no process pool: run each batch when it is submitted."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(fn(*args, **kwargs))
        return future


def _signature_pool(workers: int) -> Executor:
    if workers <= 1:
        return _InlineExecutor()
    return ProcessPoolExecutor(max_workers=workers, mp_context=get_context("fork"))
