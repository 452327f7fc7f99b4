"""`integritas evidence`: root (the manifest), prove (one file's proof), check (a file against a logged
assessment, read from a data directory or an export). Errors are one line with a code, the exit
status is the family's; every check that passes has a twin that fails."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from ledger.evidence import Manifest, digest_of, parse_manifest, verify_document_proof
from tests.evidence_ledger import EvidenceLedger, allow_evidence, build_evidence_ledger


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def refused(capsys: pytest.CaptureFixture[str], status: int, code: str, *argv: str | Path) -> str:
    got, out, err = run(capsys, *argv)
    assert (got, out) == (status, "")
    assert err.startswith(f"integritas: {code}: ") and err.count("\n") == 1, err
    return err


@pytest.fixture
def documents(tmp_path: Path) -> list[Path]:
    paths = []
    for n in range(3):
        path = tmp_path / f"dokumen-{n}.pdf"
        path.write_bytes(f"%PDF-1.4 dokumen {n}".encode())
        paths.append(path)
    return paths


def test_root_writes_the_manifest_and_prints_root_and_count(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, documents: list[Path]
) -> None:
    manifest_path = tmp_path / "manifest.json"
    status, out, err = run(capsys, "evidence", "root", *documents, "--out", manifest_path)
    assert (status, err) == (0, "")
    manifest = parse_manifest(manifest_path.read_bytes())
    assert manifest.documents == tuple(digest_of(p.read_bytes()) for p in documents)
    from ledger.crypto.keys import encode_base64

    assert out == f"root {encode_base64(manifest.root())}\ncount 3\n"
    # Without --out: the same root, no file.
    assert run(capsys, "evidence", "root", *documents)[1] == out
    # Another order is another root.
    assert run(capsys, "evidence", "root", *reversed(documents))[1] != out


def test_root_refuses_a_file_given_twice(capsys: pytest.CaptureFixture[str], documents: list[Path]) -> None:
    refused(capsys, 1, "duplicate_document", "evidence", "root", documents[0], documents[1], documents[0])


def test_root_of_a_missing_file_is_an_io_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    refused(capsys, 1, "io_error", "evidence", "root", tmp_path / "absent.pdf")


def test_prove_prints_a_proof_that_verifies(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, documents: list[Path]
) -> None:
    manifest_path = tmp_path / "manifest.json"
    run(capsys, "evidence", "root", *documents, "--out", manifest_path)
    status, out, err = run(capsys, "evidence", "prove", "--manifest", manifest_path, documents[2])
    assert (status, err) == (0, "")
    proof = json.loads(out)
    assert set(proof) == {"document", "index", "count", "leaf_hash", "proof", "root"}
    assert (proof["index"], proof["count"]) == (2, 3)
    import base64

    manifest = parse_manifest(manifest_path.read_bytes())
    assert base64.b64decode(proof["root"]) == manifest.root()
    verify_document_proof(
        digest_of(documents[2].read_bytes()), 2, 3, [base64.b64decode(h) for h in proof["proof"]], manifest.root()
    )


def test_prove_refuses_an_altered_file_and_a_bad_manifest(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, documents: list[Path]
) -> None:
    manifest_path = tmp_path / "manifest.json"
    run(capsys, "evidence", "root", *documents, "--out", manifest_path)
    documents[1].write_bytes(documents[1].read_bytes() + b" ")
    refused(capsys, 1, "document_not_in_manifest", "evidence", "prove", "--manifest", manifest_path, documents[1])
    manifest_path.write_text('{"documents": ["not base64"]}')
    refused(capsys, 1, "invalid_manifest", "evidence", "prove", "--manifest", manifest_path, documents[0])


# --- check, against a logged assessment ---------------------------------------------------------------


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EvidenceLedger:
    allow_evidence(monkeypatch.setitem)
    return build_evidence_ledger(tmp_path)


def check(ledger: EvidenceLedger, entry: int, *rest: str | Path, source: Path | None = None) -> list[str | Path]:
    return ["evidence", "check", "--ledger", source or ledger.directory, "--entry", str(entry), *rest]


def test_check_accepts_a_listed_file(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    status, out, err = run(
        capsys, *check(ledger, ledger.assessment, "--manifest", ledger.manifest, ledger.documents[3])
    )
    assert (status, err) == (0, "")
    assert out.startswith(
        f"OK: bukti-4.txt is at index 3 of the 5 documents under evidence.documents of entry {ledger.assessment}"
    )


def test_check_refuses_an_altered_file(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    ledger.documents[3].write_bytes(ledger.documents[3].read_bytes().replace(b"zona", b"Zona"))
    refused(
        capsys,
        1,
        "document_not_in_manifest",
        *check(ledger, ledger.assessment, "--manifest", ledger.manifest, ledger.documents[3]),
    )


def test_check_refuses_an_altered_manifest(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    # The altered file, added to the manifest: the manifest's root is no longer the logged one.
    altered = ledger.files / "bukti-4-altered.txt"
    altered.write_bytes(b"a document made after the assessment")
    manifest = parse_manifest(ledger.manifest.read_bytes())
    documents = list(manifest.documents)
    documents[3] = digest_of(altered.read_bytes())
    from ledger.evidence import format_manifest

    ledger.manifest.write_bytes(format_manifest(Manifest(tuple(documents))))
    err = refused(
        capsys, 1, "evidence_mismatch", *check(ledger, ledger.assessment, "--manifest", ledger.manifest, altered)
    )
    assert "logged" in err


def test_check_refuses_the_wrong_entry(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    args = ("--manifest", ledger.manifest, ledger.documents[0])
    refused(capsys, 1, "evidence_mismatch", *check(ledger, ledger.other_assessment, *args))
    err = refused(capsys, 4, "no_evidence", *check(ledger, ledger.stage_entry, *args))
    assert "stage.advanced" in err
    refused(capsys, 4, "leaf_not_found", *check(ledger, 999, *args))


def test_check_refuses_an_entry_without_evidence(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    err = refused(
        capsys,
        4,
        "no_evidence",
        *check(ledger, ledger.plain_assessment, "--manifest", ledger.manifest, ledger.documents[0]),
    )
    assert "carries no evidence" in err


def test_check_per_item(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    status, out, err = run(
        capsys,
        *check(
            ledger, ledger.assessment, "--item", "ipak", "--manifest", ledger.item_manifest, ledger.item_documents[1]
        ),
    )
    assert (status, err) == (0, "")
    assert "at index 1 of the 3 documents under evidence.items.ipak" in out
    # The wrong item, and the item's file checked against all documents: both fail.
    refused(
        capsys,
        4,
        "unknown_evidence_item",
        *check(
            ledger, ledger.assessment, "--item", "tlhp", "--manifest", ledger.item_manifest, ledger.item_documents[1]
        ),
    )
    refused(
        capsys,
        1,
        "evidence_mismatch",
        *check(ledger, ledger.assessment, "--manifest", ledger.item_manifest, ledger.item_documents[1]),
    )


def test_check_workbook(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    status, out, err = run(capsys, *check(ledger, ledger.assessment, "--workbook", ledger.workbook))
    assert (status, err) == (0, "")
    assert out == f"OK: lke-2021.xlsx is the LKE workbook of entry {ledger.assessment}\n"
    refused(capsys, 1, "workbook_mismatch", *check(ledger, ledger.assessment, "--workbook", ledger.documents[0]))
    refused(capsys, 4, "no_evidence", *check(ledger, ledger.other_assessment, "--workbook", ledger.workbook))


def test_check_reads_an_exported_log(
    capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger, tmp_path: Path
) -> None:
    export = tmp_path / "export"
    assert run(capsys, "export", "--ledger", ledger.directory, export)[0] == 0
    args = ("--manifest", ledger.manifest, ledger.documents[0])
    assert run(capsys, *check(ledger, ledger.assessment, *args, source=export))[0] == 0
    refused(capsys, 1, "evidence_mismatch", *check(ledger, ledger.other_assessment, *args, source=export))


def test_check_usage(capsys: pytest.CaptureFixture[str], ledger: EvidenceLedger) -> None:
    refused(capsys, 2, "usage", *check(ledger, ledger.assessment))
    refused(capsys, 2, "usage", *check(ledger, ledger.assessment, ledger.documents[0]))
    refused(capsys, 2, "usage", *check(ledger, -1, "--workbook", ledger.workbook))
