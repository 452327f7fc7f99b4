"""Tests of ledger.crypto.tiles against C2SP tlog-tiles: tile paths, the tiles of a tree, tile hashes
and entry bundles; strict refusals next to every accepted form."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.merkle import MerkleTree, hash_leaf, root_from_leaf_hashes
from ledger.crypto.tiles import (
    MAX_ENTRY_SIZE,
    TILE_WIDTH,
    Tile,
    entry_bundles_for_size,
    format_entry_bundle,
    format_tile_index,
    format_tile_path,
    parse_entry_bundle,
    parse_tile_path,
    split_tile,
    tile_hashes,
    tiles_for_size,
)
from ledger.errors import MalformedInput
from tests.tampering_helpers import flip_bit

# --- paths --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "text"),
    [
        (0, "000"),
        (7, "007"),
        (999, "999"),
        (1000, "x001/000"),
        (1234067, "x001/x234/067"),  # the spec's example
        (10**9, "x001/x000/x000/000"),
    ],
)
def test_tile_index(index: int, text: str) -> None:
    assert format_tile_index(index) == text


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        (0, 1234067, 256, "tile/0/x001/x234/067"),
        (0, 0, 256, "tile/0/000"),
        (0, 273, 112, "tile/0/273.p/112"),
        (1, 1, 17, "tile/1/001.p/17"),
        (63, 0, 1, "tile/63/000.p/1"),
        (2, 0, 255, "tile/2/000.p/255"),
        ("entries", 18, 73, "tile/entries/018.p/73"),
        ("entries", 1234067, 256, "tile/entries/x001/x234/067"),
    ],
)
def test_tile_path(level: int | str, index: int, width: int, path: str) -> None:
    assert format_tile_path(level, index, width) == path
    tile = parse_tile_path(path)
    assert tile == Tile(level, index, width)
    assert tile.path == path
    assert tile.is_partial == (width < TILE_WIDTH)


def test_full_width_is_the_default() -> None:
    assert format_tile_path(3, 5) == "tile/3/005"


tiles = st.builds(
    Tile,
    st.one_of(st.integers(min_value=0, max_value=63), st.just("entries")),
    st.integers(min_value=0, max_value=2**64 // TILE_WIDTH),
    st.integers(min_value=1, max_value=TILE_WIDTH),
)


@settings(max_examples=300, deadline=None)
@given(tiles)
def test_path_round_trip(tile: Tile) -> None:
    path = format_tile_path(tile.level, tile.index, tile.width)
    assert parse_tile_path(path) == tile
    assert parse_tile_path(path).path == path


@settings(max_examples=200, deadline=None)
@given(tiles, st.integers(min_value=0, max_value=7))
def test_a_changed_path_names_another_tile_or_none(tile: Tile, bit: int) -> None:
    # Negative twin of the round trip: one flipped bit in any character either fails to parse or
    # names a different tile (never the same tile under a second spelling).
    path = tile.path
    for position in range(len(path)):
        changed = path[:position] + chr(ord(path[position]) ^ (1 << bit)) + path[position + 1 :]
        try:
            other = parse_tile_path(changed)
        except MalformedInput:
            continue
        assert other != tile
        assert other.path == changed


@pytest.mark.parametrize(
    "path",
    [
        "tile/0/x000/001",  # 1 has one spelling: 001
        "tile/0/x000/000",
        "tile/0/x001/x000",  # the last element has no x
        "tile/0/001/002",  # all but the last element have an x
        "tile/0/x001",
        "tile/0/1",
        "tile/0/01",
        "tile/0/0001",
        "tile/0/-01",
        "tile/0/00a",
        "tile/0/x01/000",
        "tile/0/x0001/000",
        "tile/00/000",  # leading zero in the level
        "tile/01/000",
        "tile/64/000",  # levels are 0..63
        "tile/-1/000",
        "tile/+1/000",
        "tile/x/000",
        "tile//000",
        "tile/0/000.p/0",  # partial widths are 1..255
        "tile/0/000.p/256",
        "tile/entries/000.p/256",
        "tile/0/000.p/01",  # leading zero in the width
        "tile/0/000.p/+5",
        "tile/0/000.p/",
        "tile/0/000.p",
        "tile/0/000.q/5",
        "tile/0/000.p/5/6",
        "tile/0/000/",
        "tile/0",
        "tile/0/",
        "tile",
        "/tile/0/000",
        "tiles/0/000",
        "Tile/0/000",
        "tile/0/000 ",
        "tile/0/\u0660\u0660\u0660",  # Arabic-Indic digits are not ASCII digits
        "tile/\u0661/000",
        "tile/entries/000.p/\u0661",
        "tile/entry/000",
    ],
)
def test_refuses_non_canonical_paths(path: str) -> None:
    with pytest.raises(MalformedInput) as caught:
        parse_tile_path(path)
    assert caught.value.code == "invalid_tile_path"


@pytest.mark.parametrize(
    ("level", "index", "width"),
    [(0, 0, 0), (0, 0, 257), (64, 0, 256), (-1, 0, 256), ("entry", 0, 256), (0, -1, 256)],
)
def test_format_refuses_what_has_no_path(level: int | str, index: int, width: int) -> None:
    with pytest.raises(MalformedInput) as caught:
        format_tile_path(level, index, width)
    assert caught.value.code == "invalid_tile_path"


def test_format_refuses_a_bool_level() -> None:
    with pytest.raises(MalformedInput):
        format_tile_path(True, 0)  # type: ignore[arg-type]


# --- the tiles of a tree ----------------------------------------------------------------------------------


def summary(size: int) -> list[tuple[int | str, int, int]]:
    return [(t.level, t.index, t.width) for t in tiles_for_size(size)]


def test_tiles_of_the_spec_example_of_70000() -> None:
    tiles = list(tiles_for_size(70_000))
    level0 = [t for t in tiles if t.level == 0]
    assert [t for t in level0 if not t.is_partial] == [Tile(0, n, 256) for n in range(273)]
    assert [t for t in level0 if t.is_partial] == [Tile(0, 273, 112)]
    assert [t for t in tiles if t.level == 1] == [Tile(1, 0, 256), Tile(1, 1, 17)]
    assert [t for t in tiles if t.level == 2] == [Tile(2, 0, 1)]
    assert len(tiles) == 273 + 1 + 2 + 1
    assert tiles[-1].path == "tile/2/000.p/1"


def test_tiles_of_256_leaves() -> None:
    # The spec: a full level-0 tile and a partial level-1 tile of width 1.
    assert summary(256) == [(0, 0, 256), (1, 0, 1)]


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (0, []),
        (1, [(0, 0, 1)]),
        (255, [(0, 0, 255)]),
        (257, [(0, 0, 256), (0, 1, 1), (1, 0, 1)]),
        (512, [(0, 0, 256), (0, 1, 256), (1, 0, 2)]),
        (65_536, [*((0, n, 256) for n in range(256)), (1, 0, 256), (2, 0, 1)]),
        (4681, [*((0, n, 256) for n in range(18)), (0, 18, 73), (1, 0, 18)]),
    ],
)
def test_tiles_for_size(size: int, expected: list[tuple[int, int, int]]) -> None:
    assert summary(size) == expected


def test_every_partial_width_follows_the_spec_formula() -> None:
    # The spec: the partial tile at level l of a tree of size s has floor(s / 256**l) mod 256 hashes.
    for size in (1, 255, 256, 257, 4681, 65_535, 65_536, 70_000, 16_777_217):
        partial = {t.level: t.width for t in tiles_for_size(size) if t.is_partial}
        level = 0
        while size // 256**level:
            width = (size // 256**level) % 256
            assert partial.get(level) == (width or None), (size, level)
            level += 1
        assert set(partial) <= set(range(level))


def test_entry_bundles_for_size() -> None:
    bundles = list(entry_bundles_for_size(70_000))
    assert bundles == [*(Tile("entries", n, 256) for n in range(273)), Tile("entries", 273, 112)]
    assert list(entry_bundles_for_size(0)) == []
    assert list(entry_bundles_for_size(256)) == [Tile("entries", 0, 256)]
    assert [b.path for b in entry_bundles_for_size(257)] == ["tile/entries/000", "tile/entries/001.p/1"]


# --- tile hashes --------------------------------------------------------------------------------------------

LEAVES = [f"leaf {n}".encode() for n in range(3 * 256 + 10)]
LEAF_HASHES = [hash_leaf(leaf) for leaf in LEAVES]
TREE = MerkleTree.from_leaf_hashes(LEAF_HASHES)


def test_level_0_tiles_hold_the_leaf_hashes() -> None:
    assert split_tile(tile_hashes(TREE, Tile(0, 1, 256)), Tile(0, 1, 256)) == LEAF_HASHES[256:512]
    assert split_tile(tile_hashes(TREE, Tile(0, 3, 10)), Tile(0, 3, 10)) == LEAF_HASHES[768:778]


def test_level_1_tile_hashes_are_the_roots_of_256_leaf_ranges() -> None:
    tile = Tile(1, 0, 3)
    assert tile in list(tiles_for_size(TREE.size))
    hashes = split_tile(tile_hashes(TREE, tile), tile)
    assert hashes == [root_from_leaf_hashes(LEAF_HASHES[n * 256 : (n + 1) * 256]) for n in range(3)]


def test_a_changed_leaf_changes_exactly_its_hash_in_the_tile() -> None:
    # Negative twin: one flipped bit in leaf 300 changes the second hash of the level-1 tile only.
    changed = [*LEAVES[:300], flip_bit(LEAVES[300], 0), *LEAVES[301:]]
    tree = MerkleTree.from_leaf_hashes(hash_leaf(leaf) for leaf in changed)
    tile = Tile(1, 0, 3)
    before, after = split_tile(tile_hashes(TREE, tile), tile), split_tile(tile_hashes(tree, tile), tile)
    assert [n for n in range(3) if before[n] != after[n]] == [1]
    level0 = Tile(0, 1, 256)
    before, after = split_tile(tile_hashes(TREE, level0), level0), split_tile(tile_hashes(tree, level0), level0)
    assert [n for n in range(256) if before[n] != after[n]] == [300 - 256]


def test_level_2_tile_hash_is_the_root_of_65536_leaves() -> None:
    hashes = [hash_leaf(n.to_bytes(4, "big")) for n in range(65_536 + 1)]
    tree = MerkleTree.from_leaf_hashes(hashes)
    assert tile_hashes(tree, Tile(2, 0, 1)) == root_from_leaf_hashes(hashes[:65_536])
    assert tile_hashes(tree, Tile(1, 0, 256))[-32:] == root_from_leaf_hashes(hashes[65_280:65_536])


@pytest.mark.parametrize("length", [0, 31, 3 * 32 - 1, 3 * 32 + 1, 4 * 32])
def test_split_tile_wants_exactly_width_hashes(length: int) -> None:
    with pytest.raises(MalformedInput) as caught:
        split_tile(bytes(length), Tile(1, 0, 3))
    assert caught.value.code == "invalid_tile"


# --- entry bundles ----------------------------------------------------------------------------------------


def test_entry_bundle_format() -> None:
    assert format_entry_bundle([b"ab", b"", b"c"]) == b"\x00\x02ab\x00\x00\x00\x01c"
    assert format_entry_bundle([b"x" * 300]) == b"\x01\x2c" + b"x" * 300


@settings(max_examples=200, deadline=None)
@given(st.lists(st.binary(max_size=300), min_size=1, max_size=TILE_WIDTH))
def test_entry_bundle_round_trip(entries: list[bytes]) -> None:
    tile = Tile("entries", 7, len(entries))
    data = format_entry_bundle(entries)
    assert parse_entry_bundle(data, tile) == entries
    assert format_entry_bundle(parse_entry_bundle(data, tile)) == data


def test_largest_entry_fits_and_one_more_byte_does_not() -> None:
    largest = b"\xab" * MAX_ENTRY_SIZE
    data = format_entry_bundle([largest])
    assert data[:2] == b"\xff\xff"
    assert parse_entry_bundle(data, Tile("entries", 0, 1)) == [largest]
    with pytest.raises(MalformedInput) as caught:
        format_entry_bundle([largest + b"\xab"])
    assert caught.value.code == "entry_too_large"


GOOD_BUNDLE = format_entry_bundle([b"one", b"two", b"three"])


@pytest.mark.parametrize(
    ("data", "width"),
    [
        (GOOD_BUNDLE[:-1], 3),  # truncated inside the last entry
        (GOOD_BUNDLE[: len(b"\x00\x03one\x00\x03two") + 1], 3),  # truncated inside a length prefix
        (GOOD_BUNDLE + b"\x00", 3),  # a trailing byte
        (GOOD_BUNDLE + b"\x00\x00", 3),  # trailing bytes that read as a fourth, empty entry
        (GOOD_BUNDLE + b"\x00\x01x", 3),
        (GOOD_BUNDLE, 2),  # more entries than the width
        (GOOD_BUNDLE, 4),  # fewer entries than the width
        (b"", 1),
        (b"\x00\x05abc", 1),
    ],
)
def test_entry_bundle_refusals(data: bytes, width: int) -> None:
    assert parse_entry_bundle(GOOD_BUNDLE, Tile("entries", 0, 3)) == [b"one", b"two", b"three"]
    with pytest.raises(MalformedInput) as caught:
        parse_entry_bundle(data, Tile("entries", 0, width))
    assert caught.value.code == "invalid_tile"
