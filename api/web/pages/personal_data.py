"""The personal-data pages (issue 15, rules edition 3; docs/contract/personal-data.md).

`/personal-data`, for the operator role (the administrator's): look a person up by pseudonym or
employee number, stating why (the read is recorded before the data is shown), the read log, and the
way to erasure. Erasure is a signed entry, so it is made with the administrator's key: in the browser
(the form `/write/personal_data.erased`, signed with the key this device holds; the server then
deletes the data as `integritas erase` does) or with `integritas erase`. The server holds no key.

`/personal-data/mine`, for any signed-in key holder (a key session, api.sessions): the records naming
the holder themself, with their data and who read it (UU 27/2022 art. 32, the data subject's access),
recorded as a read with the purpose "the data subject's access". It takes no person to look up: the
session's key names its holder, so no one sees another's records there.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from api.routers.personal_data import checked_person, checked_purpose, who
from api.sessions import current_session
from api.tokens import TokenRecord
from api.web.access import PageError, page_reader
from api.web.pages.shared import page_store, router
from api.web.render import render
from ledger.entry import format_time
from ledger.errors import LedgerError, NotFound
from ledger.store.personal import PersonalDataStore

OperatorPage = Annotated[TokenRecord, Depends(page_reader("operator"))]
READS_SHOWN = 50


@router.get("/personal-data")
def personal_data_page(request: Request, token: OperatorPage) -> HTMLResponse:
    """Look a person up (recorded, with its purpose), the latest reads, and how to erase."""
    person = request.query_params.get("person", "").strip()
    purpose = request.query_params.get("purpose", "").strip()
    found: dict[str, Any] | None = None
    directory = request.app.state.settings.ledger_dir
    with PersonalDataStore(directory) as store:
        if person:
            try:
                checked_person(person)
                checked_purpose(purpose)
                pseudonym = person if person.startswith("p-") else store.resolve(person)
                known = page_store(request).person(pseudonym)
                if known is None:
                    raise PageError(404, "No entry of the log names {person}.", person=pseudonym)
                now = format_time(datetime.now(UTC))
                data = store.read(pseudonym, reader=who(token), record=f"person/{pseudonym}", purpose=purpose, at=now)
            except LedgerError as exc:
                status = 404 if isinstance(exc, NotFound) else 400
                raise PageError(status, "{field}: {problem}", field="person", problem=exc.message) from exc
            found = {"person": pseudonym, "data": data, "erased_index": known.erased_index, "indices": known.indices}
        reads = store.reads()[-READS_SHOWN:][::-1]
    return render(
        request, "personal_data.html", nav="personal-data", found=found, reads=reads, person=person, purpose=purpose
    )


SUBJECT_ACCESS = "the data subject's access"  # the purpose `integritas personal records` records too


@router.get("/personal-data/mine")
def my_records(request: Request) -> HTMLResponse:
    """The signed-in key holder's own records: the entries naming them, their data, its reads."""
    session = current_session(request)
    if session is None:
        return render(request, "personal_data_mine.html", status=401, nav="personal-data-mine", mine=None)
    store = page_store(request)
    key = store.key(session.fingerprint)
    person = None if key is None else key.holder_person
    known = None if person is None else store.person(person)
    mine: dict[str, Any] = {"session": session, "person": person, "data": None, "entries": [], "reads": []}
    if person is not None and known is not None:
        directory = request.app.state.settings.ledger_dir
        with PersonalDataStore(directory) as personal:
            reader = f"{session.holder_name} (the data subject, key {session.fingerprint[:16]})"
            now = format_time(datetime.now(UTC))
            mine["data"] = personal.read(
                person, reader=reader, record=f"person/{person}", purpose=SUBJECT_ACCESS, at=now
            )
            mine["reads"] = personal.reads(person)[::-1]
        mine["erased_index"] = known.erased_index
        mine["entries"] = [_entry_row(store.entry(index).document(), index) for index in known.indices]
    return render(request, "personal_data_mine.html", nav="personal-data-mine", mine=mine)


def _entry_row(leaf: dict[str, Any], index: int) -> dict[str, Any]:
    entry = leaf["entry"]
    shown = json.dumps(entry, ensure_ascii=False, indent=1)
    return {"index": index, "kind": entry["kind"], "stream": entry["stream"], "at": entry["at"], "json": shown}
