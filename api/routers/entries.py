"""Submitting entries and reading them back (DESIGN §3, §8).

A submission is parsed by ledger.entry, strictly, from the raw body: no model sits in front of it
that could accept what the ledger refuses. Writes need no token: the entry's signature is the
authorisation, checked by the rules with every other rule.
"""

from __future__ import annotations

import logging
import pathlib
import re
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from api.deps import ENTRY_READERS, EntryReader, Reader, authorised, bearer_token
from api.errors import UnsupportedMediaType
from api.routing import DirectRoute
from api.schemas import Receipt, StoredEntry, Submission, problem_responses
from ledger import codes, entry
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.keys import encode_base64
from ledger.entry import parse_submission
from ledger.errors import NotFound, TooLarge
from ledger.store.application import LedgerStore
from ledger.store.application import Receipt as StoreReceipt
from ledger.store.erasure import append_entry, require_held_data
from ledger.store.reader import LedgerReader, StoredLeaf

if TYPE_CHECKING:  # psycopg loads only for PostgreSQL
    from ledger.store.postgres import AsyncPointReader

log = logging.getLogger("integritas.api")
router = APIRouter(tags=["entries"])
MAX_INDEX = 2**63 - 1
INDEX = Annotated[int, Path(ge=0, le=MAX_INDEX, description="leaf index")]


async def read_limited(request: Request, limit: int) -> bytes:
    """The request body, refusing more than `limit` bytes before reading them all."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"request body of {declared} bytes is over the limit of {limit}", code=codes.REQUEST_TOO_LARGE)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge(f"request body is over the limit of {limit} bytes", code=codes.REQUEST_TOO_LARGE)
    return bytes(body)


@router.post(
    "/v1/entries",
    status_code=201,
    response_model=Receipt,
    responses={
        200: {"model": Receipt, "description": "the submission was already in the log: its original receipt"},
        **problem_responses(400, 409, 413, 415, 422, 503),
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Submission"}}},
        }
    },
)
async def submit_entry(request: Request) -> JSONResponse:
    """Append a signed entry. 201 with a receipt; 200 with the original receipt for a duplicate."""
    return await submit(request)


async def submit(request: Request) -> JSONResponse:
    """The answer of POST /v1/entries (`submit_entry`, and its direct route)."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(f"send the submission as application/json, not {media_type or 'nothing'}")
    state = request.app.state
    body = await read_limited(request, state.settings.max_request_bytes)
    submission = parse_submission(body)
    # An erasure (rules edition 3) is followed by the deletion of the person's data, as `integritas erase`.
    receipt = await run_in_threadpool(_append, state.store, state.settings.ledger_dir, submission)
    return receipt_response(request, state.store, receipt)


def _append(store: LedgerStore, directory: pathlib.Path, submission: entry.Submission) -> StoreReceipt:
    """In one trip to the thread pool (a trip is a tenth of an append's CPU on the event loop)."""
    require_held_data(store, directory, submission)
    return append_entry(store, directory, submission)


def receipt_response(request: Request, store: LedgerStore, receipt: StoreReceipt) -> JSONResponse:
    """The answer to an accepted submission: 201 with its receipt, 200 with the original for a duplicate."""
    request.app.state.witnessing.notify()  # wakes the witness threads; never waits for a witness
    return JSONResponse(receipt_document(store, receipt), status_code=200 if receipt.duplicate else 201)


def receipt_document(store: LedgerStore, receipt: StoreReceipt) -> dict[str, Any]:
    """The `Receipt` response model's fields, in its order, made without validating them again (the
    store made them: tests/api/test_direct_routes.py checks them equal to the model's dump)."""
    proof = store.inclusion_proof(receipt.leaf_index, receipt.tree_size)
    return {
        "index": receipt.leaf_index,
        "leaf_hash": encode_base64(receipt.leaf_hash),
        "tree_size": receipt.tree_size,
        "checkpoint": receipt.checkpoint,
        "inclusion_proof": [encode_base64(node) for node in proof],
    }


@router.get("/v1/entries/{index}", response_model=StoredEntry, responses=problem_responses(400, 401, 403, 404))
async def get_entry(index: INDEX, store: Reader, _: EntryReader, request: Request) -> Response:
    """The entry at leaf `index`, with its signature (needs a read token: entries name people)."""
    return await entry_response(store, index, request.app.state.reads_on_loop)


async def entry_response(store: LedgerReader, index: int, reads_on_loop: AsyncPointReader | None) -> Response:
    """The answer of GET /v1/entries/{index} once its token is checked (`get_entry`, `read_entry`)."""
    # Answered with bytes made from the leaf: a profile of this route (issue 16) spent most of its
    # time on the thread-pool hop of a plain `def` route, on parsing the leaf and on validating and
    # re-serialising it through the response model, for a point read of one row. A SQLite read is
    # a local file's page: on the event loop. A PostgreSQL read is a network round trip, which must
    # not hold the loop (a blocking read there measured 5x slower under load): awaited on asyncpg's
    # connections (`AsyncPointReader`) for a leaf this process knows, else (a catch-up first) in
    # the thread pool.
    if _reads_locally(store):
        body = stored_entry_json(store, index)
    else:
        stored = None
        if reads_on_loop is not None and isinstance(store, LedgerStore):
            try:
                stored = await store.entry_on_loop(index, reads_on_loop)
            except Exception as error:  # the thread pool's read answers, or reports the error as before
                log.warning("entry read on the event loop failed (%s); read again", type(error).__name__)
        if stored is not None:
            body = entry_json(stored)
        else:
            body = await run_in_threadpool(stored_entry_json, store, index)
    return Response(body, media_type="application/json")


async def read_entry(request: Request, index: int) -> Response:
    """GET /v1/entries/{index} for a plain index, by its direct route: what `get_entry` and its
    `EntryReader` dependency do."""
    state = request.app.state
    authorised(state.tokens, bearer_token(request), ENTRY_READERS)
    return await entry_response(state.store, index, state.reads_on_loop)


def _plain_index(match: re.Match[str]) -> dict[str, Any] | None:
    index = int(match[1])
    return {"index": index} if index <= MAX_INDEX else None


def _reads_locally(store: LedgerReader) -> bool:
    storage = getattr(store, "storage", None)  # a LedgerStore's; other readers: the safe way
    return storage is not None and storage.kind == "sqlite"


@router.get(
    "/v1/entries/{index}/proof",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}, "description": "C2SP tlog-proof"}, **problem_responses(400, 404)},
)
async def get_entry_proof(
    index: INDEX, store: Reader, request: Request, cosigned: Annotated[bool, Query()] = False
) -> PlainTextResponse:
    """The C2SP tlog-proof of leaf `index` against the latest checkpoint (public: hashes only).

    With `cosigned=true`, against the latest checkpoint the witnesses cosigned: the receipt
    upgraded for verifiers that hold the log to a witness quorum. Until a cosigned checkpoint holds
    the leaf: 404 `not_cosigned_yet` with `Retry-After: 1` (normally a fraction of a second).
    """
    store.ensure(index + 1)
    if index >= store.size:
        raise NotFound(f"leaf index {index} is not below the tree size {store.size}", code=codes.INDEX_OUT_OF_RANGE)
    checkpoint = None
    if cosigned:
        note = request.app.state.witnessing.cosigned()
        checkpoint = SignedCheckpoint(note) if note is not None else None
        if checkpoint is None or checkpoint.tree_size <= index:
            raise NotFound(
                f"no cosigned checkpoint holds leaf {index} yet: try again in a second",
                code=codes.NOT_COSIGNED_YET,
                retry_after=1,
            )
    return PlainTextResponse(store.record_proof(index, checkpoint), media_type="text/plain; charset=utf-8")


def stored_entry_json(store: LedgerReader, index: int) -> bytes:
    """`stored_entry(store, index)` as the JSON bytes FastAPI would send for it, without parsing the leaf.

    A leaf is the canonical JSON (RFC 8785) of `{"entry", "signature"}`, and for these values (no
    floats; strings escaped as JCS and pydantic both do: the two short escapes and lowercase
    \\u00xx for other controls, everything else as UTF-8) the response model would write the same
    bytes: `{"index":…,"leaf_hash":"…",` followed by the leaf's members. tests/api checks them equal.
    """
    return entry_json(store.entry(index))


def entry_json(stored: StoredLeaf) -> bytes:
    """The response bytes for `stored` (see `stored_entry_json`)."""
    head = b'{"index":%d,"leaf_hash":"%s",' % (stored.index, encode_base64(stored.leaf_hash).encode("ascii"))
    return head + stored.leaf[1:]


def stored_entry(store: LedgerReader, index: int) -> StoredEntry:
    stored = store.entry(index)
    leaf = stored.document()
    return StoredEntry(
        index=index,
        leaf_hash=encode_base64(stored.leaf_hash),
        entry=leaf["entry"],
        signature=leaf["signature"],
    )


# A plain index (digits, no leading zero, at most 2^63 - 1) and a submission are answered by direct
# routes (api.routing); anything else reaches `get_entry`, which answers it exactly as before.
router.routes += [
    DirectRoute("GET", r"/v1/entries/(0|[1-9][0-9]{0,18})", "/v1/entries/{index}", read_entry, get_entry, _plain_index),
    DirectRoute("POST", r"/v1/entries", "/v1/entries", submit, submit_entry),
]

__all__ = ["Submission", "router"]
