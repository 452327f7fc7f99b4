"""The public answers over HTTP (issue 14): no token, members by whitelist only, digests an offline fold
reproduces; and the OpenAPI's bearer scheme on the routes that need a read token."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ledger.log_sources import DataDirSource
from projections import public
from projections.offline import fold_source
from projections.queries import digest
from tests.api.api_builder import Tokens, bearer
from tests.api.conftest import DemoLog

PUBLIC = ("/v1/public/overview", "/v1/public/units", "/v1/public/units/dpmptsp", "/v1/public/decrees")


def caught_up(client: TestClient, demo: DemoLog) -> None:
    """Wait until the views hold the whole demo log (they catch up in the background after start)."""
    assert client.app.state.views.wait_for(demo.size, timeout=300)  # type: ignore[attr-defined]


def test_public_answers_need_no_token_and_match_an_offline_fold(demo_client: TestClient, demo: DemoLog) -> None:
    caught_up(demo_client, demo)
    offline = fold_source(DataDirSource(demo.directory))
    expected = {
        "/v1/public/overview": public.public_overview(offline),
        "/v1/public/units": public.public_units(offline),
        "/v1/public/units/dpmptsp": public.public_unit(offline, "dpmptsp"),
        "/v1/public/decrees": public.public_decrees(offline),
    }
    for path in PUBLIC:
        response = demo_client.get(path)
        assert response.status_code == 200, path
        assert response.json() == expected[path], path
    answer = demo_client.get("/v1/public/units").json()
    assert answer["as_of"]["tree_size"] == len(demo.leaves)
    # The digest covers the rows: a changed row gives another.
    assert digest(answer) == answer["digest"]
    answer["data"][0]["stage"] = "designated" if answer["data"][0]["stage"] != "designated" else "building"
    assert digest(answer) != answer["digest"]


def test_a_unit_row_keeps_only_whitelisted_members() -> None:
    document: dict[str, Any] = {
        "unit": "u",
        "name": "Unit",
        "type": "dinas",
        "agency": "",
        "stage": "designated",
        "track": "wbk",
        "predicate": "wbk",
        "stage_since": "2021-01-01T00:00:00Z",
        "registered_at": "2020-01-01T00:00:00Z",
        "pact_coverage": {"valid": 1, "headcount": 2, "ratio": "0.5000", "missing": [{"name": "Ani"}]},
        "released_pacts": [{"number": "196402141992012001", "name": "Eni Mulyani"}],
        "decrees": [
            {
                "act": "designation",
                "predicate": "wbk",
                "number": "SK 1",
                "date": "2021-01-01",
                "document": "d",
                "index": 7,
                "at": "t",
                "signed_by": "Eni Mulyani",
            }
        ],
        "revocation": None,
        "monitoring": [{"year": 2022, "outcome": "maintained", "index": 9, "note": "Eni Mulyani"}],
        "oversight_notes": [{"text": "Eni Mulyani"}],
        "a_member_added_later": "Eni Mulyani",
    }
    row = public.public_unit_row(document)
    assert "Eni" not in repr(row) and "Ani" not in repr(row) and "1964" not in repr(row)
    assert row["designation"] == {k: document["decrees"][0][k] for k in public.DECREE_MEMBERS}
    assert row["pact_coverage"] == {"valid": 1, "headcount": 2, "ratio": "0.5000"}


def test_public_records_are_designations_and_revocations_of_listed_members_only() -> None:
    designation = {"kind": "stage.advanced", "body": {"from": "nominated", "to": "designated", "track": "wbk"}}
    assert public.public_record_allowed(designation)
    assert not public.public_record_allowed({**designation, "body": {**designation["body"], "to": "building"}})
    assert not public.public_record_allowed({**designation, "body": {**designation["body"], "holder": "x"}})
    assert not public.public_record_allowed({"kind": "pact.signed", "body": {}})
    assert public.public_record_allowed({"kind": "predicate.revoked", "body": {"predicate": "wbk", "note": "n"}})


def test_the_check_document_of_a_designated_and_a_revoked_unit(demo_client: TestClient, demo: DemoLog) -> None:
    caught_up(demo_client, demo)
    held = demo_client.get("/v1/public/units/dpmptsp/check").json()
    assert held["holds"] is True and held["revocation"] is None
    record = held["designation"]
    assert record["entry"]["kind"] == "stage.advanced" and record["entry"]["stream"] == "unit/dpmptsp"
    assert set(record["signer_key"]) == {"public_key", "index", "office"}
    revoked = demo_client.get("/v1/public/units/fiktif-dinas-a/check").json()
    assert revoked["holds"] is False and revoked["revocation"]["entry"]["kind"] == "predicate.revoked"
    assert revoked["revocation"]["index"] > revoked["designation"]["index"]
    never = demo_client.get("/v1/public/units/setwan/check")
    assert never.status_code == 404 and never.json()["code"] == "not_designated"
    unknown = demo_client.get("/v1/public/units/no-such-unit/check")
    assert unknown.status_code == 404 and unknown.json()["code"] == "unknown_unit"


def test_openapi_declares_the_bearer_scheme_on_token_routes_only(demo_client: TestClient, demo_tokens: Tokens) -> None:
    schema = demo_client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["readToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["readToken"]["description"],
    }
    paths = schema["paths"]
    assert paths["/v1/entries/{index}"]["get"]["security"] == [{"readToken": []}]
    assert paths["/v1/units"]["get"]["security"] == [{"readToken": []}]
    assert paths["/metrics"]["get"]["security"] == [{"readToken": []}]
    assert paths["/tlog/tile/{path}"]["get"]["security"] == [{}, {"readToken": []}]  # entry bundles only
    for public_path in ("/v1/log", "/v1/entries/{index}/proof", "/v1/public/units", "/v1/public/units/{unit}/check"):
        assert "security" not in paths[public_path]["get"], public_path
    assert "security" not in paths["/v1/entries"]["post"]  # writes are authorised by their signatures
    # The scheme is only a declaration: tokens are checked as before.
    assert demo_client.get("/v1/entries/5").status_code == 401
    assert demo_client.get("/v1/entries/5", headers=bearer(demo_tokens.auditor)).status_code == 200


def test_docs_are_served_from_the_package(demo_client: TestClient) -> None:
    page = demo_client.get("/docs")
    assert page.status_code == 200 and "/docs/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    script = demo_client.get("/docs/static/swagger-ui-bundle.js")
    assert script.status_code == 200 and len(script.content) > 100_000
    assert demo_client.get("/docs/static/../../etc/passwd").status_code == 404
    missing = demo_client.get("/docs/static/index.html")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
