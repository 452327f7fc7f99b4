"""Fixtures of the API tests: `create_app` over throwaway ledgers (DESIGN §8).

A fresh ledger (genesis only) per test for everything that writes; the Blora demo ledger, built once
per session and never written, for the read routes that need a tree of some size (full tiles,
level-1 tiles, long proofs).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from demo.build import build_demo
from tests.api.api_builder import ApiBuilder, DemoLog, Tokens, bearer, new_ledger


@pytest.fixture
def ledger_dir(tmp_path: Path) -> Path:
    return new_ledger(tmp_path / "ledger")


@pytest.fixture
def tokens(tmp_path: Path) -> Tokens:
    return Tokens.create(tmp_path / "tokens.json")


@pytest.fixture
def app(ledger_dir: Path, tokens: Tokens) -> FastAPI:
    return create_app(Settings(ledger_dir=ledger_dir, token_file=tokens.path))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    # A 500 must come back as a response to assert on, as a real client would see it.
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def builder(app: FastAPI, client: TestClient) -> ApiBuilder:
    return ApiBuilder(app, client)


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoLog:
    directory = tmp_path_factory.mktemp("api-demo") / "ledger"
    store = build_demo(directory)
    leaves = tuple(store.leaves())
    store.close()
    trust = json.loads((directory / "trust.json").read_text(encoding="utf-8"))
    return DemoLog(directory, leaves, trust)


@pytest.fixture(scope="module")
def demo_tokens(tmp_path_factory: pytest.TempPathFactory) -> Tokens:
    return Tokens.create(tmp_path_factory.mktemp("demo-tokens") / "tokens.json")


@pytest.fixture(scope="module")
def demo_client(demo: DemoLog, demo_tokens: Tokens) -> Iterator[TestClient]:
    """A client of the API over the demo ledger: read it, never write to it."""
    app = create_app(Settings(ledger_dir=demo.directory, token_file=demo_tokens.path))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def views_ready(demo_client: TestClient, demo: DemoLog, demo_tokens: Tokens) -> TestClient:
    """The demo client once its views hold the whole log (the server folds it in the background)."""
    deadline = time.monotonic() + 300
    while True:
        response = demo_client.get(f"/v1/oversight/counts?after={demo.size - 1}", headers=bearer(demo_tokens.auditor))
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return demo_client
