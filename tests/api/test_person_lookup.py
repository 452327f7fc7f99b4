"""Finding a known person for the browser's edition-3 forms (issue 15, pd-forms), over a copy of the
demo ledger (rules edition 3): `POST /v1/personal-data/lookup` answers a pact registrar's or an
administrator's name and number with the pseudonym and logged commitment (never the salt), recording
the read; and `POST /v1/personal-data/disclosures` takes an entry naming a person the store already
holds without sending the data again, only when the data held opens the entry's commitment.
Every acceptance has its refusal, and a refusal records and appends nothing."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from demo.build import DEMO_KEYS
from ledger.crypto.keys import fingerprint, read_private_key
from ledger.entry import sign_entry
from ledger.personal import PersonalData, compute_commitment, make_disclosure
from ledger.store.personal import PersonalDataStore
from tests.api.api_builder import DemoLog, Tokens, assert_problem, bearer
from tests.api.test_sessions import sign_in
from tests.test_personal_data import ok, run

LOOKUP = "/v1/personal-data/lookup"
DISCLOSURES = "/v1/personal-data/disclosures"
UNIT = "dpmptsp"


@dataclass(frozen=True)
class Copy:
    directory: Path
    origin: str
    tokens: Tokens


@pytest.fixture(scope="module")
def copy(demo: DemoLog, tmp_path_factory: pytest.TempPathFactory) -> Copy:
    base = tmp_path_factory.mktemp("lookup")
    shutil.copytree(demo.directory, base / "ledger")
    return Copy(base / "ledger", demo.trust["origin"], Tokens.create(base / "tokens.json"))


@pytest.fixture
def client(copy: Copy) -> Iterator[TestClient]:
    with TestClient(
        create_app(Settings(ledger_dir=copy.directory, token_file=copy.tokens.path)), raise_server_exceptions=False
    ) as test_client:
        yield test_client


def demo_key(copy: Copy, prefix: str) -> Ed25519PrivateKey:
    [path] = (copy.directory / DEMO_KEYS).glob(f"{prefix}*.key")
    return read_private_key(path)


def signed_in(client: TestClient, copy: Copy, prefix: str) -> Ed25519PrivateKey:
    key = demo_key(copy, prefix)
    status, answer = sign_in(client, key, origin=copy.origin)
    assert status == 204, answer
    return key


def unit_employee(copy: Copy) -> tuple[str, str, str]:
    """(pseudonym, name, number) of an employee with a pact in the registrar's unit."""
    with sqlite3.connect(copy.directory / "personal.sqlite") as db:
        numbered = db.execute("SELECT person, name, number FROM persons WHERE number IS NOT NULL").fetchall()
    store_client = TestClient(create_app(Settings(ledger_dir=copy.directory, token_file=copy.tokens.path)))
    with store_client:
        for person, name, number in sorted(numbered):
            if store_client.get(f"/v1/heads/pact/{UNIT}/{person}", headers=bearer(copy.tokens.auditor)).json()["head"]:
                return person, name, number
    raise AssertionError("the demo has no employee with a pact in dpmptsp")


def reads(client: TestClient, copy: Copy) -> list[dict[str, str]]:
    response = client.get("/v1/personal-data/reads", headers=bearer(copy.tokens.operator))
    assert response.status_code == 200
    result: list[dict[str, str]] = response.json()
    return result


def logged_commitment(client: TestClient, copy: Copy, person: str) -> str:
    entries = client.get(f"/v1/streams/pact/{UNIT}/{person}", headers=bearer(copy.tokens.auditor)).json()["entries"]
    commitment: str = entries[0]["entry"]["body"]["employee"]["commitment"]
    return commitment


def test_a_registrar_finds_a_known_employee_by_name_and_number_and_the_read_is_recorded(
    client: TestClient, copy: Copy
) -> None:
    person, name, number = unit_employee(copy)
    key = signed_in(client, copy, "pact_registrar-")
    before = reads(client, copy)
    answer = client.post(LOOKUP, json={"kind": "pact.signed", "unit": UNIT, "name": name, "number": number})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"person": person, "commitment": logged_commitment(client, copy, person)}
    assert "salt" not in answer.text
    [read] = reads(client, copy)[len(before) :]
    assert (read["person"], read["record"], read["purpose"]) == (person, f"pact/{UNIT}/{person}", "pact registration")
    assert read["reader"].endswith(f"(pact_registrar, key {fingerprint(key.public_key())[:16]})")
    assert name not in read["reader"] and number not in str(read)


def test_a_wrong_name_an_unknown_number_or_a_wrong_signer_is_refused_and_records_nothing(
    client: TestClient, copy: Copy
) -> None:
    _, name, number = unit_employee(copy)
    request = {"kind": "pact.signed", "unit": UNIT, "name": name, "number": number}
    assert_problem(client.post(LOOKUP, json=request), 401, "unauthorized")  # no key session
    signed_in(client, copy, "pact_registrar-")
    before = reads(client, copy)
    assert_problem(client.post(LOOKUP, json={**request, "name": name + " Lain"}), 422, "employee_name_differs")
    assert_problem(client.post(LOOKUP, json={**request, "number": "199912312099121999"}), 404, "unknown_person")
    assert_problem(client.post(LOOKUP, json={**request, "unit": "bappeda"}), 403, "forbidden")  # out of scope
    assert_problem(client.post(LOOKUP, json={**request, "kind": "key.registered"}), 403, "forbidden")
    assert_problem(client.post(LOOKUP, json={**request, "number": 7}), 400, "invalid_personal_data")
    assert_problem(client.post(LOOKUP, json={**request, "salt": "x"}), 400, "invalid_personal_data")
    assert_problem(client.post(LOOKUP, json={k: v for k, v in request.items() if k != "unit"}), 400, "invalid_id")
    assert_problem(
        client.post(LOOKUP, content=b"x", headers={"content-type": "text/plain"}), 415, "unsupported_media_type"
    )
    signed_in(client, copy, "employee-")
    assert_problem(client.post(LOOKUP, json=request), 403, "forbidden")  # an employee signs only their own
    assert reads(client, copy) == before


def test_an_administrator_finds_a_known_employee_for_a_key_registration(client: TestClient, copy: Copy) -> None:
    person, name, number = unit_employee(copy)
    signed_in(client, copy, "administrator-")
    before = reads(client, copy)
    answer = client.post(LOOKUP, json={"kind": "key.registered", "name": name, "number": number})
    assert answer.status_code == 200, answer.text
    assert answer.json()["person"] == person
    [read] = reads(client, copy)[len(before) :]
    assert (read["record"], read["purpose"]) == (f"person/{person}", "key registration")
    # Its negative twin: the administrator may not look up for a pact.
    assert_problem(
        client.post(LOOKUP, json={"kind": "pact.signed", "unit": UNIT, "name": name, "number": number}),
        403,
        "forbidden",
    )


def _pact(client: TestClient, copy: Copy, key: Ed25519PrivateKey, person: str, commitment: str) -> dict[str, Any]:
    stream = f"pact/{UNIT}/{person}"
    head = client.get(f"/v1/heads/{stream}").json()["head"]
    entry = {
        "v": 1,
        "log": copy.origin,
        "kind": "pact.signed",
        "stream": stream,
        "seq": 0 if head is None else head["seq"] + 1,
        "prev": None if head is None else head["leaf_hash"],
        "at": "2026-12-01T08:00:00Z",
        "signer": fingerprint(key.public_key()),
        "body": {
            "employee": {"person": person, "commitment": commitment},
            "pact_digest": "A" * 43 + "=",
            "signed_on": "2026-12-01",
            "occasion": "yearly",
        },
    }
    return sign_entry(entry, key).to_json()


def test_a_known_persons_pact_needs_no_disclosure_only_when_the_held_data_opens_it(
    client: TestClient, copy: Copy
) -> None:
    person, name, number = unit_employee(copy)
    key = signed_in(client, copy, "pact_registrar-")
    logged = logged_commitment(client, copy, person)
    with PersonalDataStore(copy.directory) as personal:
        held = personal.get(person)
    size = client.get("/v1/log").json()["size"]
    # Negative twins first, each appending and keeping nothing: an altered commitment (of the same
    # person's data under another salt); a new person whom the store does not hold.
    altered = compute_commitment(b"\x07" * 32, PersonalData(name, number))
    refused = client.post(
        DISCLOSURES, json={"submission": _pact(client, copy, key, person, altered), "disclosures": []}
    )
    assert_problem(refused, 422, "personal_data_mismatch")
    # A new pseudonym for the held employee's number: one person, one pseudonym.
    split = make_disclosure(PersonalData(name, number))
    twin = _pact(client, copy, key, split.person, split.commitment)
    assert_problem(
        client.post(DISCLOSURES, json={"submission": twin, "disclosures": [split.to_json()]}),
        422,
        "employee_number_held",
    )
    stranger = make_disclosure(PersonalData("Orang Baru (fiktif)", "199912312099121998"))
    unopened = _pact(client, copy, key, stranger.person, stranger.commitment)
    assert_problem(
        client.post(DISCLOSURES, json={"submission": unopened, "disclosures": []}), 400, "invalid_personal_data"
    )
    assert client.get("/v1/log").json()["size"] == size
    # The yearly re-signing with the logged commitment: appended, the store unchanged.
    answer = client.post(DISCLOSURES, json={"submission": _pact(client, copy, key, person, logged), "disclosures": []})
    assert answer.status_code == 201, answer.text
    assert answer.json()["index"] == size
    with PersonalDataStore(copy.directory) as personal:
        assert personal.get(person) == held
        assert personal.get(stranger.person) is None and personal.get(split.person) is None


def test_post_entries_takes_a_person_only_when_the_store_opens_the_commitment(client: TestClient, copy: Copy) -> None:
    """`POST /v1/entries` carries no personal data: an edition-3 pact naming a person the store does
    not hold, or with a commitment the held data does not open, is refused (the log would otherwise
    hold a commitment no one can open); the held person's pact with the logged commitment is taken."""
    person, name, number = unit_employee(copy)
    key = signed_in(client, copy, "pact_registrar-")  # the stream heads are read with the session
    logged = logged_commitment(client, copy, person)
    size = client.get("/v1/log").json()["size"]
    stranger = make_disclosure(PersonalData("Orang Lain (fiktif)", "199811302099121997"))
    assert_problem(
        client.post("/v1/entries", json=_pact(client, copy, key, stranger.person, stranger.commitment)),
        400,
        "invalid_personal_data",
    )
    altered = compute_commitment(b"\x09" * 32, PersonalData(name, number))
    assert_problem(
        client.post("/v1/entries", json=_pact(client, copy, key, person, altered)), 422, "person_commitment_mismatch"
    )  # the rules speak first: the log holds another commitment for this person
    assert client.get("/v1/log").json()["size"] == size
    answer = client.post("/v1/entries", json=_pact(client, copy, key, person, logged))
    assert answer.status_code == 201, answer.text
    with PersonalDataStore(copy.directory) as personal:
        assert personal.get(stranger.person) is None


def test_no_reader_of_personal_data_makes_a_store_where_none_is_held(
    demo: DemoLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same registrar's look-up of a known employee (found in the first test) on a copy whose
    store is gone (as on a log of an older rules edition, which holds no data): unknown_person. It and
    every other reader of the store (the read log, a person's record, the erasure state, a search by
    name, the operator's page, the data subject's page, `integritas personal show|reads`) answer as
    for an empty store, and none of them creates DIR/personal.sqlite."""
    directory = tmp_path / "ledger"
    shutil.copytree(demo.directory, directory)
    bare = Copy(directory, demo.trust["origin"], Tokens.create(tmp_path / "tokens.json"))
    person, name, number = unit_employee(bare)
    for path in directory.glob("personal.sqlite*"):
        path.unlink()
    settings = Settings(ledger_dir=directory, token_file=bare.tokens.path)
    operator, auditor = bearer(bare.tokens.operator), bearer(bare.tokens.auditor)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/v1/personal-data/reads", headers=operator).json() == []
        record = client.get(f"/v1/personal-data/{person}", params={"purpose": "audit"}, headers=auditor)
        assert record.status_code == 200 and record.json()["data"] is None, record.text
        assert_problem(
            client.get(f"/v1/personal-data/{number}", params={"purpose": "audit"}, headers=auditor),
            404,
            "unknown_person",
        )
        state = client.get(f"/v1/personal-data/erasures/{person}", headers=operator)
        assert state.status_code == 200 and state.json()["data_held"] is False, state.text
        search = client.get("/v1/search", params={"q": name.split()[0]}, headers=auditor)
        assert search.status_code == 200 and "persons" not in search.json(), search.text
        page = client.get("/personal-data", params={"person": person, "purpose": "audit"}, headers=operator)
        assert page.status_code == 200 and name not in page.text, page.text
        signed_in(client, bare, "pact_registrar-")
        request = {"kind": "pact.signed", "unit": UNIT, "name": name, "number": number}
        assert_problem(client.post(LOOKUP, json=request), 404, "unknown_person")
        assert client.get("/personal-data/mine").status_code == 200
    status, _, err = run(
        capsys, "personal", "show", number, "--ledger", str(directory), "--purpose", "t", "--reader", "r"
    )
    assert status != 0 and "unknown_person" in err
    assert ok(capsys, "personal", "reads", "--ledger", str(directory)).strip() == "[]"
    assert not list(directory.glob("personal.sqlite*"))
