"""Regression tests of an outside attack's findings against operator tooling (issue 10, item 8).

A damaged or read-only SQLite, a damaged signed-head.json, a damaged tokens.json: each is one line
`integritas: <code>: ...` or a problem document, never a traceback and never the server's file
path. Every file the ledger writes goes through one atomic, fsynced write.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from api.tokens import TokenFile
from cli.main import main
from ledger import files
from tests.api.api_builder import assert_problem, bearer

ORIGIN = "ops.integritas.example/log"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    directory = tmp_path / "ledger"
    init = ["init", str(directory), "--origin", ORIGIN, "--name", "Uji", "--root-key", str(tmp_path / "root.key")]
    assert run(capsys, *init)[0] == 0
    return directory


# --- verify on a damaged or read-only SQLite -----------------------------------------------------------------


def test_verify_of_a_damaged_sqlite_names_the_fault(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with (ledger / "ledger.sqlite").open("r+b") as handle:
        handle.write(os.urandom(100))  # the header: "file is not a database"
    status, out, err = run(capsys, "verify", str(ledger), "--trust", str(ledger / "trust.json"), "--json")
    assert status == 1
    assert json.loads(out)["failures"][0]["code"] == "store_unreadable"
    status, _, err = run(capsys, "show", "--ledger", str(ledger), "0")
    assert status == 1
    assert err.startswith("integritas: store_unreadable: ") and err.count("\n") == 1, err


@contextlib.contextmanager
def read_only_view(directory: Path) -> Iterator[Path]:
    """A read-only bind mount of `directory` (root can write through file modes, not through this)."""
    view = directory.parent / (directory.name + "-ro")
    view.mkdir()
    mounted = subprocess.run(["mount", "--bind", str(directory), str(view)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot bind-mount here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True, capture_output=True)
        yield view
    finally:
        subprocess.run(["umount", "--lazy", str(view)], check=False, capture_output=True)


def test_verify_of_a_read_only_sqlite_is_not_a_traceback(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A WAL database whose -shm index is gone cannot be opened on a read-only file system.
    for suffix in ("-wal", "-shm"):
        (ledger / f"ledger.sqlite{suffix}").unlink(missing_ok=True)
    with read_only_view(ledger) as view:
        status, out, _ = run(capsys, "verify", str(view), "--trust", str(view / "trust.json"), "--json")
    report = json.loads(out)
    # Either it reads (SQLite may open it read-only) and verifies, or it names the fault.
    assert (status, report["ok"]) == (0, True) or report["failures"][0]["code"] == "store_unreadable", report


# --- signed-head.json -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("content", [b"", b"{}", b"[]", b'{"tree_size": "1", "root_hash": "x"}', b"\xff"])
def test_a_damaged_signed_head_is_one_line(ledger: Path, content: bytes, capsys: pytest.CaptureFixture[str]) -> None:
    (ledger / "signed-head.json").write_bytes(content)
    status, _, err = run(capsys, "show", "--ledger", str(ledger), "0")
    assert status == 1
    assert err.startswith("integritas: invalid_signed_head: ") and err.count("\n") == 1, err
    assert "integritas repair" in err


# --- tokens.json ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"not json", b"{}", b"[1, 2]", b'[{"id": 1}]', b'{"id": "x"}'],
    ids=["text", "object", "ints", "short", "x"],
)
def test_a_damaged_token_file_is_a_problem_without_the_path(tmp_path: Path, ledger: Path, content: bytes) -> None:
    token_file = tmp_path / "secret-place" / "tokens.json"
    token_file.parent.mkdir()
    (token,) = [TokenFile(token_file).add("Auditor", "auditor")[1]]
    app = create_app(Settings(ledger_dir=ledger, token_file=token_file))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/v1/entries/0", headers=bearer(token)).status_code == 200
        token_file.write_bytes(content)
        response = client.get("/v1/entries/0", headers=bearer(token))
    document = assert_problem(response, 503, "invalid_token_file")
    assert "secret-place" not in response.text and str(tmp_path) not in document["detail"]


def test_tokens_list_on_a_damaged_token_file_is_one_line(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (ledger / "tokens.json").write_text('[{"id": "a"}]')
    status, _, err = run(capsys, "tokens", "list", "--ledger", str(ledger))
    assert status == 1
    assert err.startswith("integritas: invalid_token_file: ") and err.count("\n") == 1, err


# --- atomic, fsynced writes ---------------------------------------------------------------------------------------


def test_every_file_the_ledger_writes_is_fsynced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    synced: set[str] = set()
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        synced.add(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    ledger = tmp_path / "ledger"
    init = ["init", str(ledger), "--origin", ORIGIN, "--name", "Uji", "--root-key", str(tmp_path / "root.key")]
    assert run(capsys, *init)[0] == 0
    assert run(capsys, "tokens", "add", "--ledger", str(ledger), "Auditor", "--role", "auditor")[0] == 0
    assert run(capsys, "export", "--ledger", str(ledger), str(tmp_path / "export"))[0] == 0
    state = tmp_path / "state"
    verify = ["verify", str(ledger), "--trust", str(ledger / "trust.json"), "--trusted-state", str(state)]
    assert run(capsys, *verify)[0] == 0
    final = {_final_path(p) for p in synced}
    export = tmp_path / "export"
    assert {ledger / name for name in ("ledger.json", "trust.json", "signed-head.json", "tokens.json")} <= final
    assert state in final
    assert {export / name for name in ("checkpoint", "trust.json", "tile/0/000.p/1", "tile/entries/000.p/1")} <= final


def _final_path(written: str) -> Path:
    """The file a temporary `.NAME.PID.tmp` becomes once renamed."""
    path = Path(written)
    if path.name.startswith(".") and path.name.endswith(".tmp"):
        return path.with_name(path.name[1:].rsplit(".", 2)[0])
    return path


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = TokenFile(tmp_path / "tokens.json")
    tokens.add("Auditor", "auditor")
    before = (tmp_path / "tokens.json").read_bytes()

    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "write", full)
    with pytest.raises(OSError) as caught:
        tokens.add("Overseer", "overseer")
    assert caught.value.errno == errno.ENOSPC
    assert (tmp_path / "tokens.json").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tokens.json"]


def test_a_ledger_json_that_is_no_object_is_one_line(ledger: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # One reader of ledger.json (ledger.store.migrations.read_config) serves opening and migrating;
    # a list where the object belongs is a named fault, not a traceback.
    (ledger / "ledger.json").write_text("[]\n", encoding="utf-8")
    status, _, err = run(capsys, "show", "--ledger", str(ledger), "0")
    assert status == 1
    assert err.startswith("integritas: invalid_config: ") and err.count("\n") == 1 and "Traceback" not in err
    status, _, err = run(capsys, "migrate", "--ledger", str(ledger))
    assert status == 1 and err.startswith("integritas: invalid_config: ")
