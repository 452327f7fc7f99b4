"""A witness directory: what ``integritas witness init DIR`` writes and ``witness serve DIR`` reads.

    DIR/witness.key     the witness's Ed25519 key (PKCS#8 PEM, mode 0600)
    DIR/witness.json    {"name": <cosigner name>, "logs": [{"origin", "verifier_key"}...]}
    DIR/state.sqlite    the latest cosigned checkpoint per log, and refused requests (witness.state)

The name is the witness's key name in its cosignature lines (c2sp.org/tlog-cosignature: it
"SHOULD be a schema-less URL that identifies the cosigner"). A log is known by its origin and its
verifier key (c2sp.org/signed-note vkey, type 0x01), whose name must be the origin.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.crypto.cosignature import CosignerKey, cosigner_key_for
from ledger.crypto.keys import generate_private_key, read_private_key, write_private_key
from ledger.crypto.note import VerifierKey, format_verifier_key, parse_verifier_key
from ledger.errors import LedgerError, MalformedInput, NotFound
from witness.protocol import Witness
from witness.state import WitnessState

__all__ = ["add_log", "init_witness", "open_witness"]

KEY_FILE = "witness.key"
CONFIG_FILE = "witness.json"
STATE_FILE = "state.sqlite"


def init_witness(directory: Path, name: str, logs: list[str]) -> CosignerKey:
    """Create a witness in ``directory`` (empty or absent); return its cosigner key."""
    try:
        cosigner_key_for(name, generate_private_key().public_key())  # the name must be a key name
    except LedgerError as exc:
        raise MalformedInput(f"witness name {name!r}: {exc.message}", code=codes.INVALID_WITNESS_NAME) from exc
    verifiers = [_log_key(text) for text in logs]
    directory.mkdir(parents=True, exist_ok=True)
    if any(directory.iterdir()):
        raise MalformedInput("the witness directory is not empty", code=codes.WITNESS_EXISTS)
    key = generate_private_key()
    write_private_key(key, directory / KEY_FILE)
    _write_config(directory, name, verifiers)
    WitnessState(directory / STATE_FILE)
    return cosigner_key_for(name, key.public_key())


def add_log(directory: Path, log: str) -> VerifierKey:
    """Add a log (its verifier key) to an existing witness; the log's origin must be new."""
    name, verifiers = _read_config(directory)
    verifier = _log_key(log)
    if any(v.name == verifier.name for v in verifiers):
        raise MalformedInput(f"the witness already knows log {verifier.name!r}", code=codes.WITNESS_LOG_EXISTS)
    _write_config(directory, name, [*verifiers, verifier])
    return verifier


def set_log_key(directory: Path, log: str) -> VerifierKey:
    """Replace the verifier key of a log the witness witnesses: the log's key rotated (its checkpoints
    carry both keys' signatures during the overlap, so the witness may switch at any time in it)."""
    name, verifiers = _read_config(directory)
    verifier = _log_key(log)
    if not any(v.name == verifier.name for v in verifiers):
        raise NotFound(f"the witness does not witness log {verifier.name!r}", code=codes.WITNESS_LOG_UNKNOWN)
    _write_config(directory, name, [verifier if v.name == verifier.name else v for v in verifiers])
    return verifier


def open_witness(directory: Path) -> Witness:
    """The witness kept in ``directory``."""
    name, verifiers = _read_config(directory)
    key = read_private_key(directory / KEY_FILE)
    return Witness(name, key, {v.name: v for v in verifiers}, WitnessState(directory / STATE_FILE))


def _log_key(text: str) -> VerifierKey:
    try:
        return parse_verifier_key(text)
    except LedgerError as exc:
        raise MalformedInput(f"log verifier key: {exc.message}", code=codes.INVALID_VERIFIER_KEY) from exc


def _read_config(directory: Path) -> tuple[str, list[VerifierKey]]:
    try:
        document: Any = json.loads((directory / CONFIG_FILE).read_text(encoding="utf-8"))
        return document["name"], [_log_key(log["verifier_key"]) for log in document["logs"]]
    except OSError as exc:
        raise MalformedInput("not a witness directory (no readable witness.json)", code=codes.NOT_A_WITNESS) from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise MalformedInput("witness.json is not a witness configuration", code=codes.NOT_A_WITNESS) from exc


def _write_config(directory: Path, name: str, verifiers: list[VerifierKey]) -> None:
    document = {
        "name": name,
        "logs": [{"origin": v.name, "verifier_key": format_verifier_key(v)} for v in verifiers],
    }
    temporary = directory / (CONFIG_FILE + ".tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, directory / CONFIG_FILE)
