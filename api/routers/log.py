"""Public log information and proofs (DESIGN §5, §8): no token needed, nothing personal in them."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from api.deps import Reader, ledger_reader
from api.errors import INVALID_REQUEST
from api.schemas import ConsistencyProof, CosignedCheckpoint, InclusionProof, LogInfo, problem_responses
from ledger import codes
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.keys import encode_base64
from ledger.errors import MalformedInput, NotFound

router = APIRouter(tags=["log"])
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")
MAX_SIZE = 2**63 - 1


def _size_parameter(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": True,
        "description": description,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_SIZE},
    }


def _query_size(request: Request, name: str) -> int:
    """A required non-negative integer query parameter, read by hand.

    Proofs are the hottest public read; FastAPI's parameter machinery costs more than computing
    the proof (measured: scripts/bench api), so these routes parse their two integers themselves
    and document them in `openapi_extra`.
    """
    text = request.query_params.get(name)
    if text is None:
        raise MalformedInput(f"query parameter {name} is required", code=INVALID_REQUEST)
    if not _DECIMAL.fullmatch(text) or int(text) > MAX_SIZE:
        raise MalformedInput(f"query parameter {name} must be an integer from 0 to 2^63-1", code=INVALID_REQUEST)
    return int(text)


@router.get("/v1/log", response_model=LogInfo, responses=problem_responses(404))
async def log_info(store: Reader) -> LogInfo:
    """The log's origin, verifier key, size and latest signed checkpoint."""
    store.refresh()
    return LogInfo(
        origin=store.origin,
        verifier_key=store.verifier_key_text,
        size=store.size,
        checkpoint=store.latest_checkpoint(),
    )


@router.get("/v1/log/cosigned", response_model=CosignedCheckpoint, responses=problem_responses(404))
async def cosigned_checkpoint(request: Request) -> CosignedCheckpoint:
    """The latest checkpoint the ledger's witnesses cosigned (C2SP tlog-cosignature lines appended),
    its size and who cosigned it. 404 `not_cosigned_yet` (with `Retry-After`) until one has."""
    witnessing = request.app.state.witnessing
    note = witnessing.cosigned()
    if note is None:
        raise NotFound("no checkpoint of this log is cosigned yet", code=codes.NOT_COSIGNED_YET, retry_after=1)
    return CosignedCheckpoint(
        size=SignedCheckpoint(note).tree_size, checkpoint=note, cosigned_by=witnessing.cosigners(note)
    )


@router.get(
    "/v1/proofs/inclusion",
    response_model=InclusionProof,
    responses=problem_responses(400, 404),
    openapi_extra={"parameters": [_size_parameter("index", "leaf index"), _size_parameter("size", "tree size")]},
)
async def inclusion_proof(request: Request) -> JSONResponse:
    """RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size` leaves."""
    index, size = _query_size(request, "index"), _query_size(request, "size")
    store = ledger_reader(request)
    store.ensure(size)
    _check_size(store.size, size)
    if index >= size:
        raise MalformedInput(f"index {index} is not below size {size}", code=codes.INDEX_OUT_OF_RANGE)
    proof = store.inclusion_proof(index, size)
    # Built by hand: proofs are the hottest read, and the model would only re-check what is built here.
    return JSONResponse({"index": index, "size": size, "proof": [encode_base64(node) for node in proof]})


@router.get(
    "/v1/proofs/consistency",
    response_model=ConsistencyProof,
    responses=problem_responses(400, 404),
    openapi_extra={
        "parameters": [_size_parameter("first", "older tree size"), _size_parameter("second", "newer tree size")]
    },
)
async def consistency_proof(request: Request) -> JSONResponse:
    """RFC 9162 §2.1.4 consistency proof between the trees of `first` and `second` leaves."""
    first, second = _query_size(request, "first"), _query_size(request, "second")
    store = ledger_reader(request)
    store.ensure(second)
    _check_size(store.size, second)
    if first > second:
        raise MalformedInput(f"first size {first} is above second size {second}", code=codes.SIZE_OUT_OF_RANGE)
    proof = store.consistency_proof(first, second)
    return JSONResponse({"first": first, "second": second, "proof": [encode_base64(node) for node in proof]})


def _check_size(current: int, size: int) -> None:
    if size > current:
        raise NotFound(f"size {size} is beyond the log's {current} leaves", code=codes.SIZE_OUT_OF_RANGE)
