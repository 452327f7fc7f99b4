"""The witnesses a ledger submits its checkpoints to: ``DIR/witness-policy``, a Sigsum policy file.

One format for both uses (see :mod:`ledger.crypto.witness_policy`): the server reads the witness
lines' URLs to submit checkpoints; the same text goes into trust.json (``witness_policy``) for
verifiers, who need no URLs but enforce its quorum. ``integritas witness policy --ledger DIR``
writes it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from ledger import codes
from ledger.crypto.cosignature import CosignerKey
from ledger.crypto.witness_policy import WitnessPolicy, parse_witness_policy
from ledger.errors import MalformedInput
from witness.submitter import WitnessEndpoint

__all__ = ["POLICY_FILE", "endpoints", "format_ledger_policy", "read_ledger_policy", "write_ledger_policy"]

POLICY_FILE = "witness-policy"
GROUP = "witnesses"


def format_ledger_policy(
    log_public_key: bytes, log_url: str | None, witnesses: Sequence[tuple[CosignerKey, str | None]], quorum: int
) -> str:
    """A policy: this log, its witnesses, and a quorum of ``quorum`` of them (0: none)."""
    if not 0 <= quorum <= len(witnesses):
        raise MalformedInput(
            f"quorum {quorum} is not between 0 and {len(witnesses)} witnesses", code=codes.INVALID_QUORUM
        )
    lines = ["# Sigsum policy format (sigsum-go doc/policy.md); written by `integritas witness policy`"]
    lines.append(f"log {log_public_key.hex()}" + (f" {log_url}" if log_url else ""))
    for key, url in witnesses:
        lines.append(f"witness {key.name} {key.public_key.hex()}" + (f" {url}" if url else ""))
    if quorum == 0 or not witnesses:
        lines.append("quorum none")
    else:
        lines.append(f"group {GROUP} {quorum} {' '.join(key.name for key, _ in witnesses)}")
        lines.append(f"quorum {GROUP}")
    text = "\n".join(lines) + "\n"
    parse_witness_policy(text)  # what we write, we can read
    return text


def write_ledger_policy(directory: Path, text: str) -> None:
    """Replace ``DIR/witness-policy`` atomically."""
    parse_witness_policy(text)
    temporary = directory / f".{POLICY_FILE}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / POLICY_FILE)


def read_ledger_policy(directory: Path) -> tuple[str, WitnessPolicy] | None:
    """The ledger's policy text and its parse, or None when the ledger has no witnesses."""
    try:
        text = (directory / POLICY_FILE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return text, parse_witness_policy(text)


def endpoints(policy: WitnessPolicy) -> list[WitnessEndpoint]:
    """The witnesses the log can submit to: those with a URL."""
    return [WitnessEndpoint(w.key, w.url) for w in policy.witnesses if w.url is not None]
