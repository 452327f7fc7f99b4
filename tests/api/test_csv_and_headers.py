"""Regression test of an outside attack's finding: CSV cells a spreadsheet could run are neutralised; API
answers carry nosniff, token-gated ones no-store (issue 10, item 12)."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from api.web.pages.oversight import _csv_cell
from tests.api.api_builder import Tokens, bearer


@pytest.mark.parametrize(
    "text",
    [" =1+1", "\t=1", "\r=1", "\n=1", "\u00a0=1", "\uff1d1+1", "\uff0b1", "\uff0d1", "\uff20SUM(A1)", "=1", "@x"],
)
def test_a_csv_cell_a_spreadsheet_could_run_is_neutralised(text: str) -> None:
    assert _csv_cell(text) == "'" + text
    row = next(csv.reader(io.StringIO(_write_row(_csv_cell(text)))))
    assert row[0].startswith("'")


def test_a_plain_csv_cell_is_kept() -> None:
    assert _csv_cell("Dinas Kesehatan") == "Dinas Kesehatan"
    assert _csv_cell(12) == "12"


def _write_row(cell: str) -> str:
    output = io.StringIO()
    csv.writer(output).writerow([cell])
    return output.getvalue()


def test_api_json_answers_carry_nosniff(client: TestClient) -> None:
    for path in ("/v1/log", "/v1/entries/999", "/no/such/route", "/tlog/checkpoint"):
        assert client.get(path).headers.get("x-content-type-options") == "nosniff", path


def test_token_gated_answers_are_no_store(client: TestClient, tokens: Tokens) -> None:
    for path in ("/v1/entries/0", "/tlog/tile/entries/000.p/1", "/v1/streams/ledger"):
        response = client.get(path, headers=bearer(tokens.auditor))
        assert response.status_code == 200, (path, response.text)
        assert response.headers.get("cache-control") == "no-store", path
        assert response.headers.get("x-content-type-options") == "nosniff", path
