"""Regression test of an outside attack's finding: tile paths of thousands of digits are 400, not 500 (issue
10, item 4)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.api_builder import Tokens, assert_problem, bearer


@pytest.mark.parametrize(
    "path",
    [
        "/tlog/tile/0/" + "x000/" * 1500 + "001",
        "/tlog/tile/" + "1" * 5000 + "/000",
        "/tlog/tile/0/000.p/" + "1" * 5000,
        "/tlog/tile/entries/" + "x123/" * 2000 + "456",
    ],
    ids=["index", "level", "width", "entries"],
)
def test_a_tile_path_of_thousands_of_digits_is_400(client: TestClient, tokens: Tokens, path: str) -> None:
    response = client.get(path, headers=bearer(tokens.auditor))
    assert_problem(response, 400, "invalid_tile_path")
