"""Regression test of an outside attack's finding: links on pages stay on this origin, whatever the path
(issue 10, item 5)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["//evil.example/x", "/\\evil.example/x", "///evil.example/x"])
def test_the_404_page_links_stay_on_this_origin(client: TestClient, path: str) -> None:
    response = client.get("http://testserver" + path, headers={"accept": "text/html"})
    assert response.status_code == 404
    links = re.findall(r'href="([^"]*lang=en[^"]*)"', response.text)
    assert links and all(link.endswith("evil.example/x?lang=en") for link in links), links
    assert all(link.startswith("/") and link[1:2] not in ("/", "\\") for link in links), links
