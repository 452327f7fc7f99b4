"""Status views and oversight queries over HTTP (DESIGN §7–8): the same answers as the CLI.

Every answer carries `as_of` {tree_size, root_hash, at} and a `digest` of the whole answer that
anyone can recompute offline with `integritas views digest` (projections.offline.digest_command
prints the command for an answer); days are counted to the day of `as_of.at` unless `on` says.
`after=<leaf index>` waits until the views hold that leaf (reads-your-writes after an append).
Token-protected like other reads: units and names.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.concurrency import run_in_threadpool

from api.deps import EntryReader, ledger_reader
from api.routers import personal_data
from api.schemas import problem_responses
from ledger import codes
from ledger.errors import NotFound, Unavailable
from projections import catalog, queries

router = APIRouter(tags=["status and oversight"])
After = Annotated[int | None, Query(ge=0, le=2**63 - 1, description="wait until the views hold this leaf index")]
ERRORS = problem_responses(400, 401, 403, 404, 503)

# Where each query answers, and the name of its operation in the OpenAPI document.
ROUTES = {
    "units": ("/v1/units", "list_units"),
    "unit": ("/v1/units/{unit}", "get_unit"),
    "history": ("/v1/units/{unit}/history", "get_unit_history"),
    "counts": ("/v1/oversight/counts", "counts"),
    "stalled": ("/v1/oversight/stalled", "stalled"),
    "pact-gaps": ("/v1/oversight/pact-gaps", "pact_gaps"),
    "remediation": ("/v1/oversight/remediation", "remediation"),
    "failed-reviews": ("/v1/oversight/failed-reviews", "failed_reviews"),
    "signer": ("/v1/oversight/signers/{signer}", "signer"),
    "open-cases": ("/v1/oversight/open-cases", "open_cases"),
    "unmonitored": ("/v1/oversight/unmonitored", "unmonitored"),
    "lapsed": ("/v1/oversight/lapsed", "lapsed"),
    "barred": ("/v1/oversight/barred", "barred"),
    "proposals": ("/v1/oversight/proposals", "proposals"),
    "people": ("/v1/people", "list_people"),
    "search": ("/v1/search", "search"),
}

# What a query's HTTP answer gains beyond the views, by the reader's token: the search's persons, found
# by name or number through the personal-data store for readers of personal data (issue 15).
COMPLETIONS = {"search": personal_data.search_with_persons}


async def _views(request: Request, after: int | None) -> Any:
    """The view recorder to answer from, once it holds leaf `after` (if asked)."""
    service = request.app.state.views
    if service is None:
        raise Unavailable("this server keeps no views (its store is in memory)", code=codes.VIEWS_UNAVAILABLE)
    if after is not None:
        store = ledger_reader(request)
        await run_in_threadpool(store.ensure, after + 1)
        if after >= store.size:
            raise NotFound(f"leaf {after} is not in the log (size {store.size})", code=codes.INDEX_OUT_OF_RANGE)
    if after is not None and not await run_in_threadpool(service.wait_for, after + 1):
        raise Unavailable(f"the views do not hold leaf {after} yet; try again shortly", code=codes.VIEWS_BEHIND)
    return service.projector.view


def _run(function: Any, recorder: Any, *args: Any, **kwargs: Any) -> Awaitable[dict[str, Any]]:
    # One read snapshot per answer, so that as_of and the rows agree (queries.read).
    return run_in_threadpool(queries.read, recorder, function, *args, **kwargs)


def _annotation(param: catalog.Param, default: Any) -> Any:
    """The parameter's type as FastAPI reads it: its choices as an enum, its bounds, its documentation."""
    value: Any = Literal[param.choices] if param.choices else param.value_type
    if param.subject:
        return Annotated[value, Path(description=param.help)]
    if default is None:
        value = value | None
    bounds: dict[str, Any] = {"ge": param.low, "le": param.high} if param.value_type is int else {}
    if param.value_type is str and not param.choices:
        bounds["max_length"] = param.max_length
    alias = param.name if param.keyword != param.name else None
    return Annotated[value, Query(alias=alias, description=param.help, **bounds)]


def route(query: catalog.Query, operation: str) -> Callable[..., Awaitable[dict[str, Any]]]:
    """The endpoint of `query`: FastAPI reads its parameters from the generated signature, so each route
    documents (and validates) exactly the catalog's HTTP parameters of its query."""
    params = query.on("http")
    subject = query.subject

    async def endpoint(request: Request, _: Any = None, after: int | None = None, **values: Any) -> dict[str, Any]:
        views = await _views(request, after)
        if subject is None:
            answer = await _run(query.runner, views, **values)
        else:
            answer = await _run(query.runner, views, values.pop(subject.keyword), **values)
        complete = COMPLETIONS.get(query.name)
        return answer if complete is None else await run_in_threadpool(complete, request, _, answer)

    keyword = inspect.Parameter.KEYWORD_ONLY
    signature = [
        *(inspect.Parameter(p.keyword, keyword, annotation=_annotation(p, None)) for p in params if p.subject),
        inspect.Parameter("request", keyword, annotation=Request),
        inspect.Parameter("_", keyword, annotation=EntryReader),
        *(
            inspect.Parameter(
                p.keyword, keyword, default=query.defaults[p.name], annotation=_annotation(p, query.defaults[p.name])
            )
            for p in params
            if not p.subject
        ),
        inspect.Parameter("after", keyword, default=None, annotation=After),
    ]
    endpoint.__signature__ = inspect.Signature(signature, return_annotation=dict[str, Any])  # type: ignore[attr-defined]
    endpoint.__name__ = endpoint.__qualname__ = operation
    endpoint.__doc__ = query.help
    return endpoint


for _name, (_path, _operation) in ROUTES.items():
    router.add_api_route(_path, route(catalog.CATALOG[_name], _operation), methods=["GET"], responses=ERRORS)
