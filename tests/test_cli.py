"""The `integritas` command: init, keys, sign, append, show, status; errors are one line and a code."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from cli.main import main
from ledger.crypto.checkpoint import verify_checkpoint
from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes, read_private_key
from ledger.crypto.note import parse_verifier_key
from ledger.store.datadir import open_ledger

ROOT = Path(__file__).resolve().parent.parent
ORIGIN = "cli.integritas.example/log"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def ledger(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    directory = tmp_path / "ledger"
    status, out, _ = run(
        capsys,
        "init",
        str(directory),
        "--origin",
        ORIGIN,
        "--name",
        "Uji CLI",
        "--root-key",
        str(tmp_path / "root.key"),
    )
    assert status == 0
    assert f"ledger {ORIGIN} created" in out
    return directory


def sign(
    capsys: pytest.CaptureFixture[str], ledger: Path, key: Path, kind: str, stream: str, body: dict, *extra: str
) -> tuple[int, str, str]:
    return run(
        capsys,
        "sign",
        "--ledger",
        str(ledger),
        "--key",
        str(key),
        "--kind",
        kind,
        "--stream",
        stream,
        "--body",
        json.dumps(body),
        *extra,
    )


def register(capsys: pytest.CaptureFixture[str], ledger: Path, by: Path, key: Path, role: str) -> dict:
    public = encode_base64(public_key_bytes(read_private_key(key).public_key()))
    body = {"public_key": public, "role": role, "scope": ["*"], "holder": {"name": "Admin", "title": "Tim RB"}}
    status, out, err = sign(
        capsys,
        ledger,
        by,
        "key.registered",
        f"key/{fingerprint(read_private_key(key).public_key())}",
        body,
        "--at",
        "2020-07-08T09:00:00Z",
    )
    assert status == 0, err
    path = ledger.parent / f"{key.stem}.submission.json"
    path.write_text(out)
    status, out, err = run(capsys, "append", "--ledger", str(ledger), str(path))
    assert status == 0, err
    return json.loads(out)


def test_init_writes_trust_anchor_and_signed_genesis(ledger: Path, tmp_path: Path) -> None:
    trust = json.loads((ledger / "trust.json").read_text())
    root_key = read_private_key(tmp_path / "root.key")
    assert trust["origin"] == ORIGIN
    assert trust["root_fingerprint"] == fingerprint(root_key.public_key())
    assert stat.S_IMODE((tmp_path / "root.key").stat().st_mode) == 0o600
    assert stat.S_IMODE((ledger / "log.key").stat().st_mode) == 0o600
    store = open_ledger(ledger)
    assert store.size == 1
    checkpoint = verify_checkpoint(store.latest_checkpoint(), parse_verifier_key(trust["verifier_key"]))
    assert checkpoint.tree_size == 1
    assert checkpoint.root_hash == store.tree.root()


def test_init_refuses_a_non_empty_directory(ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(
        capsys, "init", str(ledger), "--origin", ORIGIN, "--name", "x", "--root-key", str(tmp_path / "other.key")
    )
    assert status == 1
    assert err.startswith("integritas: not_empty:")


def test_keys_new_prints_fingerprint_and_encrypts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PASS", "rahasia")
    status, out, _ = run(capsys, "keys", "new", str(tmp_path / "a.key"), "--passphrase-env", "PASS")
    assert status == 0
    assert stat.S_IMODE((tmp_path / "a.key").stat().st_mode) == 0o600
    key = read_private_key(tmp_path / "a.key", b"rahasia")
    assert out.split()[0] == fingerprint(key.public_key())
    status, _, err = run(capsys, "keys", "show", str(tmp_path / "a.key"))
    assert status == 1
    assert "integritas: key_file:" in err and "passphrase" in err
    status, _, err = run(capsys, "keys", "new", str(tmp_path / "a.key"))
    assert status == 1  # never overwrites a key
    assert "exists" in err.lower()


def test_sign_append_show_round_trip(ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "keys", "new", str(tmp_path / "admin.key"))
    receipt = register(capsys, ledger, tmp_path / "root.key", tmp_path / "admin.key", "administrator")
    assert receipt["index"] == 1
    assert receipt["tree_size"] == 2
    assert receipt["duplicate"] is False

    # The same submission again: the original receipt, marked duplicate.
    status, out, _ = run(capsys, "append", "--ledger", str(ledger), str(tmp_path / "admin.submission.json"))
    assert status == 0
    again = json.loads(out)
    assert again["duplicate"] is True
    assert {k: again[k] for k in ("index", "leaf_hash", "checkpoint")} == {
        k: receipt[k] for k in ("index", "leaf_hash", "checkpoint")
    }

    status, out, _ = run(capsys, "show", "--ledger", str(ledger), "1")
    shown = json.loads(out)
    assert shown["index"] == 1
    assert shown["entry"]["kind"] == "key.registered"
    assert shown["leaf_hash"] == receipt["leaf_hash"]

    status, out, _ = sign(
        capsys,
        ledger,
        tmp_path / "admin.key",
        "unit.registered",
        "unit/dpmptsp",
        {"name": "DPMPTSP", "type": "dinas", "headcount": 40},
    )
    assert status == 0
    (tmp_path / "unit.json").write_text(out)
    assert run(capsys, "append", "--ledger", str(ledger), str(tmp_path / "unit.json"))[0] == 0
    status, out, _ = run(capsys, "show", "--ledger", str(ledger), "--stream", "unit/dpmptsp")
    stream = json.loads(out)
    assert [e["index"] for e in stream["entries"]] == [2]
    status, out, _ = run(capsys, "status", "--ledger", str(ledger), "dpmptsp")
    assert status == 0
    assert "registered" in out and "0/40" in out


def test_refusals_are_one_line_with_code_and_exit_status(
    ledger: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "keys", "new", str(tmp_path / "stranger.key"))
    # An unregistered signer: refused by the rules, exit 1 (signed --offline: `sign` itself refuses it online).
    status, out, _ = sign(
        capsys,
        ledger,
        tmp_path / "stranger.key",
        "unit.registered",
        "unit/x",
        {"name": "X", "type": "dinas", "headcount": 1},
        "--offline",
        "--log",
        ORIGIN,
    )
    (tmp_path / "s.json").write_text(out)
    status, out, err = run(capsys, "append", "--ledger", str(ledger), str(tmp_path / "s.json"))
    assert status == 1
    assert err.startswith("integritas: unknown_signer:")
    assert err.count("\n") == 1

    # Malformed JSON on stdin is refused before the ledger is touched.
    (tmp_path / "bad.json").write_text('{"entry": ')
    status, _, err = run(capsys, "append", "--ledger", str(ledger), str(tmp_path / "bad.json"))
    assert status == 1
    assert err.startswith("integritas: malformed_json:")

    # A stale head: exit 3 and the current head named.
    run(capsys, "keys", "new", str(tmp_path / "admin.key"))
    register(capsys, ledger, tmp_path / "root.key", tmp_path / "admin.key", "administrator")
    status, out, _ = sign(
        capsys,
        ledger,
        tmp_path / "root.key",
        "key.revoked",
        f"key/{fingerprint(read_private_key(tmp_path / 'admin.key').public_key())}",
        {"reason": "uji"},
    )
    stale = json.loads(out)
    stale["entry"]["seq"] = 0
    stale["entry"]["prev"] = None
    from ledger.entry import sign_entry

    resigned = sign_entry(stale["entry"], read_private_key(tmp_path / "root.key"))
    (tmp_path / "stale.json").write_text(json.dumps(resigned.to_json()))
    status, _, err = run(capsys, "append", "--ledger", str(ledger), str(tmp_path / "stale.json"))
    assert status == 3
    assert err.startswith("integritas: stale_head:") and "head: seq 0" in err

    # Not found: exit 4.
    status, _, err = run(capsys, "show", "--ledger", str(ledger), "99")
    assert status == 4
    assert err.startswith("integritas: index_out_of_range:")
    status, _, err = run(capsys, "status", "--ledger", str(tmp_path / "nowhere"))
    assert status == 4
    assert err.startswith("integritas: no_ledger:")


def test_console_script_never_prints_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "junk.json").write_bytes(b"\xff\xfe not json")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "append", "--ledger", str(tmp_path), "junk.json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("integritas: malformed_json:")
