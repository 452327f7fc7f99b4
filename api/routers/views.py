"""Status views and oversight queries over HTTP (DESIGN §7–8): the same answers as the CLI.

Every answer carries `as_of` {tree_size, root_hash} and a `digest` that anyone can recompute
offline with `integritas views digest`. `after=<leaf index>` waits until the views hold that leaf
(reads-your-writes after an append). Token-protected like other reads: units and names.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import EntryReader
from api.problems import ApiError
from api.schemas import problem_responses
from ledger.errors import NotFound
from projections import queries

router = APIRouter(tags=["status and oversight"])
Offset = Annotated[int, Query(ge=0, le=10**9)]
Limit = Annotated[int, Query(ge=1, le=queries.MAX_PAGE)]
After = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="wait until the views hold this leaf index")]
Type = Annotated[str | None, Query(alias="type", max_length=32)]
Text = Annotated[str | None, Query(max_length=64)]
ERRORS = problem_responses(400, 401, 403, 404, 503)


async def _views(request: Request, after: int | None) -> Any:
    """The view recorder to answer from, once it holds leaf `after` (if asked)."""
    service = request.app.state.views
    if service is None:
        raise ApiError("this server keeps no views (its store is in memory)", code="views_unavailable")
    if after is not None:
        store = request.app.state.store
        await run_in_threadpool(store.ensure, after + 1)
        if after >= store.size:
            raise NotFound(f"leaf {after} is not in the log (size {store.size})", code="index_out_of_range")
    if after is not None and not await run_in_threadpool(service.wait_for, after + 1):
        raise ApiError(f"the views do not hold leaf {after} yet; try again shortly", code="views_behind")
    return service.projector.view


def _run(function: Any, recorder: Any, *args: Any, **kwargs: Any) -> Any:
    # One read snapshot per answer, so that as_of and the rows agree (queries.read).
    return run_in_threadpool(queries.read, recorder, function, *args, **kwargs)


@router.get("/v1/units", responses=ERRORS)
async def list_units(
    request: Request,
    _: EntryReader,
    type_: Type = None,
    stage: Text = None,
    track: Text = None,
    predicate: Text = None,
    below: Text = None,
    sort: str = "unit",
    offset: Offset = 0,
    limit: Limit = 100,
    after: After = None,
) -> dict[str, Any]:
    """Every unit's status, filtered (type, stage, track, predicate, coverage below) and sorted."""
    views = await _views(request, after)
    return await _run(
        queries.unit_list,
        views,
        type_=type_,
        stage=stage,
        track=track,
        predicate=predicate,
        below=below,
        sort=sort,
        offset=offset,
        limit=limit,
    )


@router.get("/v1/units/{unit}", responses=ERRORS)
async def get_unit(unit: str, request: Request, _: EntryReader, after: After = None) -> dict[str, Any]:
    """One unit: stage, track, predicate, coverage, results, remediation, witnesses, notes, bar."""
    return await _run(queries.unit_status, await _views(request, after), unit)


@router.get("/v1/units/{unit}/history", responses=ERRORS)
async def get_unit_history(
    unit: str, request: Request, _: EntryReader, offset: Offset = 0, limit: Limit = 100, after: After = None
) -> dict[str, Any]:
    """Everything recorded about the unit across its streams, in log order, paginated."""
    return await _run(queries.unit_history, await _views(request, after), unit, offset=offset, limit=limit)


@router.get("/v1/oversight/counts", responses=ERRORS)
async def counts(request: Request, _: EntryReader, after: After = None) -> dict[str, Any]:
    """Region-wide counts of units by stage and by predicate."""
    return await _run(queries.region_counts, await _views(request, after))


@router.get("/v1/oversight/stalled", responses=ERRORS)
async def stalled(
    request: Request,
    _: EntryReader,
    days: Annotated[int, Query(ge=0, le=36500)] = 180,
    on: date | None = None,
    type_: Type = None,
    stage: Text = None,
    track: Text = None,
    offset: Offset = 0,
    limit: Limit = 100,
    after: After = None,
) -> dict[str, Any]:
    """Units with no stage change for `days` days before `on` (default today); longest first."""
    return await _run(
        queries.stalled,
        await _views(request, after),
        days=days,
        on=on,
        type_=type_,
        stage=stage,
        track=track,
        offset=offset,
        limit=limit,
    )


@router.get("/v1/oversight/pact-gaps", responses=ERRORS)
async def pact_gaps(
    request: Request,
    _: EntryReader,
    below: str = "1",
    type_: Type = None,
    stage: Text = None,
    offset: Offset = 0,
    limit: Limit = 100,
    after: After = None,
) -> dict[str, Any]:
    """Units whose pact coverage is below `below`, with the employees known to lack a valid pact."""
    return await _run(
        queries.pact_gaps,
        await _views(request, after),
        below=below,
        type_=type_,
        stage=stage,
        offset=offset,
        limit=limit,
    )


@router.get("/v1/oversight/remediation", responses=ERRORS)
async def remediation(
    request: Request,
    _: EntryReader,
    older_than: Annotated[int, Query(ge=0, le=36500)] = 0,
    on: date | None = None,
    type_: Type = None,
    unit: Text = None,
    offset: Offset = 0,
    limit: Limit = 100,
    after: After = None,
) -> dict[str, Any]:
    """Open remediation items at least `older_than` days old on `on`; oldest first."""
    return await _run(
        queries.open_remediation,
        await _views(request, after),
        older_than=older_than,
        on=on,
        type_=type_,
        unit=unit,
        offset=offset,
        limit=limit,
    )


@router.get("/v1/oversight/failed-reviews", responses=ERRORS)
async def failed_reviews(
    request: Request,
    _: EntryReader,
    since: Text = None,
    until: Text = None,
    level: Text = None,
    track: Text = None,
    type_: Type = None,
    unit: Text = None,
    offset: Offset = 0,
    limit: Limit = 100,
    after: After = None,
) -> dict[str, Any]:
    """Failed assessments with their failing checks and remediation; newest first."""
    return await _run(
        queries.failed_reviews,
        await _views(request, after),
        since=since,
        until=until,
        level=level,
        track=track,
        type_=type_,
        unit=unit,
        offset=offset,
        limit=limit,
    )


@router.get("/v1/oversight/signers/{signer}", responses=ERRORS)
async def signer(
    signer: str,
    request: Request,
    _: EntryReader,
    since: Text = None,
    until: Text = None,
    offset: Offset = 0,
    limit: Limit = 100,
    after: After = None,
) -> dict[str, Any]:
    """A signer's key (role, scope, holder, validity) and everything they signed, in log order."""
    return await _run(
        queries.signer_activity,
        await _views(request, after),
        signer,
        since=since,
        until=until,
        offset=offset,
        limit=limit,
    )
