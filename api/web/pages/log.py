"""The log page, public: origin, verifier key, checkpoint, the trust anchor, the whole-log download and
the recent entries.

The recent entries show what the leaves say publicly anyway (they are in the public tiles): index,
time, kind, stream and the signing key's office. A pact stream names an employee (edition 1 and 2:
`pact/<unit>/<employee number>`), so the public sees only `pact/<unit>/…`; a reader with a token (the
pages' cookie or a bearer header) sees the whole stream, as the record pages show it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.routers.tlog import export as export_archive
from api.web.access import ExportPageReader, current_reader
from api.web.pages.shared import Pager, Params, latest_checkpoint, page_store, router
from api.web.render import render, translator
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.entry import parse_leaf
from ledger.errors import LedgerError
from ledger.store.reader import LedgerReader


def trust_document(store: LedgerReader, request: Request) -> dict[str, Any]:
    """The trust anchor as trust.json states it, with the ledger's witness policy if it has one."""
    anchor = store.trust_anchor()
    policy = request.app.state.witnessing.policy_text
    if policy is not None:
        anchor = dataclasses.replace(anchor, witness_policy_text=policy)
    return anchor.to_json()


def _witnesses(request: Request) -> dict[str, Any] | None:
    """The ledger's witnesses and who cosigned the checkpoint served now, for the page."""
    witnessing = request.app.state.witnessing
    if witnessing.policy is None:
        return None
    cosigned = witnessing.cosigned()
    return {
        "names": [witness.name for witness in witnessing.policy.witnesses],
        "quorum": witnessing.policy.describe_quorum(of=translator(request).gettext("of")),
        "cosigned_by": witnessing.cosigners(cosigned) if cosigned else [],
        "size": SignedCheckpoint(cosigned).tree_size if cosigned else None,
        "text": cosigned,
    }


RECENT_PER_PAGE = 50
PERSONAL_STREAMS = ("pact/", "person/")  # streams whose last segment names a person


def _public_stream(stream: str) -> str:
    if stream.startswith(PERSONAL_STREAMS):
        return stream.rsplit("/", 1)[0] + "/…"
    return stream


def _recent(store: LedgerReader, size: int, pager: Pager, reader: bool) -> list[dict[str, Any]]:
    """The entries of a page of the log, newest first, as the public (or a reader) may see them."""
    rows: list[dict[str, Any]] = []
    top = size - pager.offset
    for index in range(top - 1, max(top - pager.size, 0) - 1, -1):
        try:
            entry = parse_leaf(store.leaf(index)).entry
        except LedgerError:  # a damaged leaf: the verifier names it; the page only lists
            rows.append({"index": index, "kind": None, "stream": None, "at": None, "office": None})
            continue
        key = store.key(entry.signer)
        rows.append(
            {
                "index": index,
                "kind": entry.kind,
                "stream": entry.stream if reader else _public_stream(entry.stream),
                "at": entry.at,
                "office": key.office_name if key is not None else None,
            }
        )
    return rows


@router.get("/log")
def log_page(request: Request) -> HTMLResponse:
    """Origin, verifier key, size and checkpoint, how to verify the log offline, and the recent entries (public)."""
    store = page_store(request)
    checkpoint = latest_checkpoint(store)
    pager = Pager(Params(request).page(), RECENT_PER_PAGE, checkpoint["size"])
    return render(
        request,
        "log.html",
        nav="log",
        trust=trust_document(store, request),
        witnesses=_witnesses(request),
        key_id=store.verifier_key.key_id.hex(),
        checkpoint=checkpoint,
        base_url=str(request.base_url).rstrip("/"),
        recent=_recent(store, checkpoint["size"], pager, current_reader(request) is not None),
        pager=pager,
    )


@router.get("/log/trust.json")
def trust_file(request: Request) -> JSONResponse:
    """The trust anchor as this server states it; compare it with the one the administrator gave you."""
    anchor = trust_document(page_store(request), request)
    return JSONResponse(anchor, headers={"Content-Disposition": 'attachment; filename="trust.json"'})


@router.get("/log/export")
def log_export(request: Request, reader: ExportPageReader) -> Response:
    """The whole log as a tlog-tiles archive (as `GET /v1/export`), for a token held in the cookie."""
    return export_archive(request, page_store(request), reader)
