"""Tests of ledger.crypto.merkle: vectors, an independent reference, properties and bounds."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ledger.crypto.merkle import (
    EMPTY_ROOT,
    MIDDLE,
    STORED_FROM,
    MerkleTree,
    hash_children,
    hash_leaf,
    root_from_inclusion_proof,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)
from ledger.errors import MalformedInput, NotFound, VerificationFailed

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
TESTDATA = VECTORS / "transparency-dev-merkle" / "testdata"


def _vector_files(kind: str) -> list[Path]:
    return sorted((TESTDATA / kind).rglob("*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value or "")


def _proof(values: list[str] | None) -> list[bytes]:
    return [_b64(value) for value in values or []]


def _vector_id(path: Path) -> str:
    return str(path.relative_to(TESTDATA))


INCLUSION_FILES = _vector_files("inclusion")
CONSISTENCY_FILES = _vector_files("consistency")


# --- An independent reference: the recursive definitions of RFC 9162 §2.1, read literally. ---


def _k(n: int) -> int:
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def ref_mth(leaf_hashes: list[bytes]) -> bytes:
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    k = _k(n)
    return hashlib.sha256(b"\x01" + ref_mth(leaf_hashes[:k]) + ref_mth(leaf_hashes[k:])).digest()


def ref_path(m: int, leaf_hashes: list[bytes]) -> list[bytes]:
    n = len(leaf_hashes)
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*ref_path(m, leaf_hashes[:k]), ref_mth(leaf_hashes[k:])]
    return [*ref_path(m - k, leaf_hashes[k:]), ref_mth(leaf_hashes[:k])]


def ref_subproof(m: int, leaf_hashes: list[bytes], b: bool) -> list[bytes]:
    n = len(leaf_hashes)
    if m == n:
        return [] if b else [ref_mth(leaf_hashes)]
    k = _k(n)
    if m <= k:
        return [*ref_subproof(m, leaf_hashes[:k], b), ref_mth(leaf_hashes[k:])]
    return [*ref_subproof(m - k, leaf_hashes[k:], False), ref_mth(leaf_hashes[:k])]


def ref_proof(m: int, leaf_hashes: list[bytes]) -> list[bytes]:
    return ref_subproof(m, leaf_hashes, True)


def _leaves(n: int) -> list[bytes]:
    return [hash_leaf(i.to_bytes(4, "big")) for i in range(n)]


BIG = 1000
BIG_LEAVES = _leaves(BIG)
BIG_TREE = MerkleTree.from_leaf_hashes(BIG_LEAVES)
BIG_ROOTS = [BIG_TREE.root(size) for size in range(BIG + 1)]


def _flip(value: bytes, bit: int) -> bytes:
    bit %= len(value) * 8
    flipped = bytearray(value)
    flipped[bit // 8] ^= 1 << (bit % 8)
    return bytes(flipped)


# --- transparency-dev/merkle vectors ---


def test_vector_files_are_all_found() -> None:
    # A moved directory must fail loudly rather than parametrize zero cases.
    assert len(INCLUSION_FILES) == 98
    assert len(CONSISTENCY_FILES) == 98


@pytest.mark.parametrize("path", INCLUSION_FILES, ids=_vector_id)
def test_inclusion_vector(path: Path) -> None:
    vector: dict[str, Any] = json.loads(path.read_text())
    args = (
        _b64(vector["leafHash"]),
        vector["leafIdx"],
        vector["treeSize"],
        _proof(vector["proof"]),
        _b64(vector["root"]),
    )
    if vector["wantErr"]:
        with pytest.raises(VerificationFailed) as failure:
            verify_inclusion(*args)
        assert failure.value.code == "inclusion_proof_invalid"
    else:
        verify_inclusion(*args)


@pytest.mark.parametrize("path", CONSISTENCY_FILES, ids=_vector_id)
def test_consistency_vector(path: Path) -> None:
    vector: dict[str, Any] = json.loads(path.read_text())
    args = (
        vector["size1"],
        vector["size2"],
        _b64(vector["root1"]),
        _b64(vector["root2"]),
        _proof(vector["proof"]),
    )
    if vector["wantErr"]:
        with pytest.raises(VerificationFailed) as failure:
            verify_consistency(*args)
        assert failure.value.code == "consistency_proof_invalid"
    else:
        verify_consistency(*args)


def test_subtree_vectors_are_out_of_scope() -> None:
    assert (TESTDATA / "subtreeinclusion").is_dir() and (TESTDATA / "subtreeconsistency").is_dir()
    pytest.skip("subtree proofs (draft-ietf-plants-merkle-tree-certs) need a subtree API the log lacks")


def test_happy_vectors_match_our_proofs() -> None:
    # The vectors' trees are built from the RFC 6962 leaf inputs, so our proofs must be theirs.
    roots = json.loads((VECTORS / "rfc6962-roots.json").read_text())
    tree = MerkleTree.from_leaf_hashes(hash_leaf(bytes.fromhex(x)) for x in roots["leaf_inputs_hex"])
    for path in _vector_files("inclusion"):
        vector = json.loads(path.read_text())
        if path.name == "happy-path.json" and vector["treeSize"] <= tree.size:
            proof = tree.inclusion_proof(vector["leafIdx"], vector["treeSize"])
            assert proof == _proof(vector["proof"]), path
    for path in _vector_files("consistency"):
        vector = json.loads(path.read_text())
        if path.name == "happy-path.json":
            proof = tree.consistency_proof(vector["size1"], vector["size2"])
            assert proof == _proof(vector["proof"]), path


# --- RFC 6962 roots ---


def test_rfc6962_roots() -> None:
    data = json.loads((VECTORS / "rfc6962-roots.json").read_text())
    leaf_hashes = [hash_leaf(bytes.fromhex(x)) for x in data["leaf_inputs_hex"]]
    tree = MerkleTree.from_leaf_hashes(leaf_hashes)
    for size, want_hex in enumerate(data["root_by_size_hex"]):
        want = bytes.fromhex(want_hex)
        assert root_from_leaf_hashes(leaf_hashes[:size]) == want
        assert tree.root(size) == want
        assert ref_mth(leaf_hashes[:size]) == want
    assert tree.root() == bytes.fromhex(data["root_by_size_hex"][-1])


def test_hash_constants() -> None:
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert hash_leaf(b"") == hashlib.sha256(b"\x00").digest()
    assert hash_children(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()
    assert MerkleTree().root() == EMPTY_ROOT == root_from_leaf_hashes([])


# --- MerkleTree against the reference ---


def test_roots_and_proofs_equal_the_reference() -> None:
    leaves = BIG_LEAVES[:70]
    for size in range(len(leaves) + 1):
        assert BIG_TREE.root(size) == ref_mth(leaves[:size]) == root_from_leaf_hashes(leaves[:size])
        for index in range(size):
            assert BIG_TREE.inclusion_proof(index, size) == ref_path(index, leaves[:size])
        for first in range(1, size + 1):
            assert BIG_TREE.consistency_proof(first, size) == ref_proof(first, leaves[:size])


STORED_BOUNDARIES = sorted({edge + d for edge in (16, 32, 256, 512, 768, 1024, 2048) for d in (-1, 0, 1)} | {3000})


def test_roots_and_proofs_across_stored_levels_equal_the_reference() -> None:
    """The tree stores the leaves, level MIDDLE (4) and every level from STORED_FROM (8) up, and hashes
    the others again from the stored level below: at sizes around every boundary of stored blocks,
    roots and proofs are the reference's."""
    leaves = _leaves(max(STORED_BOUNDARIES))
    appended = MerkleTree()
    for leaf in leaves:
        appended.append(leaf)
    extended = MerkleTree()
    for start in range(0, len(leaves), 37):  # batches that end mid-block
        extended.extend(leaves[start : start + 37])
    for tree in (appended, extended):
        for size in STORED_BOUNDARIES:
            prefix = leaves[:size]
            assert tree.root(size) == ref_mth(prefix) == root_from_leaf_hashes(prefix)
            for index in (0, 1, size // 3, max(size - 256, 2), size - 2, size - 1):
                assert tree.inclusion_proof(index, size) == ref_path(index, prefix)
            for first in (1, 15, 16, 17, 255, 256, 257, size // 2, size - 1):
                if first <= size:
                    assert tree.consistency_proof(first, size) == ref_proof(first, prefix)
        assert MIDDLE < STORED_FROM
        for level in range(STORED_FROM + 4):
            for index in range(min(len(leaves) >> level, 12)):
                expected = root_from_leaf_hashes(leaves[index << level : (index + 1) << level])
                assert tree.subtree_hash(level, index) == expected


def test_append_extend_and_from_leaf_hashes_agree() -> None:
    appended = MerkleTree()
    extended = MerkleTree()
    for size, leaf in enumerate(BIG_LEAVES[:300], start=1):
        assert appended.append(leaf) == size
    # Batches of uneven lengths complete pairs across batch boundaries.
    start = 0
    for length in (0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 300):
        end = min(start + length, 300)
        assert extended.extend(BIG_LEAVES[start:end]) == end
        start = end
    built = MerkleTree.from_leaf_hashes(BIG_LEAVES[:300])
    for tree in (appended, extended, built):
        assert tree.size == 300
        assert tree.root() == BIG_ROOTS[300]
        for level in range(9):
            for index in range(300 >> level):
                assert tree.subtree_hash(level, index) == BIG_TREE.subtree_hash(level, index)


def test_subtree_hash_is_the_root_of_its_leaves() -> None:
    # Levels 0, 4 and 8 up are stored, the others hashed again from the stored level below: every kind.
    for level in range(10):
        for index in range(BIG >> level):
            begin, end = index << level, (index + 1) << level
            assert BIG_TREE.subtree_hash(level, index) == root_from_leaf_hashes(BIG_LEAVES[begin:end])


# --- Every valid proof verifies ---


def test_every_inclusion_proof_up_to_300_verifies() -> None:
    for size in range(1, 301):
        for index in range(size):
            proof = BIG_TREE.inclusion_proof(index, size)
            verify_inclusion(BIG_LEAVES[index], index, size, proof, BIG_ROOTS[size])


def test_every_consistency_proof_up_to_300_verifies() -> None:
    for second in range(301):
        for first in range(second + 1):
            proof = BIG_TREE.consistency_proof(first, second)
            verify_consistency(first, second, BIG_ROOTS[first], BIG_ROOTS[second], proof)


sizes = st.integers(min_value=1, max_value=BIG)


@st.composite
def index_and_size(draw: st.DrawFn) -> tuple[int, int]:
    size = draw(sizes)
    return draw(st.integers(min_value=0, max_value=size - 1)), size


@st.composite
def first_and_second(draw: st.DrawFn) -> tuple[int, int]:
    second = draw(sizes)
    return draw(st.integers(min_value=1, max_value=second)), second


@settings(max_examples=300, deadline=None)
@given(index_and_size())
def test_inclusion_proofs_verify(case: tuple[int, int]) -> None:
    index, size = case
    proof = BIG_TREE.inclusion_proof(index, size)
    assert root_from_inclusion_proof(BIG_LEAVES[index], index, size, proof) == BIG_ROOTS[size]
    verify_inclusion(BIG_LEAVES[index], index, size, proof, BIG_ROOTS[size])


@settings(max_examples=300, deadline=None)
@given(first_and_second())
def test_consistency_proofs_verify(case: tuple[int, int]) -> None:
    first, second = case
    proof = BIG_TREE.consistency_proof(first, second)
    verify_consistency(first, second, BIG_ROOTS[first], BIG_ROOTS[second], proof)


# --- Every one-bit or off-by-one change fails ---


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.integers(min_value=0))
def test_inclusion_fails_with_a_flipped_proof_bit(case: tuple[int, int], bit: int) -> None:
    index, size = case
    proof = BIG_TREE.inclusion_proof(index, size)
    if not proof:
        return
    position = bit % len(proof)
    proof[position] = _flip(proof[position], bit // len(proof))
    with pytest.raises(VerificationFailed):
        verify_inclusion(BIG_LEAVES[index], index, size, proof, BIG_ROOTS[size])


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.integers(min_value=0))
def test_inclusion_fails_with_a_flipped_root_or_leaf_bit(case: tuple[int, int], bit: int) -> None:
    index, size = case
    proof = BIG_TREE.inclusion_proof(index, size)
    with pytest.raises(VerificationFailed):
        verify_inclusion(BIG_LEAVES[index], index, size, proof, _flip(BIG_ROOTS[size], bit))
    with pytest.raises(VerificationFailed):
        verify_inclusion(_flip(BIG_LEAVES[index], bit), index, size, proof, BIG_ROOTS[size])


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.sampled_from([-1, 1]))
def test_inclusion_fails_at_a_neighbouring_index(case: tuple[int, int], delta: int) -> None:
    index, size = case
    proof = BIG_TREE.inclusion_proof(index, size)
    with pytest.raises(VerificationFailed):
        verify_inclusion(BIG_LEAVES[index], index + delta, size, proof, BIG_ROOTS[size])


@settings(max_examples=300, deadline=None)
@given(index_and_size(), st.sampled_from([-1, 1]))
def test_inclusion_fails_at_a_neighbouring_size(case: tuple[int, int], delta: int) -> None:
    # The claim changes as a whole: the other size comes with that size's root.
    index, size = case
    other = size + delta
    if other > BIG:
        return
    proof = BIG_TREE.inclusion_proof(index, size)
    with pytest.raises(VerificationFailed):
        verify_inclusion(BIG_LEAVES[index], index, other, proof, BIG_ROOTS[other])


def test_a_proof_binds_the_size_only_through_the_root() -> None:
    # Documents RFC 9162 rather than a bug: leaf 0's proof in the tree of 3 also chains to that
    # tree's root when read as a proof in a tree of 4. A checkpoint signs size and root together,
    # and no tree of 4 has the root of the tree of 3.
    proof = BIG_TREE.inclusion_proof(0, 3)
    verify_inclusion(BIG_LEAVES[0], 0, 4, proof, BIG_ROOTS[3])
    with pytest.raises(VerificationFailed):
        verify_inclusion(BIG_LEAVES[0], 0, 4, proof, BIG_ROOTS[4])


@settings(max_examples=300, deadline=None)
@given(first_and_second(), st.integers(min_value=0))
def test_consistency_fails_with_a_flipped_bit(case: tuple[int, int], bit: int) -> None:
    first, second = case
    proof = BIG_TREE.consistency_proof(first, second)
    first_root, second_root = BIG_ROOTS[first], BIG_ROOTS[second]
    with pytest.raises(VerificationFailed):
        verify_consistency(first, second, _flip(first_root, bit), second_root, proof)
    with pytest.raises(VerificationFailed):
        verify_consistency(first, second, first_root, _flip(second_root, bit), proof)
    if proof:
        position = bit % len(proof)
        proof[position] = _flip(proof[position], bit // len(proof))
        with pytest.raises(VerificationFailed):
            verify_consistency(first, second, first_root, second_root, proof)


@settings(max_examples=300, deadline=None)
@given(first_and_second(), st.sampled_from([(-1, 0), (1, 0), (0, -1), (0, 1)]))
def test_consistency_fails_at_neighbouring_sizes(case: tuple[int, int], delta: tuple[int, int]) -> None:
    first, second = case
    other_first, other_second = first + delta[0], second + delta[1]
    if other_second > BIG or other_first > other_second:
        return
    proof = BIG_TREE.consistency_proof(first, second)
    if not proof and not BIG_TREE.consistency_proof(other_first, other_second):
        return  # e.g. (1, 1) to (0, 1): the empty proof is the right proof for both claims
    with pytest.raises(VerificationFailed):
        verify_consistency(other_first, other_second, BIG_ROOTS[other_first], BIG_ROOTS[other_second], proof)


# --- Preconditions and their evidence ---


def test_inclusion_evidence_names_roots_and_proof() -> None:
    proof = BIG_TREE.inclusion_proof(5, 8)
    wrong = _flip(BIG_ROOTS[8], 0)
    with pytest.raises(VerificationFailed) as failure:
        verify_inclusion(BIG_LEAVES[5], 5, 8, proof, wrong)
    evidence = failure.value.evidence
    assert evidence["expected_root"] == wrong
    assert evidence["computed_root"] == BIG_ROOTS[8]
    assert evidence["proof"] == proof
    assert (evidence["leaf_index"], evidence["tree_size"]) == (5, 8)


def test_consistency_evidence_names_roots_and_proof() -> None:
    proof = BIG_TREE.consistency_proof(6, 8)
    wrong = _flip(BIG_ROOTS[8], 0)
    with pytest.raises(VerificationFailed) as failure:
        verify_consistency(6, 8, BIG_ROOTS[6], wrong, proof)
    evidence = failure.value.evidence
    assert evidence["second_root"] == wrong
    assert evidence["computed_second_root"] == BIG_ROOTS[8]
    assert evidence["first_root"] == BIG_ROOTS[6]
    assert evidence["proof"] == proof
    assert (evidence["first_size"], evidence["second_size"]) == (6, 8)


@pytest.mark.parametrize(
    ("index", "size", "message"),
    [
        (8, 8, "leaf index 8 is not below tree size 8"),
        (-1, 8, "leaf index -1 is not below tree size 8"),
        (0, 0, "leaf index 0 is not below tree size 0"),
    ],
)
def test_inclusion_preconditions(index: int, size: int, message: str) -> None:
    with pytest.raises(VerificationFailed, match=message):
        verify_inclusion(BIG_LEAVES[0], index, size, [], BIG_ROOTS[1])


def test_inclusion_checks_lengths_first() -> None:
    proof = BIG_TREE.inclusion_proof(5, 8)
    with pytest.raises(VerificationFailed, match="proof has 4 hashes, want 3"):
        verify_inclusion(BIG_LEAVES[5], 5, 8, [*proof, proof[0]], BIG_ROOTS[8])
    with pytest.raises(VerificationFailed, match="proof hash 1 has 31 bytes, want 32"):
        verify_inclusion(BIG_LEAVES[5], 5, 8, [proof[0], proof[1][:31], proof[2]], BIG_ROOTS[8])
    with pytest.raises(VerificationFailed, match="leaf hash has 33 bytes"):
        verify_inclusion(BIG_LEAVES[5] + b"\0", 5, 8, proof, BIG_ROOTS[8])
    with pytest.raises(VerificationFailed, match="root has 0 bytes"):
        verify_inclusion(BIG_LEAVES[5], 5, 8, proof, b"")


def test_consistency_from_the_empty_tree() -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(0, 5, EMPTY_ROOT, BIG_ROOTS[5], [])
    with pytest.raises(VerificationFailed, match="want 0"):
        verify_consistency(0, 5, EMPTY_ROOT, BIG_ROOTS[5], [BIG_ROOTS[5]])
    with pytest.raises(VerificationFailed, match="not the empty tree's root"):
        verify_consistency(0, 5, BIG_ROOTS[1], BIG_ROOTS[5], [])
    with pytest.raises(VerificationFailed, match="second root has 31 bytes"):
        verify_consistency(0, 5, EMPTY_ROOT, BIG_ROOTS[5][:31], [])


def test_consistency_preconditions() -> None:
    with pytest.raises(VerificationFailed, match="first size 6 is not between 0 and second size 5"):
        verify_consistency(6, 5, BIG_ROOTS[6], BIG_ROOTS[5], [])
    with pytest.raises(VerificationFailed, match="first size -1"):
        verify_consistency(-1, 5, EMPTY_ROOT, BIG_ROOTS[5], [])
    proof = BIG_TREE.consistency_proof(6, 8)
    with pytest.raises(VerificationFailed, match="proof has 2 hashes, want 3"):
        verify_consistency(6, 8, BIG_ROOTS[6], BIG_ROOTS[8], proof[:2])
    with pytest.raises(VerificationFailed, match="first root has 31 bytes"):
        verify_consistency(6, 8, BIG_ROOTS[6][:31], BIG_ROOTS[8], proof)
    with pytest.raises(VerificationFailed, match="roots differ at equal size 8"):
        verify_consistency(8, 8, BIG_ROOTS[7], BIG_ROOTS[8], [])


# --- Tree API bounds ---


def test_tree_out_of_range_arguments() -> None:
    tree = MerkleTree.from_leaf_hashes(BIG_LEAVES[:8])
    with pytest.raises(NotFound, match="leaf index 9 is not below size 8"):
        tree.leaf_hash(9)
    with pytest.raises(NotFound, match="size 9 is beyond the tree's 8 leaves"):
        tree.root(9)
    with pytest.raises(MalformedInput, match="size -1 is negative"):
        tree.root(-1)
    with pytest.raises(MalformedInput, match="index 8 is not below size 8"):
        tree.inclusion_proof(8, 8)
    with pytest.raises(NotFound, match="size 9 is beyond"):
        tree.inclusion_proof(0, 9)
    with pytest.raises(MalformedInput, match="first size 5 is not between 0 and second size 4"):
        tree.consistency_proof(5, 4)
    with pytest.raises(NotFound, match="size 10 is beyond"):
        tree.consistency_proof(5, 10)
    with pytest.raises(NotFound, match="subtree 1 at level 3 is not complete"):
        tree.subtree_hash(3, 1)
    with pytest.raises(NotFound, match="subtree 0 at level 4"):
        tree.subtree_hash(4, 0)
    with pytest.raises(MalformedInput):
        tree.subtree_hash(-1, 0)
    assert tree.leaf_hash(7) == BIG_LEAVES[7]
    assert tree.subtree_hash(3, 0) == tree.root()
    assert tree.consistency_proof(0, 8) == tree.consistency_proof(8, 8) == []


def test_bad_leaf_hashes_leave_the_tree_unchanged() -> None:
    tree = MerkleTree.from_leaf_hashes(BIG_LEAVES[:5])
    with pytest.raises(MalformedInput, match="leaf hash 2 is 31 bytes, want 32 bytes"):
        tree.extend([BIG_LEAVES[5], BIG_LEAVES[6], BIG_LEAVES[7][:31]])
    with pytest.raises(MalformedInput, match="leaf hash 0 is str"):
        tree.append("not bytes")  # type: ignore[arg-type]
    with pytest.raises(MalformedInput, match="is 33 bytes"):
        tree.append(BIG_LEAVES[5] + b"\0")
    assert tree.size == 5
    assert tree.root() == BIG_ROOTS[5]
    with pytest.raises(MalformedInput):
        root_from_leaf_hashes([b"short"])


# --- Speed: a million leaves ---


@pytest.mark.slow
def test_a_million_leaves() -> None:
    # Appending one by one and extending from leaf hashes agree at a million leaves, and proofs at that
    # size verify. How fast is a benchmark (`scripts/bench merkle`), never a bound here.
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(1_000_000)]
    tree = MerkleTree()
    append = tree.append
    for leaf in leaves:
        append(leaf)
    root = tree.root()
    del tree  # one tree of a million leaves at a time keeps the test's memory modest
    tree = MerkleTree.from_leaf_hashes(leaves)
    assert tree.root() == root == root_from_leaf_hashes(leaves)
    for index in range(0, 1_000_000, 10_000):
        proof = tree.inclusion_proof(index, 1_000_000)
        verify_inclusion(leaves[index], index, 1_000_000, proof, root)
    consistency = tree.consistency_proof(654_321, 1_000_000)
    verify_consistency(654_321, 1_000_000, tree.root(654_321), root, consistency)
