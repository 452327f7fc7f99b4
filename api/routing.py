"""Routes answered without FastAPI's per-request machinery, for the API's two busiest requests.

FastAPI solves a route's dependencies, builds its parameter model and handles its response on every
request: by cProfile and py-spy (issue 16), a third of an entry read's CPU and a sixth of an append's
on the event loop, and the routes before a route are each matched first. A `DirectRoute` matches its
requests by a regular expression before every other route (`create_app` puts it first) and hands
them to a coroutine that does what the FastAPI route does. The FastAPI route stays: it documents
the request in OpenAPI and answers whatever the direct route does not match (`-1`, `007`, ...).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from starlette._utils import get_route_path
from starlette.datastructures import URLPath
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, NoMatchFound
from starlette.types import Scope

Handler = Callable[..., Awaitable[Response]]


class DirectRoute(BaseRoute):
    """`method` requests whose path `pattern` matches in full, answered by `handler(request, **params)`.

    `params(match)` makes the handler's keyword arguments from the match, or says None: not this
    route's (the request goes on to the next route). `documented` is the FastAPI endpoint of the same
    request, whose name the access log and metrics report and links resolve.
    """

    def __init__(
        self,
        method: str,
        pattern: str,
        path: str,
        handler: Handler,
        documented: Callable[..., Any],
        params: Callable[[re.Match[str]], dict[str, Any] | None] = lambda match: {},
    ) -> None:
        self.methods = frozenset({method})  # HEAD arrives as GET (api.app.HeadAsGet)
        self.method = method
        self.pattern = re.compile(pattern)
        self.path = self.path_format = path  # the template the access log and metrics name
        self.name = f"{documented.__name__}_direct"
        self.handler = handler
        self.documented = documented
        self.params = params

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and scope["method"] == self.method:
            found = self.pattern.fullmatch(get_route_path(scope))
            if found is not None:
                params = self.params(found)
                if params is not None:
                    return Match.FULL, {"endpoint": self.documented, "path_params": params, "route": self}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: Any) -> URLPath:
        raise NoMatchFound(name, path_params)  # links name the documented route

    async def handle(self, scope: Scope, receive: Any, send: Any) -> None:
        response = await self.handler(Request(scope, receive), **scope["path_params"])
        await response(scope, receive, send)


def direct_routes_first(routes: list[BaseRoute]) -> None:
    """Put the direct routes before every other one, in place (their patterns are exact)."""
    routes.sort(key=lambda route: not isinstance(route, DirectRoute))
