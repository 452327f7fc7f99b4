"""People and search over HTTP and on the pages (issue 13): `GET /v1/people`, `GET /v1/search`, the signer
question by name, `/people`, `/people/{fingerprint}`, `/search` and `/units/DPMPTSP`, each behind a read
token, answered from the demo's views."""

from __future__ import annotations

import hashlib
import time

import pytest
from fastapi.testclient import TestClient

from ledger.crypto.keys import fingerprint, private_key_from_seed
from tests.api.api_builder import DemoLog, Tokens, bearer


def demo_fingerprint(name: str) -> str:
    return fingerprint(private_key_from_seed(hashlib.sha256(f"blora-2020/{name}".encode()).digest()).public_key())


@pytest.fixture(scope="module")
def client(demo_client: TestClient, demo: DemoLog, demo_tokens: Tokens) -> TestClient:
    """The demo's client once its views hold the whole log (the server folds it in the background)."""
    deadline = time.monotonic() + 300
    while True:
        response = demo_client.get(f"/v1/people?after={demo.size - 1}", headers=bearer(demo_tokens.auditor))
        if response.status_code == 200 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return demo_client


def test_people_and_search_need_a_read_token(client: TestClient, demo_tokens: Tokens) -> None:
    for path in ("/v1/people", "/v1/search?q=dpmptsp"):
        assert client.get(path).status_code == 401
        assert client.get(path, headers=bearer(demo_tokens.revoked)).status_code == 401
        assert client.get(path, headers=bearer(demo_tokens.overseer)).status_code == 200
    for path in ("/people", "/search?q=dpmptsp", f"/people/{demo_fingerprint('admin')}"):
        page = client.get(path)
        assert page.status_code == 401 and "token" in page.text.lower()


def test_the_directory_over_http(client: TestClient, demo_tokens: Tokens) -> None:
    answer = client.get("/v1/people?role=regent", headers=bearer(demo_tokens.auditor)).json()
    assert answer["query"] == "people" and len(answer["digest"]) == 64
    rows = {r["fingerprint"]: r for r in answer["data"]}
    assert set(rows) == {demo_fingerprint(f"regent/{n}") for n in (1, 2, 3)}
    assert rows[demo_fingerprint("regent/1")]["revoked"]["reason"] == "masa jabatan Bupati berakhir"
    assert rows[demo_fingerprint("regent/3")]["revoked"] is None
    bad = client.get("/v1/people?role=raja", headers=bearer(demo_tokens.auditor))
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_request"


def test_search_over_http(client: TestClient, demo_tokens: Tokens) -> None:
    answer = client.get("/v1/search", params={"q": "Penanaman"}, headers=bearer(demo_tokens.auditor)).json()
    assert [(r["what"], r["unit"]) for r in answer["data"]] == [("unit", "dpmptsp")]
    tpi = demo_fingerprint("tpi/1")
    answer = client.get("/v1/search", params={"q": tpi[:9]}, headers=bearer(demo_tokens.auditor)).json()
    assert [r["fingerprint"] for r in answer["data"]] == [tpi]
    empty = client.get("/v1/search", params={"q": "  "}, headers=bearer(demo_tokens.auditor))
    assert empty.status_code == 400 and empty.json()["code"] == "invalid_parameter"
    missing = client.get("/v1/search", headers=bearer(demo_tokens.auditor))
    assert missing.status_code == 400


def test_the_signer_question_by_name_over_http(client: TestClient, demo_tokens: Tokens) -> None:
    registrar = demo_fingerprint("pact_registrar/dpmptsp")
    key = client.get("/v1/people?limit=500", headers=bearer(demo_tokens.auditor)).json()["data"]
    name = next(k["name"] for k in key if k["fingerprint"] == registrar)
    answer = client.get(f"/v1/oversight/signers/{name}", headers=bearer(demo_tokens.auditor)).json()
    assert answer["params"]["signer"] == registrar
    # The regent in office holds two keys: his name alone answers 400 with both as candidates.
    regent = next(k["name"] for k in key if k["fingerprint"] == demo_fingerprint("regent/3"))
    ambiguous = client.get(f"/v1/oversight/signers/{regent}", headers=bearer(demo_tokens.auditor))
    assert ambiguous.status_code == 400
    problem = ambiguous.json()
    assert problem["code"] == "ambiguous_signer"
    assert {c["fingerprint"] for c in problem["candidates"]} == {
        demo_fingerprint("regent/3"),
        demo_fingerprint("witness/regent/3"),
    }
    unknown = client.get("/v1/oversight/signers/Tidak Ada Orangnya", headers=bearer(demo_tokens.auditor))
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_signer"


def test_the_pages(client: TestClient, demo_tokens: Tokens) -> None:
    headers = bearer(demo_tokens.auditor)
    directory = client.get("/people?role=unit_head", headers=headers)
    assert directory.status_code == 200
    assert "Orang dan kunci" in directory.text  # Indonesian first
    head = demo_fingerprint("unit_head/dpmptsp")
    assert f'href="/people/{head}"' in directory.text

    person = client.get(f"/people/{head.upper()}?lang=en", headers=headers)
    assert person.status_code == 200
    assert "Integrity pacts" in person.text and "/units/dpmptsp" in person.text
    assert "still valid" in person.text
    revoked = client.get(f"/people/{demo_fingerprint('regent/1')}?lang=en", headers=headers)
    assert "revoked in record" in revoked.text and "masa jabatan Bupati berakhir" in revoked.text
    assert client.get(f"/people/{'0' * 64}", headers=headers).status_code == 404
    assert client.get("/people/bukan-sidik-jari", headers=headers).status_code == 404

    found = client.get("/search?q=dpmptsp&lang=en", headers=headers)
    assert found.status_code == 200 and 'href="/units/dpmptsp"' in found.text
    nothing = client.get("/search?q=zzqqxx&lang=en", headers=headers)
    assert "Nothing found" in nothing.text
    assert 'action="/search"' in client.get("/units", headers=headers).text  # the box in every header

    unit = client.get("/units/DPMPTSP", headers=headers)
    assert unit.status_code == 200 and "Dinas Penanaman Modal" in unit.text


def test_the_signer_page_lists_the_candidates_of_an_ambiguous_name(client: TestClient, demo_tokens: Tokens) -> None:
    headers = bearer(demo_tokens.auditor)
    keys = client.get("/v1/people?role=regent", headers=headers).json()["data"]
    regent = next(k["name"] for k in keys if k["fingerprint"] == demo_fingerprint("regent/3"))
    page = client.get("/oversight/signer", params={"signer": regent, "lang": "en"}, headers=headers)
    assert page.status_code == 200
    assert "Which signer?" in page.text
    assert f'href="/oversight/signer?signer={demo_fingerprint("witness/regent/3")}"' in page.text
    by_name = client.get(
        "/oversight/signer", params={"signer": regent.split()[0] + " x", "lang": "en"}, headers=headers
    )
    assert by_name.status_code == 404  # nobody's name has the word x after it
