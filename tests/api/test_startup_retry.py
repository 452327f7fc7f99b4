"""A server worker's start tries again on a transient database error (api/app.py `_start`).

uvicorn stops every worker of a server when one worker's start fails; a database restarting, a lock
or a deadlock between workers starting together fails one start and not the next. Twins: an error
that lasts fails the start after the last attempt, and any other error fails it at once."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from eventsourcing.persistence import OperationalError
from fastapi.testclient import TestClient

import api.app as app_module
from api.app import STARTUP_ATTEMPTS, create_app
from api.settings import Settings
from ledger.store.application import LedgerStore
from tests.api.api_builder import DemoLog


def failing_open(monkeypatch: pytest.MonkeyPatch, failures: int, error: Exception) -> list[int]:
    """Make the first `failures` store openings raise `error`; the list counts every opening."""
    calls: list[int] = []
    real = app_module.open_store

    def open_store(settings: Settings) -> LedgerStore:
        calls.append(1)
        if len(calls) <= failures:
            raise error
        return real(settings)

    monkeypatch.setattr(app_module, "open_store", open_store)
    monkeypatch.setattr(app_module, "STARTUP_DELAY", 0.0)
    return calls


def settings_of(demo: DemoLog, tmp_path: Any) -> Settings:
    return Settings(ledger_dir=demo.directory, token_file=tmp_path / "tokens.json")


def test_a_transient_database_error_at_the_start_is_tried_again(
    demo: DemoLog, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    calls = failing_open(monkeypatch, 2, OperationalError("deadlock detected"))
    with (
        caplog.at_level(logging.WARNING, logger="api.app"),
        TestClient(create_app(settings_of(demo, tmp_path))) as client,
    ):
        assert client.get("/v1/log").status_code == 200
    assert len(calls) == 3
    assert f"start failed (OperationalError: deadlock detected); attempt 2 of {STARTUP_ATTEMPTS}" in caplog.text


def test_a_lasting_database_error_fails_the_start_after_the_last_attempt(
    demo: DemoLog, tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = failing_open(monkeypatch, STARTUP_ATTEMPTS, OperationalError("connection refused"))
    with pytest.raises(OperationalError), TestClient(create_app(settings_of(demo, tmp_path))):
        pass
    assert len(calls) == STARTUP_ATTEMPTS


def test_any_other_error_fails_the_start_at_once(demo: DemoLog, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = failing_open(monkeypatch, 1, ValueError("ledger.json names no storage"))
    with pytest.raises(ValueError), TestClient(create_app(settings_of(demo, tmp_path))):
        pass
    assert len(calls) == 1
