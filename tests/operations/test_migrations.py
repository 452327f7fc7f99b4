"""The migration mechanism (issue 17 item 4) on SQLite and PostgreSQL: ordered, explicit, logged,
resumable, and a directory this release cannot read is refused until it has run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.crypto.keys import private_key_from_seed
from ledger.errors import Unavailable
from ledger.rules import legacy_policy_document
from ledger.store.datadir import LedgerConfig, init_ledger, open_ledger
from ledger.store.migrations import (
    FORMAT_VERSION,
    MIGRATIONS,
    Migration,
    MigrationContext,
    check_openable,
    migrate,
    pending,
    read_log,
)

ORIGIN = "migrate.example/log"


@pytest.fixture(params=["sqlite", "postgres"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    dsn = request.getfixturevalue("postgres_dsn")["url"] if request.param == "postgres" else None
    directory = tmp_path / "ledger"
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Migrations",
        root_key=private_key_from_seed(b"r" * 32),
        log_key=private_key_from_seed(b"l" * 32),
        postgres_dsn=dsn,
        policy=legacy_policy_document(),
    )
    store.close()
    return directory


def config(directory: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((directory / "ledger.json").read_text())
    return document


def as_previous_release(directory: Path) -> None:
    """ledger.json as the release before format versions wrote it: no "format" member."""
    document = config(directory)
    del document["format"]
    (directory / "ledger.json").write_text(json.dumps(document, indent=2) + "\n")


def add_audit_table(context: MigrationContext) -> None:
    with context.database() as db:
        db.execute("CREATE TABLE migration_probe (note TEXT NOT NULL)")
        db.execute("INSERT INTO migration_probe (note) VALUES ('format 2')")


def fill_audit_table(context: MigrationContext) -> None:
    with context.database() as db:
        db.execute("INSERT INTO migration_probe (note) VALUES ('format 3')")


def failing(context: MigrationContext) -> None:
    raise OSError("disk full while migrating")


TWO_MORE = (
    *MIGRATIONS,
    Migration(2, "add the probe table", add_audit_table),
    Migration(3, "fill the probe table", fill_audit_table),
)


def probe_rows(directory: Path) -> list[str]:
    storage = LedgerConfig.read(directory, check_format=False).storage
    with MigrationContext(directory, config(directory), storage).database() as db:
        return [row[0] for row in db.execute("SELECT note FROM migration_probe ORDER BY note").fetchall()]


def test_a_new_ledger_is_written_in_the_current_format(ledger: Path) -> None:
    assert config(ledger)["format"] == FORMAT_VERSION
    assert pending(config(ledger)) == []
    assert migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage) == []
    assert read_log(ledger) == []


def test_the_previous_format_opens_and_migrates_to_the_current_one(ledger: Path) -> None:
    as_previous_release(ledger)
    open_ledger(ledger).close()  # the version stamp is not needed to read it
    done = migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage)
    assert [(r.source, r.target, r.description) for r in done] == [(0, 1, MIGRATIONS[0].description)]
    assert config(ledger)["format"] == FORMAT_VERSION
    assert [entry["to"] for entry in read_log(ledger)] == [1]


def test_migrations_run_in_order_on_the_database_and_are_logged(ledger: Path) -> None:
    as_previous_release(ledger)
    with pytest.raises(Unavailable, match="run `integritas migrate") as refused:
        check_openable(config(ledger), TWO_MORE)
    assert refused.value.code == "migration_needed"
    planned = migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage, migrations=TWO_MORE, dry_run=True)
    assert [r.target for r in planned] == [1, 2, 3]
    assert "format" not in config(ledger) and read_log(ledger) == []  # a dry run changes nothing

    done = migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage, migrations=TWO_MORE)
    assert [(r.source, r.target) for r in done] == [(0, 1), (1, 2), (2, 3)]
    assert probe_rows(ledger) == ["format 2", "format 3"]  # 3 ran after 2 had made its table
    assert config(ledger)["format"] == 3
    assert [(e["from"], e["to"], e["description"]) for e in read_log(ledger)] == [
        (0, 1, MIGRATIONS[0].description),
        (1, 2, "add the probe table"),
        (2, 3, "fill the probe table"),
    ]
    check_openable(config(ledger), TWO_MORE)
    assert migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage, migrations=TWO_MORE) == []


def test_an_interrupted_migration_resumes_after_the_last_step_done(ledger: Path) -> None:
    broken = (*TWO_MORE[:2], Migration(3, "fails", failing))
    with pytest.raises(OSError, match="disk full"):
        migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage, migrations=broken)
    assert config(ledger)["format"] == 2  # step 2 is done and stamped, step 3 is not
    assert [e["to"] for e in read_log(ledger)] == [2]
    done = migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage, migrations=TWO_MORE)
    assert [r.target for r in done] == [3]
    assert probe_rows(ledger) == ["format 2", "format 3"]


def test_a_newer_format_is_refused_at_open(ledger: Path) -> None:
    document = config(ledger)
    document["format"] = FORMAT_VERSION + 1
    (ledger / "ledger.json").write_text(json.dumps(document))
    with pytest.raises(Unavailable) as refused:
        open_ledger(ledger)
    assert refused.value.code == "format_too_new"
    with pytest.raises(Unavailable) as refused_migration:
        migrate(ledger, LedgerConfig.read(ledger, check_format=False).storage)
    assert refused_migration.value.code == "format_too_new"
    assert read_log(ledger) == []


@pytest.mark.parametrize("value", ["1", -1, True, 1.5])
def test_an_invalid_format_is_named(tmp_path: Path, value: object) -> None:
    with pytest.raises(Exception, match="invalid 'format'") as refused:
        check_openable({"format": value})
    assert getattr(refused.value, "code", None) == "invalid_config"
