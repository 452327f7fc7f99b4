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
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from api.deps import Reader, Store, reader
from api.errors import UnsupportedMediaType
from api.routers.entries import read_limited, receipt_response
from api.schemas import Receipt, problem_responses
from api.tokens import TokenRecord
from ledger import codes
from ledger.canonical import load_json
from ledger.entry import ID_PATTERN, format_time, submission_from_json
from ledger.errors import MalformedInput, NotFound
from ledger.personal import PSEUDONYM_PATTERN, Disclosure
from ledger.store.erasure import append_disclosed
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


@router.post(
    "/v1/personal-data/disclosures",
    status_code=201,
    response_model=Receipt,
    responses={
        200: {"model": Receipt, "description": "the submission was already in the log: its original receipt"},
        **problem_responses(400, 409, 413, 415, 422, 503),
    },
)
async def submit_disclosed(request: Request, store: Store) -> JSONResponse:
    """Rules edition 3: append a signed entry naming persons together with the disclosures that open
    its commitments, `{"submission", "disclosures": [{"person", "data", "salt"}…]}` (the browser forms'
    way; the CLI's is `append --disclosure`). Like `POST /v1/entries` it needs no token: the entry's
    signature authorises it, and a disclosure is kept only if it opens a commitment of that entry.
    One disclosure per person named, each opening its commitment, both checked before the append."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(
            f"send the submission and disclosures as application/json, not {media_type or 'nothing'}"
        )
    value = load_json(await read_limited(request, request.app.state.settings.max_request_bytes))
    if (
        not isinstance(value, dict)
        or set(value) != {"submission", "disclosures"}
        or not isinstance(value["disclosures"], list)
    ):
        raise MalformedInput(
            'send {"submission": <a submission>, "disclosures": [<disclosure>…]}', code=codes.INVALID_PERSONAL_DATA
        )
    submission = submission_from_json(value["submission"])
    disclosures = [Disclosure.from_json(d) for d in value["disclosures"]]
    directory = request.app.state.settings.ledger_dir
    receipt = await run_in_threadpool(append_disclosed, store, directory, submission, disclosures)
    return receipt_response(request, store, receipt)
