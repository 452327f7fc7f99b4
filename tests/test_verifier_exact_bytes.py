"""Regression test of an outside attack's finding (issue 10, item 11): checkpoints, tlog-proof bundles
and trusted-state files are read as bytes, so that a CR or CRLF variant fails (C2SP signed-note allows
no control character but newline) instead of verifying after newline translation."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.main import main

# --- item 11 ------------------------------------------------------------------------------------------------


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small ledger exported as tiles (genesis only), its leaf and its tlog-proof bundle."""
    base = tmp_path_factory.mktemp("crlf")
    ledger = base / "ledger"
    assert (
        main(["init", str(ledger), "--origin", "crlf.example/log", "--name", "Uji", "--root-key", str(base / "r")]) == 0
    )
    assert main(["export", "--ledger", str(ledger), str(base / "export")]) == 0
    with (base / "record.tlog-proof").open("w") as out:
        import contextlib

        with contextlib.redirect_stdout(out):
            assert main(["prove", "--ledger", str(ledger), "0", "--leaf-out", str(base / "leaf.json")]) == 0
    return base


def _with_line_ends(data: bytes, ending: bytes) -> bytes:
    return data.replace(b"\n", ending)


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
def test_a_checkpoint_with_cr_line_ends_does_not_verify(
    exported: Path, tmp_path: Path, ending: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    import shutil

    copy = tmp_path / "export"
    shutil.copytree(exported / "export", copy)
    checkpoint = copy / "checkpoint"
    assert _run(capsys, "verify", str(copy), "--trust", str(copy / "trust.json"), "--json")[0] == 0
    checkpoint.write_bytes(_with_line_ends(checkpoint.read_bytes(), ending))
    status, out, _ = _run(capsys, "verify", str(copy), "--trust", str(copy / "trust.json"), "--json")
    assert status == 1
    assert '"code": "invalid_note"' in out


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
def test_a_trusted_state_with_cr_line_ends_is_refused(
    exported: Path, tmp_path: Path, ending: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    export = exported / "export"
    state = tmp_path / "state"
    state.write_bytes((export / "checkpoint").read_bytes())
    assert (
        _run(capsys, "verify", str(export), "--trust", str(export / "trust.json"), "--trusted-state", str(state))[0]
        == 0
    )
    state.write_bytes(_with_line_ends(state.read_bytes(), ending))
    status, out, _ = _run(
        capsys, "verify", str(export), "--trust", str(export / "trust.json"), "--trusted-state", str(state), "--json"
    )
    assert status == 1
    assert '"code": "invalid_trusted_state"' in out


@pytest.mark.parametrize("ending", [b"\r\n", b"\r"], ids=["CRLF", "CR"])
def test_a_proof_bundle_with_cr_line_ends_is_refused(
    exported: Path, tmp_path: Path, ending: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    trust = str(exported / "export" / "trust.json")
    bundle = tmp_path / "record.tlog-proof"
    bundle.write_bytes((exported / "record.tlog-proof").read_bytes())
    assert _run(capsys, "verify-record", str(bundle), str(exported / "leaf.json"), "--trust", trust)[0] == 0
    bundle.write_bytes(_with_line_ends(bundle.read_bytes(), ending))
    status, _, err = _run(capsys, "verify-record", str(bundle), str(exported / "leaf.json"), "--trust", trust)
    assert status == 1
    assert err.startswith("integritas: invalid_proof_bundle: "), err
