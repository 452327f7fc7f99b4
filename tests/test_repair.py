"""Regression tests of an outside attack's finding (issue 10, item 9): one flipped bit in a stored
root stopped the server while `integritas verify DIR` said "verified", with no way back.

`verify DIR` now runs the checks the server runs at open (stored roots, stored checkpoints, the
signed-head guard), and `integritas repair` recomputes the derived data from the leaves, only
when the leaves verify and match the latest signed checkpoint.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from cli.main import main
from ledger.errors import LedgerError
from ledger.store.datadir import open_ledger
from tests.tampering_helpers import edit_sqlite_leaf, small_ledger


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    builder = small_ledger(tmp_path / "ledger")
    builder.store.close()
    return tmp_path / "ledger"


def stored_event(directory: Path, index: int) -> bytes:
    with sqlite3.connect(directory / "ledger.sqlite") as db:
        row = db.execute(
            "SELECT state FROM stored_events WHERE originator_id = 'log' AND originator_version = ?", (index + 1,)
        ).fetchone()
    return bytes(row[0])


def store_event(directory: Path, index: int, state: bytes) -> None:
    with sqlite3.connect(directory / "ledger.sqlite") as db:
        db.execute(
            "UPDATE stored_events SET state = ? WHERE originator_id = 'log' AND originator_version = ?",
            (state, index + 1),
        )


def all_events(directory: Path) -> list[tuple[str, int, bytes]]:
    with sqlite3.connect(directory / "ledger.sqlite") as db:
        rows = db.execute("SELECT originator_id, originator_version, state FROM stored_events ORDER BY rowid")
        return [(row[0], row[1], bytes(row[2])) for row in rows]


def damage(directory: Path, index: int, member: str) -> bytes:
    """Flip one bit in a member (root_hash or checkpoint) of a stored log event; return the original."""
    original = stored_event(directory, index)
    event = json.loads(original)
    value = event[member]
    position = len(value) // 2 if member == "root_hash" else value.index("\n") + 2
    flipped = value[:position] + chr(ord(value[position]) ^ 1) + value[position + 1 :]
    assert flipped != value
    event[member] = flipped
    store_event(directory, index, json.dumps(event, separators=(",", ":"), ensure_ascii=False).encode())
    return original


def verify(capsys: pytest.CaptureFixture[str], directory: Path) -> tuple[int, dict]:
    status, out, _ = run(capsys, "verify", str(directory), "--trust", str(directory / "trust.json"), "--json")
    return status, json.loads(out)


def codes(report: dict) -> list[tuple[int | None, str]]:
    return [(f["leaf_index"], f["code"]) for f in report["failures"]]


def test_a_flipped_bit_in_a_stored_root_fails_verify_and_repair_restores_it(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = damage(ledger, 2, "root_hash")
    with pytest.raises(LedgerError) as caught:
        open_ledger(ledger)
    assert caught.value.code == "store_damaged"
    status, report = verify(capsys, ledger)
    assert status == 1 and codes(report) == [(2, "stored_root_mismatch")]
    status, out, err = run(capsys, "repair", "--ledger", str(ledger))
    assert status == 0, err
    assert "stored roots rewritten at [2]" in out
    assert stored_event(ledger, 2) == original  # byte for byte what the store wrote
    status, report = verify(capsys, ledger)
    assert status == 0 and report["ok"], report
    open_ledger(ledger).close()


def test_a_damaged_stored_checkpoint_is_signed_again_to_the_same_bytes(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = damage(ledger, 1, "checkpoint")
    with pytest.raises(LedgerError):
        open_ledger(ledger)
    status, report = verify(capsys, ledger)
    assert status == 1 and codes(report) == [(1, "stored_checkpoint_mismatch")]
    assert run(capsys, "repair", "--ledger", str(ledger))[0] == 0
    assert stored_event(ledger, 1) == original  # Ed25519 is deterministic: the very same note
    open_ledger(ledger).close()


@pytest.mark.parametrize("content", [b"", b"{}"])
def test_a_damaged_signed_head_is_rewritten_from_the_latest_checkpoint(
    ledger: Path, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    good = json.loads((ledger / "signed-head.json").read_bytes())
    (ledger / "signed-head.json").write_bytes(content)
    status, report = verify(capsys, ledger)
    assert status == 1 and codes(report) == [(None, "invalid_signed_head")]
    assert run(capsys, "repair", "--ledger", str(ledger))[0] == 0
    assert json.loads((ledger / "signed-head.json").read_bytes()) == good
    open_ledger(ledger).close()


def test_repair_refuses_leaves_that_do_not_match_the_checkpoint(
    ledger: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Negative twin: a changed leaf (and a flipped root beside it) cannot be recomputed away.
    last = open_ledger(ledger).size - 1
    assert b"catatan" in json.loads(stored_event(ledger, last))["leaf"].encode()
    edit_sqlite_leaf(ledger, last, b"catatan", b"Catatan")
    damage(ledger, 2, "root_hash")
    before = all_events(ledger), (ledger / "signed-head.json").read_bytes()
    status, _, err = run(capsys, "repair", "--ledger", str(ledger))
    assert status == 1
    assert err.startswith("integritas: repair_refused: ") and err.count("\n") == 1, err
    assert (all_events(ledger), (ledger / "signed-head.json").read_bytes()) == before


def test_repair_refuses_a_log_shorter_than_its_signed_head(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The last entry gone with its checkpoint: the leaves verify, but not against what the log signed.
    from tests.tampering_helpers import delete_last_sqlite_leaf

    delete_last_sqlite_leaf(ledger)
    status, report = verify(capsys, ledger)
    assert status == 1 and codes(report) == [(None, "store_damaged")]
    status, _, err = run(capsys, "repair", "--ledger", str(ledger))
    assert status == 1 and err.startswith("integritas: repair_refused: "), err
