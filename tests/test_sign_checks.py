"""`integritas sign` decides a submission by the ledger's rules before printing it (issue 13): an unknown,
revoked, wrongly-roled or out-of-scope key, or an unknown unit, is refused there with the rule's code in
one line; `--offline` signs without the ledger, and `append` refuses what the rules refuse.

Against the Blora demo and its demo keys (DIR/demo-keys); nothing here writes to the demo but the
one accepted append of the last test, made on a copy.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from cli.main import main
from demo.build import DEMO_KEYS, DEMO_ORIGIN, build_demo
from ledger.crypto.keys import fingerprint, private_key_from_seed, read_private_key, write_private_key
from ledger.entry import parse_submission
from ledger.personal import PersonalData, make_disclosure
from ledger.store.datadir import open_ledger
from tests.test_cli import run, sign


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("sign-checks") / "ledger"
    build_demo(directory).close()
    return directory


def demo_key(demo: Path, name: str) -> Path:
    return demo / DEMO_KEYS / name


NOTE = {"topic": "accompaniment", "text": "Pendampingan pembangunan zona integritas."}


def _refused(result: tuple[int, str, str], code: str) -> str:
    status, out, err = result
    assert status == 1, err
    assert out == ""  # nothing to append: no submission printed
    assert err.startswith(f"integritas: {code}: ") and err.count("\n") == 1
    return err


def test_a_registered_key_signs_what_its_role_and_scope_allow(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = sign(
        capsys, demo, demo_key(demo, "overseer-kejari-blora.key"), "oversight.noted", "oversight/dpmptsp", NOTE
    )
    assert status == 0, err
    submission = parse_submission(out.encode())
    assert submission.entry.signer == fingerprint(
        read_private_key(demo_key(demo, "overseer-kejari-blora.key")).public_key()
    )
    store = open_ledger(demo)
    try:
        head = store.stream_head("oversight/dpmptsp")
        assert head is not None and submission.entry.seq == head.seq + 1  # on the stream's head
    finally:
        store.close()


def test_an_unknown_key_is_refused_unknown_signer(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "new", str(tmp_path / "stranger.key")]) == 0
    capsys.readouterr()
    err = _refused(
        sign(capsys, demo, tmp_path / "stranger.key", "oversight.noted", "oversight/dpmptsp", NOTE), "unknown_signer"
    )
    assert fingerprint(read_private_key(tmp_path / "stranger.key").public_key())[:12] in err


def test_a_revoked_key_is_refused_revoked_signer(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first regent's witness key, revoked at the handover of 2021 (derived as the demo derives keys)."""
    old = private_key_from_seed(hashlib.sha256(b"blora-2020/witness/regent/1").digest())
    write_private_key(old, tmp_path / "old-witness.key")
    body = {"declaration": "A" * 43 + "="}
    _refused(
        sign(capsys, demo, tmp_path / "old-witness.key", "declaration.witnessed", "witness/dpmptsp", body),
        "revoked_signer",
    )


def test_a_role_that_may_not_sign_the_kind_is_refused(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _refused(
        sign(capsys, demo, demo_key(demo, "pact_registrar-dpmptsp.key"), "oversight.noted", "oversight/dpmptsp", NOTE),
        "role_not_allowed",
    )
    assert "pact_registrar" in err and "overseer" in err


def test_a_unit_outside_the_keys_scope_is_refused(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The demo is rules edition 3: the employee is a pseudonym and a commitment (no name in the body).
    employee = make_disclosure(PersonalData("Contoh Pegawai", "199001012015031001"))
    body = {
        "employee": {"person": employee.person, "commitment": employee.commitment},
        "pact_digest": "A" * 43 + "=",
        "signed_on": "2026-11-30",
        "occasion": "appointment",
        "document_digest": "A" * 43 + "=",
    }
    key = demo_key(demo, "pact_registrar-dpmptsp.key")
    _refused(sign(capsys, demo, key, "pact.signed", f"pact/dinkes/{employee.person}", body), "out_of_scope")
    status, out, err = sign(capsys, demo, key, "pact.signed", f"pact/dpmptsp/{employee.person}", body)
    assert status == 0 and parse_submission(out.encode()).entry.unit == "dpmptsp", (
        err
    )  # its twin: the registrar's own unit


def test_an_unknown_unit_is_refused(demo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = demo_key(demo, "overseer-kejari-blora.key")
    _refused(sign(capsys, demo, key, "oversight.noted", "oversight/tidak-ada", NOTE), "unknown_unit")


def test_offline_signs_anyway_and_append_refuses(
    demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["keys", "new", str(tmp_path / "stranger.key")]) == 0
    capsys.readouterr()
    status, out, err = sign(
        capsys,
        demo,
        tmp_path / "stranger.key",
        "oversight.noted",
        "oversight/dpmptsp",
        NOTE,
        "--offline",
        "--log",
        DEMO_ORIGIN,
    )
    assert status == 0, err
    submission = parse_submission(out.encode())
    assert (submission.entry.log, submission.entry.seq, submission.entry.prev) == (DEMO_ORIGIN, 0, None)
    (tmp_path / "s.json").write_text(out)
    _, _, err = run(capsys, "append", "--ledger", str(demo), str(tmp_path / "s.json"))
    assert err.startswith("integritas: unknown_signer: ")
    # --offline needs the origin; the head options are for --offline only.
    status, _, err = sign(
        capsys, demo, tmp_path / "stranger.key", "oversight.noted", "oversight/dpmptsp", NOTE, "--offline"
    )
    assert (status, err.split(":")[1].strip()) == (2, "usage")
    status, _, err = sign(
        capsys, demo, tmp_path / "stranger.key", "oversight.noted", "oversight/dpmptsp", NOTE, "--seq", "3"
    )
    assert (status, err.split(":")[1].strip()) == (2, "usage")


def test_a_checked_submission_appends(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    copy = tmp_path / "ledger"
    shutil.copytree(demo, copy)
    status, out, err = sign(
        capsys, copy, demo_key(copy, "overseer-kejari-blora.key"), "oversight.noted", "oversight/dpmptsp", NOTE
    )
    assert status == 0, err
    (tmp_path / "s.json").write_text(out)
    status, out, err = run(capsys, "append", "--ledger", str(copy), str(tmp_path / "s.json"))
    assert status == 0, err
    assert json.loads(out)["duplicate"] is False
