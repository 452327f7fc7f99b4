"""Data directory format versions and the explicit migrations between them.

`ledger.json` names the format its directory is written in (`"format": N`; a directory written
before formats were versioned has none and is format 0). A release reads every format from the
oldest it still migrates to its own, `FORMAT_VERSION`:

- a newer format than this release knows is refused (`format_too_new`): an older release must
  not write into a directory it does not understand;
- an older format whose pending migrations change what is stored is refused until the operator
  runs `integritas migrate` (`migration_needed`): nothing is rewritten silently at open;
- an older format whose pending migrations only record facts (the version stamp) opens as it is.

`migrate` applies the pending migrations in order, under the ledger's writer lock (no server may
append meanwhile), each one logged as a JSON line in `DIR/migrations.log` and stamped into
`ledger.json` as soon as it is done, so an interrupted run resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.errors import MalformedInput, NotFound, Unavailable
from ledger.store.config import Storage, connect_postgres
from ledger.store.writer_lock import writer_lock

CONFIG_FILE = "ledger.json"
MIGRATIONS_LOG = "migrations.log"
FORMAT_KEY = "format"


@dataclass(frozen=True)
class MigrationContext:
    """What a migration may touch: the data directory, its ledger.json document and its database."""

    directory: Path
    config: dict[str, Any]
    storage: Storage

    @contextmanager
    def database(self) -> Iterator[Any]:
        """A connection to the event database (sqlite3 or psycopg), committed when the block ends."""
        if self.storage.kind == "sqlite":
            assert self.storage.sqlite_path is not None
            connection = sqlite3.connect(self.storage.sqlite_path)
            try:
                with connection:
                    yield connection
            finally:
                connection.close()
        elif self.storage.kind == "postgres":
            connection = connect_postgres(self.storage.postgres_dsn or "")
            try:
                with connection.transaction():
                    yield connection
            finally:
                connection.close()
        else:
            raise MalformedInput(f"no database to migrate for {self.storage.kind} storage", code=codes.INVALID_CONFIG)


@dataclass(frozen=True)
class Migration:
    """One step from format `target - 1` to `target`."""

    target: int
    description: str
    apply: Callable[[MigrationContext], None]
    # True when a release at `target` cannot read the directory before the step has run.
    required_to_open: bool = True


def _stamp_only(context: MigrationContext) -> None:
    """Format 1 stores exactly what format 0 stored; the step only records the version."""


# The ordered list: entry i takes format i to format i + 1. Append, never reorder or edit a
# released step (a directory may have stopped after any of them).
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "record the data directory format in ledger.json", _stamp_only, required_to_open=False),
)
FORMAT_VERSION = len(MIGRATIONS)


def format_of(config: dict[str, Any]) -> int:
    """The format a ledger.json document declares (0 when it predates format versions)."""
    value = config.get(FORMAT_KEY, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise MalformedInput(f"{CONFIG_FILE} has an invalid {FORMAT_KEY!r}: {value!r}", code=codes.INVALID_CONFIG)
    return value


def pending(config: dict[str, Any], migrations: Sequence[Migration] = MIGRATIONS) -> list[Migration]:
    """The migrations still to run on a directory with this ledger.json, in order."""
    current = format_of(config)
    if current > len(migrations):
        raise Unavailable(
            f"the data directory is format {current}, newer than this release's {len(migrations)}: "
            "upgrade integritas before opening it",
            code=codes.FORMAT_TOO_NEW,
        )
    return list(migrations[current:])


def check_openable(config: dict[str, Any], migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Refuse to open a directory this release cannot read until `integritas migrate` has run."""
    needed = [m for m in pending(config, migrations) if m.required_to_open]
    if needed:
        raise Unavailable(
            f"the data directory is format {format_of(config)}; this release needs format "
            f"{needed[-1].target}: run `integritas migrate --ledger DIR` (with the server stopped, after a backup)",
            code=codes.MIGRATION_NEEDED,
        )


@dataclass(frozen=True)
class MigrationRecord:
    at: str
    source: int
    target: int
    description: str

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "from": self.source, "to": self.target, "description": self.description}


def migrate(
    directory: Path,
    storage: Storage,
    *,
    migrations: Sequence[Migration] = MIGRATIONS,
    dry_run: bool = False,
    report: Callable[[MigrationRecord], None] | None = None,
) -> list[MigrationRecord]:
    """Apply the pending migrations to the ledger in `directory` in order; return what ran.

    `storage` is the ledger's database (`LedgerConfig.read(directory, check_format=False).storage`,
    or the one `--postgres` names). Each step is
    logged to DIR/migrations.log and stamped into ledger.json before the next one starts. With
    `dry_run` nothing is changed and the records say what would run.
    """
    pending(read_config(directory), migrations)  # a newer format is refused before anything is locked
    done: list[MigrationRecord] = []
    with writer_lock(storage):
        config = read_config(directory)  # again, under the lock: another migrate may have run
        for migration in pending(config, migrations):
            record = MigrationRecord(
                at=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                source=migration.target - 1,
                target=migration.target,
                description=migration.description,
            )
            if not dry_run:
                migration.apply(MigrationContext(directory, config, storage))
                config[FORMAT_KEY] = migration.target
                write_config(directory, config)
                _append_log(directory, record)
            done.append(record)
            if report is not None:
                report(record)
    return done


def write_config(directory: Path, config: dict[str, Any]) -> None:
    """Replace ledger.json atomically and durably (a crash leaves the old or the new document)."""
    path = directory / CONFIG_FILE
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(config, indent=2) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
    _fsync_directory(directory)


def _append_log(directory: Path, record: MigrationRecord) -> None:
    with open(directory / MIGRATIONS_LOG, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record.to_json(), ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_config(directory: Path) -> dict[str, Any]:
    """The data directory's ledger.json as a JSON object: one reader for opening and migrating."""
    path = directory / CONFIG_FILE
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFound(
            f"{directory} is not a ledger directory (no {CONFIG_FILE}): run `integritas init`", code=codes.NO_LEDGER
        ) from exc
    except (OSError, ValueError) as exc:
        raise MalformedInput(f"cannot read {path}: {exc}", code=codes.INVALID_CONFIG) from exc
    if not isinstance(document, dict):
        raise MalformedInput(f"{CONFIG_FILE} is not a JSON object", code=codes.INVALID_CONFIG)
    return document


def read_log(directory: Path) -> list[dict[str, Any]]:
    """The migrations applied to this directory, oldest first."""
    try:
        lines = (directory / MIGRATIONS_LOG).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    return [json.loads(line) for line in lines if line.strip()]
