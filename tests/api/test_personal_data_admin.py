"""The administrator's side of personal data (issue 15, rules edition 3) over HTTP, on copies of the
demo ledger: an erasure entry sent to `POST /v1/entries` deletes the data as `integritas erase` does,
an erasure cut short is finished when the server starts or at the next erase; search finds persons by
name or number for auditors and operators only, each hit a recorded read; a signed-in key holder lists
their own records at `/personal-data/mine`, and only their own. Every acceptance has its refusal."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from api.app import create_app
from api.settings import Settings
from cli.main import main as cli_main
from demo.build import DEMO_KEYS
from ledger.crypto.keys import fingerprint, read_private_key
from ledger.entry import Submission, format_time, sign_entry
from ledger.store.datadir import open_ledger
from ledger.store.erasure import erase_person
from ledger.store.personal import PersonalDataStore
from tests.api.api_builder import DemoLog, Tokens, assert_problem, bearer, post_submission
from tests.api.test_sessions import sign_in


@dataclass(frozen=True)
class Person:
    person: str
    name: str
    number: str


@dataclass
class Copy:
    """A copy of the demo ledger this module may write to, its tokens, and an auditor export of it."""

    directory: Path
    tokens: Tokens
    export: Path
    origin: str

    def client(self) -> TestClient:
        app = create_app(Settings(ledger_dir=self.directory, token_file=self.tokens.path))
        return TestClient(app, raise_server_exceptions=False)

    def key(self, name: str) -> Any:
        return read_private_key(self.directory / DEMO_KEYS / f"{name}.key")


def copy_of_demo(demo: DemoLog, base: Path) -> Copy:
    directory = base / "ledger"
    shutil.copytree(demo.directory, directory)
    export = base / "auditor-export"
    assert cli_main(["export", "--ledger", str(directory), str(export), "--auditor"]) == 0
    return Copy(directory, Tokens.create(base / "tokens.json"), export, demo.trust["origin"])


def employees(directory: Path) -> list[Person]:
    """Demo employees whose name and number no other person's name or number contains (a byte search
    for them finds them alone)."""
    with sqlite3.connect(directory / "personal.sqlite") as db:
        rows = db.execute("SELECT person, name, number FROM persons ORDER BY person").fetchall()
    names = [row[1] for row in rows]
    numbers = [row[2] for row in rows if row[2]]
    return [
        Person(*row)
        for row in rows
        if row[2] and sum(row[1] in n for n in names) == 1 and sum(row[2] in n for n in numbers) == 1
    ]


def holding(needle: str, *roots: Path) -> list[str]:
    """The files under `roots` whose bytes contain `needle`: the event store and its WAL, the view
    tables (in the same database), personal.sqlite and its WAL, the exports, every other file."""
    return sorted(
        str(path)
        for root in roots
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    )


def erasure(
    copy: Copy, person: str, key_name: str = "administrator-blora", basis: str = "UU 27/2022 pasal 8"
) -> Submission:
    key = copy.key(key_name)
    entry = {
        "v": 1,
        "log": copy.origin,
        "kind": "personal_data.erased",
        "stream": f"person/{person}",
        "seq": 0,
        "prev": None,
        "at": format_time(datetime.now(UTC)),
        "signer": fingerprint(key.public_key()),
        "body": {"basis": basis},
    }
    return sign_entry(entry, key)


def verify(copy: Copy, source: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    capsys.readouterr()
    status = cli_main(["verify", str(source), "--trust", str(copy.directory / "trust.json"), "--json"])
    report: dict[str, Any] = json.loads(capsys.readouterr().out)
    report["status"] = status
    return report


# --- erasure over HTTP ------------------------------------------------------------------------------------


def test_an_erasure_sent_to_post_entries_deletes_the_data_as_erase_does(
    demo: DemoLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = copy_of_demo(demo, tmp_path)
    erased, kept = employees(copy.directory)[:2]
    for needle in (erased.name, erased.number):
        assert holding(needle, copy.directory, copy.export), "the person is not there to erase"
    with copy.client() as client:
        state = f"/v1/personal-data/erasures/{erased.person}"
        before = client.get(state, headers=bearer(copy.tokens.operator)).json()
        assert before == {
            "person": erased.person,
            "erased_index": None,
            "data_held": True,
            "exports_registered": 1,
            "exports_holding": 1,
        }
        # Negative twins: a refused erasure deletes nothing.
        assert_problem(
            post_submission(client, erasure(copy, erased.person, "pact_registrar-dpmptsp")), 422, "role_not_allowed"
        )
        assert_problem(post_submission(client, erasure(copy, "p-" + "0" * 20)), 422, "person_not_in_log")
        assert client.get(state, headers=bearer(copy.tokens.operator)).json() == before

        submission = erasure(copy, erased.person)
        answer = post_submission(client, submission)
        assert answer.status_code == 201, answer.text
        index = answer.json()["index"]
        after = client.get(state, headers=bearer(copy.tokens.operator)).json()
        assert after == {**before, "erased_index": index, "data_held": False, "exports_holding": 0}
        # The same submission again: the original receipt, the deletion run again (nothing left to do).
        again = post_submission(client, submission)
        assert again.status_code == 200 and again.json()["index"] == index
        # Who may ask: operators (and administrators' key sessions); not auditors, not the public.
        assert_problem(client.get(state, headers=bearer(copy.tokens.auditor)), 403, "forbidden")
        assert_problem(client.get(state), 401, "unauthorized")
        assert_problem(
            client.get("/v1/personal-data/erasures/199901", headers=bearer(copy.tokens.operator)), 400, "invalid_id"
        )
        read = client.get(
            f"/v1/personal-data/{erased.person}", params={"purpose": "after"}, headers=bearer(copy.tokens.auditor)
        )
        assert read.json()["data"] is None and read.json()["erased_index"] == index
        assert_problem(
            client.get(
                f"/v1/personal-data/{erased.number}", params={"purpose": "x"}, headers=bearer(copy.tokens.auditor)
            ),
            404,
            "unknown_person",
        )

    # The byte search of the data directory and of the auditor export the ledger registered.
    for needle in (erased.name, erased.number):
        assert holding(needle, copy.directory, copy.export) == [], needle
    # Another person's data is untouched, in the store and in the export.
    for needle in (kept.name, kept.number):
        assert str(copy.directory / "personal.sqlite") in holding(needle, copy.directory)
        assert holding(needle, copy.export) == [str(copy.export / "personal-data.json")]
    with PersonalDataStore(copy.directory) as personal:
        held = personal.get(kept.person)
    assert held is not None and (held.data.name, held.data.number) == (kept.name, kept.number)
    for source in (copy.directory, copy.export):
        report = verify(copy, source, capsys)
        assert report["status"] == 0 and report["ok"], report


def test_an_erasure_cut_short_is_finished_when_the_server_starts_or_at_the_next_erase(
    demo: DemoLog, tmp_path: Path
) -> None:
    copy = copy_of_demo(demo, tmp_path)
    first, second, third, kept = employees(copy.directory)[:4]
    # What a crash between the entry and the deletion leaves: the erasure in the log, the data still held.
    store = open_ledger(copy.directory)
    store.append(erasure(copy, first.person))
    store.close()
    assert holding(first.number, copy.directory) and holding(first.number, copy.export)
    with copy.client() as client:  # the server's start finishes it
        state = client.get(f"/v1/personal-data/erasures/{first.person}", headers=bearer(copy.tokens.operator)).json()
        assert state["erased_index"] is not None and not state["data_held"] and state["exports_holding"] == 0
    for needle in (first.name, first.number):
        assert holding(needle, copy.directory, copy.export) == [], needle
    # The twin: a start with no erasure cut short deletes no one.
    for needle in (second.number, third.number, kept.number):
        assert holding(needle, copy.directory) and holding(needle, copy.export)

    # Cut short again; this time the next `erase` (of another person) finishes it.
    store = open_ledger(copy.directory)
    store.append(erasure(copy, second.person))
    assert holding(second.number, copy.directory)
    done = erase_person(
        store,
        copy.directory,
        third.number,
        basis="UU 27/2022 pasal 8",
        key=copy.key("administrator-blora"),
        at=format_time(datetime.now(UTC)),
    )
    store.close()
    assert done.person == third.person and done.data_deleted
    for needle in (second.name, second.number, third.name, third.number):
        assert holding(needle, copy.directory, copy.export) == [], needle
    assert holding(kept.number, copy.directory) and holding(kept.number, copy.export)


def test_a_deletion_that_fails_answers_503_and_the_same_entry_sent_again_finishes_it(
    demo: DemoLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = copy_of_demo(demo, tmp_path)
    erased = employees(copy.directory)[0]
    submission = erasure(copy, erased.person)

    def disk_trouble(directory: Path, person: str) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    with copy.client() as client:
        monkeypatch.setattr("ledger.store.erasure.delete_personal_data", disk_trouble)
        problem = assert_problem(post_submission(client, submission), 503, "erasure_unfinished")
        assert str(copy.directory) not in problem["detail"]  # no file path in an error
        state = client.get(f"/v1/personal-data/erasures/{erased.person}", headers=bearer(copy.tokens.operator)).json()
        assert state["erased_index"] is not None and state["data_held"]  # logged, not yet deleted
        monkeypatch.undo()
        again = post_submission(client, submission)
        assert again.status_code == 200 and again.json()["index"] == state["erased_index"]
    assert holding(erased.number, copy.directory, copy.export) == []


def test_an_export_left_holding_an_erased_person_is_rewritten_at_the_start(demo: DemoLog, tmp_path: Path) -> None:
    copy = copy_of_demo(demo, tmp_path)
    erased, kept = employees(copy.directory)[:2]
    store = open_ledger(copy.directory)
    store.append(erasure(copy, erased.person))
    store.close()
    with PersonalDataStore(copy.directory) as personal:  # step 2 done, then the crash: the export still holds them
        assert personal.erase(erased.person)
    assert holding(erased.number, copy.export) and not holding(erased.number, copy.directory)
    with copy.client():
        pass
    assert holding(erased.number, copy.export) == []
    assert holding(kept.number, copy.export) == [str(copy.export / "personal-data.json")]


def test_an_administrators_key_session_reads_personal_data_as_operator(demo: DemoLog, tmp_path: Path) -> None:
    copy = copy_of_demo(demo, tmp_path)
    person = employees(copy.directory)[0]
    path = f"/v1/personal-data/{person.number}"
    with copy.client() as client:
        assert_problem(client.get(path, params={"purpose": "erasure"}), 401, "unauthorized")
        assert sign_in(client, copy.key("employee-196409091995031001"), origin=copy.origin)[0] == 204
        assert_problem(client.get(path, params={"purpose": "erasure"}), 403, "forbidden")  # an employee's key
        assert_problem(client.get(f"/v1/personal-data/erasures/{person.person}"), 403, "forbidden")
    with copy.client() as client:
        assert sign_in(client, copy.key("administrator-blora"), origin=copy.origin)[0] == 204
        answer = client.get(path, params={"purpose": "erasure"})
        assert answer.status_code == 200 and answer.json()["data"]["name"] == person.name
        assert client.get(f"/v1/personal-data/erasures/{person.person}").json()["data_held"] is True
        assert_problem(client.get(path, params={"purpose": " "}), 400, "purpose_required")
        reads = client.get(
            "/v1/personal-data/reads", params={"person": person.person}, headers=bearer(copy.tokens.operator)
        )
        [read] = reads.json()
        admin = fingerprint(copy.key("administrator-blora").public_key())
        assert read["purpose"] == "erasure" and read["reader"].endswith(f"(operator, token key {admin[:16]})")


def test_integritas_append_of_an_erasure_deletes_the_data(
    demo: DemoLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = copy_of_demo(demo, tmp_path)
    erased, kept = employees(copy.directory)[:2]
    path = tmp_path / "erasure.json"
    path.write_text(json.dumps(erasure(copy, erased.person).to_json()))
    capsys.readouterr()
    assert cli_main(["append", "--ledger", str(copy.directory), str(path)]) == 0
    for needle in (erased.name, erased.number):
        assert holding(needle, copy.directory, copy.export) == [], needle
    assert holding(kept.number, copy.directory) and holding(kept.number, copy.export)


# --- search by name or number ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def searched(demo: DemoLog, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Copy, TestClient]]:
    copy = copy_of_demo(demo, tmp_path_factory.mktemp("search"))
    with copy.client() as client:
        yield copy, client


def reads_of(client: TestClient, copy: Copy, person: str) -> list[dict[str, str]]:
    answer: list[dict[str, str]] = client.get(
        "/v1/personal-data/reads", params={"person": person}, headers=bearer(copy.tokens.operator)
    ).json()
    return answer


def test_auditors_and_operators_find_persons_by_name_or_number_each_read_recorded(
    searched: tuple[Copy, TestClient],
) -> None:
    copy, client = searched
    person = employees(copy.directory)[5]
    for token, words in ((copy.tokens.auditor, person.name), (copy.tokens.operator, person.number[:12])):
        before = len(reads_of(client, copy, person.person))
        answer = client.get("/v1/search", params={"q": words}, headers=bearer(token))
        assert answer.status_code == 200, answer.text
        found = {row["person"]: row for row in answer.json()["persons"]["data"]}
        assert found[person.person]["name"] == person.name and found[person.person]["number"] == person.number
        assert found[person.person]["indices"]
        reads = reads_of(client, copy, person.person)
        assert len(reads) == before + 1
        assert (reads[-1]["purpose"], reads[-1]["record"]) == ("search", f"person/{person.person}")
    # The digest covers the view answer only: the persons are not the log's.
    answer = client.get("/v1/search", params={"q": person.name}, headers=bearer(copy.tokens.auditor)).json()
    assert set(answer) == {"query", "params", "as_of", "page", "data", "digest", "persons"}
    # Accents and case are ignored, as in the views' search.
    loud = person.name.upper().replace("A", "Á")
    assert person.person in {
        r["person"]
        for r in client.get("/v1/search", params={"q": loud}, headers=bearer(copy.tokens.auditor)).json()["persons"][
            "data"
        ]
    }
    # The page, for an auditor: the person shown, the read recorded.
    page = client.get("/search", params={"q": person.number, "lang": "en"}, headers=bearer(copy.tokens.auditor))
    assert page.status_code == 200 and str(escape(person.name)) in page.text and person.person in page.text
    assert "Persons, by name or employee number" in page.text
    assert reads_of(client, copy, person.person)[-1]["reader"].startswith("API test auditor (auditor")


def test_other_roles_and_the_public_get_no_hit_and_no_hint(searched: tuple[Copy, TestClient]) -> None:
    copy, client = searched
    person = employees(copy.directory)[6]
    before = reads_of(client, copy, person.person)
    # Each question asked by one of the person's data: the answer shows neither the other nor the pseudonym.
    for words, other in ((person.name, person.number), (person.number, str(escape(person.name)))):
        answer = client.get("/v1/search", params={"q": words}, headers=bearer(copy.tokens.overseer))
        assert answer.status_code == 200
        assert "persons" not in answer.json() and answer.json()["data"] == []
        assert other not in answer.text and person.person not in answer.text
        page = client.get("/search", params={"q": words}, headers=bearer(copy.tokens.overseer))
        assert page.status_code == 200
        assert other not in page.text and person.person not in page.text
        assert 'id="persons-found"' not in page.text
        for anonymous in (client.get("/v1/search", params={"q": words}), client.get("/search", params={"q": words})):
            assert anonymous.status_code == 401
            assert other not in anonymous.text and person.person not in anonymous.text
    # The public pages have no search, and the public answers name no one.
    assert client.get("/v1/public/units").status_code == 200
    assert person.number not in client.get("/v1/public/units").text
    assert reads_of(client, copy, person.person) == before  # nothing shown, nothing recorded
    # A later page of the views' answer carries no persons either.
    later = client.get("/v1/search", params={"q": person.name, "offset": 1}, headers=bearer(copy.tokens.auditor))
    assert "persons" not in later.json()


def test_erased_persons_are_not_found(searched: tuple[Copy, TestClient]) -> None:
    copy, client = searched
    person = employees(copy.directory)[7]
    found = client.get("/v1/search", params={"q": person.number}, headers=bearer(copy.tokens.auditor)).json()
    assert [r["person"] for r in found["persons"]["data"]] == [person.person]
    assert post_submission(client, erasure(copy, person.person)).status_code == 201
    for words in (person.number, person.name):
        gone = client.get("/v1/search", params={"q": words}, headers=bearer(copy.tokens.auditor)).json()
        assert person.person not in {r["person"] for r in gone["persons"]["data"]}
        assert person.number not in json.dumps(gone["persons"]) and person.name not in json.dumps(gone["data"])


def test_the_command_line_search_finds_persons_and_records_the_reads(
    searched: tuple[Copy, TestClient], capsys: pytest.CaptureFixture[str]
) -> None:
    copy, client = searched
    person = employees(copy.directory)[8]
    capsys.readouterr()
    status = cli_main(["search", "--ledger", str(copy.directory), person.number, "--reader", "Operator CLI", "--json"])
    answer = json.loads(capsys.readouterr().out)
    assert status == 0
    assert [(r["person"], r["name"]) for r in answer["persons"]["data"]] == [(person.person, person.name)]
    last = reads_of(client, copy, person.person)[-1]
    assert (last["reader"], last["purpose"]) == ("Operator CLI", "search")
    # --csv searches the views only: no person, no read.
    before = reads_of(client, copy, person.person)
    assert cli_main(["search", "--ledger", str(copy.directory), person.number, "--csv"]) == 0
    assert person.name not in capsys.readouterr().out
    assert reads_of(client, copy, person.person) == before


def test_a_ledger_without_a_personal_data_store_answers_no_persons(client: TestClient, tokens: Tokens) -> None:
    answer = client.get("/v1/search", params={"q": "uji"}, headers=bearer(tokens.auditor))
    assert answer.status_code == 200 and "persons" not in answer.json()


# --- the data subject's own records --------------------------------------------------------------------------


def test_a_signed_in_key_holder_lists_their_own_records_and_only_theirs(searched: tuple[Copy, TestClient]) -> None:
    copy, client = searched
    employee_key = copy.key("employee-196409091995031001")
    with copy.client() as own:  # a browser of its own: its own cookies
        page = own.get("/personal-data/mine", params={"lang": "en"})
        assert page.status_code == 401 and "Sign in with your key" in page.text
        assert (
            own.get("/personal-data/mine", headers=bearer(copy.tokens.operator)).status_code == 401
        )  # a token is no one
        status, _ = sign_in(own, employee_key, origin=copy.origin)
        assert status == 204
        with sqlite3.connect(copy.directory / "personal.sqlite") as db:
            person, name, number = db.execute(
                "SELECT person, name, number FROM persons WHERE number = ?", ("196409091995031001",)
            ).fetchone()
        page = own.get("/personal-data/mine", params={"lang": "en", "person": employees(copy.directory)[9].person})
        assert page.status_code == 200
        assert str(escape(name)) in page.text and number in page.text and person in page.text
        other = employees(copy.directory)[9]
        assert str(escape(other.name)) not in page.text and other.number not in page.text  # the parameter is ignored
        assert 'data-index="' in page.text and "key.registered" in page.text
        last = reads_of(client, copy, person)[-1]
        assert last["purpose"] == "the data subject's access" and "the data subject" in last["reader"]
        assert not [r for r in reads_of(client, copy, other.person) if r["purpose"] == "the data subject's access"]
        indonesian = own.get("/personal-data/mine", params={"lang": "id"})
        assert "Catatan yang menyebut Anda" in indonesian.text

    # Another key's holder (the administrator) sees their own, not the employee's.
    with copy.client() as admin:
        assert sign_in(admin, copy.key("administrator-blora"), origin=copy.origin)[0] == 204
        page = admin.get("/personal-data/mine", params={"lang": "en"})
        assert page.status_code == 200 and number not in page.text and str(escape(name)) not in page.text
        admin_key = admin.get("/v1/keys", headers=bearer(copy.tokens.auditor)).json()
        holder = next(
            k for k in admin_key if k["fingerprint"] == fingerprint(copy.key("administrator-blora").public_key())
        )
        assert holder["holder"]["name"] in page.text  # the pseudonym the log names the administrator by
