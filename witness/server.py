"""The ledger server's witnessing: one process submits, every process serves the cosigned checkpoint.

Several server processes (uvicorn workers, or hosts sharing PostgreSQL) may serve one ledger. The
one that takes ``DIR/witness-submitter.lock`` (``flock``, released by the kernel when the process
dies) runs the :class:`~witness.submitter.WitnessSubmitter`; the others read the cosigned
checkpoint it writes to ``DIR/cosigned-checkpoint``. A process that finds the lock taken tries
again every few seconds, so a new leader takes over when the old one exits.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Callable
from pathlib import Path

from ledger.crypto.checkpoint import SignedCheckpoint, parse_checkpoint
from ledger.crypto.cosignature import verify_cosignature
from ledger.crypto.note import parse_note
from ledger.crypto.witness_policy import WitnessPolicy
from ledger.errors import LedgerError
from witness.ledger_witnesses import endpoints, read_ledger_policy
from witness.submitter import CosignedCheckpointFile, WitnessSubmitter

__all__ = ["COSIGNED_FILE", "LOCK_FILE", "Witnessing", "cosigned_checkpoint_covering"]

COSIGNED_FILE = "cosigned-checkpoint"
LOCK_FILE = "witness-submitter.lock"
LEADER_RETRY = 5.0


def cosigned_checkpoint_covering(directory: Path, index: int) -> str | None:
    """The ledger's latest cosigned checkpoint if it holds leaf ``index``, else None."""
    note = CosignedCheckpointFile(directory / COSIGNED_FILE).read()
    if note is None:
        return None
    try:
        size = parse_checkpoint(parse_note(note).text).tree_size
    except LedgerError:
        return None
    return note if index < size else None


class Witnessing:
    """Submit checkpoints to the ledger's witnesses (if it has any) and serve what they cosigned."""

    def __init__(
        self,
        directory: Path,
        latest_checkpoint: Callable[[], str | None],
        consistency_proof: Callable[[int, int], list[bytes]],
    ) -> None:
        self.directory = directory
        found = read_ledger_policy(directory)
        self.policy_text: str | None = found[0] if found else None
        self.policy: WitnessPolicy | None = found[1] if found else None
        self._file = CosignedCheckpointFile(directory / COSIGNED_FILE)
        self._latest_checkpoint = latest_checkpoint
        self._consistency_proof = consistency_proof
        self._submitter: WitnessSubmitter | None = None
        self._lock_handle: int | None = None
        self._stop = threading.Event()
        self._elector: threading.Thread | None = None
        self._cache: tuple[float, str | None] = (-1.0, None)

    @property
    def configured(self) -> bool:
        return self.policy is not None and bool(endpoints(self.policy))

    def start(self) -> None:
        """Become the submitter if no other process is; otherwise keep trying in the background."""
        if not self.configured:
            return
        if not self._try_lead():
            self._elector = threading.Thread(target=self._elect, name="witness leader election", daemon=True)
            self._elector.start()

    def _elect(self) -> None:
        while not self._stop.wait(LEADER_RETRY):
            if self._try_lead():
                return

    def _try_lead(self) -> bool:
        handle = os.open(self.directory / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            return False
        self._lock_handle = handle
        assert self.policy is not None
        submitter = WitnessSubmitter(
            endpoints(self.policy),
            self._latest_checkpoint,
            self._consistency_proof,
            published=self._file,
            quorum_met=self.policy.quorum_met,
        )
        submitter.start()
        self._submitter = submitter
        return True

    def stop(self) -> None:
        self._stop.set()
        if self._submitter is not None:
            self._submitter.stop()
        if self._lock_handle is not None:
            os.close(self._lock_handle)  # releases the flock
            self._lock_handle = None

    def notify(self) -> None:
        """A checkpoint was signed in this process: wake the submitter (cheap, never blocks)."""
        if self._submitter is not None:
            self._submitter.notify()

    @property
    def errors(self) -> dict[str, str]:
        return dict(self._submitter.errors) if self._submitter is not None else {}

    def cosigned(self) -> str | None:
        """The latest cosigned checkpoint (this process's submitter, or the file another writes)."""
        if self._submitter is not None:
            return self._submitter.cosigned()
        try:
            mtime = (self.directory / COSIGNED_FILE).stat().st_mtime
        except OSError:
            return None
        if mtime != self._cache[0]:
            self._cache = (mtime, self._file.read())
        return self._cache[1]

    def with_cosignatures(self, checkpoint: str) -> str:
        """``checkpoint`` with the cosignatures gathered for it, if it is the cosigned one."""
        cosigned = self.cosigned()
        if cosigned is None:
            return checkpoint
        try:
            same = parse_note(cosigned).text == parse_note(checkpoint).text
        except LedgerError:
            return checkpoint
        return cosigned if same else checkpoint

    def witness_sizes(self) -> dict[str, int]:
        """The tree size each of the policy's witnesses is known to have cosigned (0: none known).

        The submitting process knows each witness's answers; the others know who cosigned the
        published checkpoint only, so a witness missing from it counts as lagging the whole log.
        """
        if self.policy is None:
            return {}
        known: dict[str, int] = {}
        if self._submitter is not None:
            known = dict(self._submitter.cosigned_sizes)
        else:
            note = self.cosigned()
            if note is not None:
                size = SignedCheckpoint(note).tree_size
                known = dict.fromkeys(self.cosigners(note), size)
        return {witness.name: known.get(witness.name, 0) for witness in self.policy.witnesses}

    def cosigners(self, note: str) -> list[str]:
        """The names of the policy's witnesses that validly cosigned ``note`` (for the pages)."""
        if self.policy is None:
            return []
        names = []
        for witness in self.policy.witnesses:
            try:
                verify_cosignature(note, witness.key)
            except LedgerError:
                continue
            names.append(witness.name)
        return names
