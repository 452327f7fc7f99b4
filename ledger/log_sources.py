"""Where a verifier reads a log from: an exported tiles directory, a ledger's data directory or a server.

Each source is a `ledger.verify.LogSource`. This module sits beside the store, not in the pure core:
it reads files, SQLite and PostgreSQL (through the store's connection helper) and HTTP.

A source hands out the log's latest checkpoint, its leaves in order and, where it has them, its
hash tiles; it decides nothing. This module imports only the standard library (and psycopg, lazily,
for a data directory kept in PostgreSQL): verification never needs the server, FastAPI or
eventsourcing (DESIGN §1.2); from the store it takes only the plain PostgreSQL connection helper.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.crypto.keys import decode_base64
from ledger.crypto.merkle import HASH_SIZE
from ledger.crypto.note import MAX_NOTE_BYTES
from ledger.crypto.tiles import MAX_ENTRY_SIZE, TILE_WIDTH, Tile, parse_entry_bundle
from ledger.errors import MalformedInput, NotFound, Unavailable
from ledger.files import decode_exact, read_at_most, read_exact_text
from ledger.personal import AUDITOR_EXPORT_FILE, Disclosure, PersonalData, parse_auditor_file
from ledger.signed_head import FILE_NAME as SIGNED_HEAD_FILE
from ledger.signed_head import read_signed_head, verify_signed_head
from ledger.store.config import connect_postgres
from ledger.verify import LogSource

# Names the store's eventsourcing recorders use, repeated here: this module must not import the store.
LOG_AGGREGATE_ID = "log"  # ledger.store.events.LOG_ID
SQLITE_EVENTS_TABLE = "stored_events"
POSTGRES_EVENTS_TABLE = "integritas_events"  # eventsourcing names it after the Application ("Integritas")
READ_PAGE = 2000
PERSONAL_FILE = "personal.sqlite"  # ledger.store.personal.PERSONAL_FILE


class ExportSource:
    """A C2SP tlog-tiles directory written by `integritas export`."""

    has_tiles = True

    def __init__(self, directory: Path) -> None:
        if not (directory / "checkpoint").is_file():
            raise NotFound(f"{directory} has no checkpoint file: not an exported log", code=codes.NO_LOG)
        self.directory = directory
        self.description = f"exported log {directory}"

    def checkpoint(self) -> str:
        # Bytes, not text mode: newline translation would make a CRLF checkpoint verify (C2SP
        # signed-note allows no control character but newline).
        return read_exact_text(self.directory / "checkpoint", MAX_NOTE_BYTES, "the checkpoint", "invalid_note")

    def leaves(self, size: int) -> Iterator[bytes]:
        for index in range(-(-size // TILE_WIDTH)):
            width = min(TILE_WIDTH, size - index * TILE_WIDTH)
            yield from self._bundle(index, width)

    def _bundle(self, index: int, width: int) -> list[bytes]:
        # An export holds full bundles and the partial one of its own size. Reading an earlier size
        # (an old answer to recheck) may need the first `width` entries of a wider bundle.
        for candidate in sorted({width, TILE_WIDTH, *self._partial_widths(index)}):
            if candidate < width:
                continue
            bundle = Tile("entries", index, candidate)
            if (self.directory / bundle.path).is_file():
                return parse_entry_bundle(self._read(bundle), bundle)[:width]
        return parse_entry_bundle(self._read(Tile("entries", index, width)), Tile("entries", index, width))

    def _partial_widths(self, index: int) -> list[int]:
        folder = self.directory / Tile("entries", index, 1).path
        parent = folder.parent  # tile/entries/<N>.p
        return [int(p.name) for p in parent.iterdir() if p.name.isdigit()] if parent.is_dir() else []

    def hash_tile(self, tile: Tile) -> bytes:
        return self._read(tile)

    def personal_data(self) -> list[Disclosure] | None:
        """An auditor export's personal-data.json (rules edition 3); None in a public export."""
        path = self.directory / AUDITOR_EXPORT_FILE
        if not path.is_file():
            return None
        return parse_auditor_file(path.read_bytes())

    def _read(self, tile: Tile) -> bytes:
        path = self.directory / tile.path
        try:
            with path.open("rb") as handle:
                return read_at_most(handle, max_tile_bytes(tile), tile.path)
        except FileNotFoundError as exc:
            raise NotFound(f"{tile.path} is missing from the export", code=codes.TILE_MISSING) from exc


class DataDirSource:
    """A ledger's own data directory, read straight from its event store.

    The log aggregate's events (ledger.store.events.LeafAppended) hold the leaves and checkpoints;
    they are read with plain SQL so that the verifier does not depend on the store's code.
    """

    has_tiles = False

    def __init__(self, directory: Path) -> None:
        config_path = directory / "ledger.json"
        try:
            config = json.loads(config_path.read_text(encoding="utf-8"))
            if not isinstance(config, dict) or not isinstance(config.get("storage", {}), dict):
                raise ValueError("not a ledger configuration")
        except FileNotFoundError as exc:
            raise NotFound(f"{directory} is not a ledger directory (no ledger.json)", code=codes.NO_LEDGER) from exc
        except (OSError, ValueError) as exc:
            raise MalformedInput(f"ledger.json cannot be read: {exc}", code=codes.INVALID_CONFIG) from exc
        storage = config.get("storage", {})
        self.directory = directory
        self.description = f"ledger directory {directory}"
        if storage.get("kind") == "postgres":
            self._rows = _postgres_rows(storage["dsn"])
        else:
            self._rows = _sqlite_rows(directory / storage.get("path", "ledger.sqlite"))

    def checkpoint(self) -> str:
        last = self._rows(desc=True, after=0, limit=1)
        if not last:
            raise NotFound("the ledger is empty: no checkpoint", code=codes.EMPTY_LOG)
        checkpoint: str | None = _event_state(last[0][1])["checkpoint"]
        if checkpoint is None:
            raise MalformedInput("the last log event carries no checkpoint", code=codes.NO_CHECKPOINT)
        return checkpoint

    def _log_events(self, size: int) -> Iterator[tuple[int, Any]]:
        """(version, stored state) of the first `size` log events, a page at a time."""
        position = 0
        while position < size:
            rows = self._rows(desc=False, after=position, limit=min(READ_PAGE, size - position))
            if not rows:
                return
            for version, state in rows:
                yield version, state
                position = version

    def leaves(self, size: int) -> Iterator[bytes]:
        for position, (version, state) in enumerate(self._log_events(size)):
            # Versions are leaf index + 1 with no gaps; a gap is a deleted leaf, named as such.
            if version != position + 1:
                raise NotFound(
                    f"leaf {position} is missing from the store (the next stored is leaf {version - 1})",
                    code=codes.MISSING_LEAF,
                    leaf_index=position,
                )
            leaf: str = _event_state(state)["leaf"]
            yield leaf.encode("utf-8")

    def hash_tile(self, tile: Tile) -> bytes:
        raise NotFound("a data directory stores leaves, not tiles", code=codes.TILE_MISSING)

    def personal_data(self) -> list[Disclosure] | None:
        """The directory's personal.sqlite (rules edition 3), read only with plain SQL like the events
        (its schema: ledger.store.personal); None without one."""
        path = self.directory / PERSONAL_FILE
        if not path.exists():
            return None
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT person, name, number, salt FROM persons ORDER BY person").fetchall()
        return [
            Disclosure(person, PersonalData(name, number), decode_base64(salt, size=32))
            for person, name, number, salt in rows
        ]

    def stored_heads(self, size: int) -> Iterator[tuple[int, str, str | None]]:
        """(leaf index, stored root_hash, stored checkpoint or None) of the first `size` log events:
        what the server compares with the recomputed tree at every open."""
        for version, state in self._log_events(size):
            event = _event_state(state)
            yield version - 1, event["root_hash"], event.get("checkpoint")

    def check_signed_head(self, size: int, root_of: Callable[[int], bytes]) -> None:
        """The check of the directory's signed-head.json guard that the server runs at open, against
        the verified leaves (`size` of them, `root_of(n)` the root of the first n)."""
        head = read_signed_head(self.directory / SIGNED_HEAD_FILE)
        if head is not None:
            verify_signed_head(head, size, root_of)


def _event_state(state: bytes | str) -> dict[str, Any]:
    """A log event's stored state: its leaf, root_hash and checkpoint (None on most)."""
    try:
        document = json.loads(state)
        if not (
            isinstance(document, dict)
            and isinstance(document.get("leaf"), str)
            and isinstance(document.get("root_hash"), str)
            and isinstance(document.get("checkpoint", None), str | None)
        ):
            raise ValueError("not a log event (leaf, root_hash, checkpoint)")
    except ValueError as exc:
        raise Unavailable(f"a stored log event is damaged: {exc}", code=codes.STORE_UNREADABLE) from exc
    return document


def _sqlite_rows(path: Path) -> Any:
    if not path.is_file():
        raise NotFound(f"{path} does not exist", code=codes.NO_LEDGER)
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise Unavailable(f"cannot open the ledger's SQLite events: {exc}", code=codes.STORE_UNREADABLE) from exc

    def rows(*, desc: bool, after: int, limit: int) -> list[tuple[int, bytes]]:
        order = "DESC" if desc else "ASC"
        try:
            cursor = connection.execute(
                f"SELECT originator_version, state FROM {SQLITE_EVENTS_TABLE} "
                f"WHERE originator_id = ? AND originator_version > ? ORDER BY originator_version {order} LIMIT ?",
                (LOG_AGGREGATE_ID, after, limit),
            )
            return [(row[0], row[1]) for row in cursor.fetchall()]
        except sqlite3.Error as exc:  # damaged, read-only without its WAL index, not a database...
            raise Unavailable(f"cannot read the ledger's SQLite events: {exc}", code=codes.STORE_UNREADABLE) from exc

    return rows


def _postgres_rows(dsn: str) -> Any:
    connection = connect_postgres(dsn)

    def rows(*, desc: bool, after: int, limit: int) -> list[tuple[int, bytes]]:
        order = "DESC" if desc else "ASC"
        cursor = connection.execute(
            f"SELECT originator_version, state FROM {POSTGRES_EVENTS_TABLE} "
            f"WHERE originator_id = %s AND originator_version > %s ORDER BY originator_version {order} LIMIT %s",
            (LOG_AGGREGATE_ID, after, limit),
        )
        return [(row[0], bytes(row[1])) for row in cursor.fetchall()]

    return rows


class HttpSource:
    """A running Integritas server, read through its C2SP tlog-tiles API under /tlog/.

    Hash tiles and the checkpoint are public; entry bundles need a read token. Plain urllib: the
    verifier runs without the server's libraries.
    """

    has_tiles = True

    def __init__(self, url: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.base = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self.description = f"server {self.base}"

    def checkpoint(self) -> str:
        return decode_exact(self._get("tlog/checkpoint", MAX_NOTE_BYTES), "the checkpoint")

    def leaves(self, size: int) -> Iterator[bytes]:
        for index in range(-(-size // TILE_WIDTH)):
            bundle = Tile("entries", index, min(TILE_WIDTH, size - index * TILE_WIDTH))
            data = self._get(f"tlog/{bundle.path}", max_tile_bytes(bundle), authorised=True)
            yield from parse_entry_bundle(data, bundle)

    def hash_tile(self, tile: Tile) -> bytes:
        return self._get(f"tlog/{tile.path}", max_tile_bytes(tile))

    def _get(self, path: str, limit: int, *, authorised: bool = False) -> bytes:
        """The answer at `path`, read only up to `limit` bytes (the format's maximum): a server
        that streams more is refused without being read to its end."""
        import urllib.error
        import urllib.request

        request = urllib.request.Request(f"{self.base}/{path}")
        if authorised and self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return read_at_most(response, limit, path)
        except urllib.error.HTTPError as exc:
            detail = exc.read(300).decode("utf-8", "replace")
            if exc.code == 404:
                raise NotFound(f"{path} is not on the server: {detail}", code=codes.TILE_MISSING) from exc
            if exc.code in (401, 403):
                raise MalformedInput(
                    f"{path} needs a read token (--token or INTEGRITAS_TOKEN): {detail}",
                    code=codes.UNAUTHORIZED_BY_SERVER,
                ) from exc
            raise MalformedInput(f"{path}: HTTP {exc.code}: {detail}", code=codes.HTTP_ERROR) from exc
        except (urllib.error.URLError, OSError) as exc:
            raise MalformedInput(f"cannot reach {self.base}: {exc}", code=codes.UNREACHABLE) from exc


def max_tile_bytes(tile: Tile) -> int:
    """The most bytes `tile` can hold (C2SP tlog-tiles): 32 per hash, or 2 + 65,535 per entry."""
    per_item = 2 + MAX_ENTRY_SIZE if tile.level == "entries" else HASH_SIZE
    return tile.width * per_item


def open_source(location: str, token: str | None = None) -> LogSource:
    """The source at `location`: a server URL, a data directory (has ledger.json) or an export."""
    if location.startswith(("http://", "https://")):
        return HttpSource(location, token)
    path = Path(location)
    if (path / "ledger.json").is_file():
        return DataDirSource(path)
    return ExportSource(path)
