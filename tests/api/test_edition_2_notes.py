"""The unit page's notes card under rules edition 2: a note is shown with the office of the key that
signed it and the key's holder, and a note claiming another office is refused over HTTP."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from ledger.crypto.keys import encode_base64
from ledger.store.datadir import init_ledger
from tests.api.api_builder import ApiBuilder, Tokens, assert_problem, bearer, post_submission
from tests.builder import ORIGIN, LedgerBuilder, key_for

KEJARI = {"id": "kejari-blora", "name": "Kejaksaan Negeri Blora"}


def test_the_notes_card_names_who_signed_for_which_office(tmp_path: Path) -> None:
    init_ledger(
        tmp_path / "ledger",
        origin=ORIGIN,
        name="Uji edisi 2",
        root_key=key_for("root"),
        log_key=key_for("log"),
        policy=LedgerBuilder().edition_2_policy(),
    )
    tokens = Tokens.create(tmp_path / "tokens.json")
    app = create_app(Settings(ledger_dir=tmp_path / "ledger", token_file=tokens.path))
    with TestClient(app, raise_server_exceptions=False) as client:
        builder = ApiBuilder(app, client)
        builder.admin = builder.register_key("admin", "administrator")
        builder.register_unit("dinkes")
        kajari = builder.register_key("kajari", "overseer", office=KEJARI, holder="Jaksa Fiktif, S.H.")
        note = {"topic": "accompaniment", "text": "Pendampingan pembangunan zona integritas"}
        # The Kajari's key cannot write as the Kapolres office...
        claimed = builder.sign(kajari, "oversight.noted", "oversight/dinkes", {**note, "office": "polres-blora"})
        assert_problem(post_submission(client, claimed), 422, "office_not_signer")
        # ... and writes as its own.
        builder.submit(kajari, "oversight.noted", "oversight/dinkes", note)
        assert app.state.views.wait_for(builder.store.size, timeout=30)
        page = client.get("/units/dinkes", headers=bearer(tokens.overseer))
        assert page.status_code == 200, page.text
        card = page.text[page.text.index('id="notes-h"') :]
        assert "Kejaksaan Negeri Blora" in card and "Jaksa Fiktif, S.H." in card
        assert "polres-blora" not in page.text


def test_an_edition_1_unit_page_keeps_the_body_office_and_names_the_signer(
    builder: ApiBuilder, app: FastAPI, client: TestClient, tokens: Tokens
) -> None:
    builder.standard_cast()  # edition 1: the witness and the overseer keys have no office
    builder.register_unit("dinkes")
    builder.stage("dinkes", "registered", "declared")
    declaration = encode_base64(builder.state.streams["unit/dinkes"].leaf_hash)
    body = {"declaration": declaration, "office": "district_court_chief"}
    builder.submit(builder.witness, "declaration.witnessed", "witness/dinkes", body)
    note = {"office": "district_police_chief", "topic": "finding", "text": "Temuan"}
    builder.submit(builder.overseer, "oversight.noted", "oversight/dinkes", note)
    assert app.state.views.wait_for(builder.store.size, timeout=30)
    page = client.get("/units/dinkes?lang=en", headers=bearer(tokens.overseer))
    assert page.status_code == 200, page.text
    witnesses = page.text[page.text.index('id="witness-h"') : page.text.index('id="notes-h"')]
    assert "Head of the district court" in witnesses and "kajari-witness" in witnesses
    card = page.text[page.text.index('id="notes-h"') :]
    assert "District police chief (Kapolres)" in card and "kajari" in card
