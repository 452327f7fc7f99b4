"""``integritas monitor``: follow a log for the overseers' desks.

Each poll, in this order:

1. fetch the cosigned checkpoints of the policy's witnesses that have a URL (``GET <url>/checkpoint
   ?origin=``), *before* the log's own: a witness only cosigns what the log sent it, so an honest
   log's checkpoint read afterwards is at least as large;
2. fetch the log's checkpoint and verify the whole log with :func:`ledger.verify.verify_log` from
   the monitor's trusted checkpoint: the log signature, consistency with the trusted state, every
   tile, and every entry through the full fold of the rules;
3. check the cosignatures carried by the log's checkpoint (a bad one by a policy witness is an
   alert) and compare each witness's cosigned checkpoint with the verified tree: the root at the
   witness's size must be the one it cosigned;
4. report new entries (of the ``--unit`` filters, or all), and alerts.

An **equivocation** is two checkpoints signed with the log key that cannot both be true: the
trusted one and a new one of the same size with another root, or one the new log is not consistent
with, or a witness's cosigned one whose root is not the log's at that size. Its alert carries both
signed checkpoints, verbatim, as evidence. The trusted state moves forward only after a poll
without alerts (python-tuf's rule), so an alert repeats until someone looks.

Each poll verifies the whole log again (simple and what an auditor does; linear in the log's size).
The first poll of a new state file takes the log as it is as the baseline and reports no entries.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ledger import codes
from ledger.crypto.checkpoint import Checkpoint, parse_checkpoint, verify_checkpoint_by_any
from ledger.crypto.cosignature import verify_cosignature
from ledger.crypto.merkle import MerkleTree, hash_leaf
from ledger.crypto.note import parse_note
from ledger.crypto.tiles import Tile
from ledger.crypto.witness_policy import PolicyWitness, WitnessPolicy
from ledger.entry import parse_leaf
from ledger.errors import LedgerError, MalformedInput
from ledger.log_sources import open_source
from ledger.verify import LogSource, TrustAnchor, verify_log
from witness.atom import FeedItem, format_atom, write_atom

__all__ = ["Monitor", "MonitorState", "fetch_witness_checkpoint", "run_monitor"]

MAX_FEED_ITEMS = 200
_CONSISTENCY_CODES = {"consistency_failed", "consistency_proof_invalid", "log_shrank", "invalid_trusted_state"}


@dataclass
class MonitorState:
    """What a monitor keeps between polls: its trusted checkpoint and the feed's recent items."""

    checkpoint: str | None = None
    items: list[FeedItem] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> MonitorState:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls()
        except (OSError, ValueError) as exc:
            raise MalformedInput(
                "the monitor's state file is not readable JSON", code=codes.INVALID_MONITOR_STATE
            ) from exc
        try:
            return cls(document["checkpoint"], [FeedItem.from_json(item) for item in document["items"]])
        except (KeyError, TypeError) as exc:
            raise MalformedInput(
                "the monitor's state file is not a monitor state", code=codes.INVALID_MONITOR_STATE
            ) from exc

    def save(self, path: Path) -> None:
        document = {"checkpoint": self.checkpoint, "items": [item.to_json() for item in self.items]}
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with temporary.open("w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=1, ensure_ascii=False)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)


def fetch_witness_checkpoint(witness: PolicyWitness, origin: str, timeout: float = 10.0) -> str | None:
    """The witness's latest cosigned checkpoint of ``origin`` (our ``GET /checkpoint``), or None."""
    if witness.url is None:
        return None
    url = f"{witness.url.rstrip('/')}/checkpoint?{urllib.parse.urlencode({'origin': origin})}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data: bytes = response.read(1 << 20)
            return data.decode("utf-8")
    except (urllib.error.URLError, OSError, UnicodeDecodeError):
        return None


class _Recording:
    """A log source pinned to one checkpoint text that keeps the hash of every leaf read."""

    def __init__(self, source: LogSource, checkpoint: str) -> None:
        self._source = source
        self._checkpoint = checkpoint
        self.leaves_read: list[bytes] = []
        self.description = getattr(source, "description", "log")
        self.has_tiles = getattr(source, "has_tiles", False)

    def checkpoint(self) -> str:
        return self._checkpoint

    def leaves(self, size: int) -> Iterator[bytes]:
        self.leaves_read = []
        for leaf in self._source.leaves(size):
            self.leaves_read.append(leaf)
            yield leaf

    def hash_tile(self, tile: Tile) -> bytes:
        return self._source.hash_tile(tile)


class Monitor:
    """One monitored log; :meth:`poll` returns the new feed items and saves the state."""

    def __init__(
        self,
        source: LogSource,
        trust: TrustAnchor,
        policy: WitnessPolicy | None,
        state_path: Path,
        *,
        units: Sequence[str] = (),
        feed_path: Path | None = None,
        witness_checkpoint: Callable[[PolicyWitness, str], str | None] = fetch_witness_checkpoint,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.source = source
        self.trust = trust
        self.policy = policy
        self.state_path = state_path
        self.units = set(units)
        self.feed_path = feed_path
        self._witness_checkpoint = witness_checkpoint
        self._clock = clock

    def poll(self) -> list[FeedItem]:
        """Check the log once; save the state and the feed; return what is new (alerts included)."""
        now = self._clock()
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        state = MonitorState.load(self.state_path)
        alerts: list[FeedItem] = []
        entries: list[FeedItem] = []

        def alert(code: str, message: str, *evidence: str) -> None:
            digest = hashlib.sha256("\n".join([code, message, *evidence]).encode()).hexdigest()[:16]
            content = message + "".join(f"\n\n{text}" for text in evidence)
            alerts.append(
                FeedItem(
                    f"urn:integritas:{self.trust.origin}:alert:{code}:{digest}",
                    f"ALERT {code}: {message}",
                    stamp,
                    "alert",
                    content,
                )
            )

        witnessed = self._witnessed()  # before the log's checkpoint: see the module docstring
        try:
            text = self.source.checkpoint()
            # Any key the trust file lists (a log key's rotation); the full verification below
            # refuses one the log retired.
            checkpoint, _ = verify_checkpoint_by_any(text, self.trust.verifier_keys)
        except LedgerError as exc:
            alert(exc.code, f"the log's checkpoint cannot be used: {exc.message}")
            return self._finish(state, alerts, entries, stamp, advance_to=None)

        trusted = parse_checkpoint(parse_note(state.checkpoint).text) if state.checkpoint else None
        if (
            trusted is not None
            and trusted.tree_size == checkpoint.tree_size
            and trusted.root_hash != checkpoint.root_hash
        ):
            alert(
                "equivocation",
                f"two checkpoints of size {checkpoint.tree_size} with different roots, both signed with the log key",
                state.checkpoint or "",
                text,
            )
            return self._finish(state, alerts, entries, stamp, advance_to=None)

        recording = _Recording(self.source, text)
        # The witnesses are checked below, one by one with their own evidence, not as a quorum.
        unwitnessed = dataclasses.replace(self.trust, witness_policy_text=None)
        report = verify_log(recording, unwitnessed, now=now, trusted_checkpoint=state.checkpoint, workers=1)
        for failure in report.failures:
            if failure.code in _CONSISTENCY_CODES and state.checkpoint:
                alert(
                    "equivocation",
                    f"the log is not consistent with the checkpoint this monitor trusted: {failure.message}",
                    state.checkpoint,
                    text,
                )
            else:
                where = f"leaf {failure.leaf_index}: " if failure.leaf_index is not None else ""
                alert(failure.code, where + failure.message)
        tree = MerkleTree.from_leaf_hashes(hash_leaf(leaf) for leaf in recording.leaves_read)
        if tree.size == checkpoint.tree_size:
            self._check_witnesses(text, checkpoint, tree, witnessed, alert)
        if not alerts and trusted is not None:
            for index in range(trusted.tree_size, checkpoint.tree_size):
                item = self._entry_item(index, recording.leaves_read[index], stamp)
                if item is not None:
                    entries.append(item)
        if trusted is None and not alerts:
            entries.append(
                FeedItem(
                    f"urn:integritas:{self.trust.origin}:baseline:{checkpoint.tree_size}",
                    f"monitor started at tree size {checkpoint.tree_size}",
                    stamp,
                    "entry",
                    text,
                )
            )
        return self._finish(state, alerts, entries, stamp, advance_to=None if alerts else text)

    def _witnessed(self) -> list[tuple[PolicyWitness, str]]:
        if self.policy is None:
            return []
        found = []
        for witness in self.policy.witnesses:
            note = self._witness_checkpoint(witness, self.trust.origin)
            if note is not None:
                found.append((witness, note))
        return found

    def _check_witnesses(
        self,
        text: str,
        checkpoint: Checkpoint,
        tree: MerkleTree,
        witnessed: list[tuple[PolicyWitness, str]],
        alert: Callable[..., None],
    ) -> None:
        if self.policy is None:
            return
        present = {(s.name, s.key_id) for s in parse_note(text).signatures}
        for witness in self.policy.witnesses:
            if (witness.key.name, witness.key.key_id) in present:
                try:
                    verify_cosignature(text, witness.key)
                except LedgerError as exc:
                    alert(
                        "cosignature_invalid",
                        f"the log serves a bad cosignature of {witness.name}: {exc.message}",
                        text,
                    )
        for witness, note in witnessed:
            try:
                theirs, _ = verify_checkpoint_by_any(note, self.trust.verifier_keys)
                verify_cosignature(note, witness.key)
            except LedgerError as exc:
                alert(
                    "witness_checkpoint_invalid",
                    f"witness {witness.name} serves a checkpoint that does not verify: {exc.message}",
                    note,
                )
                continue
            if theirs.tree_size > checkpoint.tree_size:
                alert(
                    "log_behind_witness",
                    f"witness {witness.name} cosigned size {theirs.tree_size}, "
                    f"the log shows {checkpoint.tree_size}: the log may show this monitor an old view",
                    note,
                    text,
                )
            elif tree.root(theirs.tree_size) != theirs.root_hash:
                alert(
                    "equivocation",
                    f"witness {witness.name} cosigned a tree of size {theirs.tree_size} that "
                    "is not this log's at that size: two histories signed with the log key",
                    note,
                    text,
                )

    def _entry_item(self, index: int, leaf: bytes, stamp: str) -> FeedItem | None:
        try:
            entry = parse_leaf(leaf).entry
        except LedgerError:
            return None  # verify_log has already raised an alert for it
        parts = entry.stream.split("/")
        unit = parts[1] if len(parts) > 1 and parts[0] in ("unit", "pact", "witness", "oversight") else None
        if self.units and unit not in self.units:
            return None
        body = json.dumps(dict(entry.body), ensure_ascii=False, sort_keys=True)
        return FeedItem(
            f"urn:integritas:{self.trust.origin}:entry:{index}",
            f"#{index} {entry.kind} {entry.stream}",
            stamp,
            "entry",
            f"leaf {index}, {entry.kind} in {entry.stream} (seq {entry.seq}) at {entry.at} by {entry.signer}\n{body}",
        )

    def _finish(
        self, state: MonitorState, alerts: list[FeedItem], entries: list[FeedItem], stamp: str, advance_to: str | None
    ) -> list[FeedItem]:
        new = alerts + entries
        state.items = (new + state.items)[:MAX_FEED_ITEMS]
        if advance_to is not None:
            state.checkpoint = advance_to
        state.save(self.state_path)
        if self.feed_path is not None:
            title = f"Integritas monitor: {self.trust.origin}"
            write_atom(
                self.feed_path, format_atom(f"urn:integritas:{self.trust.origin}:monitor", title, state.items, stamp)
            )
        return new


def load_trust(path: Path) -> tuple[TrustAnchor, WitnessPolicy | None]:
    """The trust anchor and its witness policy (the ``witness_policy`` member, if present)."""
    trust = TrustAnchor.load(path)
    return trust, trust.witness_policy


def run_monitor(args: argparse.Namespace) -> int:
    """The ``integritas monitor`` command."""
    trust, policy = load_trust(args.trust)
    token = args.token or os.environ.get("INTEGRITAS_TOKEN")
    monitor = Monitor(open_source(args.url, token), trust, policy, args.state, units=args.unit, feed_path=args.feed)
    while True:
        items = monitor.poll()
        for item in reversed(items):
            print(item.title, flush=True)
        alerted = any(item.category == "alert" for item in items)
        if args.once:
            return 1 if alerted else 0
        time.sleep(args.interval)
