"""What an operator watches (issue 17 item 5): access logs, Prometheus metrics, a health answer.

- Access log: one JSON line per request on the `integritas.access` logger: time, method, route,
  status, duration, response bytes, client address, problem code. The route is the template
  (`/v1/streams/{stream}`), never the path as sent, because paths carry stream names and stream
  names carry employee numbers; no query string (a token may be pasted there), no header (the
  Authorization header holds tokens), no body. The client address is the socket's peer, or the
  proxy's X-Forwarded-For once uvicorn trusts that proxy (`--forwarded-allow-ips`).
- Metrics at `/metrics`, in the Prometheus text format, through the official client library
  (prometheus-client): requests and their latency by route, accepted appends, refusals by code,
  and gauges read at scrape time from the store (entries, bytes), the views (lag) and, when the
  log has witnesses, their lag. Needs an operator read token: refusal counts and timings are for
  the operator. With several worker processes (PROMETHEUS_MULTIPROC_DIR set by `serve`) the
  counters of every worker are summed.
- `/healthz`: whether the ledger accepts entries (database reachable, disk not full), whether the
  views have caught up with the log, whether the witnesses have cosigned the latest checkpoint.
  200 when the ledger accepts entries, 503 when it does not; public, and it says nothing secret.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.registry import Collector
from starlette.routing import Match

from api.deps import authorised, bearer_token
from api.schemas import problem_responses

access_log = logging.getLogger("integritas.access")
log = logging.getLogger("integritas.observability")

ENTRIES_ROUTE = "/v1/entries"
PROBLEM_MEDIA_TYPE = b"application/problem+json"
MAX_PROBLEM_BYTES = 16_384  # a problem document is small; a larger body is not read for its code
# Below this much free space the store cannot promise to take an entry (SQLite needs room for its
# journal; PostgreSQL keeps its own disk, watched by its own monitoring).
MIN_FREE_BYTES = 64 * 1024 * 1024
VIEWS_WAIT_SECONDS = 2.0
# Witness lag: (witness name, size it last cosigned) for each witness of the log; None while the
# log has no witnesses configured (the gauge is then absent rather than a made-up zero).
WitnessSizes = Callable[[], Mapping[str, int]]
# Latency buckets in seconds: appends take milliseconds, a whole export takes seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The request-driven metrics of one app (counters and histograms)."""

    def __init__(self, registry: CollectorRegistry | None) -> None:
        self.requests = Counter(
            "integritas_http_requests",
            "HTTP requests answered, by method, route template and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "integritas_http_request_duration_seconds",
            "Time from request to the last byte of the response, by method and route template",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.appends = Counter(
            "integritas_appends",
            "Submissions accepted into the log (result: appended, or duplicate of an entry already in it)",
            ["result"],
            registry=registry,
        )
        self.refusals = Counter(
            "integritas_refusals",
            "Submissions refused, by problem code (stale_head, invalid_signature, ...)",
            ["code"],
            registry=registry,
        )
        self.problems = Counter(
            "integritas_http_problems",
            "Problem documents answered on any route, by status and code",
            ["status", "code"],
            registry=registry,
        )

        # The labelled children of `requests` and `latency` by (method, route, status): prometheus-client's
        # `labels()` validates and locks on every call, a tenth of a cheap read's CPU (issue 16 profile).
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float, code: str | None) -> None:
        children = self._children.get((method, route, status))
        if children is None:
            children = (self.requests.labels(method, route, str(status)), self.latency.labels(method, route))
            self._children[(method, route, status)] = children
        children[0].inc()
        children[1].observe(seconds)
        if code is not None:
            self.problems.labels(str(status), code).inc()
        if route == ENTRIES_ROUTE and method == "POST":
            if status in (200, 201):
                self.appends.labels("appended" if status == 201 else "duplicate").inc()
            elif code is not None:
                self.refusals.labels(code).inc()


class LedgerCollector(Collector):
    """Gauges read when Prometheus scrapes: log size, store bytes, views lag, witness lag."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def collect(self) -> Iterable[GaugeMetricFamily]:
        store = self.app.state.store
        size = store.size
        yield _gauge("integritas_log_entries", "Entries in the log (its tree size)", size)
        stored = store_bytes(store.storage)
        if stored is not None:
            yield _gauge("integritas_store_bytes", "Bytes the event store takes on disk", stored)
        views = self.app.state.views
        if views is not None:
            held = views.projector.size()
            yield _gauge("integritas_views_entries", "Entries the status views have folded", held)
            yield _gauge("integritas_views_lag_entries", "Entries of the log the views have not folded", size - held)
        witnesses = self.app.state.witness_sizes
        if witnesses is not None:
            family = GaugeMetricFamily(
                "integritas_witness_lag_entries",
                "Entries in the log past the last checkpoint each witness cosigned",
                labels=["witness"],
            )
            for name, cosigned in sorted(witnesses().items()):
                family.add_metric([name], size - cosigned)
            yield family


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def store_bytes(storage: Any) -> int | None:
    """The event database's size on disk: SQLite's file and its write-ahead log, or PostgreSQL's
    pg_database_size (which includes the views, kept in the same database)."""
    if storage.kind == "sqlite":
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(FileNotFoundError):
                total += os.stat(f"{storage.sqlite_path}{suffix}").st_size
        return total
    if storage.kind == "postgres":
        from ledger.store.config import connect_postgres

        try:
            with connect_postgres(storage.postgres_dsn) as connection:
                row = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        except Exception:
            log.warning("cannot read the PostgreSQL database size", exc_info=True)
            return None
        return int(row[0])
    return None


class AccessLog:
    """ASGI middleware: the access log line and the request metrics of every HTTP request."""

    def __init__(self, app: Any, *, routes: Callable[[], list[Any]], metrics: Callable[[], Metrics]) -> None:
        self.app = app
        self._routes = routes
        self._metrics = metrics

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        sent = 0
        problem: bytearray | None = None

        async def watch(message: Any) -> None:
            nonlocal status, sent, problem
            if message["type"] == "http.response.start":
                status = message["status"]
                problem = None
                for name, value in message.get("headers") or ():
                    if name == b"content-type":
                        problem = bytearray() if value.startswith(PROBLEM_MEDIA_TYPE) else None
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                sent += len(body)
                if problem is not None and len(problem) + len(body) <= MAX_PROBLEM_BYTES:
                    problem += body
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"]
            route = self.route_of(scope)
            code = problem_code(problem)
            self._metrics().observe(method, route, status, seconds, code)
            # The line is made only when the access log is on (configure_access_log): without it,
            # json.dumps and the clock reading are a tenth of a cheap read's CPU for nothing.
            if access_log.isEnabledFor(logging.INFO):
                client = scope.get("client")
                record = {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                    "method": method,
                    "route": route,
                    "status": status,
                    "duration_ms": round(seconds * 1000, 3),
                    "bytes": sent,
                    "client": client[0] if client else None,
                }
                if code is not None:
                    record["code"] = code
                access_log.info(json.dumps(record, separators=(",", ":")))

    def route_of(self, scope: Any) -> str:
        """The matched route's template; for an unmatched path, no path at all (it is the client's text)."""
        route = scope.get("route")
        if route is None:  # HEAD is routed on a copy of the scope (api.app.HeadAsGet): match again
            probe = {**scope, "method": "GET" if scope["method"] == "HEAD" else scope["method"]}
            route = next((r for r in self._routes() if r.matches(probe)[0] == Match.FULL), None)
        template = getattr(route, "path_format", None) or getattr(route, "path", None)
        return str(template) if template else "(unmatched)"


def problem_code(body: bytearray | None) -> str | None:
    if not body:
        return None
    try:
        code = json.loads(bytes(body)).get("code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None


def multiprocess() -> bool:
    """Whether metrics are shared by several worker processes (prometheus-client's multiprocess mode)."""
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def install(app: FastAPI, *, witness_sizes: WitnessSizes | None = None) -> None:
    """Add the access log and metrics middleware and the /metrics and /healthz routes to `app`.

    Added last, the middleware is outermost: it sees the request as the client sent it (HEAD, not
    the GET that api.app.HeadAsGet routes), and the route the router matched in the shared scope.
    """
    # In multiprocess mode the values live in files shared by the workers; the metric objects
    # then belong to no registry, and a scrape collects the files.
    app.state.metrics_registry = None if multiprocess() else CollectorRegistry(auto_describe=True)
    app.state.metrics = Metrics(app.state.metrics_registry)
    app.state.witness_sizes = witness_sizes
    router = APIRouter(tags=["operations"])
    router.add_api_route(
        "/metrics",
        metrics_endpoint,
        methods=["GET"],
        response_class=Response,
        responses={200: {"content": {"text/plain": {}}}, **problem_responses(401, 403)},
        openapi_extra={"security": [{"readToken": []}]},  # an operator's read token (api.deps.READ_TOKEN)
    )
    router.add_api_route(
        "/healthz",
        health_endpoint,
        methods=["GET"],
        responses={
            200: {"description": "the ledger accepts entries (views and witnesses: see the document)"},
            503: {"description": "the ledger does not accept entries now (reasons in the document)"},
        },
    )
    app.router.routes.extend(router.routes)
    app.add_middleware(AccessLog, routes=lambda: app.router.routes, metrics=lambda: app.state.metrics)


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus metrics in the text exposition format (needs an operator read token)."""
    authorised(request.app.state.tokens, bearer_token(request), ("operator",))
    return Response(await run_in_threadpool(scrape, request.app), media_type=CONTENT_TYPE_LATEST)


def scrape(app: FastAPI) -> bytes:
    app.state.store.refresh()  # another process may have appended
    registry = CollectorRegistry(auto_describe=True)
    if multiprocess():
        from prometheus_client import multiprocess as shared

        shared.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        own = b""
    else:
        own = generate_latest(app.state.metrics_registry)
    registry.register(LedgerCollector(app))
    return own + generate_latest(registry)


async def health_endpoint(request: Request) -> JSONResponse:
    """Whether the ledger accepts entries and whether views and witnesses are current."""
    health = await run_in_threadpool(check_health, request.app)
    return JSONResponse(health, status_code=200 if health["accepting_entries"] else 503)


def check_health(app: FastAPI) -> dict[str, Any]:
    store = app.state.store
    reasons: list[str] = []
    try:
        store.refresh()
        size = store.size
    except Exception as exc:  # the database is down or damaged: say so, not why (that is in the log)
        log.warning("health: the store cannot be read: %s", exc)
        return {
            "accepting_entries": False,
            "views_current": False,
            "witnesses_current": None,
            "reasons": ["the event store cannot be read"],
        }
    free = free_bytes(app)
    accepting = free is None or free >= MIN_FREE_BYTES
    if not accepting:
        reasons.append("the data directory's disk is nearly full")
    views = app.state.views
    views_current = views is not None and views.wait_for(size, timeout=VIEWS_WAIT_SECONDS)
    views_size = views.projector.size() if views is not None else None
    if not views_current:
        reasons.append("the views are behind the log")
    witnesses_current: bool | None = None
    witness_lag: dict[str, int] = {}
    if app.state.witness_sizes is not None:
        witness_lag = {name: size - cosigned for name, cosigned in app.state.witness_sizes().items()}
        witnesses_current = all(lag <= 0 for lag in witness_lag.values())
        if not witnesses_current:
            reasons.append("a witness has not cosigned the latest checkpoint")
    return {
        "accepting_entries": accepting,
        "views_current": views_current,
        "witnesses_current": witnesses_current,
        "log_entries": size,
        "views_entries": views_size,
        "witness_lag": witness_lag,
        "reasons": reasons,
    }


def free_bytes(app: FastAPI) -> int | None:
    storage = app.state.store.storage
    if storage.kind != "sqlite":
        return None
    return shutil.disk_usage(storage.sqlite_path.parent).free


def configure_access_log(stream: Any = None) -> None:
    """Send the access log, one JSON object a line, to `stream` (default stdout: the journal under
    systemd). Idempotent: a second call adds no second handler."""
    if any(getattr(h, "_integritas_access", False) for h in access_log.handlers):
        return
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._integritas_access = True  # type: ignore[attr-defined]
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False
