"""The browser forms on a rules-edition-3 log (issue 15 with issue 13's forms): the kinds that name a
person (`pact.signed`, `key.registered`) name them by pseudonym and commitment made in the page, and
say so; they sign (the prepare button is enabled for a signed-in key of the form's role), their
catalogue names the person member the page commits to and a stream of the pseudonym, and the data
goes beside the entry. An employee's own pact names the key's holder as logged, asking no name."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from demo.build import DEMO_KEYS
from ledger.crypto.keys import read_private_key
from tests.api.api_builder import ApiBuilder, DemoLog, Tokens
from tests.api.test_sessions import sign_in

EDITION_3_NOTE = "This log is under rules edition 3: the entry names the person by a pseudonym and a commitment"
PREPARE_ENABLED = '<button type="submit" id="prepare">'
PREPARE_DISABLED = '<button type="submit" id="prepare" disabled>'


def catalogue_of(page: str) -> dict[str, Any]:
    match = re.search(r'data-catalogue="([^"]*)"', page)
    assert match is not None
    document: dict[str, Any] = json.loads(html.unescape(match.group(1)))
    return document


def test_the_person_naming_forms_commit_on_an_edition_3_log(demo: DemoLog, tmp_path: Path) -> None:
    directory = tmp_path / "ledger"
    shutil.copytree(demo.directory, directory)  # signing in writes a challenge beside the ledger
    tokens = Tokens.create(tmp_path / "tokens.json")
    for kind, key_file, member, stream in (
        ("pact.signed", "pact_registrar-dpmptsp.key", "employee", "pact/{unit}/{employee.person}"),
        ("key.registered", "administrator-blora.key", "holder", "key/{fingerprint:public_key}"),
    ):
        with TestClient(create_app(Settings(ledger_dir=directory, token_file=tokens.path))) as client:
            status, _ = sign_in(client, read_private_key(directory / DEMO_KEYS / key_file), origin=demo.trust["origin"])
            assert status == 204
            page = client.get(f"/write/{kind}?lang=en")
            assert page.status_code == 200
            text = html.unescape(page.text)
            assert EDITION_3_NOTE in text and 'id="write-blocked"' not in text
            assert PREPARE_ENABLED in page.text and 'data-signer=""' not in page.text
            catalogue = catalogue_of(page.text)
            assert catalogue["person"] == {
                "member": member,
                "name": f"{member}.name",
                "number": f"{member}.number",
                "codes": [
                    "personal_data_mismatch",
                    "invalid_personal_data",
                    "employee_name_differs",
                    "employee_number_held",
                ],
            }
            assert catalogue["stream"] == stream
            assert f"{member}.number" in {f["name"] for f in catalogue["fields"]}
            assert 'id="own-person"' not in page.text  # a registrar or administrator names the person
            indonesian = html.unescape(client.get(f"/write/{kind}?lang=id").text)
            assert "Log ini memakai aturan edisi 3: entri menyebut orang dengan pseudonim dan komitmen" in indonesian


def test_an_employees_own_pact_names_the_keys_holder_and_asks_no_name(demo: DemoLog, tmp_path: Path) -> None:
    directory = tmp_path / "ledger"
    shutil.copytree(demo.directory, directory)
    tokens = Tokens.create(tmp_path / "tokens.json")
    [key_file] = (directory / DEMO_KEYS).glob("employee-*.key")
    with TestClient(create_app(Settings(ledger_dir=directory, token_file=tokens.path))) as client:
        status, _ = sign_in(client, read_private_key(key_file), origin=demo.trust["origin"])
        assert status == 204
        page = client.get("/write/pact.signed?lang=en")
        fingerprint = client.cookies["integritas_session"].split(".")[0]
        stream = client.get(f"/v1/streams/key/{fingerprint}", headers={"authorization": f"Bearer {tokens.auditor}"})
        holder = stream.json()["entries"][0]["entry"]["body"]["holder"]
    person = re.search(r'data-own-person="(p-[0-9a-f]{20})"', page.text)
    commitment = re.search(r'data-own-commitment="([^"]+)"', page.text)
    assert person is not None and commitment is not None
    assert (person.group(1), html.unescape(commitment.group(1))) == (holder["person"], holder["commitment"])
    assert 'id="own-person"' in page.text and PREPARE_ENABLED in page.text
    assert 'id="f-employee-name"' not in page.text and 'id="f-employee-number"' not in page.text


def test_other_forms_and_older_editions_carry_no_such_note(
    demo_client: TestClient, builder: ApiBuilder, client: TestClient
) -> None:
    """Its negative twins: a kind naming no person on the same log, and the person forms on an older
    edition's log, which name the person in clear and have no holder number."""
    builder.genesis()
    policy = builder.store.policy()
    assert policy is not None and policy.rules < 3
    other = demo_client.get("/write/pact.released?lang=en")
    assert other.status_code == 200 and "This log is under rules edition 3" not in other.text
    assert catalogue_of(other.text)["person"] is None
    older = client.get("/write/pact.signed?lang=en")
    assert older.status_code == 200 and "This log is under rules edition 3" not in older.text
    assert "Sign in with a key to write" in older.text and PREPARE_DISABLED in older.text
    assert catalogue_of(older.text)["person"] is None
    assert catalogue_of(older.text)["stream"] == "pact/{unit}/{employee.number}"
    registration = catalogue_of(client.get("/write/key.registered?lang=en").text)
    assert "holder.number" not in {f["name"] for f in registration["fields"]}


def test_the_erasure_form_is_offered_on_edition_3_logs_only(
    demo_client: TestClient, builder: ApiBuilder, client: TestClient
) -> None:
    """Erasure, an edition-3 kind, on the demo's edition-3 log; and its twin, an older log whose rules
    would refuse the entry: not listed, and its page says why (the other forms stay)."""
    assert 'href="/write/personal_data.erased"' in demo_client.get("/write?lang=en").text
    assert demo_client.get("/write/personal_data.erased?lang=en").status_code == 200
    builder.genesis()
    policy = builder.store.policy()
    assert policy is not None and policy.rules < 3
    index = client.get("/write?lang=en").text
    assert 'href="/write/personal_data.erased"' not in index and 'href="/write/pact.signed"' in index
    older = client.get("/write/personal_data.erased?lang=en")
    assert older.status_code == 404
    assert f"This log's rules (edition {policy.rules}) have no personal_data.erased entries." in html.unescape(
        older.text
    )
    indonesian = html.unescape(client.get("/write/personal_data.erased?lang=id").text)
    assert f"Aturan log ini (edisi {policy.rules}) tidak mengenal entri personal_data.erased." in indonesian
    assert client.get("/write/pact.signed?lang=en").status_code == 200
