"""`integritas keys import`: a browser key's backup (encrypted PKCS#8 PEM under PBES2, as /keys/new
writes it: static/keystore.js) becomes a key file. The browser's own backup is tested end to end in
tests/browser/test_writes.py; here the same format made by `cryptography`, and its refusals."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from cli.main import main
from ledger.crypto.keys import fingerprint, generate_private_key, read_private_key

PASSPHRASE = "frasa sandi panjang uji"


def backup_of(tmp_path: Path) -> tuple[Path, str]:
    key = generate_private_key()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),  # PBES2, as the browser's
    )
    path = tmp_path / "integritas-key.pem"
    path.write_bytes(pem)
    path.chmod(0o644)  # a download is not 0600: the backup is encrypted
    return path, fingerprint(key.public_key())


def test_a_backup_becomes_a_key_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backup, expected = backup_of(tmp_path)
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    out = tmp_path / "imported.key"
    assert main(["keys", "import", str(backup), str(out), "--passphrase-env", "BACKUP_PASSPHRASE"]) == 0
    assert capsys.readouterr().out.split()[:2] == [expected, str(out)]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert fingerprint(read_private_key(out, PASSPHRASE.encode()).public_key()) == expected
    assert (
        main(["keys", "import", str(backup), str(out), "--passphrase-env", "BACKUP_PASSPHRASE"]) == 1
    )  # never overwrites


def test_a_wrong_passphrase_or_an_unencrypted_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    backup, _ = backup_of(tmp_path)
    monkeypatch.setenv("BACKUP_PASSPHRASE", "not the passphrase")
    out = tmp_path / "imported.key"
    assert main(["keys", "import", str(backup), str(out), "--passphrase-env", "BACKUP_PASSPHRASE"]) == 1
    assert "key_file" in capsys.readouterr().err
    assert not out.exists()
    plain = tmp_path / "plain.pem"
    plain.write_bytes(
        generate_private_key().private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    monkeypatch.setenv("BACKUP_PASSPHRASE", PASSPHRASE)
    assert main(["keys", "import", str(plain), str(out), "--passphrase-env", "BACKUP_PASSPHRASE"]) == 1
    assert "not encrypted" in capsys.readouterr().err
    assert not out.exists()
