"""The log's side of C2SP tlog-witness: submit each new checkpoint, collect the cosignatures.

One thread per witness, apart from the writers: an append never waits for a witness, and a witness
that is down or slow only delays its own cosignature. Each thread sends the newest checkpoint it
has not yet had cosigned (older ones are skipped: a cosignature on the newest covers every entry
before it), with a consistency proof from the size the witness last cosigned:

- 200: the cosignature line is verified against the witness's key before it is kept;
- 409: the body is the size the witness knows (tlog-witness); the next request starts there, at
  once. A 409 at the size we sent means the witness cosigned another tree of that size: a split
  view, reported and retried only with backoff;
- anything else (connection refused, timeout, 5xx, 4xx): retried with exponential backoff, from
  0.1 s doubling to 30 s, with jitter.

The latest checkpoint with the cosignatures gathered for it is kept in memory and, when a file is
given, written atomically (temporary file, fsync, rename) so that every server process can serve
it and a restart starts from it.
"""

from __future__ import annotations

import http.client
import logging
import os
import random
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ledger.crypto.checkpoint import DECIMAL, Checkpoint, parse_checkpoint
from ledger.crypto.cosignature import CosignerKey, add_cosignatures, verify_cosignature
from ledger.crypto.note import Note, format_note, parse_note
from ledger.errors import LedgerError
from witness.protocol import AddCheckpoint, format_add_checkpoint

__all__ = ["CosignedCheckpointFile", "WitnessEndpoint", "WitnessSubmitter"]

log = logging.getLogger("integritas.witness")

RECENT = 32  # checkpoints whose cosignatures are kept while the witnesses catch up
MIN_BACKOFF = 0.1
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class WitnessEndpoint:
    """A witness as the log knows it: its cosigner key and its submission prefix URL."""

    key: CosignerKey
    url: str


class CosignedCheckpointFile:
    """A file holding the latest cosigned checkpoint note, replaced atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> str | None:
        """The note, or None when there is none yet (or it is unreadable)."""
        try:
            return self.path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None

    def write(self, note: str) -> None:
        """Replace the note: write a temporary file, fsync it, rename it over the old one."""
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        with temporary.open("wb") as handle:
            handle.write(note.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, self.path)


class WitnessSubmitter:
    """Submits the log's checkpoints to witnesses and keeps the latest cosigned checkpoint.

    ``latest_checkpoint`` returns the log's newest signed checkpoint (or None for an empty log);
    ``consistency_proof(old, new)`` returns the RFC 6962 proof between two sizes. Both are called
    from the witness threads, never from a writer.
    """

    def __init__(
        self,
        witnesses: Sequence[WitnessEndpoint],
        latest_checkpoint: Callable[[], str | None],
        consistency_proof: Callable[[int, int], list[bytes]],
        *,
        published: CosignedCheckpointFile | None = None,
        poll_interval: float = 0.25,
        timeout: float = 5.0,
        quorum_met: Callable[[frozenset[str]], bool] | None = None,
    ) -> None:
        self.witnesses = list(witnesses)
        self._latest_checkpoint = latest_checkpoint
        self._consistency_proof = consistency_proof
        self._published = published
        self._poll_interval = poll_interval
        self._timeout = timeout
        self._lock = threading.Lock()  # guards the cosigned checkpoint
        self._changed = threading.Condition()  # wakes the witness threads
        self._publishing = threading.Lock()  # orders the writes of the cosigned checkpoint file
        self._stopping = False
        self._threads: list[threading.Thread] = []
        # The newest checkpoint that has at least one cosignature, with all of them.
        self._cosigned: str | None = published.read() if published else None
        self._cosigned_size = _size(self._cosigned)
        # The size each witness is known to have cosigned (its answer, or the size its 409 names), for
        # the witness-lag metric and /healthz; a witness that never answered is absent.
        self.cosigned_sizes: dict[str, int] = {}
        self._quorum_met = quorum_met or (lambda names: bool(names))
        # Recent checkpoints (size, text) with their cosigned note and cosigners' names.
        self._recent: dict[tuple[int, str], tuple[str, frozenset[str]]] = {}
        self.errors: dict[str, str] = {}

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Start one daemon thread per witness."""
        for endpoint in self.witnesses:
            thread = threading.Thread(
                target=self._run, args=(endpoint,), name=f"witness {endpoint.key.name}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the threads (a request under way finishes or times out first)."""
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def notify(self) -> None:
        """Wake the threads: a new checkpoint was signed. Cheap; never blocks on a witness."""
        with self._changed:
            self._changed.notify_all()

    # -- what the log serves --------------------------------------------------------------------

    def cosigned(self) -> str | None:
        """The newest checkpoint whose cosigners meet ``quorum_met`` (else the newest cosigned one),
        with every cosignature gathered for it."""
        with self._lock:
            return self._cosigned

    def _record(self, note: str, checkpoint: Checkpoint, name: str, line: str) -> None:
        with self._lock:
            key = (checkpoint.tree_size, parse_note(note).text)
            if key not in self._recent and checkpoint.tree_size < self._cosigned_size:
                return  # older than what is served, and not one of the recent checkpoints
            held = self._recent.get(key)
            updated = add_cosignatures(held[0] if held else note, line)
            self._recent[key] = (updated, (held[1] if held else frozenset()) | {name})
            for stale in sorted(self._recent)[:-RECENT]:
                del self._recent[stale]
            # Serve the newest checkpoint whose cosigners meet the quorum, else the newest cosigned;
            # never a smaller one than served before (a reader would see the log shrink).
            ranked = [
                value
                for (size, _), value in sorted(self._recent.items(), key=lambda item: item[0][0], reverse=True)
                if size >= self._cosigned_size
            ]
            if not ranked:
                return
            chosen = next((v for v in ranked if self._quorum_met(v[1])), ranked[0])
            self._cosigned, self._cosigned_size = chosen[0], _size(chosen[0])
        if self._published is not None:
            try:
                # Under its own lock, write what is current then: two threads' writes never
                # leave an older note in the file than in memory.
                with self._publishing:
                    with self._lock:
                        current = self._cosigned
                    if current is not None:
                        self._published.write(current)
            except OSError as exc:  # serving from memory still works; say why the file lags
                log.warning("cannot write the cosigned checkpoint: %s", exc)

    # -- one witness ----------------------------------------------------------------------------

    def _wait_for_work(self, done: str | None) -> str | None:
        """The newest checkpoint when it differs from ``done``; None when stopping."""
        with self._changed:
            while not self._stopping:
                latest = self._latest_checkpoint_text()
                if latest is not None and _body(latest) != done:
                    return latest
                self._changed.wait(self._poll_interval)
        return None

    def _latest_checkpoint_text(self) -> str | None:
        try:
            return self._latest_checkpoint()
        except LedgerError:
            return None

    def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopped; False when stopping."""
        with self._changed:
            if not self._stopping:
                self._changed.wait(seconds)
            return not self._stopping

    def _run(self, endpoint: WitnessEndpoint) -> None:
        name = endpoint.key.name
        known_size = 0  # tlog-witness: a client without information starts from old size 0
        done: str | None = None  # the checkpoint text this witness last cosigned
        backoff = MIN_BACKOFF
        connection = _Connection(endpoint.url, self._timeout)
        while True:
            note = self._wait_for_work(done)
            if note is None:
                connection.close()
                return
            # The note carries the log's signature only; cosignatures are not sent back to a witness.
            parsed = parse_note(note)
            log_only = format_note(Note(parsed.text, parsed.signatures[:1]))
            checkpoint = parse_checkpoint(parsed.text)
            if known_size > checkpoint.tree_size:
                # The witness has seen a larger tree (another server process got there first).
                done = parsed.text
                continue
            try:
                proof = (
                    self._consistency_proof(known_size, checkpoint.tree_size)
                    if 0 < known_size < checkpoint.tree_size
                    else []
                )
                body = format_add_checkpoint(AddCheckpoint(known_size, tuple(proof), log_only))
                status, content_type, answer = connection.post("/add-checkpoint", body)
            except (OSError, http.client.HTTPException, LedgerError) as exc:
                status, content_type, answer = 0, "", str(exc).encode()
            if status == 200:
                try:
                    line = answer.decode("utf-8")
                    verify_cosignature(add_cosignatures(log_only, line), endpoint.key)
                except (UnicodeDecodeError, LedgerError) as exc:
                    self._failed(name, f"answer is not a valid cosignature: {exc}")
                else:
                    self._record(note, checkpoint, name, line)
                    known_size, done, backoff = checkpoint.tree_size, parsed.text, MIN_BACKOFF
                    self.cosigned_sizes[name] = checkpoint.tree_size
                    self.errors.pop(name, None)
                    continue
            elif status == 409 and content_type.split(";")[0].strip() == "text/x.tlog.size":
                witness_size = _decimal(answer)
                if witness_size is not None and witness_size != known_size:
                    known_size = witness_size
                    self.cosigned_sizes[name] = witness_size
                    continue  # at once: the next request carries the size the witness knows
                self._failed(name, f"witness cosigned a different tree of size {known_size}: split view?")
            else:
                self._failed(name, f"status {status}: {answer[:200].decode('utf-8', 'replace').strip()}")
            if not self._sleep(backoff * random.uniform(0.5, 1.0)):
                connection.close()
                return
            backoff = min(backoff * 2, MAX_BACKOFF)

    def _failed(self, name: str, message: str) -> None:
        if self.errors.get(name) != message:
            log.warning("witness %s: %s", name, message)
        self.errors[name] = message


class _Connection:
    """One keep-alive HTTP connection to a witness (tlog-witness: clients SHOULD use keep-alive)."""

    def __init__(self, url: str, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"witness URL {url!r} is not http(s)://host[:port][/prefix]")
        self._https = parts.scheme == "https"
        self._host, self._port = parts.hostname, parts.port
        self._prefix = parts.path.rstrip("/")
        self._timeout = timeout
        self._connection: http.client.HTTPConnection | None = None

    def post(self, path: str, body: bytes) -> tuple[int, str, bytes]:
        for attempt in (1, 2):
            if self._connection is None:
                kind = http.client.HTTPSConnection if self._https else http.client.HTTPConnection
                self._connection = kind(self._host, self._port, timeout=self._timeout)
            try:
                self._connection.request(
                    "POST", self._prefix + path, body, headers={"Content-Type": "text/plain; charset=utf-8"}
                )
                response = self._connection.getresponse()
                data = response.read(64 * 1024)
                return response.status, response.getheader("Content-Type") or "", data
            except (OSError, http.client.HTTPException):
                self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _body(note: str) -> str | None:
    try:
        return parse_note(note).text
    except LedgerError:
        return None


def _size(note: str | None) -> int:
    if note is None:
        return -1
    try:
        return parse_checkpoint(parse_note(note).text).tree_size
    except LedgerError:
        return -1


def _decimal(data: bytes) -> int | None:
    text = data.decode("ascii", "replace")
    if not text.endswith("\n") or len(text) > 21 or not DECIMAL.fullmatch(text[:-1]):
        return None
    return int(text[:-1])
