"""The public answers over HTTP (issue 14): no token, no personal data (projections.public).

`/v1/public/...` answers what the public pages show, each with `as_of` and `digest` like every view
answer. `/v1/public/units/{unit}/check` gives what a plaque's check page verifies in the browser: the
unit's designation record and, if its predicate was revoked since, the revocation record, each whole
(entry and signature, so that its leaf hash can be recomputed) with the public key of its signer; the
inclusion proofs come from the public `/v1/entries/{index}/proof`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import ledger_reader
from api.schemas import problem_responses
from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.entry import ID_PATTERN
from ledger.errors import NotFound, Unavailable
from ledger.store.reader import LedgerReader
from projections import public, queries

router = APIRouter(tags=["public"])
ERRORS = problem_responses(404, 503)
UnitId = Annotated[str, Path(description="the unit's id", max_length=64)]


def answer_of(request: Request, function: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
    """`function` answered from the views as of one committed state (one snapshot)."""
    service = request.app.state.views
    if service is None:
        raise Unavailable("this server keeps no views (its store is in memory)", code=codes.VIEWS_UNAVAILABLE)
    return queries.read(service.projector.view, function, *args)


def _unit_id(unit: str) -> str:
    if not ID_PATTERN.fullmatch(unit):
        raise NotFound(f"unit {unit} is not registered", code=codes.UNKNOWN_UNIT)
    return unit


@router.get("/v1/public/overview", responses=ERRORS)
async def public_overview(request: Request) -> dict[str, Any]:
    """Counts of units by stage, predicate and type, pact coverage in total, decrees (public)."""
    return await run_in_threadpool(answer_of, request, public.public_overview)


@router.get("/v1/public/units", responses=ERRORS)
async def public_units(request: Request) -> dict[str, Any]:
    """Every unit: stage, track, predicate, pact coverage as counts, decrees, monitoring (public)."""
    return await run_in_threadpool(answer_of, request, public.public_units)


@router.get("/v1/public/units/{unit}", responses=ERRORS)
async def public_unit(unit: UnitId, request: Request) -> dict[str, Any]:
    """One unit as the public sees it (public)."""
    return await run_in_threadpool(answer_of, request, public.public_unit, _unit_id(unit))


@router.get("/v1/public/decrees", responses=ERRORS)
async def public_decrees(request: Request) -> dict[str, Any]:
    """Every decree of designation and revocation: number, date, document digest, unit (public)."""
    return await run_in_threadpool(answer_of, request, public.public_decrees)


@router.get("/v1/public/units/{unit}/check", responses=ERRORS)
async def public_check(unit: UnitId, request: Request) -> dict[str, Any]:
    """What a plaque's check page verifies: the unit's designation record, the revocation record that
    ended it (if any), each with its signer's public key, and whether the predicate still holds."""
    return await run_in_threadpool(check_document, request, _unit_id(unit))


def check_document(request: Request, unit: str) -> dict[str, Any]:
    status = answer_of(request, public.public_unit, unit)
    row = status["data"]
    designation, revocation = public.plaque_records(row)
    if designation is None:
        raise NotFound(f"unit {unit} has no decree of designation", code=codes.NOT_DESIGNATED)
    store = ledger_reader(request)
    return {
        "unit": status,
        "holds": revocation is None and row["predicate"] == designation["predicate"],
        "designation": public_record(store, designation["index"]),
        "revocation": None if revocation is None else public_record(store, revocation["index"]),
    }


def public_record(store: LedgerReader, index: int) -> dict[str, Any] | None:
    """A designation or revocation record whole, with its signer's public key and the office it acts
    for (the key's title; never its holder's name); None if the record holds a member not on its
    kind's public list."""
    store.ensure(index + 1)
    stored = store.entry(index)
    leaf = stored.document()
    if not public.public_record_allowed(leaf["entry"]):
        return None
    key = store.key(leaf["entry"]["signer"])
    return {
        "index": index,
        "leaf_hash": encode_base64(stored.leaf_hash),
        "entry": leaf["entry"],
        "signature": leaf["signature"],
        "signer_key": None
        if key is None
        else {"public_key": encode_base64(key.public_key), "index": key.registered_index, "office": key.holder_title},
    }
