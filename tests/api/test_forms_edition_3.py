"""The browser forms on a rules-edition-3 log (issue 15 with issue 13's forms): the kinds that name a
person cannot be written from the page until it sends the disclosure beside the entry, so their form
says so and offers no signing, instead of signing an entry the log would refuse."""

from __future__ import annotations

import html

from fastapi.testclient import TestClient

from tests.api.api_builder import ApiBuilder

EDITION_3_NOTE = "This log is under rules edition 3: a {kind} names a person by pseudonym"
PREPARE_DISABLED = '<button type="submit" id="prepare" disabled>'


def test_the_person_naming_forms_refuse_clearly_on_an_edition_3_log(demo_client: TestClient) -> None:
    for kind in ("pact.signed", "key.registered"):
        page = demo_client.get(f"/write/{kind}?lang=en")
        assert page.status_code == 200
        text = html.unescape(page.text)
        assert EDITION_3_NOTE.format(kind=kind) in text and "integritas append --disclosure" in text
        assert PREPARE_DISABLED in page.text and 'data-signer=""' in page.text
    indonesian = html.unescape(demo_client.get("/write/pact.signed?lang=id").text)
    assert "Log ini memakai aturan edisi 3: pact.signed menyebut orang dengan pseudonim" in indonesian


def test_other_forms_and_older_editions_carry_no_such_note(
    demo_client: TestClient, builder: ApiBuilder, client: TestClient
) -> None:
    """Its negative twins: a kind naming no person on the same log, and the pact form on an older edition's log."""
    builder.genesis()
    policy = builder.store.policy()
    assert policy is not None and policy.rules < 3
    other = demo_client.get("/write/pact.released?lang=en")
    assert other.status_code == 200 and "This log is under rules edition 3" not in other.text
    older = client.get("/write/pact.signed?lang=en")
    assert older.status_code == 200 and "This log is under rules edition 3" not in older.text
    assert "Sign in with a key to write" in older.text
