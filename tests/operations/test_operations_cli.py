"""The operator's commands on the command line (issue 17): one line `integritas: <code>: ...` for
every refusal, the exit status of its family, the rollback named in the output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from ledger.crypto.keys import private_key_from_seed
from ledger.rules import legacy_policy_document
from ledger.store.datadir import init_ledger, open_ledger
from tests.builder import LedgerBuilder

ORIGIN = "cli-ops.example/log"


def make_ledger(directory: Path) -> LedgerBuilder:
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="CLI operations",
        root_key=private_key_from_seed(b"r" * 32),
        log_key=private_key_from_seed(b"l" * 32),
        policy=legacy_policy_document(),
    )

    class Builder(LedgerBuilder):
        @property
        def state(self):  # type: ignore[no-untyped-def,override]
            return store.state

    builder = Builder(apply=store.append, origin=ORIGIN)
    builder.root = private_key_from_seed(b"r" * 32)
    builder.admin = builder.register_key("admin", "administrator")
    builder.store = store  # type: ignore[attr-defined]
    return builder


def test_backup_restore_and_a_named_rollback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = tmp_path / "ledger"
    builder = make_ledger(ledger)
    assert main(["backup", "--ledger", str(ledger), str(tmp_path / "b")]) == 0
    assert "2 entries" in capsys.readouterr().out
    builder.register_key("later", "witness")
    builder.store.close()  # type: ignore[attr-defined]

    assert main(["restore", "--ledger", str(ledger), str(tmp_path / "b")]) == 1
    error = capsys.readouterr().err
    assert error.startswith("integritas: rollback_refused: the backup holds 2 entries")
    assert error.count("\n") == 1 and "Traceback" not in error
    assert open_ledger(ledger).size == 3

    assert main(["restore", "--ledger", str(ledger), str(tmp_path / "b"), "--allow-rollback"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ROLLBACK: restored 2 entries; 1 entries seen before")
    assert open_ledger(ledger).size == 2


def test_backup_into_a_directory_that_is_not_empty_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger = tmp_path / "ledger"
    make_ledger(ledger).store.close()  # type: ignore[attr-defined]
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "x").write_text("x")
    assert main(["backup", "--ledger", str(ledger), str(tmp_path / "b")]) == 1
    assert capsys.readouterr().err.startswith("integritas: not_empty: ")


def test_restore_of_something_that_is_not_a_backup_is_not_found(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["restore", "--ledger", str(tmp_path / "ledger"), str(tmp_path)]) == 4
    assert capsys.readouterr().err.startswith("integritas: no_backup: ")


def test_migrate_says_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ledger = tmp_path / "ledger"
    make_ledger(ledger).store.close()  # type: ignore[attr-defined]
    assert main(["migrate", "--ledger", str(ledger)]) == 0
    assert capsys.readouterr().out == "the data directory is at format 1: nothing to migrate\n"
    config = json.loads((ledger / "ledger.json").read_text())
    del config["format"]
    (ledger / "ledger.json").write_text(json.dumps(config))
    assert main(["migrate", "--ledger", str(ledger), "--dry-run"]) == 0
    assert capsys.readouterr().out.startswith("would migrate format 0 -> 1: ")
    assert "format" not in json.loads((ledger / "ledger.json").read_text())
    assert main(["migrate", "--ledger", str(ledger)]) == 0
    assert capsys.readouterr().out.startswith("migrated format 0 -> 1: ")
    config["format"] = 7
    (ledger / "ledger.json").write_text(json.dumps(config))
    assert main(["migrate", "--ledger", str(ledger)]) == 1
    assert capsys.readouterr().err.startswith("integritas: format_too_new: the data directory is format 7")


def test_restore_and_migrate_are_refused_while_a_server_runs_the_ledger(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from projections.locks import ViewsLock

    ledger = tmp_path / "ledger"
    builder = make_ledger(ledger)
    assert main(["backup", "--ledger", str(ledger), str(tmp_path / "b")]) == 0
    capsys.readouterr()
    serving = ViewsLock(builder.store.storage)  # type: ignore[attr-defined]
    assert serving.acquire(blocking=False)  # what a running server's views thread holds
    try:
        for command in (
            ["restore", "--ledger", str(ledger), str(tmp_path / "b")],
            ["migrate", "--ledger", str(ledger)],
        ):
            assert main(command) == 1
            assert capsys.readouterr().err.startswith("integritas: ledger_in_use: a server is running this ledger")
    finally:
        serving.release()
    assert main(["migrate", "--ledger", str(ledger)]) == 0  # and once it stopped, they run
    assert main(["restore", "--ledger", str(ledger), str(tmp_path / "b")]) == 0
