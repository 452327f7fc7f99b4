"""Regression test of an outside attack's finding: a lone surrogate in a member name is a 400 with a code,
not a 500 (issue 10, item 3)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.api.api_builder import JSON, assert_problem

_ENTRY = (
    b'"v":1,"log":"test.integritas.example/log","kind":"unit.registered","stream":"unit/u1","seq":0,'
    b'"prev":null,"at":"2024-01-01T00:00:00Z","signer":"' + b"0" * 64 + b'"'
)
_BODY = b'"name":"Unit","type":"kecamatan","headcount":3'
_SIGNATURE = b'"' + b"A" * 86 + b'=="'


@pytest.mark.parametrize(
    "body",
    [
        b'{"entry":{' + _ENTRY + b',"body":{' + _BODY + b'}},"signature":' + _SIGNATURE + b',"\\ud800":1}',
        b'{"entry":{' + _ENTRY + b',"body":{' + _BODY + b'},"\\ud800":1},"signature":' + _SIGNATURE + b"}",
        b'{"entry":{' + _ENTRY + b',"body":{' + _BODY + b',"\\ud800":1}},"signature":' + _SIGNATURE + b"}",
    ],
    ids=["top", "entry", "entry.body"],
)
def test_a_lone_surrogate_member_name_is_400_with_a_code(
    client: TestClient, body: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    response = client.post("/v1/entries", content=body, headers=JSON)
    document = assert_problem(response, 400, "unknown_member")
    assert "\\ud800" in document["detail"]
    assert not [record for record in caplog.records if record.exc_info], "a traceback was logged"
