"""Schemathesis against the API's own OpenAPI document (DESIGN §8): no 5xx, and every answer has a
documented status, a documented content type and a body that matches the documented schema.

Generated requests (positive and negative, derandomised, 30 examples per operation) carry a valid
read token, so token-protected reads are exercised past the token check. Requests the generator
cannot make (a correctly signed submission, a duplicate, a stale head) are run as explicit cases
and checked the same way.

The schema is loaded when this module is imported, over a throwaway ledger in a temporary
directory: `schemathesis.pytest.from_fixture` (lazy loading from a fixture) fails under pytest 9.2
(`'Function' object has no attribute '_nodeid'`), so the ledger cannot come from `tmp_path_factory`.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings

from api.app import create_app
from api.settings import Settings
from ledger.crypto.keys import encode_base64
from ledger.store.datadir import open_ledger
from tests.api.api_builder import Tokens, bearer, new_ledger
from tests.builder import ORIGIN, LedgerBuilder, key_for

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
]
BOUNDED = settings(
    max_examples=30,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)


def _throwaway_ledger() -> tuple[Path, Tokens, dict[str, Any]]:
    """A ledger with a few keys, a unit and an entry on its stream; tokens; submissions to post later."""
    base = Path(tempfile.mkdtemp(prefix="integritas-schemathesis-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    directory = new_ledger(base / "ledger")
    store = open_ledger(directory)
    builder = LedgerBuilder(state=store.state, apply=store.append, origin=ORIGIN)
    builder.admin = builder.register_key("admin", "administrator")
    builder.register_key("kajari", "overseer")
    builder.register_unit("dinkes")
    builder.submit(builder.admin, "unit.headcount_set", "unit/dinkes", {"headcount": 12})
    admin, unit = builder.admin, "unit/dinkes"
    lain = {"name": "Lain", "type": "dinas", "headcount": 3}
    submissions = {
        # Signed on the current head, never appended: the explicit cases post it.
        "next": builder.sign(admin, "unit.headcount_set", unit, {"headcount": 13}).to_json(),
        "stale": builder.sign(admin, "unit.headcount_set", unit, {"headcount": 14}, seq=0, prev=None).to_json(),
        "unknown signer": builder.sign(key_for("stranger"), "unit.registered", "unit/lain", lain).to_json(),
    }
    store.close()
    return directory, Tokens.create(base / "tokens.json"), submissions


LEDGER, TOKENS, SUBMISSIONS = _throwaway_ledger()
APP = create_app(Settings(ledger_dir=LEDGER, token_file=TOKENS.path))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_as_documented(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=bearer(TOKENS.auditor), checks=CHECKS)


@schema.include(path="/v1/log", method="GET").parametrize()
@BOUNDED
def test_undeclared_methods_are_405_with_allow(case: schemathesis.Case) -> None:
    case.call_and_validate(headers=bearer(TOKENS.auditor), checks=[schemathesis.checks.unsupported_method])


TOO_LARGE = {"entry": {"v": 1, "body": {"text": "x" * 70_000}}, "signature": ""}
EXPLICIT: list[tuple[str, str, dict[str, Any], int]] = [
    ("GET", "/v1/log", {}, 200),
    ("GET", "/v1/entries/{index}", {"path_parameters": {"index": 3}}, 200),
    ("GET", "/v1/entries/{index}", {"path_parameters": {"index": 99}}, 404),
    ("GET", "/v1/entries/{index}/proof", {"path_parameters": {"index": 3}}, 200),
    ("GET", "/v1/entries/{index}/proof", {"path_parameters": {"index": 99}}, 404),
    ("GET", "/v1/streams/{stream}", {"path_parameters": {"stream": "unit/dinkes"}}, 200),
    ("GET", "/v1/streams/{stream}", {"path_parameters": {"stream": "unit/kosong"}}, 200),
    ("GET", "/v1/streams/{stream}", {"path_parameters": {"stream": "Unit/Dinkes"}}, 400),
    ("GET", "/v1/proofs/inclusion", {"query": {"index": 2, "size": 5}}, 200),
    ("GET", "/v1/proofs/inclusion", {"query": {"index": 5, "size": 5}}, 400),
    ("GET", "/v1/proofs/inclusion", {"query": {"index": 0, "size": 99}}, 404),
    ("GET", "/v1/proofs/consistency", {"query": {"first": 2, "second": 7}}, 200),
    ("GET", "/v1/proofs/consistency", {"query": {"first": 7, "second": 2}}, 400),
    ("GET", "/v1/proofs/consistency", {"query": {"first": 0, "second": 99}}, 404),
    ("GET", "/v1/keys", {}, 200),
    ("GET", "/tlog/checkpoint", {}, 200),
    ("GET", "/tlog/tile/{path}", {"path_parameters": {"path": "0/000.p/7"}}, 200),
    ("GET", "/tlog/tile/{path}", {"path_parameters": {"path": "entries/000.p/7"}}, 200),
    ("GET", "/tlog/tile/{path}", {"path_parameters": {"path": "0/000"}}, 404),
    ("GET", "/tlog/tile/{path}", {"path_parameters": {"path": "0/7"}}, 400),
    ("GET", "/v1/export", {}, 200),
    ("POST", "/v1/entries", {"body": SUBMISSIONS["next"]}, 201),
    ("POST", "/v1/entries", {"body": SUBMISSIONS["next"]}, 200),  # the duplicate: its original receipt
    ("POST", "/v1/entries", {"body": SUBMISSIONS["stale"]}, 409),
    ("POST", "/v1/entries", {"body": SUBMISSIONS["unknown signer"]}, 422),
    ("POST", "/v1/entries", {"body": {**SUBMISSIONS["stale"], "signature": "AA=="}}, 400),
    ("POST", "/v1/entries", {"body": TOO_LARGE}, 413),
]


def test_explicit_cases_answer_as_documented() -> None:
    """Requests the generator cannot make, in order (the 201 comes before its duplicate's 200)."""
    receipts = []
    for method, path, parts, status in EXPLICIT:
        case = schema[path][method].Case(**parts)
        response = case.call_and_validate(headers=bearer(TOKENS.auditor), checks=CHECKS)
        assert response.status_code == status, (method, path, parts.keys(), response.text[:300])
        if status in (200, 201) and path == "/v1/entries":
            receipts.append(json.loads(response.content))
    assert receipts[0] == receipts[1]  # the duplicate's receipt is the original one
    assert receipts[0]["index"] == 7


def _responses() -> list[tuple[str, str, str, dict[str, Any]]]:
    document = APP.openapi()
    return [
        (method.upper(), path, status, response)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
    ]


def test_the_document_describes_the_real_receipt_and_problem_members() -> None:
    components = APP.openapi()["components"]["schemas"]
    assert set(components["Receipt"]["required"]) == {
        "index",
        "leaf_hash",
        "tree_size",
        "checkpoint",
        "inclusion_proof",
    }
    assert set(components["Problem"]["required"]) == {"type", "title", "status", "detail", "code"}
    assert {"head", "stream", "failing_checks"} <= components["Problem"]["properties"].keys()
    assert components["Submission"]["additionalProperties"] is False
    # Every route of DESIGN §8 that the app serves is in the document.
    assert {(method, path) for method, path, _, _ in _responses()} >= {
        ("GET", "/v1/log"),
        ("POST", "/v1/entries"),
        ("GET", "/v1/entries/{index}"),
        ("GET", "/v1/entries/{index}/proof"),
        ("GET", "/v1/streams/{stream}"),
        ("GET", "/v1/proofs/inclusion"),
        ("GET", "/v1/proofs/consistency"),
        ("GET", "/v1/keys"),
        ("GET", "/v1/export"),
        ("GET", "/tlog/checkpoint"),
        ("GET", "/tlog/tile/{path}"),
    }


def test_no_operation_documents_a_validation_error_the_app_never_sends() -> None:
    documented = sorted(
        f"{method} {path}"
        for method, path, status, response in _responses()
        for content in response.get("content", {}).values()
        if content.get("schema") == {"$ref": "#/components/schemas/HTTPValidationError"}
    )
    assert documented == []


def test_every_problem_is_documented_as_application_problem_json() -> None:
    wrong = sorted(
        f"{method} {path} {status}: {sorted(response.get('content', {}))}"
        for method, path, status, response in _responses()
        if status[0] in "45"
        and (
            set(response.get("content", {})) != {"application/problem+json"}
            or "schema" not in response["content"]["application/problem+json"]
        )
    )
    assert wrong == []


def test_binary_responses_document_only_their_media_type() -> None:
    documented = {
        (method, path): sorted(response.get("content", {}))
        for method, path, status, response in _responses()
        if status == "200" and path in ("/tlog/tile/{path}", "/v1/export")
    }
    assert documented == {
        ("GET", "/tlog/tile/{path}"): ["application/octet-stream"],
        ("GET", "/v1/export"): ["application/gzip"],
    }


def test_the_token_reaches_the_app() -> None:
    """The header every generated call carries is a valid read token (else reads would stop at 401)."""
    case = schema["/v1/keys"]["GET"].Case()
    assert case.call(headers=bearer(TOKENS.auditor)).status_code == 200
    assert case.call().status_code == 401
    keys = json.loads(case.call(headers=bearer(TOKENS.overseer)).content)
    assert keys[0]["public_key"] == encode_base64(key_for("root").public_key().public_bytes_raw())
