"""The auditor reaches the server's verdict with either Ed25519 backend (ledger.crypto.ed25519): a
logged entry whose signature lies outside the strict subset (R of small order, which OpenSSL alone
accepts) fails `verify` with `ed25519_not_strict` at its index with PyNaCl, with cryptography, with
one or two workers, and through `integritas verify` when PyNaCl is not installed at all; the same
export with the honest signature verifies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ledger.crypto import ed25519
from ledger.crypto.keys import encode_base64
from ledger.entry import parse_leaf, submission_from_json
from ledger.store.export import export_log
from ledger.verify import TrustAnchor
from tests.api.test_strict_ed25519 import identity_r_signature
from tests.builder import key_for
from tests.tampering_helpers import copy_tree, failures, small_ledger, verify, write_export

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, int]:
    """(honest export, export whose last note carries the identity-R signature, that note's index)."""
    base = tmp_path_factory.mktemp("strict")
    builder = small_ledger(base / "data")
    honest = base / "honest"
    export_log(builder.store, honest)
    leaves = list(builder.store.leaves())
    builder.store.close()
    index = len(leaves) - 1
    submission = parse_leaf(leaves[index])
    assert submission.entry.kind == "oversight.noted"  # signed by the overseer, key "kajari"
    signature = identity_r_signature("kajari", submission.signing_input())
    leaves[index] = submission_from_json(
        {"entry": submission.entry.to_json(), "signature": encode_base64(signature)}
    ).leaf_bytes
    forged = copy_tree(honest, base / "forged")
    write_export(forged, leaves, origin=submission.entry.log, log_key=key_for("log"))
    return honest, forged, index


@pytest.mark.parametrize("backend", ["pynacl", "cryptography"])
@pytest.mark.parametrize("workers", [1, 2])
def test_either_backend_reports_the_server_code(exports: tuple[Path, Path, int], backend: str, workers: int) -> None:
    honest, forged, index = exports
    trust = TrustAnchor.load(honest / "trust.json")
    ed25519.use_backend(backend)
    try:
        assert verify(honest, trust, workers=workers).ok
        report = verify(forged, trust, workers=workers)
    finally:
        ed25519.use_backend(None)
    assert failures(report) == [(index, "ed25519_not_strict")]
    assert "small order" in report.failures[0].message


CLI = (
    "import sys\n"
    "sys.modules['nacl'] = None  # as if PyNaCl were not installed: only cryptography and rfc8785\n"
    "from cli.main import main\n"
    "from ledger.crypto import ed25519\n"
    "status = main(['verify', sys.argv[1], '--trust', sys.argv[2], '--workers', '2', '--json'])\n"
    "assert ed25519.backend().name == 'cryptography'\n"
    "sys.exit(status)\n"
)


@pytest.mark.parametrize("which", ["honest", "forged"])
def test_cli_verify_without_pynacl(exports: tuple[Path, Path, int], which: str) -> None:
    honest, forged, index = exports
    source = honest if which == "honest" else forged
    env = {"PATH": "/usr/bin:/bin", "HOME": str(source.parent)}
    result = subprocess.run(
        [sys.executable, "-c", CLI, str(source), str(honest / "trust.json")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(result.stdout)
    if which == "honest":
        assert (result.returncode, report["failures"]) == (0, []), result.stderr
    else:
        assert result.returncode == 1, result.stderr
        assert [(f["leaf_index"], f["code"]) for f in report["failures"]] == [(index, "ed25519_not_strict")]
