"""Regression tests of an outside attack's findings about files and secrets (issue 10, item 6).

Data and secrets are 0600 in a 0700 directory; the PostgreSQL URL comes from an environment
variable or a file instead of the command line (where `ps` shows it); a key file others may read is
refused with `key_file_permissions` unless `--allow-open-key-file` says the operator means it.
"""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from cli.main import main
from tests.e2e.conftest import PYTHON, ROOT, Server, clean_environment, free_port, stop_server, wait_ready

ORIGIN = "files.integritas.example/log"


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


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_data_directory_is_0700_and_every_file_in_it_0600(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "tokens", "add", "--ledger", str(ledger), "Auditor", "--role", "auditor")[0] == 0
    assert run(capsys, "show", "--ledger", str(ledger), "0")[0] == 0
    assert mode(ledger) == 0o700
    names = {path.name for path in ledger.iterdir()}
    assert {"ledger.json", "ledger.sqlite", "log.key", "signed-head.json", "tokens.json"} <= names
    assert {path.name: oct(mode(path)) for path in ledger.iterdir() if mode(path) & 0o077} == {}


def test_an_export_is_private_too(ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "out" / "export"
    assert run(capsys, "export", "--ledger", str(ledger), str(export))[0] == 0
    for path in [export, *export.rglob("*")]:
        assert mode(path) == (0o700 if path.is_dir() else 0o600), path


@pytest.mark.parametrize("open_mode", [0o666, 0o644, 0o640, 0o604])
def test_a_key_file_others_may_read_is_refused_unless_allowed(
    ledger: Path, tmp_path: Path, open_mode: int, capsys: pytest.CaptureFixture[str]
) -> None:
    key = tmp_path / "signer.key"
    assert run(capsys, "keys", "new", str(key))[0] == 0
    key.chmod(open_mode)
    status, _, err = run(capsys, "keys", "show", str(key))
    assert status == 1
    assert err.startswith("integritas: key_file_permissions: ") and err.count("\n") == 1, err
    assert run(capsys, "keys", "show", str(key), "--allow-open-key-file")[0] == 0
    # The log key of a data directory too, for every command that opens the ledger.
    (ledger / "log.key").chmod(open_mode)
    status, _, err = run(capsys, "show", "--ledger", str(ledger), "0")
    assert status == 1 and err.startswith("integritas: key_file_permissions: "), err
    assert run(capsys, "show", "--ledger", str(ledger), "0", "--allow-open-key-file")[0] == 0


def test_serve_refuses_an_open_log_key_in_one_line(ledger: Path) -> None:
    (ledger / "log.key").chmod(0o644)
    served = subprocess.run(
        [PYTHON, "-m", "cli", "serve", "--ledger", str(ledger), "--port", str(free_port())],
        cwd=ROOT,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert served.returncode == 1
    assert served.stderr.startswith("integritas: key_file_permissions: "), served.stderr
    assert "Traceback" not in served.stderr


def _serve_with(ledger: Path, tmp_path: Path, *dsn_args: str, env: dict[str, str]) -> tuple[Server, str]:
    port = free_port()
    command = [PYTHON, "-m", "cli", "serve", "--ledger", str(ledger), "--port", str(port), *dsn_args]
    log_path = tmp_path / f"server-{port}.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**clean_environment(), **env},
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(f"http://127.0.0.1:{port}", process, log_path, ledger)
    try:
        wait_ready(server)
        cmdline = Path(f"/proc/{process.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except BaseException:
        stop_server(server)
        raise
    return server, cmdline


@pytest.mark.parametrize("source", ["env", "file"])
def test_serve_takes_the_postgres_url_from_an_environment_variable_or_a_file(
    postgres_dsn: dict[str, object], tmp_path: Path, source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    password = str(postgres_dsn["password"])
    url = (
        f"postgresql://{postgres_dsn['user']}:{password}@{postgres_dsn['host']}:{postgres_dsn['port']}/"
        f"{postgres_dsn['dbname']}"
    )
    ledger = tmp_path / "ledger"
    os.environ["TEST_LEDGER_PG"] = url
    try:
        init = ["init", str(ledger), "--origin", ORIGIN, "--name", "Uji", "--root-key", str(tmp_path / "root.key")]
        assert run(capsys, *init, "--postgres-dsn-env", "TEST_LEDGER_PG")[0] == 0
    finally:
        del os.environ["TEST_LEDGER_PG"]
    assert mode(ledger / "ledger.json") == 0o600  # it holds the URL, password included
    if source == "env":
        server, cmdline = _serve_with(ledger, tmp_path, "--postgres-dsn-env", "PG_URL", env={"PG_URL": url})
    else:
        secret = tmp_path / "pg-url"
        secret.write_text(url + "\n")
        secret.chmod(0o600)
        server, cmdline = _serve_with(ledger, tmp_path, "--postgres-dsn-file", str(secret), env={})
    try:
        assert password not in cmdline and "postgresql://" not in cmdline, cmdline
    finally:
        stop_server(server)


def test_postgres_on_the_command_line_warns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = "postgresql://u:secret@127.0.0.1:1/db"
    status, _, err = run(capsys, "serve", "--ledger", str(tmp_path / "none"), "--postgres", url)
    warning, error = err.splitlines()
    assert warning.startswith("integritas: warning: --postgres shows the URL and its password"), err
    assert error.startswith("integritas: no_ledger: ") and status == 4
    assert "secret" not in err
