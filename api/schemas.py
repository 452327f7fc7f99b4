"""The API's JSON documents as pydantic models: for OpenAPI and response checking only.

Submissions are NOT parsed with these models: DESIGN §3's strict rules (exact members, no floats,
NFC, canonical base64) are ledger.entry's job, and a lenient model in front would accept what the
ledger must refuse. The models describe the wire format for people and for generated clients.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ledger.entry import KINDS

EXAMPLE_LEAF_HASH = "q3klNmXu9vgvZhAJKivXkUd03yKlzsVlDKhbSrHN1wY="
EXAMPLE_CHECKPOINT = (
    "integritas.example/blora\n4681\n7anpCtnV1Mx3ZlL5chy+EDBacVxjIrMyr+pPd8bke6M=\n\n"
    "— integritas.example/blora "
    "K7AQ4928/d1/72/e+PolvsHvSo95UMlINdGO7ASkRzUZrxY85YivSiUpM4nXOWiO/Fm04T40UNlWSdduTdXdhAINEQo=\n"
)


class Entry(BaseModel):
    """Entry v1 (DESIGN §3). The server canonicalises it with RFC 8785; the author signs
    `integritas/entry/v1\\n` followed by those canonical bytes."""

    model_config = ConfigDict(extra="forbid")

    v: Literal[1]
    log: str = Field(description="the origin of the log it is meant for", examples=["integritas.example/blora"])
    kind: Literal[KINDS] = Field(description="what happened")  # type: ignore[valid-type]
    stream: str = Field(description="whose history it belongs to", examples=["unit/dpmptsp"])
    seq: int = Field(ge=0, le=2**53 - 1, description="position in the stream, 0 for the first")
    prev: str | None = Field(description="base64 leaf hash of the stream's entry seq-1; null iff seq is 0")
    at: str = Field(description="RFC 3339 UTC seconds with Z", examples=["2020-07-08T09:15:00Z"])
    signer: str = Field(description="lowercase hex SHA-256 of the author's raw Ed25519 public key")
    body: dict[str, Any] = Field(description="kind-specific content (DESIGN §4)")


class Submission(BaseModel):
    """A signed entry: what `POST /v1/entries` takes. Its canonical form is the leaf."""

    model_config = ConfigDict(extra="forbid")

    entry: Entry
    signature: str = Field(description="standard padded base64 of the 64-byte Ed25519 signature")


class Receipt(BaseModel):
    index: int = Field(description="the leaf index of the entry in the log")
    leaf_hash: str = Field(examples=[EXAMPLE_LEAF_HASH])
    tree_size: int = Field(description="the size of the checkpoint below, which includes the entry")
    checkpoint: str = Field(description="C2SP signed checkpoint (signed note text)", examples=[EXAMPLE_CHECKPOINT])
    inclusion_proof: list[str] = Field(description="RFC 9162 inclusion proof of the leaf in that checkpoint")


class LogInfo(BaseModel):
    origin: str
    verifier_key: str = Field(description="C2SP verifier key: <origin>+<hex key id>+<base64(0x01 ‖ key)>")
    size: int
    checkpoint: str


class CosignedCheckpoint(BaseModel):
    size: int
    checkpoint: str = Field(description="signed note: the log's signature, then witness cosignatures (type 0x04)")
    cosigned_by: list[str] = Field(description="the ledger's witnesses whose cosignatures verify")


class StreamHead(BaseModel):
    seq: int
    leaf_hash: str


class StoredEntry(BaseModel):
    index: int
    leaf_hash: str
    entry: dict[str, Any]
    signature: str


class Stream(BaseModel):
    stream: str
    head: StreamHead | None
    entries: list[StoredEntry]


class InclusionProof(BaseModel):
    index: int
    size: int
    proof: list[str]


class ConsistencyProof(BaseModel):
    first: int
    second: int
    proof: list[str]


class KeyHolder(BaseModel):
    name: str
    title: str


class KeyOffice(BaseModel):
    """The office a key acts for (rules edition 2: witnesses and overseers carry one)."""

    id: str
    name: str


class Key(BaseModel):
    fingerprint: str
    public_key: str
    role: str
    scope: list[str]
    holder: KeyHolder
    office: KeyOffice | None
    registered_index: int
    revoked_index: int | None
    revoked_reason: str | None


class Problem(BaseModel):
    """RFC 9457 problem details; `code` is stable and the same as the CLI's."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    head: StreamHead | None = Field(default=None, description="409 only: the stream's current head")
    stream: str | None = None
    failing_checks: list[str] | None = None
    reason: str | None = Field(default=None, description="422 refusals: the rule's message in the catalogue")
    params: dict[str, Any] | None = Field(default=None, description="422 refusals: the values of that message")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem documents a route may answer."""
    descriptions = {
        400: "malformed request (see `code`)",
        401: "missing or wrong bearer token",
        403: "the token's role may not read this",
        404: "no such index, stream or resource",
        409: "stale `seq`/`prev`: re-sign on the current `head`",
        413: "request or leaf too large",
        415: "content type is not application/json",
        422: "refused by the ledger's rules (signature, key, role, scope, stage, thresholds, time)",
        503: "the server cannot serve now",
    }
    return {
        status: {"model": Problem, "description": descriptions[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }
