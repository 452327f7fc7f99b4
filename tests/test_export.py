"""`export_log` and `integritas export` (ledger.store.export): the demo ledger as a C2SP tlog-tiles
directory, byte for byte what the store holds, and the same bytes every time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli.main import main
from ledger.crypto.keys import fingerprint
from ledger.crypto.merkle import hash_leaf, root_from_leaf_hashes
from ledger.crypto.tiles import TILE_WIDTH, Tile, entry_bundles_for_size, parse_entry_bundle, tiles_for_size
from ledger.store.export import export_log
from tests.tampering_helpers import DEMO_SIZE, DemoLedger, build_demo_ledger, demo_key, flip_bit


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoLedger:
    return build_demo_ledger(tmp_path_factory.mktemp("export"))


def files(directory: Path) -> dict[str, bytes]:
    return {
        path.relative_to(directory).as_posix(): path.read_bytes() for path in directory.rglob("*") if path.is_file()
    }


def expected_tile(leaves: tuple[bytes, ...] | list[bytes], tile: Tile) -> bytes:
    """A hash tile computed straight from the spec's formula, MTH(D[(n*256+i)*256**l : ...])."""
    assert isinstance(tile.level, int)
    span = TILE_WIDTH**tile.level
    first = tile.index * TILE_WIDTH
    return b"".join(
        root_from_leaf_hashes([hash_leaf(leaf) for leaf in leaves[(first + i) * span : (first + i + 1) * span]])
        for i in range(tile.width)
    )


def test_export_writes_every_tile_bundle_checkpoint_and_trust_file(demo: DemoLedger) -> None:
    written = files(demo.export)
    tiles = [tile.path for tile in tiles_for_size(DEMO_SIZE)]
    bundles = [bundle.path for bundle in entry_bundles_for_size(DEMO_SIZE)]
    assert len(tiles) == 25 + 1 + 1 and "tile/0/025.p/95" in tiles and "tile/1/000.p/25" in tiles
    assert len(bundles) == 26 and bundles[-1] == "tile/entries/025.p/95"
    assert sorted(written) == sorted(["checkpoint", "trust.json", *tiles, *bundles])  # nothing else, no .tmp


def test_checkpoint_is_the_stores_latest(demo: DemoLedger) -> None:
    assert (demo.export / "checkpoint").read_bytes() == demo.store.latest_checkpoint().encode("utf-8")


def test_trust_file_names_the_stores_origin_and_keys(demo: DemoLedger) -> None:
    trust = json.loads((demo.export / "trust.json").read_text(encoding="utf-8"))
    assert trust == {
        "origin": demo.store.origin,
        "verifier_key": demo.store.verifier_key_text,
        "root_fingerprint": demo.store.state.root_fingerprint,
        "national_root_fingerprint": fingerprint(demo_key("national-root").public_key()),
    }
    assert trust["root_fingerprint"] == fingerprint(demo_key("root").public_key())
    assert trust["verifier_key"].startswith(f"{demo.store.origin}+")
    # The data directory's trust anchor says the same.
    assert json.loads((demo.directory / "trust.json").read_text(encoding="utf-8")) == trust


def test_bundles_hold_the_stores_leaves(demo: DemoLedger) -> None:
    leaves: list[bytes] = []
    for bundle in entry_bundles_for_size(DEMO_SIZE):
        leaves.extend(parse_entry_bundle((demo.export / bundle.path).read_bytes(), bundle))
    assert leaves == list(demo.store.leaves())
    assert len(leaves) == DEMO_SIZE


def test_tiles_are_the_hashes_of_the_leaves(demo: DemoLedger) -> None:
    for tile in tiles_for_size(DEMO_SIZE):
        assert (demo.export / tile.path).read_bytes() == expected_tile(demo.leaves, tile), tile.path
    level1 = (demo.export / "tile/1/000.p/25").read_bytes()
    assert level1[-32:] == root_from_leaf_hashes([hash_leaf(leaf) for leaf in demo.leaves[24 * 256 : 25 * 256]])


def test_a_changed_leaf_gives_other_tiles(demo: DemoLedger) -> None:
    # Negative twin of the tile check: one flipped bit in leaf 1000 changes tile 0/003 at position
    # 1000 - 768 and the level-1 tile at position 3, and no other tile.
    changed = [*demo.leaves[:1000], flip_bit(demo.leaves[1000], 9), *demo.leaves[1001:]]
    differing = [
        tile.path
        for tile in tiles_for_size(DEMO_SIZE)
        if (demo.export / tile.path).read_bytes() != expected_tile(changed, tile)
    ]
    assert differing == ["tile/0/003", "tile/1/000.p/25"]
    ours, theirs = (demo.export / "tile/0/003").read_bytes(), expected_tile(changed, Tile(0, 3, 256))
    assert [n for n in range(256) if ours[n * 32 : n * 32 + 32] != theirs[n * 32 : n * 32 + 32]] == [1000 - 768]


def test_exporting_twice_gives_the_same_bytes(demo: DemoLedger, tmp_path: Path) -> None:
    assert export_log(demo.store, tmp_path / "again") == DEMO_SIZE
    assert files(tmp_path / "again") == files(demo.export)
    before = files(demo.export)
    assert export_log(demo.store, demo.export) == DEMO_SIZE  # over itself: unchanged
    assert files(demo.export) == before


def test_progress_reaches_the_size(demo: DemoLedger, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    export_log(demo.store, tmp_path / "progress", lambda done, total: calls.append((done, total)))
    assert calls[-1] == (DEMO_SIZE, DEMO_SIZE)
    assert [done for done, _ in calls] == sorted({done for done, _ in calls})


def test_cli_export_then_verify(demo: DemoLedger, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_dir = tmp_path / "exported"
    assert main(["export", "--ledger", str(demo.directory), str(out_dir)]) == 0
    out = capsys.readouterr().out
    assert out == f"exported {DEMO_SIZE} entries to {out_dir} (C2SP tlog-tiles; trust anchor in trust.json)\n"
    assert files(out_dir) == files(demo.export)

    trust = str(out_dir / "trust.json")
    assert main(["verify", str(out_dir), "--trust", trust, "--workers", "1"]) == 0
    words = " ".join(capsys.readouterr().out.split())  # rich wraps lines at the console width
    assert words.startswith("OK exported log ")
    national_root = fingerprint(demo_key("national-root").public_key())  # the demo pins its national root
    assert words.endswith(
        f": {DEMO_SIZE} entries, 27 tiles, checkpoint size {DEMO_SIZE} verified, national root {national_root}"
    )

    # Negative twin: one flipped bit in one entry bundle.
    bundle = out_dir / "tile/entries/007"
    data = bundle.read_bytes()
    bundle.write_bytes(flip_bit(data, len(data) * 4))
    assert main(["verify", str(out_dir), "--trust", trust, "--workers", "1"]) == 1
    assert "FAILED" in capsys.readouterr().out
