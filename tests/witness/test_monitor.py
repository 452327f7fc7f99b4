"""The monitor: new entries, an equivocation reported with both signed checkpoints, a valid Atom feed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from ledger.crypto.checkpoint import Checkpoint, format_checkpoint, parse_checkpoint, sign_checkpoint
from ledger.crypto.cosignature import add_cosignatures, cosign_note, format_cosignature_line
from ledger.crypto.keys import fingerprint
from ledger.crypto.note import parse_note
from ledger.crypto.witness_policy import PolicyWitness, parse_witness_policy
from ledger.log_sources import open_source
from ledger.verify import LogSource, TrustAnchor
from tests.builder import key_for
from tests.tampering_helpers import add_notes, small_ledger
from witness.monitor import Monitor, load_trust

NOW = datetime(2030, 1, 2, tzinfo=UTC)
WITNESS = "kejari.example/w"


class _SplitView:
    """The real log's leaves and tiles, but a checkpoint chosen by the test (signed with the log key)."""

    def __init__(self, source: LogSource, checkpoint: str) -> None:
        self._source, self._checkpoint = source, checkpoint
        self.description, self.has_tiles = "split view", getattr(source, "has_tiles", False)

    def checkpoint(self) -> str:
        return self._checkpoint

    def leaves(self, size):  # type: ignore[no-untyped-def]
        return self._source.leaves(size)

    def hash_tile(self, tile):  # type: ignore[no-untyped-def]
        return self._source.hash_tile(tile)


@pytest.fixture
def ledger(tmp_path: Path):  # type: ignore[no-untyped-def]
    builder = small_ledger(tmp_path / "ledger")
    policy = f"witness {WITNESS} {key_for('kejari').public_key().public_bytes_raw().hex()}\nquorum {WITNESS}\n"
    trust = {
        "origin": builder.store.origin,
        "verifier_key": builder.store.verifier_key_text,
        "root_fingerprint": fingerprint(key_for("root").public_key()),
        "witness_policy": policy,
    }
    (tmp_path / "trust.json").write_text(json.dumps(trust))
    return builder


def _monitor(tmp_path: Path, source: LogSource, name: str = "state.json", **options) -> Monitor:  # type: ignore[no-untyped-def]
    trust, policy = load_trust(tmp_path / "trust.json")
    return Monitor(
        source, trust, policy, tmp_path / name, feed_path=tmp_path / f"{name}.atom", clock=lambda: NOW, **options
    )


def test_new_entries_and_unit_filters(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = open_source(str(tmp_path / "ledger"))
    everything = _monitor(tmp_path, source)
    other_unit = _monitor(tmp_path, source, "other.json", units=["another-unit"])
    first = everything.poll()
    assert [item.title for item in first] == [f"monitor started at tree size {ledger.store.size}"]
    other_unit.poll()
    add_notes(ledger, 2, "tindak lanjut")
    items = everything.poll()
    assert [item.category for item in items] == ["entry", "entry"]
    assert all("oversight.noted oversight/dpm" in item.title for item in items)
    assert other_unit.poll() == []
    feed = feedparser.parse(str(tmp_path / "state.json.atom"))
    assert feed.bozo == 0, feed.bozo_exception
    assert feed.version == "atom10"
    assert len(feed.entries) == 3
    assert "tindak lanjut" in feed.entries[0].content[0].value


def test_equivocation_is_reported_with_both_checkpoints(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = open_source(str(tmp_path / "ledger"))
    monitor = _monitor(tmp_path, source)
    monitor.poll()
    trusted = ledger.store.latest_checkpoint()
    size = parse_checkpoint(parse_note(trusted).text).tree_size
    # The operator's log key signs another tree of the same size: a split view.
    forged = sign_checkpoint(Checkpoint(ledger.store.origin, size, bytes(32)), key_for("log"))
    split = _monitor(tmp_path, _SplitView(source, forged))
    items = split.poll()
    assert [item.title.split(":")[0] for item in items] == ["ALERT equivocation"]
    assert trusted in items[0].content and forged in items[0].content
    # The trusted state did not move: the alert repeats, and the honest log still passes.
    assert json.loads((tmp_path / "state.json").read_text())["checkpoint"] == trusted
    assert split.poll()[0].category == "alert"
    add_notes(ledger, 1)
    assert [item.category for item in monitor.poll()] == ["entry"]
    feed = feedparser.parse(str(tmp_path / "state.json.atom"))
    assert feed.bozo == 0
    assert [e.tags[0].term for e in feed.entries][:3] == ["entry", "alert", "alert"]
    assert forged.rstrip("\n") in feed.entries[1].content[0].value  # feedparser strips the final newline


def test_a_larger_inconsistent_log_is_an_equivocation(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = open_source(str(tmp_path / "ledger"))
    monitor = _monitor(tmp_path, source)
    early = ledger.store.latest_checkpoint()
    size = parse_checkpoint(parse_note(early).text).tree_size
    # The monitor trusted a checkpoint of another history (signed with the real key), then the log grew.
    forked = sign_checkpoint(Checkpoint(ledger.store.origin, size, bytes(32)), key_for("log"))
    (tmp_path / "state.json").write_text(json.dumps({"checkpoint": forked, "items": []}))
    add_notes(ledger, 2)
    items = monitor.poll()
    assert items[0].title.startswith("ALERT equivocation")
    assert forked in items[0].content and ledger.store.latest_checkpoint() in items[0].content


def test_a_witness_that_cosigned_another_history(ledger, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    source = open_source(str(tmp_path / "ledger"))
    size = ledger.store.size
    # A witness was shown (and cosigned) another tree of size 2, signed with the real log key.
    forged = Checkpoint(ledger.store.origin, 2, bytes(32))
    note = sign_checkpoint(forged, key_for("log"))
    cosigned = add_cosignatures(
        note, format_cosignature_line(cosign_note(format_checkpoint(forged), WITNESS, key_for("kejari"), 1_900_000_000))
    )

    def witness_checkpoint(witness: PolicyWitness, origin: str) -> str:
        assert witness.name == WITNESS and origin == ledger.store.origin
        return cosigned

    items = _monitor(tmp_path, source, witness_checkpoint=witness_checkpoint).poll()
    assert [item.title.split(":")[0] for item in items] == ["ALERT equivocation"]
    assert cosigned in items[0].content and ledger.store.latest_checkpoint() in items[0].content
    assert size == ledger.store.size
    # Negative twin: the witness cosigned the true tree at size 2: no alert.
    true = Checkpoint(ledger.store.origin, 2, ledger.store.tree.root(2))
    honest = add_cosignatures(
        sign_checkpoint(true, key_for("log")),
        format_cosignature_line(cosign_note(format_checkpoint(true), WITNESS, key_for("kejari"), 1_900_000_000)),
    )
    items = _monitor(tmp_path, source, "honest.json", witness_checkpoint=lambda w, o: honest).poll()
    assert [item.category for item in items] == ["entry"]


def test_policy_parse(tmp_path: Path, ledger) -> None:  # type: ignore[no-untyped-def]
    trust, policy = load_trust(tmp_path / "trust.json")
    assert isinstance(trust, TrustAnchor)
    assert policy == parse_witness_policy(json.loads((tmp_path / "trust.json").read_text())["witness_policy"])
