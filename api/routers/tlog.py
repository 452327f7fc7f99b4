"""The C2SP tlog-tiles read API under /tlog/ (DESIGN §5) and the whole log as one archive.

Hash tiles and the checkpoint are public; entry bundles carry entry contents and need a read
token. Tiles never change once written (a partial tile of width W is forever that), so they are
served as immutable; the checkpoint changes with every append and is served as such.
"""

from __future__ import annotations

import dataclasses
import io
import json
import tarfile
import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import PlainTextResponse, Response, StreamingResponse

from api.deps import ENTRY_READERS, ExportReader, Reader, ledger_reader, reader
from api.schemas import problem_responses
from ledger import codes
from ledger.crypto.checkpoint import SignedCheckpoint
from ledger.crypto.tiles import (
    TILE_WIDTH,
    Tile,
    entry_bundles_for_size,
    format_entry_bundle,
    parse_tile_path,
    tiles_for_size,
)
from ledger.errors import NotFound
from ledger.store.reader import LedgerReader

router = APIRouter(tags=["tlog-tiles"])
check_reader = reader(*ENTRY_READERS)
IMMUTABLE = "public, max-age=31536000, immutable"
MUTABLE = "no-cache, max-age=0"
OCTETS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "tile bytes"}
}


@router.get(
    "/tlog/checkpoint",
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}, "description": "the latest signed checkpoint"},
        **problem_responses(404),
    },
)
async def checkpoint(request: Request) -> PlainTextResponse:
    """The latest checkpoint (C2SP signed note); with witnesses, the latest cosigned one."""
    store = ledger_reader(request)  # no dependency to solve: the hottest read of all
    store.refresh()
    # With witnesses, the newest cosigned checkpoint (C2SP logs serve cosigned checkpoints here),
    # until the first cosignature arrives the latest signed one.
    served = request.app.state.witnessing.cosigned() or store.latest_checkpoint()
    return PlainTextResponse(served, media_type="text/plain; charset=utf-8", headers={"Cache-Control": MUTABLE})


@router.get(
    "/tlog/tile/{path:path}",
    responses={**OCTETS, **problem_responses(400, 401, 403, 404)},
    # Hash tiles are public, entry bundles need a read token (api.deps.READ_TOKEN): either.
    openapi_extra={"security": [{}, {"readToken": []}]},
)
async def tile(path: str, request: Request, store: Reader) -> Response:
    """A hash tile `tile/<L>/<N>[.p/<W>]`, or an entry bundle `tile/entries/<N>[.p/<W>]` (token needed)."""
    wanted = parse_tile_path(f"tile/{path}")
    if wanted.level == "entries":
        await check_reader(request)
    await run_in_threadpool(store.ensure, _size_needed(wanted))
    size = store.size
    if wanted.level == "entries":
        start = wanted.index * TILE_WIDTH
        if start + wanted.width > size:
            raise NotFound(f"{wanted.path} is beyond the log's {size} leaves", code=codes.TILE_NOT_FOUND)
        leaves = await run_in_threadpool(lambda: list(store.leaves(start, start + wanted.width)))
        data = format_entry_bundle(leaves)
    else:
        assert isinstance(wanted.level, int)
        # A tile exists once the tree is big enough to fill it to its width.
        hashes_at_level = size >> (8 * wanted.level)
        if wanted.index * TILE_WIDTH + wanted.width > hashes_at_level:
            raise NotFound(f"{wanted.path} is beyond the log's {size} leaves", code=codes.TILE_NOT_FOUND)
        data = store.tile_hashes(wanted)
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": IMMUTABLE})


@router.get(
    "/v1/export",
    responses={
        200: {"content": {"application/gzip": {}}, "description": "tar.gz of the tiles directory"},
        **problem_responses(401, 403, 404),
    },
)
def export(request: Request, store: Reader, _: ExportReader) -> StreamingResponse:
    """The whole log at its latest checkpoint as a tar.gz of the tlog-tiles directory, streamed.

    The same layout `integritas export` writes: checkpoint, tiles, entry bundles and trust.json;
    verify it offline with `integritas verify DIR --trust trust.json`. With witnesses, as
    `integritas export` does, the archive is cut at the latest cosigned checkpoint and its trust.json
    carries the ledger's witness policy, so a verifier holds it to the quorum.
    """
    store.refresh(0)
    witnessing = request.app.state.witnessing
    cosigned = witnessing.cosigned() if witnessing.policy_text is not None else None
    checkpoint = SignedCheckpoint(cosigned) if cosigned else store.signed_checkpoint()
    size = checkpoint.tree_size
    anchor = dataclasses.replace(store.trust_anchor(), witness_policy_text=witnessing.policy_text)
    # As this archive has always held it: trust.json without the file's final newline.
    trust = json.dumps(anchor.to_json(), indent=2).encode()
    return StreamingResponse(
        _tar_stream(store, size, checkpoint.text.encode(), trust),
        media_type="application/gzip",
        headers={"Content-Disposition": f'attachment; filename="integritas-log-{size}.tar.gz"'},
    )


def _size_needed(tile: Tile) -> int:
    """The smallest tree size that holds `tile` at its width."""
    level = 0 if tile.level == "entries" else int(tile.level)
    leaves_per_hash: int = TILE_WIDTH**level  # int ** int is typed Any (a negative power is a float)
    return (tile.index * TILE_WIDTH + tile.width) * leaves_per_hash


class _Chunks(io.RawIOBase):
    """A write-only file that collects what tarfile writes, for a generator to hand out."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def _tar_stream(store: LedgerReader, size: int, checkpoint: bytes, trust: bytes) -> Iterator[bytes]:
    sink = _Chunks()
    now = time.time()
    with tarfile.open(fileobj=sink, mode="w|gz") as archive:

        def add(name: str, data: bytes) -> None:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), now, 0o644
            archive.addfile(info, io.BytesIO(data))

        for hash_tile in tiles_for_size(size):
            add(hash_tile.path, store.tile_hashes(hash_tile))
            yield sink.take()
        for bundle in entry_bundles_for_size(size):
            start = bundle.index * TILE_WIDTH
            add(bundle.path, format_entry_bundle(list(store.leaves(start, start + bundle.width))))
            yield sink.take()
        add("trust.json", trust)
        add("checkpoint", checkpoint)
    yield sink.take()
