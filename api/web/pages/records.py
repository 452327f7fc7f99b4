"""A record's page: the entry, its signer and key status, its inclusion proof, and its downloads."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.routers.entries import stored_entry
from api.web.access import PageError, PageReader
from api.web.pages.shared import page_store, router, unit_of_stream
from api.web.render import render
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.keys import encode_base64
from ledger.crypto.record_proof import parse_record_proof
from ledger.evidence import EVIDENCE_KINDS
from ledger.store.reader import LedgerReader

INDEX = Annotated[int, Path(ge=0, le=2**63 - 1)]


def _record_index(store: LedgerReader, index: int) -> None:
    store.ensure(index + 1)
    if index >= store.size:
        raise PageError(404, "Record {index} is not in the log (size {size}).", index=index, size=store.size)


@router.get("/records/{index}")
def record_page(index: INDEX, request: Request, _: PageReader) -> HTMLResponse:
    """An entry, its signer and key status, its inclusion proof and checkpoint, and the in-browser check."""
    store = page_store(request)
    store.refresh()
    _record_index(store, index)
    record = stored_entry(store, index)
    entry = record.entry
    # Against the witnesses' cosigned checkpoint when it already holds the record.
    witnessing = request.app.state.witnessing
    note = witnessing.cosigned()
    cosigned = SignedCheckpoint(note) if note is not None else None
    if cosigned is not None and cosigned.tree_size <= index:
        cosigned = None
    bundle = parse_record_proof(store.record_proof(index, cosigned))
    checkpoint = SignedCheckpoint(bundle.checkpoint).checkpoint
    key = store.key(entry["signer"])
    return render(
        request,
        "record.html",
        record=record,
        entry=entry,
        body=json.dumps(entry["body"], indent=2, ensure_ascii=False, sort_keys=True),
        unit=unit_of_stream(entry["stream"]),
        carries_evidence=entry["kind"] in EVIDENCE_KINDS and "evidence" in entry["body"],
        key=key,
        key_valid_then=key is not None and (key.revoked_index is None or index <= key.revoked_index),
        proof=[encode_base64(node) for node in bundle.proof],
        checkpoint={
            "text": bundle.checkpoint,
            "size": checkpoint.tree_size,
            "root": encode_base64(checkpoint.root_hash),
        },
        cosigned_by=witnessing.cosigners(bundle.checkpoint) if cosigned else None,
        witnessed=witnessing.policy is not None,
    )


@router.get("/records/{index}/entry")
def record_entry(index: INDEX, request: Request, _: PageReader) -> JSONResponse:
    """The stored entry, as `GET /v1/entries/{index}` answers it, for the page's own script (cookie access)."""
    store = page_store(request)
    _record_index(store, index)
    return JSONResponse(stored_entry(store, index).model_dump(), headers={"Cache-Control": "no-store"})


@router.get("/records/{index}/leaf")
def record_leaf(index: INDEX, request: Request, _: PageReader) -> Response:
    """The leaf bytes, to check with the proof on the bundle page or with `integritas verify-record`."""
    store = page_store(request)
    _record_index(store, index)
    return Response(
        store.leaf(index),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="integritas-{index}.leaf"', "Cache-Control": "no-store"},
    )
