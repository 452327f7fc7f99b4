"""Evidence of assessments (ledger.evidence): the manifest, its root and a document's proof, checked
against golang.org/x/mod/sumdb/tlog, an RFC 6962 implementation that is not ours; the logged
evidence checks; the body member's validator. Every passing check has a twin that must fail."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger import codes
from ledger.errors import MalformedInput, NotFound, VerificationFailed
from ledger.evidence import (
    EVIDENCE_VALIDATOR,
    Manifest,
    digest_of,
    documents_claim,
    evidence_of,
    format_manifest,
    parse_manifest,
    prove_document,
    verify_document,
    verify_document_proof,
    verify_workbook,
)

INTEROP = Path(__file__).resolve().parent / "interop" / "evidencetree.go"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def documents(n: int, salt: str = "") -> tuple[bytes, ...]:
    return tuple(digest_of(f"dokumen {salt}{i}".encode()) for i in range(n))


def manifest_of(n: int) -> Manifest:
    return Manifest(documents(n))


def logged(manifest: Manifest, **extra: Any) -> dict[str, Any]:
    return {"documents": {"root": b64(manifest.root()), "count": manifest.count}, **extra}


def flip(data: bytes, bit: int = 0) -> bytes:
    raw = bytearray(data)
    raw[bit // 8] ^= 1 << (bit % 8)
    return bytes(raw)


# --- the root and proofs against an independent implementation -------------------------------------


@pytest.fixture(scope="module")
def evidencetree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        pytest.fail("go is not installed: run ./scripts/setup (golang-go, golang-golang-x-mod-dev)", pytrace=False)
    work = tmp_path_factory.mktemp("go")
    shutil.copy(INTEROP, work / "evidencetree.go")
    env = {
        **os.environ,
        "GO111MODULE": "off",  # GOPATH mode: Debian's packaged x/mod, nothing downloaded
        "GOPATH": "/usr/share/gocode",
        "GOCACHE": str(work / "cache"),
        "GOFLAGS": "",
    }
    subprocess.run([go, "build", "-o", str(work / "evidencetree"), "evidencetree.go"], cwd=work, env=env, check=True)
    return work / "evidencetree"


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 100])
def test_root_and_every_proof_equal_go_sumdb_tlog(evidencetree: Path, tmp_path: Path, count: int) -> None:
    manifest = manifest_of(count)
    path = tmp_path / "manifest.json"
    path.write_bytes(format_manifest(manifest))
    result = subprocess.run([evidencetree, path], capture_output=True, text=True, check=True)
    go = json.loads(result.stdout)
    assert go["count"] == count
    assert go["root"] == b64(manifest.root())
    for index, digest in enumerate(manifest.documents):
        proof = prove_document(manifest, digest)
        assert proof.index == index
        assert [b64(node) for node in proof.proof] == go["proofs"][index]
        verify_document_proof(digest, index, count, proof.proof, manifest.root())


def test_go_gives_another_root_for_a_changed_document(evidencetree: Path, tmp_path: Path) -> None:
    # The twin: the comparison above would catch a root that ignored a document.
    manifest = manifest_of(5)
    changed = Manifest((*manifest.documents[:2], flip(manifest.documents[2]), *manifest.documents[3:]))
    path = tmp_path / "manifest.json"
    path.write_bytes(format_manifest(changed))
    go = json.loads(subprocess.run([evidencetree, path], capture_output=True, text=True, check=True).stdout)
    assert go["root"] == b64(changed.root()) != b64(manifest.root())


def test_one_document_root_is_its_leaf_hash() -> None:
    # RFC 6962 §2.1: MTH({d0}) = SHA-256(0x00 || d0), the leaf being the 32-byte digest itself.
    only = digest_of(b"LKE workbook")
    assert Manifest((only,)).root() == hashlib.sha256(b"\x00" + only).digest()
    two = documents(2)
    leaves = [hashlib.sha256(b"\x00" + d).digest() for d in two]
    assert Manifest(two).root() == hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=1, max_value=40), st.data())
def test_every_proof_passes_and_every_one_bit_change_fails(count: int, data: st.DataObject) -> None:
    manifest = manifest_of(count)
    index = data.draw(st.integers(min_value=0, max_value=count - 1))
    digest = manifest.documents[index]
    proof = prove_document(manifest, digest)
    root = manifest.root()
    verify_document_proof(digest, index, count, proof.proof, root)
    bit = data.draw(st.integers(min_value=0, max_value=255))
    with pytest.raises(VerificationFailed) as failed:
        verify_document_proof(flip(digest, bit), index, count, proof.proof, root)
    assert failed.value.code == codes.INCLUSION_PROOF_INVALID
    with pytest.raises(VerificationFailed):
        verify_document_proof(digest, index, count, proof.proof, flip(root, bit))
    if proof.proof:
        position = data.draw(st.integers(min_value=0, max_value=len(proof.proof) - 1))
        changed = list(proof.proof)
        changed[position] = flip(changed[position], bit)
        with pytest.raises(VerificationFailed):
            verify_document_proof(digest, index, count, changed, root)
    if count > 1:
        other = (index + 1) % count
        with pytest.raises(VerificationFailed):
            verify_document_proof(digest, other, count, proof.proof, root)


def test_a_proof_of_the_wrong_length_fails() -> None:
    manifest = manifest_of(6)
    proof = prove_document(manifest, manifest.documents[0])
    with pytest.raises(VerificationFailed, match="proof has"):
        verify_document_proof(manifest.documents[0], 0, 6, (*proof.proof, proof.proof[0]), manifest.root())


# --- the manifest format --------------------------------------------------------------------------------


def test_format_and_parse_are_inverses() -> None:
    manifest = manifest_of(4)
    text = format_manifest(manifest)
    assert (
        text == json.dumps({"documents": [b64(d) for d in manifest.documents]}, separators=(",", ":")).encode() + b"\n"
    )
    assert parse_manifest(text) == manifest
    assert parse_manifest(json.dumps({"documents": [b64(d) for d in manifest.documents]}, indent=2)) == manifest


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("not json", codes.INVALID_MANIFEST),
        ("[]", codes.INVALID_MANIFEST),
        ("{}", codes.INVALID_MANIFEST),
        ('{"documents": []}', codes.INVALID_MANIFEST),
        ('{"documents": "abc"}', codes.INVALID_MANIFEST),
        ('{"documents": [1]}', codes.INVALID_MANIFEST),
        ('{"documents": ["AAAA"]}', codes.INVALID_MANIFEST),  # 3 bytes, not 32
        ('{"documents": ["' + "A" * 43 + '"]}', codes.INVALID_MANIFEST),  # unpadded
        ('{"documents": ["' + "A" * 42 + 'B="]}', codes.INVALID_MANIFEST),  # non-zero padding bits
        ('{"documents": ["' + "A" * 43 + '="], "extra": 1}', codes.INVALID_MANIFEST),
        ('{"documents": ["' + "A" * 43 + '="], "documents": ["' + "A" * 43 + '="]}', codes.INVALID_MANIFEST),
        ('{"documents": ["' + "A" * 43 + '=", 1.5]}', codes.INVALID_MANIFEST),
        ('{"documents": ["' + "A" * 43 + '=", "' + "A" * 43 + '="]}', codes.DUPLICATE_DOCUMENT),
    ],
)
def test_a_bad_manifest_is_refused_with_its_code(text: str, code: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        parse_manifest(text)
    assert refused.value.code == code


def test_a_document_not_listed_has_no_proof() -> None:
    manifest = manifest_of(3)
    with pytest.raises(VerificationFailed) as failed:
        prove_document(manifest, digest_of(b"a file the assessors never saw"))
    assert failed.value.code == codes.DOCUMENT_NOT_IN_MANIFEST


# --- checks against the logged evidence -----------------------------------------------------------------


def test_a_listed_document_verifies_against_the_logged_root() -> None:
    manifest = manifest_of(9)
    proof = verify_document(logged(manifest), manifest, manifest.documents[4])
    assert (proof.index, proof.count, proof.root) == (4, 9, manifest.root())


def test_an_altered_file_fails() -> None:
    manifest = manifest_of(9)
    with pytest.raises(VerificationFailed) as failed:
        verify_document(logged(manifest), manifest, flip(manifest.documents[4]))
    assert failed.value.code == codes.DOCUMENT_NOT_IN_MANIFEST


def test_an_altered_manifest_fails() -> None:
    manifest = manifest_of(9)
    evidence = logged(manifest)
    # A document swapped for another: the same count, another root.
    swapped = Manifest((*manifest.documents[:8], digest_of(b"inserted later")))
    with pytest.raises(VerificationFailed) as failed:
        verify_document(evidence, swapped, swapped.documents[8])
    assert failed.value.code == codes.EVIDENCE_MISMATCH
    assert failed.value.evidence["logged_root"] == manifest.root()
    # The same documents reordered: the order is part of the root.
    reordered = Manifest((manifest.documents[1], manifest.documents[0], *manifest.documents[2:]))
    with pytest.raises(VerificationFailed, match="root"):
        verify_document(evidence, reordered, manifest.documents[0])
    # A document left out: the count differs.
    shorter = Manifest(manifest.documents[:8])
    with pytest.raises(VerificationFailed, match="lists 8 documents"):
        verify_document(evidence, shorter, manifest.documents[0])


def test_per_item_roots() -> None:
    items = {"a-1": Manifest(documents(3, "a")), "b-2": Manifest(documents(5, "b"))}
    evidence = {"items": {name: {"root": b64(m.root()), "count": m.count} for name, m in items.items()}}
    assert verify_document(evidence, items["b-2"], items["b-2"].documents[1], "b-2").index == 1
    # The wrong item: another root and count.
    with pytest.raises(VerificationFailed) as failed:
        verify_document(evidence, items["b-2"], items["b-2"].documents[1], "a-1")
    assert failed.value.code == codes.EVIDENCE_MISMATCH
    with pytest.raises(NotFound) as missing:
        verify_document(evidence, items["b-2"], items["b-2"].documents[1], "c-3")
    assert missing.value.code == codes.UNKNOWN_EVIDENCE_ITEM
    # Without --item, evidence that has only per-item roots has no documents root.
    with pytest.raises(NotFound) as none:
        documents_claim(evidence)
    assert none.value.code == codes.NO_EVIDENCE


def test_workbook() -> None:
    workbook = digest_of(b"LKE 2021.xlsx")
    verify_workbook({"workbook": b64(workbook)}, workbook)
    with pytest.raises(VerificationFailed) as failed:
        verify_workbook({"workbook": b64(workbook)}, flip(workbook))
    assert failed.value.code == codes.WORKBOOK_MISMATCH
    with pytest.raises(NotFound) as missing:
        verify_workbook(logged(manifest_of(2)), workbook)
    assert missing.value.code == codes.NO_EVIDENCE


def test_evidence_of_an_entry() -> None:
    evidence = logged(manifest_of(2))
    assert evidence_of("assessment.reviewed", {"evidence": evidence}) == evidence
    assert evidence_of("monitoring.recorded", {"evidence": evidence}) == evidence
    for kind, body in [("assessment.reviewed", {"outcome": "passed"}), ("stage.advanced", {"evidence": evidence})]:
        with pytest.raises(NotFound) as missing:
            evidence_of(kind, body, 7)
        assert missing.value.code == codes.NO_EVIDENCE
        assert "entry 7" in missing.value.message


# --- the body member's validator ------------------------------------------------------------------------

DIGEST = b64(digest_of(b"x"))
FULL = {
    "workbook": DIGEST,
    "documents": {"root": DIGEST, "count": 12},
    "items": {"1-a": {"root": DIGEST, "count": 3}, "ipak": {"root": DIGEST, "count": 1}},
    "surveys": [
        {"survey": "ipak", "respondents": 120, "index": "3.41"},
        {"survey": "ipkp", "respondents": 95, "index": "3.60"},
    ],
}


@pytest.mark.parametrize(
    "value",
    [
        FULL,
        {"workbook": DIGEST},
        {"documents": FULL["documents"]},
        {"items": FULL["items"]},
        {"surveys": FULL["surveys"]},
    ],
)
def test_the_validator_accepts_the_designed_member(value: dict[str, Any]) -> None:
    EVIDENCE_VALIDATOR(copy.deepcopy(value), "entry.body.evidence")


def _with(path: tuple[Any, ...], new: Any) -> dict[str, Any]:
    value = copy.deepcopy(FULL)
    target: Any = value
    for step in path[:-1]:
        target = target[step]
    if new is _DELETE:
        del target[path[-1]]
    else:
        target[path[-1]] = new
    return value


_DELETE = object()


@pytest.mark.parametrize(
    ("path", "new", "code"),
    [
        (("unexpected",), 1, codes.UNKNOWN_MEMBER),
        (("workbook",), "AAAA", codes.INVALID_BASE64),
        (("workbook",), 5, codes.WRONG_TYPE),
        (("documents", "root"), DIGEST[:-2] + "==", codes.INVALID_BASE64),
        (("documents", "count"), 0, codes.INVALID_MEMBER),
        (("documents", "count"), True, codes.WRONG_TYPE),
        (("documents", "count"), "12", codes.WRONG_TYPE),
        (("documents", "count"), 2**53, codes.INVALID_MEMBER),
        (("documents", "root"), _DELETE, codes.MISSING_MEMBER),
        (("documents", "extra"), 1, codes.UNKNOWN_MEMBER),
        (("documents",), [], codes.WRONG_TYPE),
        (("items",), {}, codes.INVALID_MEMBER),
        (("items", "Bad Item"), {"root": DIGEST, "count": 1}, codes.INVALID_ID),
        (("items", "1-a", "count"), -1, codes.INVALID_MEMBER),
        (("surveys",), [], codes.INVALID_MEMBER),
        (("surveys",), {}, codes.WRONG_TYPE),
        (("surveys", 0, "index"), "3.4", codes.INVALID_MEMBER),
        (("surveys", 0, "index"), "13.40", codes.INVALID_MEMBER),
        (("surveys", 0, "index"), 3, codes.WRONG_TYPE),
        (("surveys", 0, "respondents"), 0, codes.INVALID_MEMBER),
        (("surveys", 0, "survey"), "IPAK", codes.INVALID_ID),
        (("surveys", 1, "survey"), "ipak", codes.INVALID_MEMBER),  # the same survey twice
        (("surveys", 0, "note"), "x", codes.UNKNOWN_MEMBER),
        (("surveys", 0, "index"), _DELETE, codes.MISSING_MEMBER),
    ],
)
def test_the_validator_refuses_with_a_code(path: tuple[Any, ...], new: Any, code: str) -> None:
    with pytest.raises(MalformedInput) as refused:
        EVIDENCE_VALIDATOR(_with(path, new), "entry.body.evidence")
    assert refused.value.code == code
    assert refused.value.message.startswith("entry.body.evidence")


@pytest.mark.parametrize("value", [{}, [], "x", None])
def test_the_validator_refuses_an_empty_or_non_object_member(value: Any) -> None:
    with pytest.raises(MalformedInput):
        EVIDENCE_VALIDATOR(value, "entry.body.evidence")


# --- plugged into Entry v1 (what the rules engineer's one-line change to ledger.entry.BODIES does) ----


def test_an_assessment_entry_carries_evidence_once_bodies_name_it(monkeypatch: pytest.MonkeyPatch) -> None:
    from ledger.entry import parse_entry
    from tests.builder import PASSING_WBK
    from tests.evidence_ledger import allow_evidence

    allow_evidence(monkeypatch.setitem)
    entry = {
        "v": 1,
        "log": "evidence.integritas.example/log",
        "kind": "assessment.reviewed",
        "stream": "unit/u1",
        "seq": 0,
        "prev": None,
        "at": "2021-10-01T09:00:00Z",
        "signer": "0" * 64,
        "body": {
            "level": "internal",
            "year": 2021,
            "track": "wbk",
            "step": "lke",
            "scores": PASSING_WBK,
            "outcome": "passed",
            "remediation": [],
            "evidence": copy.deepcopy(FULL),
        },
    }
    assert parse_entry(copy.deepcopy(entry)).body["evidence"] == FULL
    bad = copy.deepcopy(entry)
    bad["body"]["evidence"]["documents"]["count"] = 0
    with pytest.raises(MalformedInput) as refused:
        parse_entry(bad)
    assert refused.value.code == codes.INVALID_MEMBER
    assert refused.value.message.startswith("entry.body.evidence.documents.count")


def test_a_digest_of_the_wrong_length_has_no_proof() -> None:
    manifest = manifest_of(2)
    proof = prove_document(manifest, manifest.documents[0])
    with pytest.raises(VerificationFailed) as failed:
        verify_document_proof(manifest.documents[0][:31], 0, 2, proof.proof, manifest.root())
    assert failed.value.code == codes.INCLUSION_PROOF_INVALID
