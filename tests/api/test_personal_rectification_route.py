"""A rectification (personal_data.rectified, UU 27/2022 art. 6) sent over HTTP with the disclosure of
the corrected data (POST /v1/personal-data/disclosures): checked before the append, then the store
holds the corrected data."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from cli.main import main as cli_main
from demo.build import DEMO_KEYS
from ledger.personal import PersonalData, make_disclosure
from ledger.store.datadir import open_ledger
from ledger.store.personal import PersonalDataStore
from tests.api.api_builder import DemoLog, Tokens, assert_problem
from tests.api.test_personal_data_routes import _some_employee


def _signed_rectification(
    capsys: pytest.CaptureFixture[str], directory: Path, person: str, commitment: str
) -> dict[str, Any]:
    key = directory / DEMO_KEYS / "administrator-blora.key"
    body = {"commitment": commitment, "basis": "permintaan subjek data, UU 27/2022 pasal 6"}
    argv = ["sign", "--ledger", str(directory), "--key", str(key), "--kind", "personal_data.rectified"]
    status = cli_main([*argv, "--stream", f"person/{person}", "--body", json.dumps(body)])
    out, err = capsys.readouterr()
    assert status == 0, err
    submission: dict[str, Any] = json.loads(out)
    return submission


def test_a_rectification_with_the_corrected_data_is_appended_and_the_store_corrected(
    demo: DemoLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    directory = tmp_path / "ledger"
    shutil.copytree(demo.directory, directory)
    person, name, number = _some_employee(demo)
    corrected = make_disclosure(PersonalData(name + " Koreksi", number), person)
    wrong = make_disclosure(PersonalData(name + " Lain", number), person)
    submission = _signed_rectification(capsys, directory, person, corrected.commitment)
    tokens = Tokens.create(tmp_path / "tokens.json")
    with TestClient(create_app(Settings(ledger_dir=directory, token_file=tokens.path))) as client:
        route = "/v1/personal-data/disclosures"
        assert_problem(
            client.post(route, json={"submission": submission, "disclosures": [wrong.to_json()]}),
            422,
            "personal_data_mismatch",
        )
        assert_problem(
            client.post(route, json={"submission": submission, "disclosures": []}), 400, "invalid_personal_data"
        )
        with PersonalDataStore(directory) as personal:
            held = personal.get(person)
        assert held is not None and held.data == PersonalData(name, number)  # nothing changed
        answer = client.post(route, json={"submission": submission, "disclosures": [corrected.to_json()]})
        assert answer.status_code == 201, answer.text
        assert answer.json()["index"] == demo.size
    with PersonalDataStore(directory) as personal:
        held = personal.get(person)
    assert held == corrected
    store = open_ledger(directory)
    try:
        known = store.person(person)
    finally:
        store.close()
    assert known is not None and known.commitment == corrected.commitment and known.rectified_index == demo.size
