"""People and search (issue 13): the directory of keys, a page per key holder, and the search box.

They show names and employee numbers, so they need a read token like every page that shows what
entries say (`access.PageReader`); signing in by key grants the same rights. Names and the search
index come from the views (projections.people), never from a scan of the log.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import HTMLResponse

from api.routers.personal_data import persons_of_search
from api.web.access import PageError, PageReader
from api.web.pages.shared import Pager, Params, page_store, page_views, router
from api.web.render import render
from ledger.entry import FINGERPRINT_PATTERN, ROLES
from projections import people, queries

PEOPLE_PER_PAGE = 50
ENTRIES_PER_PAGE = 50
RESULTS_PER_PAGE = 50


@router.get("/people")
def directory(request: Request, _: PageReader) -> HTMLResponse:
    """Every registered key: holder, role, scope, office, valid from, revoked; by name, a page at a time."""
    params = Params(request)
    role = params.text("role", choices=ROLES)
    pager = Pager(params.page(), PEOPLE_PER_PAGE, 0)
    with page_views(request) as views:
        answer = queries.people_directory(views, role=role, offset=pager.offset, limit=pager.size)
    return render(
        request,
        "people.html",
        nav="people",
        as_of=answer["as_of"],
        answer=answer,
        keys=answer["data"],
        pager=Pager(pager.number, pager.size, answer["page"]["total"]),
        role=role,
        roles=ROLES,
    )


@router.get("/people/{fingerprint}")
def person(fingerprint: str, request: Request, _: PageReader) -> HTMLResponse:
    """One key and its holder: the key's facts, the holder's pacts, and every entry the key signed."""
    fingerprint = fingerprint.lower()
    if not FINGERPRINT_PATTERN.fullmatch(fingerprint):
        raise PageError(404, "No key has the fingerprint {fingerprint}.", fingerprint=fingerprint[:64])
    pager = Pager(Params(request).page(), ENTRIES_PER_PAGE, 0)
    with page_views(request) as views:
        key = views.person(fingerprint)
        if key is None:
            raise PageError(404, "No key has the fingerprint {fingerprint}.", fingerprint=fingerprint)
        activity = queries.signer_activity(views, fingerprint, offset=pager.offset, limit=pager.size)
        pacts = people.pacts_of(views, key)
    return render(
        request,
        "person.html",
        nav="people",
        as_of=activity["as_of"],
        key=key,
        answer=activity,
        entries=activity["data"]["entries"],
        pacts=pacts,
        pager=Pager(pager.number, pager.size, activity["page"]["total"]),
    )


@router.get("/search")
def search(request: Request, token: PageReader) -> HTMLResponse:
    """The search box's answers: units, keys and employees, by name, id, number or fingerprint prefix;
    on its first page, for readers of personal data, edition-3 persons by name or number (recorded)."""
    params = Params(request)
    q = params.text("q", max_length=people.MAX_QUERY)
    pager = Pager(params.page(), RESULTS_PER_PAGE, 0)
    answer = None
    persons = None
    if q is not None:
        with page_views(request) as views:
            answer = queries.search(views, q=q, offset=pager.offset, limit=pager.size)
        pager = Pager(pager.number, pager.size, answer["page"]["total"])
        if pager.number == 1:
            directory = request.app.state.settings.ledger_dir
            persons = persons_of_search(directory, page_store(request), token, q)
    return render(
        request,
        "search.html",
        nav="search",
        as_of=answer["as_of"] if answer else None,
        answer=answer,
        q=q or "",
        results=answer["data"] if answer else [],
        pager=pager,
        persons=persons,
    )
