"""The pages' demo note: shown for a log whose origin lies under a domain reserved for examples
(RFC 2606), the demo's among them, and learnt from the log itself rather than from the demo package."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.web.render import invented
from demo.build import DEMO_ORIGIN
from tests.api.api_builder import Tokens, bearer


@pytest.mark.parametrize(
    "origin",
    [DEMO_ORIGIN, "e2e.integritas.example/log", "example/log", "log.example.com/zi", "EXAMPLE.ORG/zi", "x.example./a"],
)
def test_an_origin_under_a_reserved_example_domain_is_invented(origin: str) -> None:
    assert invented(origin)


@pytest.mark.parametrize(
    "origin",
    [
        "integritas.blorakab.go.id/zi",
        "notexample.com/zi",
        "example.com.blorakab.go.id/zi",
        "examples/log",
        "blora.id/example",
        "integritas.example.id/zi",
    ],
)
def test_a_real_looking_origin_is_not(origin: str) -> None:
    assert not invented(origin)


def test_the_demos_pages_carry_the_note(demo_client: TestClient, demo_tokens: Tokens) -> None:
    page = demo_client.get("/", headers=bearer(demo_tokens.auditor))
    assert page.status_code == 200
    assert '<p class="demo-note">' in page.text
