"""The administrator's personal-data page (issue 15, rules edition 3; docs/contract/personal-data.md).

For the operator role (the administrator's): look a person up by pseudonym or employee number,
stating why (the read is recorded before the data is shown), the read log, and how to erase a
person's data. Erasure is a signed entry, so it is made with the administrator's key
(`integritas erase`); the page says how rather than holding a signing key on the server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from api.routers.personal_data import checked_person, checked_purpose, who
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
