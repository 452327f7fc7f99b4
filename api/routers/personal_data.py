"""Personal data (rules edition 3; docs/contract/personal-data.md): reads that are recorded.

Only auditors and operators read a person's data, and only stating why: the read is recorded (who,
when, which record, the purpose) before the data is answered (UU 27/2022 art. 31; docs/personal-data.md).
The read log is the operator's. The personal-data store is opened per request and closed after, so
that an erasure's VACUUM never waits on a server.

The browser's edition-3 forms (pd-forms) write through `POST /v1/personal-data/disclosures`, and find a
known employee through `POST /v1/personal-data/lookup`: a signed-in pact registrar or administrator
gives a name and number and gets the pseudonym and logged commitment, never the salt, the read recorded.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials

from api.deps import READ_TOKEN, Reader, Store, bearer_token, reader
from api.errors import EMPLOYEE_NAME_DIFFERS, EMPLOYEE_NUMBER_HELD, Forbidden, Unauthorised, UnsupportedMediaType
from api.routers.entries import read_limited, receipt_response
from api.schemas import Receipt, problem_responses
from api.sessions import KeySession, current_session
from api.tokens import TokenRecord
from ledger import codes
from ledger.canonical import load_json
from ledger.entry import ID_PATTERN, Submission, format_time, submission_from_json
from ledger.errors import LedgerError, MalformedInput, NotFound, VerificationFailed
from ledger.personal import PSEUDONYM_PATTERN, Disclosure, PersonalData, verify_disclosure
from ledger.rules.persons import persons_named
from ledger.store.application import LedgerStore
from ledger.store.erasure import append_disclosed, erasure_state, finish_erasures
from ledger.store.personal import PersonalDataStore
from ledger.store.reader import LedgerReader
from projections.persons import find_persons

router = APIRouter(tags=["personal data"])

PERSONAL_DATA_READERS = ("auditor", "operator")
log = logging.getLogger("integritas.api")


def reader_or_session(*roles: str) -> Callable[..., Awaitable[TokenRecord]]:
    """A bearer token of one of `roles` (as `api.deps.reader`), or else a key's session whose reading
    rights are one of them (an administrator's key reads as operator: the erasure form finds the
    person by number with it). 401 without either, 403 for a role that may not."""
    by_token = reader(*roles)

    async def check(
        request: Request, _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(READ_TOKEN)] = None
    ) -> TokenRecord:
        session = current_session(request) if bearer_token(request) is None else None
        if session is None:
            return await by_token(request)
        if session.read_role not in roles:
            raise Forbidden(f"a key of role {session.key_role} may not read this; it needs {' or '.join(roles)}")
        return TokenRecord(f"key {session.fingerprint[:16]}", session.holder_name, session.read_role, "", "")

    return check


PersonalDataReader = Annotated[TokenRecord, Depends(reader_or_session(*PERSONAL_DATA_READERS))]
Operator = Annotated[TokenRecord, Depends(reader("operator"))]
OperatorOrAdministrator = Annotated[TokenRecord, Depends(reader_or_session("operator"))]


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


@router.get("/v1/personal-data/erasures/{person}", responses=problem_responses(400, 401, 403, 404))
def erasure_of(person: str, request: Request, ledger: Reader, _: OperatorOrAdministrator) -> dict[str, Any]:
    """Whether the log holds the erasure of `person` (a pseudonym) and whether this ledger still holds
    any of their data: the personal-data store's row, an entry in a registered auditor export. It reads
    no personal data, so it records no read: what the erasure page shows after sending the entry."""
    if not PSEUDONYM_PATTERN.fullmatch(person):
        raise MalformedInput("person must be a pseudonym p-<20 hex>", code=codes.INVALID_ID)
    ledger.refresh()
    return erasure_state(ledger, request.app.state.settings.ledger_dir, person).to_json()


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
    One disclosure per person named, each opening its commitment, both checked before the append; a
    person the store already holds (a pact signed again, an employee's own pact) needs none: the data
    held must then open the entry's commitment."""
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
    disclosures = await run_in_threadpool(completed_disclosures, store, directory, submission, disclosures)
    receipt = await run_in_threadpool(append_disclosed, store, directory, submission, disclosures)
    return receipt_response(request, store, receipt)


def completed_disclosures(
    ledger: LedgerReader, directory: Path, submission: Submission, sent: list[Disclosure]
) -> list[Disclosure]:
    """The disclosures sent, and what the store holds for each person the entry names without one:
    `append_disclosed` checks a held one as a sent one (it must open the entry's commitment:
    `personal_data_mismatch`), so the log takes no commitment the store cannot open; a person held for
    nobody stays undisclosed (`invalid_personal_data`). A new person under an employee number the
    store holds for another pseudonym the log names is refused (`employee_number_held`): one person,
    one pseudonym (the lookup finds the held one)."""
    given = {d.person for d in sent}
    missing = [person for person, _ in persons_named(submission.entry) if person not in given]
    ledger.refresh()
    with PersonalDataStore(directory) as personal:
        for disclosure in sent:
            number = disclosure.data.number
            if number is None or personal.get(disclosure.person) is not None:
                continue
            for other in personal.persons_with_number(number):
                known = ledger.person(other)
                if other != disclosure.person and known is not None and known.erased_index is None:
                    raise VerificationFailed(
                        f"that employee number is held for {other}: name the person by that pseudonym "
                        "(POST /v1/personal-data/lookup finds it)",
                        code=EMPLOYEE_NUMBER_HELD,
                    )
        return [*sent, *(held for person in missing if (held := personal.get(person)) is not None)]


# Who may find a person by name and number, for which form, and the purpose the read log records.
LOOKUPS = {
    "pact.signed": ("pact_registrar", "pact registration"),
    "key.registered": ("administrator", "key registration"),
}


@router.post("/v1/personal-data/lookup", responses=problem_responses(400, 401, 403, 404, 415, 422))
async def look_up_person(request: Request, ledger: Reader) -> dict[str, str]:
    """For a key signed in (session cookie) that registers pacts (pact registrar) or keys
    (administrator): `{"kind", "name", "number"[, "unit"]}` → `{"person", "commitment"}`, the pseudonym
    and logged commitment of the employee the store holds under exactly that name and number, the read
    recorded (purpose "pact registration" or "key registration"). The salt never leaves the server.
    `unknown_person` when no one is held under the number (a new employee: a new pseudonym);
    `employee_name_differs` when it is held under another name; neither records anything."""
    session = current_session(request)
    if session is None:
        raise Unauthorised("sign in with a key that registers pacts or keys to look a person up")
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise UnsupportedMediaType(f"send the lookup as application/json, not {media_type or 'nothing'}")
    value = load_json(await read_limited(request, request.app.state.settings.max_request_bytes))
    kind, unit, data = _lookup_request(value)
    role, purpose = LOOKUPS[kind]
    if session.key_role != role:
        raise Forbidden(f"a key of role {session.key_role} may not look persons up for {kind}; it needs {role}")
    key = ledger.key(session.fingerprint)
    if unit is not None and (key is None or not key.covers(unit)):
        raise Forbidden(f"the key's scope does not cover unit {unit}")
    directory = request.app.state.settings.ledger_dir
    return await run_in_threadpool(_look_up, ledger, directory, session, data, unit, purpose)


def _lookup_request(value: Any) -> tuple[str, str | None, PersonalData]:
    shape = 'send {"kind": "pact.signed" or "key.registered", "name", "number"[, "unit"]}'
    if not isinstance(value, dict) or not {"kind", "name", "number"} <= set(value) <= {
        "kind",
        "name",
        "number",
        "unit",
    }:
        raise MalformedInput(shape, code=codes.INVALID_PERSONAL_DATA)
    kind, unit = value["kind"], value.get("unit")
    if kind not in LOOKUPS:
        raise MalformedInput(shape, code=codes.INVALID_PERSONAL_DATA)
    if kind == "pact.signed" and not (isinstance(unit, str) and ID_PATTERN.fullmatch(unit)):
        raise MalformedInput("a lookup for a pact names its unit (an id)", code=codes.INVALID_ID)
    if not isinstance(value["number"], str):
        raise MalformedInput("number must be an employee number", code=codes.INVALID_PERSONAL_DATA)
    return (
        kind,
        unit if kind == "pact.signed" else None,
        PersonalData.from_json({"name": value["name"], "number": value["number"]}),
    )


def _look_up(
    ledger: LedgerReader, directory: Path, session: KeySession, data: PersonalData, unit: str | None, purpose: str
) -> dict[str, str]:
    ledger.refresh()
    differs = False
    with PersonalDataStore(directory) as personal:
        for pseudonym in personal.persons_with_number(data.number or ""):
            known = ledger.person(pseudonym)
            held = personal.get(pseudonym)
            if known is None or known.erased_index is not None or held is None:
                continue  # not (or no longer) named by the log: no one to reuse
            if held.data != data:
                differs = True
                continue
            verify_disclosure(held, known.commitment)  # what is held opens what is logged
            personal.read(
                pseudonym,
                reader=f"{session.holder_name} ({session.key_role}, key {session.fingerprint[:16]})",
                record=f"pact/{unit}/{pseudonym}" if unit is not None else f"person/{pseudonym}",
                purpose=purpose,
                at=format_time(datetime.now(UTC)),
            )
            return {"person": pseudonym, "commitment": known.commitment}
    if differs:
        raise VerificationFailed(
            "that employee number is held under another name: check the name (nothing was recorded)",
            code=EMPLOYEE_NAME_DIFFERS,
        )
    raise _unknown_person()


def _unknown_person() -> NotFound:
    return NotFound(
        "no person is held under that employee number: a new employee gets a new pseudonym", code=codes.UNKNOWN_PERSON
    )


# --- search (GET /v1/search answers persons too, to readers of personal data) ---------------------------

PERSONS_SHOWN = 50


def persons_of_search(
    directory: Path, ledger: LedgerReader, token: TokenRecord, q: str, limit: int = PERSONS_SHOWN
) -> dict[str, Any] | None:
    """The persons a search finds by name or number (projections.persons), each read recorded, for
    a reader allowed to read personal data; None for every other role (their answer gains nothing,
    not even an empty list) and for a ledger without a personal-data store."""
    if token.role not in PERSONAL_DATA_READERS:
        return None
    now = format_time(datetime.now(UTC))
    return find_persons(directory, ledger, q, reader=who(token), at=now, limit=limit)


def search_with_persons(request: Request, token: TokenRecord, answer: dict[str, Any]) -> dict[str, Any]:
    """`GET /v1/search`'s view answer, with `persons` beside it (outside its digest: the persons come
    from the personal-data store, not from the log) on the first page of a personal-data reader's."""
    if answer["page"]["offset"] != 0:
        return answer
    directory = request.app.state.settings.ledger_dir
    found = persons_of_search(directory, request.app.state.store, token, answer["params"]["q"])
    return answer if found is None else {**answer, "persons": found}


# --- erasures cut short (a crash between the erasure entry and the deletion) ------------------------


def finish_erasures_cut_short(store: LedgerStore, directory: Path) -> None:
    """At the server's start: finish every erasure the log holds whose data deletion did not complete.
    A failure is logged and leaves the server starting: the next start, `integritas erase` or the
    same erasure submission sent again finishes it."""
    try:
        for deletion in finish_erasures(store, directory):
            log.warning("finished the erasure of %s (cut short before)", deletion.person)
    except (LedgerError, sqlite3.Error, OSError):
        log.exception("finishing the erasures cut short failed; the next start tries again")
