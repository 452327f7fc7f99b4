"""Observability (issue 17 item 5): the access log holds no token, query or personal data; the
metrics scrape parses (prometheus_client.parser) and counts what happened; /healthz says whether
entries are accepted and whether views and witnesses are current, and says so truthfully."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api import observability
from api.app import create_app
from api.settings import Settings
from tests.api.api_builder import ApiBuilder, Tokens, assert_problem, bearer, new_ledger, post_submission

NIP = "198001012010011001"  # an employee number: personal data that must not reach the log


def make_app(tmp_path: Path, tokens: Tokens, **options: Any) -> FastAPI:
    app = create_app(Settings(ledger_dir=new_ledger(tmp_path / "ledger"), token_file=tokens.path))
    app.state.witness_sizes = options.get("witness_sizes")
    return app


@pytest.fixture
def tokens(tmp_path: Path) -> Tokens:
    return Tokens.create(tmp_path / "tokens.json")


@pytest.fixture
def client(tmp_path: Path, tokens: Tokens) -> Iterator[TestClient]:
    with TestClient(make_app(tmp_path, tokens), raise_server_exceptions=False) as test_client:
        yield test_client


def scrape(client: TestClient, token: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """The scrape, parsed by the Prometheus client's own parser: {sample name: {labels: value}}."""
    response = client.get("/metrics", headers=bearer(token))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=")
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict[str, Any], name: str, **labels: str) -> float:
    return float(samples[name][tuple(sorted(labels.items()))])


def access_records(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "integritas.access"]


def test_the_access_log_names_routes_and_never_tokens_queries_or_people(
    client: TestClient, tokens: Tokens, caplog: pytest.LogCaptureFixture
) -> None:
    builder = ApiBuilder(client.app, client)  # type: ignore[arg-type]
    builder.standard_cast()
    builder.register_unit("dpmptsp")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="integritas.access"):
        assert client.get(f"/v1/streams/pact/dpmptsp/{NIP}", headers=bearer(tokens.auditor)).status_code == 200
        assert client.get(f"/v1/entries/1?token={tokens.operator}", headers=bearer(tokens.auditor)).status_code == 200
        assert client.get("/v1/entries/1", headers=bearer(tokens.revoked)).status_code == 401
        assert client.head("/v1/log").status_code == 200
        assert client.get(f"/no/such/{NIP}").status_code == 404
    text = caplog.text
    for secret in (tokens.auditor, tokens.operator, tokens.revoked, NIP, "token=", "Bearer"):
        assert secret not in text
    records = access_records(caplog)
    assert [(r["method"], r["route"], r["status"]) for r in records] == [
        ("GET", "/v1/streams/{stream}", 200),
        ("GET", "/v1/entries/{index}", 200),
        ("GET", "/v1/entries/{index}", 401),
        ("HEAD", "/v1/log", 200),
        ("GET", "(unmatched)", 404),
    ]
    assert records[2]["code"] == "unauthorized" and records[4]["code"] == "no_such_route"
    assert "code" not in records[1]
    for record in records:
        assert record.keys() <= {"time", "method", "route", "status", "duration_ms", "bytes", "client", "code"}
        assert record["client"] == "testclient" and record["duration_ms"] >= 0 and record["time"].endswith("Z")


def test_metrics_count_appends_refusals_and_latency_and_read_the_store(client: TestClient, tokens: Tokens) -> None:
    builder = ApiBuilder(client.app, client)  # type: ignore[arg-type]
    builder.standard_cast()
    appended = len(builder.accepted)
    first = builder.accepted[0][0].entry
    # The first key registration again, a day later: the rules refuse a key registered twice.
    again = builder.sign(builder.root, first.kind, first.stream, dict(first.body), at=builder.tick())
    assert_problem(post_submission(client, again), 422, "key_exists")
    duplicate = builder.accepted[0][0]
    assert post_submission(client, duplicate).status_code == 200
    assert_problem(post_submission(client, b"{not json"), 400, "malformed_json")

    samples = scrape(client, tokens.operator)
    store = client.app.state.store  # type: ignore[attr-defined]
    assert value(samples, "integritas_appends_total", result="appended") == appended
    assert value(samples, "integritas_appends_total", result="duplicate") == 1
    assert value(samples, "integritas_refusals_total", code="key_exists") == 1
    assert value(samples, "integritas_refusals_total", code="malformed_json") == 1
    post = {"method": "POST", "route": "/v1/entries"}
    assert value(samples, "integritas_http_requests_total", **post, status="201") == appended
    assert value(samples, "integritas_http_request_duration_seconds_count", **post) == appended + 3
    assert value(samples, "integritas_http_problems_total", status="422", code="key_exists") == 1
    assert value(samples, "integritas_log_entries") == store.size == appended + 1  # and the genesis
    assert value(samples, "integritas_store_bytes") > 0
    assert 0 <= value(samples, "integritas_views_lag_entries") <= store.size
    assert "integritas_witness_lag_entries" not in samples  # no witnesses configured: no made-up zero


def test_metrics_need_an_operator_token(client: TestClient, tokens: Tokens) -> None:
    assert_problem(client.get("/metrics"), 401, "unauthorized")
    assert_problem(client.get("/metrics", headers=bearer(tokens.auditor)), 403, "forbidden")
    assert_problem(client.get("/metrics", headers=bearer(tokens.revoked)), 401, "unauthorized")


def test_health_says_accepting_and_current(client: TestClient) -> None:
    ApiBuilder(client.app, client).standard_cast()  # type: ignore[arg-type]
    response = client.get("/healthz")
    assert response.status_code == 200
    health = response.json()
    assert health["accepting_entries"] is True and health["views_current"] is True
    assert health["witnesses_current"] is None and health["reasons"] == []
    assert health["log_entries"] == health["views_entries"] == client.app.state.store.size  # type: ignore[attr-defined]


def test_health_says_when_the_disk_is_full(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(observability, "MIN_FREE_BYTES", 1 << 62)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["accepting_entries"] is False
    assert "nearly full" in response.json()["reasons"][0]


def test_health_says_when_the_views_are_behind(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    client.app.state.views.stop()  # type: ignore[attr-defined]
    monkeypatch.setattr(observability, "VIEWS_WAIT_SECONDS", 0.2)
    ApiBuilder(client.app, client).register_key("late", "witness")  # type: ignore[arg-type]
    health = client.get("/healthz").json()
    assert health["accepting_entries"] is True and health["views_current"] is False
    assert health["views_entries"] < health["log_entries"]
    assert "views are behind" in " ".join(health["reasons"])


def test_witness_lag_is_a_gauge_and_a_health_answer(tmp_path: Path, tokens: Tokens) -> None:
    cosigned = {"witness-a": 1, "witness-b": 1}
    app = make_app(tmp_path, tokens, witness_sizes=lambda: cosigned)
    with TestClient(app) as client:
        assert client.get("/healthz").json()["witnesses_current"] is True  # genesis only: size 1
        ApiBuilder(app, client).register_key("w", "witness")
        health = client.get("/healthz").json()
        assert health["witnesses_current"] is False and health["witness_lag"] == {"witness-a": 1, "witness-b": 1}
        cosigned["witness-a"] = 2
        samples = scrape(client, tokens.operator)
        assert value(samples, "integritas_witness_lag_entries", witness="witness-a") == 0
        assert value(samples, "integritas_witness_lag_entries", witness="witness-b") == 1


def test_the_access_log_handler_writes_one_json_object_a_line(tmp_path: Path, tokens: Tokens) -> None:
    import io

    stream = io.StringIO()
    observability.configure_access_log(stream)
    observability.configure_access_log(stream)  # once only
    try:
        with TestClient(make_app(tmp_path, tokens)) as client:
            client.get("/v1/log")
        lines = [json.loads(line) for line in stream.getvalue().splitlines()]
        assert [(line["route"], line["status"]) for line in lines] == [("/v1/log", 200)]
    finally:
        logger = logging.getLogger("integritas.access")
        for handler in list(logger.handlers):
            if getattr(handler, "_integritas_access", False):
                logger.removeHandler(handler)
        logger.propagate = True


def test_health_says_when_the_store_cannot_be_read(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("database disk image is malformed")

    monkeypatch.setattr(client.app.state.store, "refresh", broken)  # type: ignore[attr-defined]
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["accepting_entries"] is False
    assert response.json()["reasons"] == ["the event store cannot be read"]
    assert "malformed" not in response.text  # the cause is in the server's log, not the answer
