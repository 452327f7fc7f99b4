"""Public log information and proofs (DESIGN §5, §8): no token needed, nothing personal in them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from api.deps import Store
from api.schemas import ConsistencyProof, InclusionProof, LogInfo, problem_responses
from ledger.crypto.keys import encode_base64
from ledger.errors import MalformedInput, NotFound

router = APIRouter(tags=["log"])
SIZE = Annotated[int, Query(ge=0, le=2**63 - 1)]


@router.get("/v1/log", response_model=LogInfo, responses=problem_responses(404))
async def log_info(store: Store) -> LogInfo:
    """The log's origin, verifier key, size and latest signed checkpoint."""
    store.refresh()
    return LogInfo(
        origin=store.origin,
        verifier_key=store.verifier_key_text,
        size=store.size,
        checkpoint=store.latest_checkpoint(),
    )


@router.get("/v1/proofs/inclusion", response_model=InclusionProof, responses=problem_responses(400, 404))
async def inclusion_proof(store: Store, index: SIZE, size: SIZE) -> JSONResponse:
    """RFC 9162 §2.1.3 inclusion proof of leaf `index` in the tree of `size` leaves."""
    store.ensure(size)
    _check_size(store.size, size)
    if index >= size:
        raise MalformedInput(f"index {index} is not below size {size}", code="index_out_of_range")
    proof = store.tree.inclusion_proof(index, size)
    # Built by hand: proofs are the hottest read, and the model would only re-check what is built here.
    return JSONResponse({"index": index, "size": size, "proof": [encode_base64(node) for node in proof]})


@router.get("/v1/proofs/consistency", response_model=ConsistencyProof, responses=problem_responses(400, 404))
async def consistency_proof(store: Store, first: SIZE, second: SIZE) -> JSONResponse:
    """RFC 9162 §2.1.4 consistency proof between the trees of `first` and `second` leaves."""
    store.ensure(second)
    _check_size(store.size, second)
    if first > second:
        raise MalformedInput(f"first size {first} is above second size {second}", code="size_out_of_range")
    proof = store.tree.consistency_proof(first, second)
    return JSONResponse({"first": first, "second": second, "proof": [encode_base64(node) for node in proof]})


def _check_size(current: int, size: int) -> None:
    if size > current:
        raise NotFound(f"size {size} is beyond the log's {current} leaves", code="size_out_of_range")
