"""Streams and keys (DESIGN §4, §8): token-protected, since they name people."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import EntryReader, Reader
from api.routers.entries import stored_entry
from api.schemas import Key, KeyHolder, KeyOffice, Stream, StreamHead, problem_responses
from ledger import codes
from ledger.crypto.keys import encode_base64
from ledger.entry import STREAM_PATTERN
from ledger.errors import MalformedInput

router = APIRouter(tags=["streams and keys"])


@router.get("/v1/streams/{stream:path}", response_model=Stream, responses=problem_responses(400, 401, 403, 404))
def get_stream(stream: str, store: Reader, _: EntryReader) -> Stream:
    """Every entry of a stream (e.g. `unit/dpmptsp`, `pact/dpmptsp/1980…`) and its head (null if empty)."""
    if not STREAM_PATTERN.fullmatch(stream):
        raise MalformedInput(f"{stream!r} is not a stream id", code=codes.INVALID_STREAM)
    entries = store.stream_entries(stream)
    head = store.stream_head(stream)  # None for a stream with no entries yet: its first has seq 0
    return Stream(
        stream=stream,
        head=None if head is None else StreamHead(seq=head.seq, leaf_hash=encode_base64(head.leaf_hash)),
        entries=[stored_entry(store, index) for index, _ in entries],
    )


@router.get("/v1/keys", response_model=list[Key], responses=problem_responses(401, 403))
def list_keys(store: Reader, _: EntryReader) -> list[Key]:
    """Every registered key with its role, scope, holder, office and validity, in registration order."""
    return [
        Key(
            fingerprint=k.fingerprint,
            public_key=encode_base64(k.public_key),
            role=k.role,
            scope=list(k.scope),
            holder=KeyHolder(name=k.holder_name, title=k.holder_title),
            office=None if k.office_id is None else KeyOffice(id=k.office_id, name=k.office_name or ""),
            registered_index=k.registered_index,
            revoked_index=k.revoked_index,
            revoked_reason=k.revoked_reason,
        )
        for k in store.registered_keys()
    ]
