"""The witness's HTTP service: C2SP tlog-witness ``POST /add-checkpoint`` and two reads.

- ``POST /add-checkpoint``: see :mod:`witness.protocol` for the statuses.
- ``GET /``: the witness's name, cosigner verifier key and the logs it witnesses (text).
- ``GET /checkpoint?origin=<origin>``: the latest checkpoint it cosigned for that log, with its
  cosignature: for monitors. tlog-witness leaves monitor retrieval open ("TBD"); this read is
  ours, and changes nothing.

Errors are plain text (tlog-witness does not define error bodies), one line naming the problem.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from ledger.crypto.cosignature import format_cosigner_key
from ledger.crypto.note import MAX_NOTE_BYTES, format_verifier_key
from witness.protocol import SIZE_CONTENT_TYPE, Witness
from witness.state import Refusal

__all__ = ["MAX_REQUEST_BYTES", "create_witness_app"]

MAX_REQUEST_BYTES = MAX_NOTE_BYTES + 64 * 64
"""Largest add-checkpoint body: an old size line, 63 proof lines and the largest note."""


def create_witness_app(witness: Witness) -> FastAPI:
    """The ASGI app serving ``witness``."""
    app = FastAPI(title=f"Integritas witness {witness.name}", docs_url=None, redoc_url=None, openapi_url=None)

    @app.post("/add-checkpoint")
    async def add_checkpoint(request: Request) -> Response:
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_REQUEST_BYTES:
                return PlainTextResponse(f"request body is larger than {MAX_REQUEST_BYTES} bytes\n", status_code=413)
        try:
            lines = await run_in_threadpool(witness.add_checkpoint, bytes(body))
        except Refusal as refusal:
            # Exactly "text/x.tlog.size" for a 409, without a charset parameter: clients compare it.
            media_type = SIZE_CONTENT_TYPE if refusal.status == 409 else "text/plain; charset=utf-8"
            return Response(refusal.body.encode(), status_code=refusal.status, headers={"Content-Type": media_type})
        return Response(lines, media_type="text/plain; charset=utf-8")

    @app.get("/")
    def about() -> PlainTextResponse:
        logs = "".join(f"log {format_verifier_key(key)}\n" for key in witness.logs.values())
        return PlainTextResponse(f"witness {witness.name}\nkey {format_cosigner_key(witness.key)}\n{logs}")

    @app.get("/checkpoint")
    def latest(origin: str) -> Response:
        if origin not in witness.logs:
            return PlainTextResponse("unknown log origin\n", status_code=404)
        state = witness.state.latest(origin)
        if not state.cosigned:
            return PlainTextResponse("no checkpoint of this log was cosigned yet\n", status_code=404)
        return Response(state.cosigned, media_type="text/plain; charset=utf-8")

    return app
