"""Backup and restore of a ledger (issue 17 item 2).

A backup is a directory:

    OUT/backup.json      what it holds: origin, storage, the latest checkpoint in the copy, the
                         SHA-256 of every file, when it was taken
    OUT/ledger.json ...  every file of the data directory but the database and its locks: the log
                         key and the read tokens (mode 0600), trust.json, signed-head.json, logs
    OUT/ledger.sqlite    SQLite: a consistent copy made with SQLite's online backup API while the
                         server keeps appending (https://www.sqlite.org/backup.html); OUT is then a
                         data directory in its own right, which `integritas verify OUT` reads
    OUT/ledger.pgdump    PostgreSQL: `pg_dump --format=custom` of the database, taken in a snapshot
                         exported by the same transaction that read the checkpoint it records
                         (pg_export_snapshot, pg_dump --snapshot), so the two agree

signed-head.json is copied before the database: the size it records (the last checkpoint the server
signed) is then never beyond the copy, and the restored ledger opens.

The personal-data store (personal.sqlite, rules edition 3) is never in a backup: a backup of the
ledger holds no personal data, so a leaked one discloses none, and erasure need not reach it. The
store has backups of its own that erasure does reach (`integritas personal backup`,
ledger.store.personal.backup_store). Restore moves the store of the directory it replaces into the
restored ledger, with the registers of the copies erasure reaches (exports.json,
personal-backups.json), so that the commitments stay open and the replaced directory, which is kept,
holds no personal data out of erasure's reach.

Restore refuses a backup older than any checkpoint known to have been seen: the ledger's own last
signed checkpoint (signed-head.json of the directory being replaced) and any signed checkpoint a
witness or monitor kept (`seen`). Restoring such a backup rolls the log back: entries that someone
has seen would be lost, and the log would sign a second, different tree of a size it already signed.
It is done only when asked (`allow_rollback`), named as a rollback in the output and in
DIR/restores.log. A backup that differs from a seen checkpoint of a size it holds (a fork) is
refused always. The restored ledger is opened and its whole log verified before restore returns.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.crypto.checkpoint import parse_checkpoint, verify_checkpoint
from ledger.crypto.keys import decode_base64, encode_base64
from ledger.crypto.merkle import MerkleTree, hash_leaf
from ledger.crypto.note import parse_note
from ledger.errors import MalformedInput, NotFound, Unavailable, VerificationFailed
from ledger.log_sources import LOG_AGGREGATE_ID, POSTGRES_EVENTS_TABLE, DataDirSource, open_source
from ledger.store.config import connect_postgres, postgres_parts
from ledger.store.datadir import LedgerConfig, open_ledger
from ledger.store.personal import BACKUPS_FILE, EXPORTS_FILE, PERSONAL_FILE
from ledger.trust import TrustAnchor
from ledger.verify import verify_log

MANIFEST = "backup.json"
SQLITE_COPY = "ledger.sqlite"
POSTGRES_DUMP = "ledger.pgdump"
RESTORES_LOG = "restores.log"
BACKUP_FORMAT = 1
# The database, its write-ahead log and lock files are not copied as files: the database is copied
# through SQLite or pg_dump, the rest belongs to running processes.
_NOT_COPIED_SUFFIXES = (".sqlite", ".sqlite-wal", ".sqlite-shm", "-lock", ".tmp", "-journal")
# Never copied (the suffixes above already leave out personal.sqlite; named here as a decision), and
# moved from a replaced directory into the restored one (`_carry_personal_data`).
_PERSONAL_DATA_FILES = (PERSONAL_FILE, f"{PERSONAL_FILE}-wal", f"{PERSONAL_FILE}-shm")
_PERSONAL_REGISTERS = (EXPORTS_FILE, BACKUPS_FILE)
_SECRET_FILES = ("log.key", "log-next.key", "tokens.json")


@dataclass(frozen=True)
class BackupInfo:
    directory: Path
    origin: str
    storage_kind: str
    tree_size: int
    root_hash: str
    created: str


@dataclass(frozen=True)
class Seen:
    """A checkpoint someone saw: its size and root, and who (for the messages)."""

    size: int
    root_hash: bytes
    source: str


@dataclass
class RestoreResult:
    directory: Path
    tree_size: int
    rollback: bool
    lost_entries: int = 0
    seen: list[Seen] = field(default_factory=list)
    replaced: Path | None = None


# --- backup -------------------------------------------------------------------------------------------


def backup(ledger_dir: Path, out: Path) -> BackupInfo:
    """Copy the ledger in `ledger_dir` into the new directory `out`, online (appends may go on)."""

    config = LedgerConfig.read(ledger_dir, check_format=False)
    _new_private_directory(out)
    # Files first (signed-head.json before the database: see the module's docstring).
    for path in sorted(ledger_dir.iterdir()):
        if path.is_file() and not path.name.endswith(_NOT_COPIED_SUFFIXES) and path.name not in _PERSONAL_DATA_FILES:
            _copy_file(path, out / path.name)
    if config.storage.kind == "sqlite":
        assert config.storage.sqlite_path is not None
        _sqlite_backup(config.storage.sqlite_path, out / SQLITE_COPY)
        _name_sqlite_copy(out)
        checkpoint = DataDirSource(out).checkpoint()
    elif config.storage.kind == "postgres":
        assert config.storage.postgres_dsn is not None
        checkpoint = _pg_dump(config.storage.postgres_dsn, out / POSTGRES_DUMP)
    else:
        raise MalformedInput(f"cannot back up {config.storage.kind} storage", code=codes.INVALID_CONFIG)
    parsed = parse_checkpoint(parse_note(checkpoint).text)
    created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    manifest = {
        "format": BACKUP_FORMAT,
        "origin": config.origin,
        "storage": config.storage.kind,
        "created": created,
        "tree_size": parsed.tree_size,
        "root_hash": encode_base64(parsed.root_hash),
        "checkpoint": checkpoint,
        "files": {p.name: _sha256(p) for p in sorted(out.iterdir()) if p.name != MANIFEST},
    }
    _write_private(out / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    return BackupInfo(
        out, config.origin, config.storage.kind, parsed.tree_size, encode_base64(parsed.root_hash), created
    )


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy of the database as of one read transaction."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer)  # pages=-1: the whole database in one step, hence one snapshot
        writer.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
    finally:
        writer.close()
        reader.close()


def _name_sqlite_copy(out: Path) -> None:
    """The copy's ledger.json names the copy, wherever the original database was."""
    config = json.loads((out / "ledger.json").read_text(encoding="utf-8"))
    if config["storage"].get("path") != SQLITE_COPY:
        config["storage"]["path"] = SQLITE_COPY
        (out / "ledger.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")


def _postgres_environment(dsn: str) -> dict[str, str]:
    """libpq's environment for `dsn`: the password stays out of the command line (and `ps`)."""
    where = postgres_parts(dsn)  # where the store connects
    return {
        **os.environ,
        "PGHOST": where.host,
        "PGPORT": str(where.port),
        "PGUSER": where.user,
        "PGPASSWORD": where.password,
        "PGDATABASE": where.dbname,
    }


def _pg_dump(dsn: str, target: Path) -> str:
    """pg_dump in a snapshot shared with the transaction that reads the latest checkpoint."""

    program = _program("pg_dump")
    connection = connect_postgres(dsn)
    try:
        connection.autocommit = False
        connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = connection.execute("SELECT pg_export_snapshot()").fetchone()[0]
        row = connection.execute(
            f"SELECT state FROM {POSTGRES_EVENTS_TABLE} WHERE originator_id = %s "
            "ORDER BY originator_version DESC LIMIT 1",
            (LOG_AGGREGATE_ID,),
        ).fetchone()
        if row is None:
            raise NotFound("the ledger is empty: nothing to back up", code=codes.EMPTY_LOG)
        checkpoint: str = json.loads(bytes(row[0]))["checkpoint"]
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        options = ["--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}", f"--file={target}"]
        _run([program, *options], dsn)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return checkpoint


def _run(command: Sequence[str], dsn: str) -> None:
    completed = subprocess.run(
        list(command), env=_postgres_environment(dsn), capture_output=True, text=True, timeout=3600, check=False
    )
    if completed.returncode != 0:
        # pg_dump's message names the database and the failure, never the password (it is in the environment).
        message = completed.stderr.strip().splitlines()[-1] if completed.stderr.strip() else "no message"
        raise Unavailable(f"{Path(command[0]).name} failed: {message}", code=codes.BACKUP_TOOL_FAILED)


def _program(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise MalformedInput(
            f"{name} is not installed (Debian package postgresql-client)", code=codes.MISSING_DEPENDENCY
        )
    return found


# --- restore ------------------------------------------------------------------------------------------


def read_manifest(backup_dir: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file it lists against its SHA-256."""
    try:
        manifest: dict[str, Any] = json.loads((backup_dir / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise NotFound(f"{backup_dir} is not a backup (no {MANIFEST})", code=codes.NO_BACKUP) from exc
    except (OSError, ValueError) as exc:
        raise MalformedInput(f"cannot read {MANIFEST}: {exc}", code=codes.INVALID_BACKUP) from exc
    if manifest.get("format") != BACKUP_FORMAT:
        raise MalformedInput(
            f"backup format {manifest.get('format')!r} is not {BACKUP_FORMAT}", code=codes.INVALID_BACKUP
        )
    for name, digest in manifest["files"].items():
        path = backup_dir / name
        if not path.is_file() or _sha256(path) != digest:
            raise VerificationFailed(f"backup file {name} is missing or changed", code=codes.BACKUP_DAMAGED)
    return manifest


def seen_checkpoint(path: Path, backup_dir: Path) -> Seen:
    """A checkpoint a witness or monitor kept (a signed note), verified with the backup's log key."""

    trust = TrustAnchor.load(backup_dir / "trust.json")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise NotFound(f"cannot read the seen checkpoint {path.name}: {exc.strerror}", code=codes.NOT_FOUND) from exc
    checkpoint = verify_checkpoint(text, trust.verifier_key)
    return Seen(checkpoint.tree_size, checkpoint.root_hash, f"checkpoint file {path.name}")


def restore(
    backup_dir: Path,
    ledger_dir: Path,
    *,
    seen: Sequence[Path] = (),
    allow_rollback: bool = False,
    postgres: str | None = None,
    verify_workers: int | None = None,
    report: Callable[[str], None] = lambda line: None,
) -> RestoreResult:
    """Restore the backup in `backup_dir` as the ledger directory `ledger_dir`.

    An existing `ledger_dir` is kept, renamed to `ledger_dir.replaced-<time>`, never deleted; its
    signed-head.json counts as seen. A PostgreSQL backup is restored into the database `postgres`
    names (default: the backup's own), which must hold no ledger yet.
    """
    manifest = read_manifest(backup_dir)
    size = int(manifest["tree_size"])
    checkpoint = verify_checkpoint(manifest["checkpoint"], _trust(backup_dir).verifier_key)
    if checkpoint.tree_size != size:
        raise VerificationFailed("the backup's manifest does not match its checkpoint", code=codes.BACKUP_DAMAGED)

    witnessed = [seen_checkpoint(path, backup_dir) for path in seen]
    own = _own_signed_head(ledger_dir)
    if own is not None:
        witnessed.append(own)
    lost = _rollback(checkpoint.tree_size, witnessed, allow_rollback)  # before anything is changed

    staging = ledger_dir.with_name(ledger_dir.name + ".restoring")
    if staging.exists():
        raise MalformedInput(
            f"{staging.name} exists: an earlier restore stopped half-way; remove it", code=codes.NOT_EMPTY
        )
    _new_private_directory(staging)
    for name in manifest["files"]:
        if name != POSTGRES_DUMP:
            _copy_file(backup_dir / name, staging / name)
    (staging / MANIFEST).unlink(missing_ok=True)
    if manifest["storage"] == "postgres":
        config = json.loads((staging / "ledger.json").read_text(encoding="utf-8"))
        dsn = postgres or config["storage"]["dsn"]
        _pg_restore(backup_dir / POSTGRES_DUMP, dsn)
        if postgres:
            config["storage"]["dsn"] = postgres
            _write_private(staging / "ledger.json", json.dumps(config, indent=2) + "\n")
    # The copy's own signed head: the checkpoint the restored database ends with.
    (staging / "signed-head.json").write_text(
        json.dumps({"tree_size": size, "root_hash": encode_base64(checkpoint.root_hash)}), encoding="utf-8"
    )
    _check_no_fork(staging, witnessed)
    _verify_restored(staging, verify_workers)

    replaced = None
    if ledger_dir.exists():
        if _carry_personal_data(ledger_dir, staging):
            report("the personal-data store of the replaced directory was moved into the restored ledger")
        replaced = ledger_dir.with_name(f"{ledger_dir.name}.replaced-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}")
        ledger_dir.rename(replaced)
    staging.rename(ledger_dir)
    result = RestoreResult(ledger_dir, size, rollback=lost > 0, lost_entries=lost, seen=witnessed, replaced=replaced)
    _log_restore(ledger_dir, manifest, result)
    if result.rollback:
        report(
            f"ROLLBACK: restored {size} entries; {lost} entries seen before ("
            + ", ".join(f"size {s.size} by {s.source}" for s in witnessed if s.size > size)
            + ") are gone from this ledger"
        )
    report(f"restored {size} entries from the backup of {manifest['created']} into {ledger_dir}; verified")
    if replaced is not None:
        report(f"the ledger directory it replaced is kept as {replaced}")
    return result


def _carry_personal_data(old: Path, new: Path) -> bool:
    """Move the personal-data store of `old` into `new` (see the module's docstring), with the
    registers of the copies erasure reaches; return whether there was a store."""
    if not (old / PERSONAL_FILE).exists():
        return False
    for name in (*_PERSONAL_DATA_FILES, *_PERSONAL_REGISTERS):
        if (old / name).exists():
            os.replace(old / name, new / name)
    return True


def _trust(backup_dir: Path) -> TrustAnchor:
    return TrustAnchor.load(backup_dir / "trust.json")


def _own_signed_head(ledger_dir: Path) -> Seen | None:
    path = ledger_dir / "signed-head.json"
    if not path.is_file():
        return None
    try:
        head = json.loads(path.read_text(encoding="utf-8"))

        return Seen(int(head["tree_size"]), decode_base64(head["root_hash"]), "this ledger's last signed checkpoint")
    except (OSError, ValueError, KeyError) as exc:
        raise MalformedInput(
            f"cannot read {ledger_dir.name}/signed-head.json: {exc}", code=codes.INVALID_CONFIG
        ) from exc


def _rollback(size: int, witnessed: list[Seen], allow_rollback: bool) -> int:
    """How many seen entries a backup of `size` lacks (0: none); refused unless the rollback is named."""
    beyond = [s for s in witnessed if s.size > size]
    if not beyond:
        return 0
    newest = max(beyond, key=lambda s: s.size)
    if not allow_rollback:
        raise VerificationFailed(
            f"the backup holds {size} entries, but a checkpoint of size {newest.size} was seen by {newest.source}: "
            f"restoring it would roll the log back by {newest.size - size} entries; "
            "use a newer backup, or name the rollback with --allow-rollback",
            code=codes.ROLLBACK_REFUSED,
        )
    return newest.size - size


def _check_no_fork(directory: Path, witnessed: list[Seen]) -> None:
    """Refuse, always, a restored log that differs from a seen checkpoint of a size it holds."""

    source = DataDirSource(directory)
    size = parse_checkpoint(parse_note(source.checkpoint()).text).tree_size
    within = [s for s in witnessed if s.size <= size]
    if not within:
        return
    tree = MerkleTree()
    for leaf in source.leaves(max(s.size for s in within)):
        tree.append(hash_leaf(leaf))
    for s in within:
        if tree.root(s.size) != s.root_hash:
            raise VerificationFailed(
                f"the backup differs from the checkpoint of size {s.size} seen by {s.source}: it is not a copy "
                f"of this log; nothing was replaced (the restored copy is left in {directory.name})",
                code=codes.BACKUP_DIVERGES,
            )


def _pg_restore(dump: Path, dsn: str) -> None:

    with connect_postgres(dsn) as connection:
        exists = connection.execute("SELECT to_regclass(%s)", (POSTGRES_EVENTS_TABLE,)).fetchone()[0]
    if exists is not None:
        raise MalformedInput(
            "the target PostgreSQL database already holds a ledger: restore into a new, empty database "
            "(createdb) and name it with --postgres",
            code=codes.NOT_EMPTY,
        )
    _run(
        [
            _program("pg_restore"),
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={_libpq_database(dsn)}",
            str(dump),
        ],
        dsn,
    )


def _libpq_database(dsn: str) -> str:
    return postgres_parts(dsn).dbname


def _verify_restored(directory: Path, workers: int | None) -> None:
    """Open the restored ledger (its store checks itself) and verify its whole log against trust.json."""

    open_ledger(directory).close()
    report = verify_log(
        open_source(str(directory)), TrustAnchor.load(directory / "trust.json"), now=datetime.now(UTC), workers=workers
    )
    if not report.ok:
        first = report.failures[0]
        raise VerificationFailed(
            f"the restored ledger does not verify ({len(report.failures)} failures; first: {first.code}: "
            f"{first.message}); it is left in {directory.name} for inspection",
            code=codes.RESTORE_FAILED,
        )


def _log_restore(directory: Path, manifest: dict[str, Any], result: RestoreResult) -> None:
    record = {
        "at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "backup_created": manifest["created"],
        "tree_size": result.tree_size,
        "rollback": result.rollback,
        "lost_entries": result.lost_entries,
        "seen": [{"size": s.size, "by": s.source} for s in result.seen],
    }
    with open(directory / RESTORES_LOG, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


# --- files --------------------------------------------------------------------------------------------


def _new_private_directory(path: Path) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise MalformedInput(f"{path.name} exists and is not empty: name a new directory", code=codes.NOT_EMPTY)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)


def _copy_file(source: Path, target: Path) -> None:
    mode = 0o600 if source.name in _SECRET_FILES else (source.stat().st_mode & 0o644)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as handle, source.open("rb") as original:
        shutil.copyfileobj(original, handle)
        handle.flush()
        os.fsync(handle.fileno())


def _write_private(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
