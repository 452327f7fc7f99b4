"""The rules' compact leaf index (ledger.rules.leaf_index, issue 16): it answers exactly what a dict
of leaf hash -> index answered, whatever the hashes' slots, including hashes that share their slot
or all but their last byte ("twins"), and the rules that use it (duplicates, `basis`) keep their
verdicts when every hash collides."""

from __future__ import annotations

import copy
import hashlib
import pickle
import random
from collections.abc import Iterator

import pytest

from ledger.crypto.keys import encode_base64
from ledger.crypto.merkle import MerkleTree
from ledger.rules import LeafIndex, leaf_index
from tests.builder import LedgerBuilder
from tests.store.contract import StoreBuilder


def leaf_hash(n: int) -> bytes:
    return hashlib.sha256(n.to_bytes(8, "big")).digest()


def twin(of: bytes) -> bytes:
    """The same 31 first bytes (every prefix a slot could be taken from), another last byte."""
    return of[:-1] + bytes([of[-1] ^ 1])


@pytest.fixture
def colliding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every leaf hash probes from slot 0: every lookup walks past every other hash."""
    monkeypatch.setattr(leaf_index, "_hint", lambda leaf_hash: 0)


@pytest.fixture
def first_byte_slots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Slots from the hash's first byte only: hashes sharing it collide (cheap enough for a real log)."""
    monkeypatch.setattr(leaf_index, "_hint", lambda leaf_hash: leaf_hash[0])


# --- the mapping ------------------------------------------------------------------------------------------


def test_answers_as_a_dict_does_through_growth() -> None:
    rng = random.Random(16)
    expected: dict[bytes, int] = {}
    index = LeafIndex()
    next_index = 0
    for n in range(5000):
        next_index += rng.choice((1, 1, 1, 2, 7))  # refused leaves take indices without entries
        expected[leaf_hash(n)] = next_index
        index[leaf_hash(n)] = next_index
    assert len(index) == len(expected) == 5000
    assert index == expected and expected == index
    assert list(index) == list(expected)  # in leaf order
    for key, value in expected.items():
        assert index[key] == value and index.get(key) == value and key in index
    for n in range(5000, 6000):  # negative twins: hashes never added
        absent = leaf_hash(n)
        assert absent not in index and index.get(absent) is None and index.get(absent, -1) == -1
        with pytest.raises(KeyError):
            index[absent]
    assert twin(leaf_hash(0)) not in index


def test_an_expected_size_makes_the_table_once() -> None:
    index = LeafIndex(expected=1000)
    made = len(index._table)
    for n in range(1000):
        index[leaf_hash(n)] = n
    assert len(index._table) == made  # no doubling on the way
    assert index == {leaf_hash(n): n for n in range(1000)} and twin(leaf_hash(7)) not in index
    index[leaf_hash(1000)] = 1000  # more than expected: it grows as usual
    assert index[leaf_hash(1000)] == 1000 and len(index) == 1001


def test_twins_answer_for_themselves_only(colliding: None) -> None:
    index = LeafIndex()
    first = leaf_hash(1)
    index[first] = 0
    assert twin(first) not in index  # every probe meets `first`: only the full hash decides
    index[twin(first)] = 1
    index[leaf_hash(2)] = 2
    assert (index[first], index[twin(first)], index[leaf_hash(2)]) == (0, 1, 2)
    assert twin(leaf_hash(2)) not in index and leaf_hash(3) not in index
    for n in range(3, 40):  # growth re-places colliding rows too
        index[leaf_hash(n)] = n
    assert index == {first: 0, twin(first): 1, **{leaf_hash(n): n for n in range(2, 40)}}


def test_setting_a_hash_again_points_it_at_the_new_index() -> None:
    index = LeafIndex({leaf_hash(0): 0, leaf_hash(1): 1})
    index[leaf_hash(0)] = 5
    assert index == {leaf_hash(0): 5, leaf_hash(1): 1} and len(index) == 2


def test_refuses_what_would_mislead() -> None:
    index = LeafIndex({leaf_hash(0): 0, leaf_hash(1): 3})
    with pytest.raises(ValueError):
        index[leaf_hash(2)] = 1  # row 1 exists (a refused leaf's): rewriting rows is not allowed
    with pytest.raises(ValueError):
        index[leaf_hash(2)[:31]] = 4
    assert index.get("not bytes") is None and index.get(leaf_hash(0)[:8]) is None
    assert index == {leaf_hash(0): 0, leaf_hash(1): 3}


def test_copies_are_equal_and_independent() -> None:
    index = LeafIndex({leaf_hash(n): 2 * n for n in range(100)})
    for copied in (copy.deepcopy(index), pickle.loads(pickle.dumps(index))):
        assert copied == index and len(copied) == 100
        copied[leaf_hash(1000)] = 500
        assert leaf_hash(1000) in copied and leaf_hash(1000) not in index


def test_rows_shared_with_the_tree(first_byte_slots: None) -> None:
    """The verifier's arrangement: the index reads hashes from the tree's leaves, each appended
    after its leaf's fold; a refused leaf is in the tree but not in the index."""
    tree = MerkleTree()
    index = LeafIndex(rows=tree.leaf_rows)
    for n in range(600):
        if n % 10 != 3:  # leaves 3, 13, ... refused
            index[leaf_hash(n)] = n
        tree.append(leaf_hash(n))
    assert len(index) == 540
    assert all(index.get(leaf_hash(n)) == (None if n % 10 == 3 else n) for n in range(600))
    assert all(twin(leaf_hash(n)) not in index for n in range(600))
    assert len(tree.leaf_rows) == 600 * 32  # nothing written by the index
    with pytest.raises(ValueError):
        index[leaf_hash(9999)] = 3  # leaf 3's row holds another hash
    # A fresh index over the full tree (the verifier's second pass) accepts the rows' own hashes.
    again = LeafIndex(rows=tree.leaf_rows)
    again[leaf_hash(0)] = 0
    assert again == {leaf_hash(0): 0}


# --- the rules with every hash colliding ---------------------------------------------------------------


def test_basis_resolves_only_to_a_leaf_of_this_log(colliding: None) -> None:
    from tests.test_rules import U, refuse, stage_sub
    from tests.test_rules import accept as fold_one

    b = LedgerBuilder()
    b.standard_cast()
    b.register_unit(U)
    real = b.state.streams[f"unit/{U}"].leaf_hash
    assert b.state.leaf_indices[real] == b.state.streams[f"unit/{U}"].index
    refuse(b, stage_sub(b, "registered", "declared", basis=encode_base64(twin(real))), "unknown_basis")
    decision = fold_one(b, stage_sub(b, "registered", "declared", basis=encode_base64(real)))
    assert (
        b.state.units[U].stage == "declared" and b.state.leaf_indices[decision.submission.leaf_hash] == decision.index
    )


# --- the store contract (duplicates, batches, replay) with every hash colliding ---------------------


class TestStoreWithCollidingSlots:
    @pytest.fixture(autouse=True)
    def _colliding(self, colliding: None) -> Iterator[None]:
        yield

    @pytest.fixture
    def builder(self) -> StoreBuilder:
        from ledger.store.application import LedgerStore
        from ledger.store.config import Storage
        from tests.store.contract import LOG_KEY, fixed_clock

        store = LedgerStore(Storage.memory(), "integritas.test/colliding", LOG_KEY, clock=fixed_clock)
        builder = StoreBuilder(store)
        builder.standard_cast()
        builder.register_unit("dpm")
        return builder

    def test_a_duplicate_gets_its_first_receipt_and_a_new_entry_its_own(self, builder: StoreBuilder) -> None:
        store = builder.store
        first = builder.note("dpm", text="once")
        original = store.append(first)
        second = store.append(builder.note("dpm", text="after"))
        again = store.append(first)
        assert again.duplicate and not second.duplicate
        assert (again.leaf_index, again.tree_size) == (original.leaf_index, original.tree_size)
        assert second.leaf_index == original.leaf_index + 1 == store.size - 1

    def test_a_batch_holding_a_logged_entry_is_refused_at_its_position(self, builder: StoreBuilder) -> None:
        store = builder.store
        logged = builder.note("dpm", text="logged")
        store.append(logged)
        size = store.size
        with pytest.raises(Exception) as caught:
            store.append_batch([builder.note("dpm", text="new"), logged])
        assert getattr(caught.value, "code", None) == "duplicate_in_batch"
        assert caught.value.evidence["batch_position"] == 1  # type: ignore[attr-defined]
        assert store.size == size

    def test_the_replayed_state_equals_the_live_one(self, builder: StoreBuilder) -> None:
        store = builder.store
        live = dict(store.state.leaf_indices.items())
        store.reload()
        assert store.state.leaf_indices == live and len(live) == store.size


# --- the verifier with shared rows and collisions -----------------------------------------------------


def test_the_demo_export_verifies_alike_with_colliding_slots(
    first_byte_slots: None, tmp_path_factory: pytest.TempPathFactory
) -> None:
    from tests.tampering_helpers import build_demo_ledger, verify

    demo = build_demo_ledger(tmp_path_factory.mktemp("leaf-index"))
    report = verify(demo.export, demo.trust)
    assert report.ok and report.state is not None
    assert report.state.leaf_indices == demo.store.state.leaf_indices
