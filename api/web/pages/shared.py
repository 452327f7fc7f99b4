"""What the page families share: the router they register on, checked query parameters, pages of rows,
and the reads every family makes (the store, the views, signers' names, the latest checkpoint).

Page handlers are plain functions: FastAPI runs them in its thread pool, where the views' database
reads belong.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from fastapi import APIRouter, Request

from api.deps import ledger_reader
from api.tokens import TokenRecord
from api.web.access import PageError
from ledger.crypto.keys import encode_base64
from ledger.store.reader import LedgerReader
from projections.queries import DatabaseViews

router = APIRouter(include_in_schema=False)


def page_store(request: Request) -> LedgerReader:
    return ledger_reader(request)


@contextmanager
def page_views(request: Request) -> Iterator[DatabaseViews]:
    """The views as of one committed state: every answer read inside has the same `as_of` as its rows."""
    service = request.app.state.views
    if service is None:
        raise PageError(503, "This server keeps no status views (its store is in memory).")
    recorder = service.projector.view
    with recorder.snapshot():
        yield DatabaseViews(recorder)


class Params:
    """The query parameters of a page, checked: a bad one is a 400 page naming it."""

    def __init__(self, request: Request) -> None:
        self.query = request.query_params

    def _fail(self, name: str, problem: str) -> PageError:
        return PageError(400, "{field}: {problem}", field=name, problem=problem)

    def text(self, name: str, *, choices: tuple[str, ...] | None = None, max_length: int = 64) -> str | None:
        value = self.query.get(name, "").strip()
        if not value:
            return None
        if len(value) > max_length:
            raise self._fail(name, "too long")
        if choices is not None and value not in choices:
            raise self._fail(name, "not one of the choices")
        return value

    def integer(self, name: str, default: int, low: int = 0, high: int = 10**9) -> int:
        value = self.query.get(name, "").strip()
        if not value:
            return default
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise self._fail(name, "not a whole number")
        return int(value)

    def day(self, name: str) -> date | None:
        value = self.text(name, max_length=10)
        if value is None:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise self._fail(name, "not a date (YYYY-MM-DD)") from None

    def page(self) -> int:
        return self.integer("page", 1, 1)


@dataclass(frozen=True)
class Pager:
    """Page `number` of `total` rows, `size` a page."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        return min(self.total, self.offset + self.size)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def signers_of(store: LedgerReader, fingerprints: Any) -> dict[str, dict[str, Any]]:
    """Holder name, title and role of each signer, from the key registry the rules keep."""
    found = {}
    for fingerprint in set(fingerprints):
        key = store.key(fingerprint)
        if key is not None:
            found[fingerprint] = {"name": key.holder_name, "title": key.holder_title, "role": key.role}
    return found


def with_holder_names(
    request: Request, token: TokenRecord, signers: dict[str, dict[str, Any]], purpose: str
) -> dict[str, dict[str, Any]]:
    """Rules edition 3: a key's holder is a pseudonym in the log and the views. A role allowed to read
    personal data (api.routers.personal_data) sees the name instead, each read recorded with `purpose`;
    others, and anyone once the data is erased, see the pseudonym (docs/contract/personal-data.md)."""
    from api.routers.personal_data import PERSONAL_DATA_READERS, who
    from ledger.entry import format_time
    from ledger.personal import PSEUDONYM_PATTERN
    from ledger.store.personal import PersonalDataStore

    pseudonyms = sorted({s["name"] for s in signers.values() if PSEUDONYM_PATTERN.fullmatch(s["name"])})
    if not pseudonyms or token.role not in PERSONAL_DATA_READERS:
        return signers
    now = format_time(datetime.now(UTC))
    names = {}
    with PersonalDataStore(request.app.state.settings.ledger_dir) as store:
        for person in pseudonyms:
            data = store.read(person, reader=who(token), record=f"person/{person}", purpose=purpose, at=now)
            if data is not None:
                names[person] = data.name
    return {fp: {**s, "name": names.get(s["name"], s["name"])} for fp, s in signers.items()}


def latest_checkpoint(store: LedgerReader) -> dict[str, Any]:
    store.refresh()
    signed = store.signed_checkpoint()
    body = signed.checkpoint
    return {"text": signed.text, "size": body.tree_size, "root": encode_base64(body.root_hash)}


def with_unit_names(answer: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """An answer whose rows name units by id only (failed reviews), with each unit's name (`names`: by id) added."""
    return {**answer, "data": [{**row, "name": names.get(row["unit"])} for row in answer["data"]]}


def unit_of_stream(stream: str) -> str | None:
    head, _, rest = stream.partition("/")
    if head in ("unit", "pact", "witness", "oversight", "case"):
        return rest.partition("/")[0]
    return None
