"""The personal-data routes (issue 15) over the demo ledger (rules edition 3): reads need a role and
a purpose, and are recorded."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from cli.main import main as cli_main
from demo.build import DEMO_KEYS
from ledger.personal import Disclosure, PersonalData, make_disclosure
from ledger.store.personal import PersonalDataStore
from tests.api.api_builder import DemoLog, Tokens, assert_problem, bearer


def _some_employee(demo: DemoLog) -> tuple[str, str, str]:
    with sqlite3.connect(demo.directory / "personal.sqlite") as db:
        person, name, number = db.execute(
            "SELECT person, name, number FROM persons WHERE number IS NOT NULL ORDER BY person LIMIT 1"
        ).fetchone()
    return person, name, number


def test_an_auditor_reads_a_person_stating_why_and_the_read_is_recorded(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens
) -> None:
    person, name, number = _some_employee(demo)
    response = demo_client.get(
        f"/v1/personal-data/{number}", params={"purpose": "audit pakta"}, headers=bearer(demo_tokens.auditor)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["person"] == person and body["data"] == {"name": name, "number": number}
    assert body["erased_index"] is None and body["indices"]
    reads = demo_client.get("/v1/personal-data/reads", params={"person": person}, headers=bearer(demo_tokens.operator))
    assert reads.status_code == 200
    [read] = reads.json()
    assert (read["person"], read["record"], read["purpose"]) == (person, f"person/{person}", "audit pakta")
    assert read["reader"].startswith("API test auditor (auditor, token ")
    assert name not in reads.text and number not in reads.text


def test_a_read_without_purpose_or_role_is_refused_and_not_recorded(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens
) -> None:
    person, _, number = _some_employee(demo)
    before = demo_client.get("/v1/personal-data/reads", headers=bearer(demo_tokens.operator)).json()
    assert_problem(
        demo_client.get(f"/v1/personal-data/{number}", params={"purpose": " "}, headers=bearer(demo_tokens.auditor)),
        400,
        "purpose_required",
    )
    assert_problem(
        demo_client.get(f"/v1/personal-data/{person}", params={"purpose": "x"}, headers=bearer(demo_tokens.overseer)),
        403,
        "forbidden",
    )
    assert_problem(demo_client.get(f"/v1/personal-data/{person}", params={"purpose": "x"}), 401, "unauthorized")
    assert_problem(demo_client.get("/v1/personal-data/reads", headers=bearer(demo_tokens.auditor)), 403, "forbidden")
    assert_problem(
        demo_client.get(
            "/v1/personal-data/199901012020011999", params={"purpose": "x"}, headers=bearer(demo_tokens.auditor)
        ),
        404,
        "unknown_person",
    )
    after = demo_client.get("/v1/personal-data/reads", headers=bearer(demo_tokens.operator)).json()
    assert after == before


def test_the_personal_data_page_is_the_operators_and_records_its_look_ups(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens
) -> None:
    person, name, number = _some_employee(demo)
    page = demo_client.get("/personal-data", headers=bearer(demo_tokens.operator))
    assert page.status_code == 200 and "Data pribadi" in page.text and name not in page.text
    assert demo_client.get("/personal-data", headers=bearer(demo_tokens.auditor)).status_code == 403
    found = demo_client.get(
        "/personal-data", params={"person": person, "purpose": "permintaan akses"}, headers=bearer(demo_tokens.operator)
    )
    assert found.status_code == 200 and name in found.text and number in found.text
    reads = demo_client.get("/v1/personal-data/reads", params={"person": person}, headers=bearer(demo_tokens.operator))
    assert [r["purpose"] for r in reads.json()][-1] == "permintaan akses"
    missing = demo_client.get("/personal-data", params={"person": person}, headers=bearer(demo_tokens.operator))
    assert missing.status_code == 400  # no purpose: nothing shown, nothing recorded
    assert name not in missing.text


def test_pages_show_holders_names_only_to_roles_allowed_and_record_it(
    demo: DemoLog, demo_client: TestClient, demo_tokens: Tokens
) -> None:
    import re
    import time

    from markupsafe import escape

    # The views fold the demo in the background: wait until they hold all of it, so that both
    # roles see the same page.
    deadline = time.monotonic() + 300
    after = f"/v1/oversight/counts?after={demo.size - 1}"
    while demo_client.get(after, headers=bearer(demo_tokens.auditor)).status_code != 200:
        assert time.monotonic() < deadline
        time.sleep(1)
    overseer = demo_client.get("/units/dpmptsp", headers=bearer(demo_tokens.overseer)).text
    holders = {k["holder"]["name"] for k in demo_client.get("/v1/keys", headers=bearer(demo_tokens.auditor)).json()}
    # The signers (key holders) among the pseudonyms the page shows; pacts' employees stay pseudonyms.
    pseudonyms = set(re.findall(r"p-[0-9a-f]{20}", overseer)) & holders
    assert pseudonyms, "the overseer sees the signers by pseudonym"
    with sqlite3.connect(demo.directory / "personal.sqlite") as db:
        # As the pages print them (escaped by Jinja, whose escaping is markupsafe's).
        names = {
            p: str(escape(db.execute("SELECT name FROM persons WHERE person = ?", (p,)).fetchone()[0]))
            for p in pseudonyms
        }
    assert not [name for name in names.values() if name in overseer]
    operator = demo_client.get("/units/dpmptsp", headers=bearer(demo_tokens.operator)).text
    reads = demo_client.get("/v1/personal-data/reads", headers=bearer(demo_tokens.operator)).json()
    # The signers whose names the operator's page showed, each read recorded with the page as purpose
    # (a key holder named on the page only as a pact's employee stays a pseudonym).
    recorded = {r["person"] for r in reads if r["purpose"] == "page /units/dpmptsp: who signed"}
    assert recorded and recorded <= pseudonyms
    assert all(names[p] in operator for p in recorded)
    # The overseer's view showed no name, so recorded no read (other tests' auditors share the demo).
    assert not [r for r in reads if r["reader"].startswith("API test overseer")]


# --- an entry naming a person, sent with its disclosure (POST /v1/personal-data/disclosures) ----------------


def _signed_pact(capsys: pytest.CaptureFixture[str], directory: Path, disclosure: Disclosure) -> dict[str, Any]:
    """A pact of a new DPMPTSP employee, signed by the demo's pact registrar (rules edition 3 body)."""
    body = {
        "employee": {"person": disclosure.person, "commitment": disclosure.commitment},
        "pact_digest": "A" * 43 + "=",
        "signed_on": "2026-11-30",
        "occasion": "appointment",
    }
    key = directory / DEMO_KEYS / "pact_registrar-dpmptsp.key"
    stream = f"pact/dpmptsp/{disclosure.person}"
    argv = ["sign", "--ledger", str(directory), "--key", str(key), "--kind", "pact.signed", "--stream", stream]
    status = cli_main([*argv, "--body", json.dumps(body)])
    out, err = capsys.readouterr()
    assert status == 0, err
    submission: dict[str, Any] = json.loads(out)
    return submission


def test_an_entry_with_its_disclosure_is_appended_and_the_data_kept(
    demo: DemoLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "ledger"
    shutil.copytree(demo.directory, directory)
    tokens = Tokens.create(tmp_path / "tokens.json")
    disclosure = make_disclosure(PersonalData("Contoh Pegawai (fiktif)", "199001012015031001"))
    submission = _signed_pact(capsys, directory, disclosure)
    other = make_disclosure(PersonalData("Contoh Pegawai (fiktif)", "199001012015031002"), disclosure.person)
    with TestClient(create_app(Settings(ledger_dir=directory, token_file=tokens.path))) as client:
        route = "/v1/personal-data/disclosures"
        # Negative twins first: each refused, nothing appended, nothing kept.
        assert_problem(
            client.post(route, json={"submission": submission, "disclosures": []}), 400, "invalid_personal_data"
        )
        assert_problem(
            client.post(route, json={"submission": submission, "disclosures": [other.to_json()]}),
            422,
            "personal_data_mismatch",
        )
        assert_problem(client.post(route, json={"submission": submission}), 400, "invalid_personal_data")
        assert_problem(
            client.post(route, content=b"x", headers={"content-type": "text/plain"}), 415, "unsupported_media_type"
        )
        with PersonalDataStore(directory) as personal:
            assert personal.get(disclosure.person) is None
        size = demo.size
        answer = client.post(route, json={"submission": submission, "disclosures": [disclosure.to_json()]})
        assert answer.status_code == 201, answer.text
        assert answer.json()["index"] == size
        again = client.post(route, json={"submission": submission, "disclosures": [disclosure.to_json()]})
        assert again.status_code == 200 and again.json()["index"] == size
    with PersonalDataStore(directory) as personal:
        held = personal.get(disclosure.person)
    assert held is not None and held.data == disclosure.data and held.salt == disclosure.salt
