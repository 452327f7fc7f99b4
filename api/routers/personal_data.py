"""Personal data (rules edition 3; docs/contract/personal-data.md): reads that are recorded.

Only auditors and operators read a person's data, and only stating why: the read is recorded (who,
when, which record, the purpose) before the data is answered (UU 27/2022 art. 31; docs/personal-data.md).
The read log is the operator's. The personal-data store is opened per request and closed after, so
that an erasure's VACUUM never waits on a server.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api.deps import Reader, reader
from api.schemas import problem_responses
from api.tokens import TokenRecord
from ledger import codes
from ledger.entry import ID_PATTERN, format_time
from ledger.errors import MalformedInput, NotFound
from ledger.personal import PSEUDONYM_PATTERN
from ledger.store.personal import PersonalDataStore

router = APIRouter(tags=["personal data"])

PERSONAL_DATA_READERS = ("auditor", "operator")
PersonalDataReader = Annotated[TokenRecord, Depends(reader(*PERSONAL_DATA_READERS))]
Operator = Annotated[TokenRecord, Depends(reader("operator"))]


MAX_PURPOSE = 500


def checked_person(person: str) -> str:
    """A pseudonym or an employee number, as the store keys them; `invalid_id` otherwise."""
    if not (PSEUDONYM_PATTERN.fullmatch(person) or ID_PATTERN.fullmatch(person)):
        raise MalformedInput("person must be a pseudonym p-<20 hex> or an employee number", code=codes.INVALID_ID)
    return person


def checked_purpose(purpose: str) -> str:
    """The stated purpose as the read log keeps it: UTF-8 text of at most 500 characters."""
    if len(purpose) > MAX_PURPOSE or not purpose.isprintable():
        raise MalformedInput(
            f"purpose must be printable text of at most {MAX_PURPOSE} characters", code=codes.PURPOSE_REQUIRED
        )
    try:
        purpose.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise MalformedInput("purpose is not valid Unicode text", code=codes.PURPOSE_REQUIRED) from exc
    return purpose


def who(record: TokenRecord) -> str:
    """How the read log names a token's holder: its name, role and id (never the token)."""
    return f"{record.name} ({record.role}, token {record.id})"


@router.get("/v1/personal-data/reads", responses=problem_responses(401, 403))
def list_reads(request: Request, _: Operator, person: str | None = None) -> list[dict[str, str]]:
    """The read log (who read whose data, when, which record, why), optionally of one pseudonym."""
    if person is not None:
        checked_person(person)
    with PersonalDataStore(request.app.state.settings.ledger_dir) as store:
        return [read.to_json() for read in store.reads(person)]


@router.get("/v1/personal-data/{person}", responses=problem_responses(400, 401, 403, 404))
def read_person(
    person: str,
    request: Request,
    ledger: Reader,
    token: PersonalDataReader,
    purpose: Annotated[str, Query(description="why the data is read (recorded)")] = "",
) -> dict[str, Any]:
    """A person's data (by pseudonym or employee number) with the entries naming them, the read
    recorded first; `data` is null once the data was erased (`erased_index`)."""
    checked_person(person)
    checked_purpose(purpose)
    with PersonalDataStore(request.app.state.settings.ledger_dir) as store:
        pseudonym = person if person.startswith("p-") else store.resolve(person)
        known = ledger.person(pseudonym)
        if known is None:
            raise NotFound(f"no entry of the log names {pseudonym}", code=codes.UNKNOWN_PERSON)
        data = store.read(
            pseudonym,
            reader=who(token),
            record=f"person/{pseudonym}",
            purpose=purpose,
            at=format_time(datetime.now(UTC)),
        )
    return {
        "person": pseudonym,
        "data": None if data is None else data.to_json(),
        "erased_index": known.erased_index,
        "indices": known.indices,
    }
