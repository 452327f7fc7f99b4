"""A ledger's data directory: its configuration, its log key and (by default) its SQLite events.

    DIR/ledger.json    format version, origin, storage, root key fingerprint (ledger.store.migrations)
    DIR/log.key        the log's Ed25519 key (PKCS#8, mode 0600): it signs checkpoints only
    DIR/trust.json     what an auditor needs to verify the log: origin, verifier key, root key
    DIR/signed-head.json  size and root of the last checkpoint this server signed (a guard against
                       a database that lost entries, checked at every open); written and fsynced
                       before each commit with the head before it, and settled after the commit
    DIR/ledger.sqlite  the event store, unless ledger.json names PostgreSQL

The directory is 0700 and every file in it 0600: the events hold names and employee numbers,
ledger.json may hold a PostgreSQL password, log.key signs checkpoints.

The root key is not kept here: it signs the genesis entry and registers administrators, and
belongs offline with its holder. `init_ledger` writes it where the caller says.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger import codes
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, read_private_key, write_private_key
from ledger.entry import format_time, sign_entry
from ledger.errors import MalformedInput
from ledger.files import PRIVATE_FILE, make_private_directory, write_atomically
from ledger.rules import default_policy_document
from ledger.store.application import LedgerStore, utc_now
from ledger.store.config import Storage
from ledger.store.migrations import CONFIG_FILE, FORMAT_KEY, FORMAT_VERSION, check_openable, read_config
from ledger.trust import TRUST_FILE as TRUST_FILE  # the data directory holds one too
from ledger.trust import format_trust_file

LOG_KEY_FILE = "log.key"
NEXT_LOG_KEY_FILE = "log-next.key"  # during a log key's rotation: the successor, signing beside log.key
SQLITE_FILE = "ledger.sqlite"
SIGNED_HEAD_FILE = "signed-head.json"


@dataclass(frozen=True)
class LedgerConfig:
    """The contents of ledger.json."""

    origin: str
    storage: Storage
    root_fingerprint: str

    @classmethod
    def read(cls, directory: Path, *, check_format: bool = True) -> LedgerConfig:
        """ledger.json, refused if this release cannot read the directory (unless `check_format` is off,
        for `integritas migrate`)."""
        document = read_config(directory)
        if check_format:
            check_openable(document)
        storage_doc = document.get("storage", {})
        if storage_doc.get("kind") == "postgres":
            storage = Storage.postgres(storage_doc["dsn"])
        else:
            storage = Storage.sqlite(directory / storage_doc.get("path", SQLITE_FILE))
        return cls(origin=document["origin"], storage=storage, root_fingerprint=document["root_fingerprint"])


def init_ledger(
    directory: Path,
    *,
    origin: str,
    name: str,
    root_key: Ed25519PrivateKey,
    log_key: Ed25519PrivateKey,
    postgres_dsn: str | None = None,
    policy: Mapping[str, Any] | None = None,
    genesis_at: datetime | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> LedgerStore:
    """Create a ledger in `directory` (which must be empty or absent) and append its genesis entry."""
    make_private_directory(directory)
    if any(directory.iterdir()):
        raise MalformedInput(f"{directory} is not empty: a new ledger needs an empty directory", code=codes.NOT_EMPTY)
    storage = Storage.postgres(postgres_dsn) if postgres_dsn else Storage.sqlite(directory / SQLITE_FILE)
    if not postgres_dsn:
        # SQLite gives its -wal and -shm files the mode of the database file: created 0600 here.
        os.close(os.open(directory / SQLITE_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    root_fingerprint = fingerprint(root_key.public_key())
    storage_doc = {"kind": "postgres", "dsn": postgres_dsn} if postgres_dsn else {"kind": "sqlite", "path": SQLITE_FILE}
    write_private_key(log_key, directory / LOG_KEY_FILE)
    store = LedgerStore(storage, origin, log_key, clock=clock, signed_head=directory / SIGNED_HEAD_FILE)
    if store.size:
        raise MalformedInput(
            f"the configured database already holds a log of {store.size} entries", code=codes.NOT_EMPTY
        )
    genesis = {
        "v": 1,
        "log": origin,
        "kind": "ledger.genesis",
        "stream": "ledger",
        "seq": 0,
        "prev": None,
        "at": format_time(genesis_at or clock()),
        "signer": root_fingerprint,
        "body": {
            "name": name,
            "root_key": encode_base64(public_key_bytes(root_key.public_key())),
            "policy": dict(policy) if policy is not None else default_policy_document(),
        },
    }
    store.append(sign_entry(genesis, root_key))
    config = {
        FORMAT_KEY: FORMAT_VERSION,
        "origin": origin,
        "storage": storage_doc,
        "root_fingerprint": root_fingerprint,
    }
    write_atomically(directory / CONFIG_FILE, (json.dumps(config, indent=2) + "\n").encode("utf-8"))
    write_atomically(directory / TRUST_FILE, format_trust_file(store.trust_anchor()).encode("utf-8"))
    return store


def open_ledger(
    directory: Path,
    *,
    clock: Callable[[], datetime] = utc_now,
    progress: Callable[[int, int], None] | None = None,
    storage: Storage | None = None,
    allow_open_key_file: bool = False,
) -> LedgerStore:
    """Open the ledger in `directory`, replaying its stored log (from `storage` if given)."""
    config = LedgerConfig.read(directory)
    log_key = read_private_key(directory / LOG_KEY_FILE, allow_open=allow_open_key_file)
    next_log_key = read_next_log_key(directory, allow_open=allow_open_key_file)
    return LedgerStore(
        storage or config.storage,
        config.origin,
        log_key,
        clock=clock,
        progress=progress,
        signed_head=directory / SIGNED_HEAD_FILE,
        next_log_key=next_log_key,
    )


def read_next_log_key(directory: Path, *, allow_open: bool = False) -> Ed25519PrivateKey | None:
    """The log key a rotation brought in (`integritas keys rotate-log-key`), while the old one still signs
    beside it; None outside a rotation."""
    path = directory / NEXT_LOG_KEY_FILE
    return read_private_key(path, allow_open=allow_open) if path.exists() else None
