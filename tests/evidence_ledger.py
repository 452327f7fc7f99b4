"""A small ledger whose assessments carry `evidence`, for the tests of `integritas evidence check` and
the /evidence page.

`evidence` is a member of rules edition 2 (ledger.entry.BODIES names it), but edition 2's rules do
not take an assessment yet (the edition-2 assessment rules are being built in parallel), and an
edition-1 log holds bodies to edition 1's members (ledger.entry.EDITION_1_BODIES), which lack it.
Until an edition-2 ledger can log an assessment, `allow_evidence()` lets edition-1 assessments carry
the member, in the calling process only (the tests call it through monkeypatch, the browser test's
server at its start); nothing outside the tests changes. Once the edition-2 rules take assessments,
this ledger should be built under the edition-2 policy and `allow_evidence` deleted.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ledger.entry import BODIES, EDITION_1_BODIES
from ledger.evidence import EVIDENCE_VALIDATOR, Manifest, digest_of, format_manifest
from ledger.rules import legacy_policy_document
from ledger.store.datadir import init_ledger
from tests.builder import PASSING_WBK, LedgerBuilder, key_for

ORIGIN = "evidence.integritas.example/log"


def allow_evidence(setitem: Callable[[dict[str, Any], str, Any], None] | None = None) -> None:
    """Let `assessment.reviewed` carry `evidence` in an edition-1 log, in this process only."""
    for bodies in (BODIES, EDITION_1_BODIES):
        optional = bodies["assessment.reviewed"][1]
        if "evidence" not in optional:
            # BODIES names it already; for edition 1, the validator BODIES uses.
            validator = BODIES["assessment.reviewed"][1].get("evidence", EVIDENCE_VALIDATOR)
            if setitem is None:
                optional["evidence"] = validator
            else:
                setitem(optional, "evidence", validator)


@dataclass(frozen=True)
class EvidenceLedger:
    """Where things are: the ledger, the documents and manifests on disk, and the leaf indexes."""

    directory: Path
    files: Path  # the documents, the workbook and the manifests
    documents: list[Path]
    item_documents: list[Path]
    workbook: Path
    manifest: Path
    item_manifest: Path
    assessment: int  # carries evidence: documents, item "ipak", workbook, surveys
    other_assessment: int  # carries evidence over other documents
    plain_assessment: int  # carries no evidence
    stage_entry: int  # not an assessment


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


def build_evidence_ledger(base: Path) -> EvidenceLedger:
    """A ledger in `base/ledger` with a unit `u1` in building and three internal assessments."""
    files = base / "files"
    files.mkdir(parents=True)
    documents = [
        _write(files, f"bukti-{n}.txt", f"Bukti dukung LKE nomor {n}: notulen rapat zona integritas.\n".encode())
        for n in range(1, 6)
    ]
    item_documents = [_write(files, f"ipak-{n}.txt", f"Kuesioner IPAK {n}\n".encode()) for n in range(1, 4)]
    workbook = _write(files, "lke-2021.xlsx", b"PK\x03\x04 pretend workbook of the LKE 2021")
    manifest = Manifest(tuple(digest_of(p.read_bytes()) for p in documents))
    item_manifest = Manifest(tuple(digest_of(p.read_bytes()) for p in item_documents))
    manifest_path = _write(files, "manifest.json", format_manifest(manifest))
    item_manifest_path = _write(files, "manifest-ipak.json", format_manifest(item_manifest))
    other = Manifest(tuple(digest_of(f"another set {n}".encode()) for n in range(5)))

    directory = base / "ledger"
    store = init_ledger(
        directory,
        origin=ORIGIN,
        name="Uji bukti",
        root_key=key_for("root"),
        log_key=key_for("evidence-log"),
        policy=legacy_policy_document(),  # see the module's docstring
        genesis_at=datetime(2020, 1, 1, tzinfo=UTC),
    )
    try:
        builder = LedgerBuilder(state=store.state, apply=store.append, origin=ORIGIN)
        builder.admin = builder.register_key("admin", "administrator")
        builder.tpi = builder.register_key("tpi", "internal_assessor")
        builder.regent = builder.register_key("regent", "regent")  # the builder's stage table names them
        builder.tpn = builder.register_key("tpn", "national_assessor")
        builder.minister = builder.register_key("minister", "minister")
        builder.to_building("u1")
        stage_entry = store.size - 1

        def assess(evidence: dict[str, Any] | None) -> int:
            body: dict[str, Any] = {
                "level": "internal",
                "year": 2021,
                "track": "wbk",
                "step": "lke",
                "scores": PASSING_WBK,
                "outcome": "passed",
                "remediation": [],
            }
            if evidence is not None:
                body["evidence"] = evidence
            builder.submit(builder.tpi, "assessment.reviewed", "unit/u1", body)
            return store.size - 1

        assessment = assess(
            {
                "workbook": _b64(digest_of(workbook.read_bytes())),
                "documents": {"root": _b64(manifest.root()), "count": manifest.count},
                "items": {"ipak": {"root": _b64(item_manifest.root()), "count": item_manifest.count}},
                "surveys": [{"survey": "ipak", "respondents": 120, "index": "3.41"}],
            }
        )
        other_assessment = assess({"documents": {"root": _b64(other.root()), "count": other.count}})
        plain_assessment = assess(None)
    finally:
        store.close()
    return EvidenceLedger(
        directory=directory,
        files=files,
        documents=documents,
        item_documents=item_documents,
        workbook=workbook,
        manifest=manifest_path,
        item_manifest=item_manifest_path,
        assessment=assessment,
        other_assessment=other_assessment,
        plain_assessment=plain_assessment,
        stage_entry=stage_entry,
    )
