"""C2SP tlog-tiles (https://c2sp.org/tlog-tiles): tile paths, the tiles of a tree, entry bundles.

A tile at level L is 256 consecutive hashes of complete subtrees of 256**L leaves each, i.e. the
Merkle nodes at tree height 8L. Full tiles hold 256 hashes (8,192 bytes); the rightmost tiles of a
tree are partial (`.p/<W>`, 1..255 hashes). Entry bundles hold the leaves of one level-0 tile, each
prefixed by its length as a big-endian uint16. All functions here are pure; reading and writing
files or HTTP is the caller's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ledger import codes
from ledger.crypto.checkpoint import DECIMAL
from ledger.crypto.merkle import HASH_SIZE, MerkleTree
from ledger.errors import MalformedInput, TooLarge

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT  # 256 hashes
MAX_ENTRY_SIZE = 0xFFFF

_INDEX_ELEMENT = re.compile(r"x[0-9]{3}")
_LAST_ELEMENT = re.compile(r"[0-9]{3}")
# A tile index below 2^63 / 256 has at most 17 digits, six 3-digit elements; seven are allowed.
MAX_TILE_PATH_PARTS = 2 + 7 + 1  # "tile", level, index elements, partial width
MAX_TILE_PATH_LENGTH = 64


@dataclass(frozen=True)
class Tile:
    """Tile `index` of `level` ("entries" for an entry bundle), `width` hashes or entries wide."""

    level: int | str
    index: int
    width: int

    @property
    def is_partial(self) -> bool:
        return self.width < TILE_WIDTH

    @property
    def path(self) -> str:
        return format_tile_path(self.level, self.index, self.width)


def format_tile_index(index: int) -> str:
    """`<N>` of a tile path: zero-padded 3-digit elements, all but the last prefixed `x`."""
    if index < 0:
        raise MalformedInput(f"tile index {index} is negative", code=codes.INVALID_TILE_PATH)
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([f"x{g}" for g in groups[:-1]] + [groups[-1]])


def format_tile_path(level: int | str, index: int, width: int = TILE_WIDTH) -> str:
    """`tile/<L>/<N>[.p/<W>]`, or `tile/entries/<N>[.p/<W>]` when level is "entries"."""
    if not 1 <= width <= TILE_WIDTH:
        raise MalformedInput(f"tile width {width} is not between 1 and 256", code=codes.INVALID_TILE_PATH)
    # bool is an int in Python; tile/True/000 is no tile.
    if level != "entries" and not (type(level) is int and 0 <= level <= 63):
        raise MalformedInput(f"tile level {level!r} is not between 0 and 63", code=codes.INVALID_TILE_PATH)
    suffix = "" if width == TILE_WIDTH else f".p/{width}"
    return f"tile/{level}/{format_tile_index(index)}{suffix}"


def parse_tile_path(path: str) -> Tile:
    """The exact inverse of `format_tile_path`; refuses any other spelling of the same tile."""
    parts = path.split("/")
    # At most level, six index elements and a partial width: longer paths are refused before
    # int() meets a digit string over Python's 4,300-digit limit.
    if not 3 <= len(parts) <= MAX_TILE_PATH_PARTS or len(path) > MAX_TILE_PATH_LENGTH or parts[0] != "tile":
        raise MalformedInput(f"{path!r} is not a tile path", code=codes.INVALID_TILE_PATH)
    level_text, rest = parts[1], parts[2:]
    if level_text == "entries":
        level: int | str = "entries"
    elif len(level_text) <= 2 and DECIMAL.fullmatch(level_text) and int(level_text) <= 63:
        level = int(level_text)
    else:
        raise MalformedInput(f"{path!r} has no valid level", code=codes.INVALID_TILE_PATH)
    width = TILE_WIDTH
    if len(rest) >= 2 and rest[-2].endswith(".p"):
        width_text = rest[-1]
        if len(width_text) > 3 or not DECIMAL.fullmatch(width_text) or not 1 <= int(width_text) <= 255:
            raise MalformedInput(f"{path!r} has no valid partial width", code=codes.INVALID_TILE_PATH)
        width = int(width_text)
        rest = [*rest[:-2], rest[-2][: -len(".p")]]
    if not rest or not all(_INDEX_ELEMENT.fullmatch(e) for e in rest[:-1]) or not _LAST_ELEMENT.fullmatch(rest[-1]):
        raise MalformedInput(f"{path!r} has no valid tile index", code=codes.INVALID_TILE_PATH)
    index = int("".join(e.lstrip("x") for e in rest))
    if format_tile_path(level, index, width) != path:  # e.g. "x000/001" for 1
        raise MalformedInput(f"{path!r} is not the canonical path of its tile", code=codes.INVALID_TILE_PATH)
    return Tile(level, index, width)


def tiles_for_size(size: int) -> Iterator[Tile]:
    """Every hash tile of a tree of `size` leaves, level by level, full tiles then the partial one."""
    level = 0
    while True:
        count = size >> (TILE_HEIGHT * level)  # hashes at this tile level
        if count == 0:
            return
        for index in range(count // TILE_WIDTH):
            yield Tile(level, index, TILE_WIDTH)
        if count % TILE_WIDTH:
            yield Tile(level, count // TILE_WIDTH, count % TILE_WIDTH)
        level += 1


def entry_bundles_for_size(size: int) -> Iterator[Tile]:
    """Every entry bundle of a tree of `size` leaves."""
    for index in range(size // TILE_WIDTH):
        yield Tile("entries", index, TILE_WIDTH)
    if size % TILE_WIDTH:
        yield Tile("entries", size // TILE_WIDTH, size % TILE_WIDTH)


def tile_hashes(tree: MerkleTree, tile: Tile) -> bytes:
    """The bytes of a hash tile: the concatenated subtree hashes it covers."""
    assert isinstance(tile.level, int)
    merkle_level = TILE_HEIGHT * tile.level
    start = tile.index * TILE_WIDTH
    return b"".join(tree.subtree_hash(merkle_level, start + i) for i in range(tile.width))


def split_tile(data: bytes, tile: Tile) -> list[bytes]:
    """The hashes of a hash tile's bytes; its length must be exactly `width` hashes."""
    if len(data) != tile.width * HASH_SIZE:
        raise MalformedInput(
            f"{tile.path} has {len(data)} bytes, want {tile.width * HASH_SIZE}", code=codes.INVALID_TILE
        )
    return [data[i : i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]


def format_entry_bundle(entries: Sequence[bytes]) -> bytes:
    """Entries, each prefixed by its length as a big-endian uint16."""
    out = bytearray()
    for entry in entries:
        if len(entry) > MAX_ENTRY_SIZE:
            raise TooLarge(f"entry of {len(entry)} bytes does not fit a bundle", code=codes.ENTRY_TOO_LARGE)
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def parse_entry_bundle(data: bytes, tile: Tile) -> list[bytes]:
    """The entries of an entry bundle; exactly `width` of them and no trailing bytes."""
    entries: list[bytes] = []
    position = 0
    while position < len(data):
        if position + 2 > len(data):
            raise MalformedInput(f"{tile.path} ends inside a length prefix", code=codes.INVALID_TILE)
        length = int.from_bytes(data[position : position + 2], "big")
        position += 2
        if position + length > len(data):
            raise MalformedInput(f"{tile.path} ends inside entry {len(entries)}", code=codes.INVALID_TILE)
        entries.append(data[position : position + length])
        position += length
    if len(entries) != tile.width:
        raise MalformedInput(f"{tile.path} holds {len(entries)} entries, want {tile.width}", code=codes.INVALID_TILE)
    return entries
