"""The personal-data store beside the ledger (rules edition 3; docs/contract/personal-data.md).

    DIR/personal.sqlite          one row per person: pseudonym, data (name, number), salt; and the read log
    DIR/exports.json             the auditor exports this ledger wrote, so that an erasure reaches them too
    DIR/personal-backups.json    the backups of personal.sqlite this ledger made (`backup_store`), likewise

It is a separate SQLite database, never the event store and never PostgreSQL: erasing a person must
leave no copy in free pages or a write-ahead log, which SQLite can promise for one file it owns
(`PRAGMA secure_delete = ON` zeroes deleted content, https://sqlite.org/pragma.html#pragma_secure_delete;
`VACUUM` rebuilds the file without free pages, https://sqlite.org/lang_vacuum.html; and
`wal_checkpoint(TRUNCATE)` empties the WAL, https://sqlite.org/pragma.html#pragma_wal_checkpoint),
whereas PostgreSQL keeps dead tuples and WAL segments beyond an application's reach.

A row enters only with a disclosure that opens the commitment the log holds for the person
(`deposit`): the store never holds data the log does not commit to. An erasure leaves the pseudonym
(which links to no one once the salt is gone) in `erased`, so that no data of the person enters
again, also after the log was rolled back past the erasure entry by a restore. Every read of a person's data
goes through `read`, which records who read it, when, which record and for what stated purpose
(UU 27/2022 art. 31, records of processing; docs/personal-data.md).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.errors import MalformedInput, NotFound, Refused
from ledger.files import PRIVATE_FILE, write_atomically
from ledger.personal import (
    AUDITOR_EXPORT_FILE,
    PSEUDONYM_PATTERN,
    Disclosure,
    PersonalData,
    format_auditor_file,
    parse_auditor_file,
    verify_disclosure,
)

PERSONAL_FILE = "personal.sqlite"
EXPORTS_FILE = "exports.json"
BACKUPS_FILE = "personal-backups.json"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS persons (
    person TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    number TEXT,
    salt TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS persons_by_number ON persons (number);
CREATE TABLE IF NOT EXISTS erased (
    person TEXT PRIMARY KEY
);
CREATE TABLE IF NOT EXISTS reads (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    reader TEXT NOT NULL,
    person TEXT NOT NULL,
    record TEXT NOT NULL,
    purpose TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Read:
    """One recorded read of a person's data: no personal data, only the pseudonym."""

    at: str
    reader: str
    person: str
    record: str
    purpose: str

    def to_json(self) -> dict[str, str]:
        return {
            "at": self.at,
            "reader": self.reader,
            "person": self.person,
            "record": self.record,
            "purpose": self.purpose,
        }


class PersonalDataStore:
    """DIR/personal.sqlite: open per use (`with PersonalDataStore(dir) as pd:`), never kept open by a
    server between requests, so that an erasure's VACUUM finds no other connection.

    Opening it does not create it: a ledger that holds no store (rules edition 1 or 2, or an edition-3
    log naming no one yet) reads as an empty one, read-only, and a read of it records nothing (no
    personal data was processed). Only what deposits data opens it with `creating` (the append of a
    named entry, a restore, the demo)."""

    def __init__(self, directory: Path, *, create: bool = False) -> None:
        self.directory = directory
        path = directory / PERSONAL_FILE
        held = path.exists()
        self.present = held or create
        if not self.present:
            self._db = sqlite3.connect(":memory:", isolation_level=None)
            self._db.executescript(_SCHEMA)
            self._db.execute("PRAGMA query_only = ON")  # a writer that forgot `creating` fails loudly
            return
        if not held:
            # Created 0600 before SQLite opens it: its -wal and -shm files take the same mode.
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA secure_delete = ON")
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.executescript(_SCHEMA)

    @classmethod
    def creating(cls, directory: Path) -> PersonalDataStore:
        """The store, created (empty, mode 0600) if the ledger holds none yet: for depositing data."""
        return cls(directory, create=True)

    def __enter__(self) -> PersonalDataStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    # --- writing ---

    def deposit(self, disclosure: Disclosure, commitment: str) -> None:
        """Keep `disclosure` if it opens `commitment`, the one the log holds for its person;
        raise `VerificationFailed` (`personal_data_mismatch`) otherwise, `Refused` (`person_erased`)
        for an erased person. Idempotent for the same data."""
        self._refuse_erased(disclosure.person)
        verify_disclosure(disclosure, commitment)
        held = self.get(disclosure.person)
        if held is not None:
            if held != disclosure:
                verify_disclosure(held, commitment)  # what is held already opens it: keep it
            return
        self._db.execute(
            "INSERT INTO persons (person, name, number, salt) VALUES (?, ?, ?, ?)",
            (disclosure.person, disclosure.data.name, disclosure.data.number, encode_base64(disclosure.salt)),
        )

    def deposit_all(self, opened: list[tuple[Disclosure, str]]) -> None:
        """`deposit` each (disclosure, commitment) pair in one transaction (a demo's thousands)."""
        self._db.execute("BEGIN")
        try:
            for disclosure, commitment in opened:
                self.deposit(disclosure, commitment)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def erase(self, person: str) -> bool:
        """Delete the person's row and every trace of it in the file: free pages zeroed
        (secure_delete), the file rebuilt (VACUUM), the WAL emptied. Returns whether a row was held."""
        cursor = self._db.execute("DELETE FROM persons WHERE person = ?", (person,))
        self._db.execute("INSERT OR IGNORE INTO erased (person) VALUES (?)", (person,))
        self._scrub()
        return cursor.rowcount > 0

    def is_erased(self, person: str) -> bool:
        return self._db.execute("SELECT 1 FROM erased WHERE person = ?", (person,)).fetchone() is not None

    def erased(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT person FROM erased ORDER BY person")]

    def _refuse_erased(self, person: str) -> None:
        if self.is_erased(person):
            raise Refused(f"the personal data of {person} was erased: it is not kept again", code=codes.PERSON_ERASED)

    def rectify(self, disclosure: Disclosure, commitment: str) -> bool:
        """Replace the person's data and salt by `disclosure`, which must open `commitment` (the one
        a `personal_data.rectified` entry carries; `personal_data_mismatch` otherwise), leaving no
        trace of the data it replaces (as `erase`). Returns whether a row was held before."""
        self._refuse_erased(disclosure.person)
        verify_disclosure(disclosure, commitment)
        held = self._replace(disclosure)
        self._scrub()
        return held

    def restore_rows(self, disclosures: list[Disclosure], reads: list[Read], erased: list[str]) -> tuple[int, int]:
        """Put back rows of a backup (the caller checked each against the log and `is_erased`): a
        disclosure replaces the row held for its person, a read is added unless the same read is
        recorded, the backup's erased pseudonyms join this store's. Returns how many persons and
        reads were written."""
        held_reads = set(self.reads())
        new_reads = [read for read in reads if read not in held_reads]
        self._db.execute("BEGIN")
        try:
            for disclosure in disclosures:
                self._replace(disclosure)
            self._db.executemany(
                "INSERT INTO reads (at, reader, person, record, purpose) VALUES (?, ?, ?, ?, ?)",
                [(r.at, r.reader, r.person, r.record, r.purpose) for r in new_reads],
            )
            self._db.executemany("INSERT OR IGNORE INTO erased (person) VALUES (?)", [(p,) for p in erased])
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
        self._scrub()  # a replaced row (stale data) leaves no trace either
        return len(disclosures), len(new_reads)

    def copy_into(self, target: sqlite3.Connection) -> None:
        """SQLite's online backup of the whole store into `target` (pages=-1: one step, one snapshot)."""
        self._db.backup(target)

    def _replace(self, disclosure: Disclosure) -> bool:
        cursor = self._db.execute("DELETE FROM persons WHERE person = ?", (disclosure.person,))
        self._db.execute(
            "INSERT INTO persons (person, name, number, salt) VALUES (?, ?, ?, ?)",
            (disclosure.person, disclosure.data.name, disclosure.data.number, encode_base64(disclosure.salt)),
        )
        return cursor.rowcount > 0

    def _scrub(self) -> None:
        self._db.execute("VACUUM")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    # --- reading (the unrecorded primitives; a person's data is shown only through `read`) ---

    def get(self, person: str) -> Disclosure | None:
        row = self._db.execute("SELECT person, name, number, salt FROM persons WHERE person = ?", (person,)).fetchone()
        return None if row is None else _disclosure(row)

    def all(self) -> Iterator[Disclosure]:
        for row in self._db.execute("SELECT person, name, number, salt FROM persons ORDER BY person"):
            yield _disclosure(row)

    def persons_with_number(self, number: str) -> list[str]:
        return [
            row[0] for row in self._db.execute("SELECT person FROM persons WHERE number = ? ORDER BY person", (number,))
        ]

    def find(self, accepts: Callable[[str, str | None], bool]) -> list[str]:
        """The pseudonyms of the persons whose (name, number) `accepts`, in pseudonym order: a search
        (a scan of the rows). Pseudonyms only: the data itself is still shown only through `read`."""
        rows = self._db.execute("SELECT person, name, number FROM persons ORDER BY person")
        return [person for person, name, number in rows if accepts(name, number)]

    def resolve(self, who: str) -> str:
        """The pseudonym of `who`, a pseudonym or an employee number; `unknown_person` otherwise."""
        if PSEUDONYM_PATTERN.fullmatch(who):
            if self.get(who) is None:
                raise NotFound(f"no personal data is held for {who}", code=codes.UNKNOWN_PERSON)
            return who
        found = self.persons_with_number(who)
        if not found:
            raise NotFound("no personal data is held for that employee number", code=codes.UNKNOWN_PERSON)
        if len(found) > 1:  # one person, one pseudonym: the commitments rule keeps it so per log
            raise NotFound("that employee number has several pseudonyms: name one", code=codes.UNKNOWN_PERSON)
        return found[0]

    def read(self, person: str, *, reader: str, record: str, purpose: str, at: str) -> PersonalData | None:
        """The person's data for display, recording the read first (who, when, which record, why)."""
        if not purpose.strip():
            raise MalformedInput("a read of personal data needs a stated purpose", code=codes.PURPOSE_REQUIRED)
        if not self.present:
            return None  # no store, no data: nothing was read
        self._db.execute(
            "INSERT INTO reads (at, reader, person, record, purpose) VALUES (?, ?, ?, ?, ?)",
            (at, reader, person, record, purpose),
        )
        held = self.get(person)
        return None if held is None else held.data

    def reads(self, person: str | None = None) -> list[Read]:
        query = "SELECT at, reader, person, record, purpose FROM reads"
        rows = (
            self._db.execute(query + " WHERE person = ? ORDER BY id", (person,))
            if person is not None
            else self._db.execute(query + " ORDER BY id")
        )
        return [Read(*row) for row in rows]


def _disclosure(row: tuple[Any, ...]) -> Disclosure:
    from ledger.crypto.keys import decode_base64

    return Disclosure(row[0], PersonalData(row[1], row[2]), decode_base64(row[3], size=32, what="salt"))


def has_personal_data(directory: Path) -> bool:
    return (directory / PERSONAL_FILE).exists()


# --- copies the ledger made: auditor exports and backups, registered so that erasure reaches them ---


def write_auditor_export(directory: Path, export: Path) -> int:
    """Write the personal-data file of an auditor export and register the export, so that a later
    erasure rewrites it (UU 27/2022 art. 43: erasure reaches every copy the controller made)."""
    with PersonalDataStore(directory) as store:
        disclosures = list(store.all())
    write_atomically(export / AUDITOR_EXPORT_FILE, format_auditor_file(disclosures))
    _register(directory, EXPORTS_FILE, "auditor_exports", export)
    return len(disclosures)


def auditor_exports(directory: Path) -> list[str]:
    return _registered(directory, EXPORTS_FILE, "auditor_exports")


def personal_backups(directory: Path) -> list[str]:
    return _registered(directory, BACKUPS_FILE, "backups")


def _registered(directory: Path, file: str, member: str) -> list[str]:
    path = directory / file
    if not path.exists():
        return []
    return list(json.loads(path.read_text(encoding="utf-8"))[member])


def _register(directory: Path, file: str, member: str, copy: Path) -> None:
    held = _registered(directory, file, member)
    resolved = str(copy.resolve())
    if resolved not in held:
        write_atomically(directory / file, (json.dumps({member: [*held, resolved]}) + "\n").encode())


def erase_from_exports(directory: Path, person: str) -> list[str]:
    """Rewrite every registered auditor export's personal-data file without `person`; return the
    exports rewritten (an export deleted since is skipped: nothing is left there to erase).

    A rectification does the same: an export's log ends before the rectification and so holds the
    old commitment, which the corrected data does not open, while the old data must go (UU 27/2022
    art. 30); a new auditor export carries the corrected data."""
    rewritten = []
    for export in auditor_exports(directory):
        path = Path(export) / AUDITOR_EXPORT_FILE
        if not path.exists():
            continue
        kept = [d for d in parse_auditor_file(path.read_bytes()) if d.person != person]
        write_atomically(path, format_auditor_file(kept))
        rewritten.append(export)
    return rewritten


def backup_store(directory: Path, out: Path) -> int:
    """Copy DIR/personal.sqlite into the new file `out` (mode 0600) with SQLite's online backup API
    (https://sqlite.org/backup.html: one consistent snapshot while the server keeps writing), as one
    self-contained file (rollback journal, no WAL), and register it in DIR/personal-backups.json so
    that every later erasure and rectification reaches it. Returns the number of persons copied."""
    if not has_personal_data(directory):
        raise NotFound("the ledger holds no personal-data store to back up", code=codes.NOT_FOUND)
    try:
        os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError as exc:
        raise MalformedInput(f"{out.name} exists: name a new file", code=codes.NOT_EMPTY) from exc
    except FileNotFoundError as exc:
        raise NotFound(f"the directory to hold {out.name} does not exist", code=codes.NOT_FOUND) from exc
    with PersonalDataStore(directory) as store, closing(sqlite3.connect(out)) as copy:
        store.copy_into(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        persons: int = copy.execute("SELECT count(*) FROM persons").fetchone()[0]
    register_backup(directory, out)
    return persons


def register_backup(directory: Path, backup: Path) -> None:
    """List `backup` in DIR/personal-backups.json: erasures and rectifications rewrite it."""
    _register(directory, BACKUPS_FILE, "backups", backup)


@dataclass(frozen=True)
class StoreBackup:
    """What a backup of the store holds: persons, reads, and the pseudonyms erased before it."""

    persons: list[Disclosure]
    reads: list[Read]
    erased: list[str]


def read_backup(path: Path) -> StoreBackup:
    """The persons, reads and erased pseudonyms of a backup of the store, read only."""
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            rows = db.execute("SELECT person, name, number, salt FROM persons ORDER BY person").fetchall()
            reads = [
                Read(*row) for row in db.execute("SELECT at, reader, person, record, purpose FROM reads ORDER BY id")
            ]
            erased = [row[0] for row in db.execute("SELECT person FROM erased ORDER BY person")]
    except sqlite3.Error as exc:
        raise MalformedInput(
            f"{path.name} is not a backup of a personal-data store", code=codes.INVALID_BACKUP
        ) from exc
    return StoreBackup([_disclosure(row) for row in rows], reads, erased)


def erase_from_backups(directory: Path, person: str) -> list[str]:
    """Delete `person` from every registered backup of the store, leaving no trace in the file
    (secure_delete, VACUUM; a backup keeps a rollback journal, which SQLite deletes at commit);
    return the backups rewritten (one deleted or moved since is skipped)."""
    return _rewrite_backups(directory, person, None)


def rectify_in_backups(directory: Path, disclosure: Disclosure) -> list[str]:
    """Put the corrected data in place of the old in every registered backup holding the person."""
    return _rewrite_backups(directory, disclosure.person, disclosure)


def _rewrite_backups(directory: Path, person: str, replacement: Disclosure | None) -> list[str]:
    rewritten = []
    for backup in personal_backups(directory):
        path = Path(backup)
        if not path.is_file():
            continue
        with closing(sqlite3.connect(path, timeout=30, isolation_level=None)) as db:
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA journal_mode = DELETE")
            if replacement is None:
                db.execute("DELETE FROM persons WHERE person = ?", (person,))
                db.execute("CREATE TABLE IF NOT EXISTS erased (person TEXT PRIMARY KEY)")
                db.execute("INSERT OR IGNORE INTO erased (person) VALUES (?)", (person,))
            else:
                db.execute(
                    "UPDATE persons SET name = ?, number = ?, salt = ? WHERE person = ?",
                    (replacement.data.name, replacement.data.number, encode_base64(replacement.salt), person),
                )
            db.execute("VACUUM")
        rewritten.append(backup)
    return rewritten
