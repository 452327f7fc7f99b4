"""The strict Ed25519 verification (ledger.crypto.ed25519) with both backends.

The published edge cases ("Taming the many EdDSAs", tests/vectors/ed25519-speccheck.json) show the
two libraries disagreeing on their own; through `verify` both refuse all twelve, each for a reason
the pre-check names. Honest signatures (RFC 8032 and the reference sign.input) verify with both, and
every condition of the pre-check has a twin that differs from an accepted signature in that one
condition only.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.crypto import ed25519
from ledger.crypto.keys import public_key_bytes
from ledger.errors import UsageError
from tests.builder import key_for

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
SPECCHECK = json.loads((VECTORS / "ed25519-speccheck.json").read_text())["vectors"]
SIGN_VECTORS = json.loads((VECTORS / "ed25519-sign.json").read_text())["vectors"]
BACKENDS = ["pynacl", "cryptography"]

SMALL_KEY = "the public key is a point of small order"
NOT_PRIME = "the public key is not a point of the prime-order subgroup (off the curve or of mixed order)"
S_TOO_BIG = "the signature's S is not below the group order L"
# Why the strict policy refuses each published vector (the first condition the pre-check meets).
EXPECTED_REASON = {
    0: SMALL_KEY,
    1: SMALL_KEY,
    2: NOT_PRIME,  # mixed-order A (its R is of small order too)
    3: NOT_PRIME,
    4: NOT_PRIME,
    5: NOT_PRIME,
    6: S_TOO_BIG,
    7: S_TOO_BIG,
    8: NOT_PRIME,  # mixed-order A; R non-canonical (the twins below test R alone)
    9: NOT_PRIME,
    10: SMALL_KEY,  # y = p - 1 with the sign bit set: x = 0 cannot be negative (RFC 8032 §5.1.3)
    11: SMALL_KEY,
}


def unhex(vector: dict[str, str]) -> tuple[bytes, bytes, bytes]:
    return bytes.fromhex(vector["pub_key"]), bytes.fromhex(vector["signature"]), bytes.fromhex(vector["message"])


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> Iterator[ed25519.Backend]:
    chosen = ed25519.use_backend(request.param)
    yield chosen
    ed25519.use_backend(None)


def encode(y: int, sign: int = 0) -> bytes:
    return (y | sign << 255).to_bytes(32, "little")


def honest() -> tuple[bytes, bytes, bytes]:
    key = key_for("ed25519 strict")
    message = b"integritas/entry/v1\n{}"
    return public_key_bytes(key.public_key()), key.sign(message), message


def torsion_points() -> list[tuple[int, int, int, int]]:
    """The eight points of small order: the multiples of an order-8 point (speccheck vector 0's key)."""
    generator = ed25519.decode_point(bytes.fromhex(SPECCHECK[0]["pub_key"]))
    assert generator is not None
    points, point = [], ed25519.IDENTITY
    for _ in range(8):
        points.append(point)
        point = ed25519.point_add(point, generator)
    assert ed25519.is_identity(point)  # order 8 exactly: the seventh multiple was not the identity
    assert not any(ed25519.is_identity(p) for p in points[1:])
    return points


def encode_point(point: tuple[int, int, int, int]) -> bytes:
    x, y, z, _ = point
    inverse = pow(z, ed25519.P - 2, ed25519.P)
    x, y = x * inverse % ed25519.P, y * inverse % ed25519.P
    return encode(y, x & 1)


# --- the backends on their own ---------------------------------------------------------------------


def test_both_backends_are_installed_for_the_tests() -> None:
    # The test extra installs PyNaCl (pyproject.toml), so CI runs every check with both.
    assert list(ed25519.available_backends()) == BACKENDS
    assert ed25519.backend().name == os.environ.get(ed25519.BACKEND_ENV, "pynacl")


@pytest.mark.parametrize("name, published", [("pynacl", "libsodium"), ("cryptography", "pyca_openssl")])
def test_raw_backends_give_the_published_verdicts_and_disagree(name: str, published: str) -> None:
    raw = ed25519.available_backends()[name]
    verdicts = [raw.verify(*unhex(vector)) for vector in SPECCHECK]
    assert verdicts == [vector["published"][published] for vector in SPECCHECK]
    # Why the pre-check exists: on their own the two disagree on small-order and non-canonical keys.
    others = {v["index"] for v in SPECCHECK if v["published"]["libsodium"] != v["published"]["pyca_openssl"]}
    assert others == {0, 1, 2, 11}


# --- the strict verification with each backend -------------------------------------------------------


@pytest.mark.parametrize("vector", SPECCHECK, ids=lambda v: f"speccheck-{v['index']}")
def test_every_published_edge_case_is_refused_with_its_reason(backend: ed25519.Backend, vector: dict) -> None:
    public_key, signature, message = unhex(vector)
    reason = EXPECTED_REASON[vector["index"]]
    assert ed25519.signature_problem(public_key, signature) == reason
    assert ed25519.verify(public_key, signature, message) is False
    # Named `ed25519_not_strict` exactly when a lenient verifier (ed25519-zebra, ZIP 215: cofactored,
    # non-canonical points allowed) accepts it, as upstream published; else plainly `bad_signature`.
    code = "ed25519_not_strict" if vector["published"]["zebra"] else "bad_signature"
    assert ed25519.failure(public_key, signature, message) == (code, reason)


@pytest.mark.parametrize("vector", SIGN_VECTORS[:32], ids=lambda v: v["public_key"][:8])
def test_honest_signatures_verify_and_a_changed_message_does_not(backend: ed25519.Backend, vector: dict) -> None:
    public_key, signature = bytes.fromhex(vector["public_key"]), bytes.fromhex(vector["signature"])
    message = bytes.fromhex(vector["message"])
    assert ed25519.signature_problem(public_key, signature) is None
    assert ed25519.verify(public_key, signature, message) is True
    assert ed25519.verify(public_key, signature, message + b"\x00") is False


def test_all_reference_vectors_verify_with_both_backends() -> None:
    for name in BACKENDS:
        ed25519.use_backend(name)
        try:
            verdicts = {
                ed25519.verify(*(bytes.fromhex(v[k]) for k in ("public_key", "signature", "message")))
                for v in SIGN_VECTORS
            }
        finally:
            ed25519.use_backend(None)
        assert verdicts == {True}, name


# --- the pre-check, condition by condition, against an accepted twin ----------------------------------


def test_s_at_or_above_l_is_refused_by_the_pre_check_and_by_both_backends(backend: ed25519.Backend) -> None:
    public_key, signature, message = honest()
    assert ed25519.verify(public_key, signature, message)
    s = int.from_bytes(signature[32:], "little")
    for big in (s + ed25519.L, ed25519.L, 2**256 - 1):
        stretched = signature[:32] + big.to_bytes(32, "little")
        assert ed25519.signature_problem(public_key, stretched) == S_TOO_BIG
        assert not ed25519.verify(public_key, stretched, message)
        assert not backend.verify(public_key, stretched, message)
        # S + L satisfies the equation, but RFC 8032 §5.1.7 refuses it outright: a bad signature.
        assert ed25519.failure(public_key, stretched, message) == ("bad_signature", S_TOO_BIG)
    below = signature[:32] + (ed25519.L - 1).to_bytes(32, "little")
    assert ed25519.signature_problem(public_key, below) is None  # S = L - 1 passes the pre-check
    assert ed25519.failure(public_key, below, message) == ("bad_signature", ed25519.DOES_NOT_VERIFY)


def forge_with_small_r(torsion: tuple[int, int, int, int]) -> tuple[bytes, bytes, bytes]:
    """What a key's holder can make: R = a point T of small order, S = k·a, so that [S]B - [k]A = 0
    and [8]R = 0. Cofactored verifiers accept it for every T; cofactorless ones when T = 0."""
    key = key_for("ed25519 strict")
    message = b"integritas/entry/v1\n{}"
    seed = key.private_bytes_raw()
    digest = hashlib.sha512(seed).digest()
    a = int.from_bytes(digest[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254  # RFC 8032 §5.1.5 clamping
    public_key = public_key_bytes(key.public_key())
    r = encode_point(torsion)
    k = int.from_bytes(hashlib.sha512(r + public_key + message).digest(), "little") % ed25519.L
    return public_key, r + (k * a % ed25519.L).to_bytes(32, "little"), message


def test_a_signers_small_order_r_forgery_is_not_strict_for_either_backend(backend: ed25519.Backend) -> None:
    torsion = torsion_points()
    for point in torsion:
        public_key, signature, message = forge_with_small_r(point)
        assert not ed25519.verify(public_key, signature, message)
        assert ed25519.failure(public_key, signature, message) == (
            "ed25519_not_strict",
            "the signature's R is a point of small order",
        )
    # With R the identity, OpenSSL on its own accepts the forgery and libsodium does not: the
    # disagreement the pre-check removes.
    public_key, signature, message = forge_with_small_r(torsion[0])
    raw = {name: b.verify(public_key, signature, message) for name, b in ed25519.available_backends().items()}
    assert raw == {"pynacl": False, "cryptography": True}


def test_small_order_and_non_canonical_r_are_refused(backend: ed25519.Backend) -> None:
    public_key, signature, _ = honest()
    s = signature[32:]
    small = {encode_point(p) for p in torsion_points()} | {encode(1, 1), encode(ed25519.P - 1, 1)}
    assert len(small) == 10  # eight points, and the two with x = 0 given a sign bit
    for r in small:
        assert ed25519.signature_problem(public_key, r + s) == "the signature's R is a point of small order"
    for y in (ed25519.P, ed25519.P + 1, 2**255 - 1):
        for sign in (0, 1):
            reason = ed25519.signature_problem(public_key, encode(y, sign) + s)
            assert reason == "the signature's R is a non-canonical encoding (y ≥ p)"
    assert ed25519.signature_problem(public_key, encode(ed25519.P - 2) + s) is None  # the largest canonical y


def test_small_order_non_canonical_and_mixed_order_keys_are_refused(backend: ed25519.Backend) -> None:
    public_key, signature, message = honest()
    assert ed25519.key_problem(public_key) is None
    for point in torsion_points():
        assert ed25519.key_problem(encode_point(point)) == SMALL_KEY
    for y in (ed25519.P, ed25519.P + 1, 2**255 - 1):
        assert ed25519.key_problem(encode(y)) == "the public key is a non-canonical encoding (y ≥ p)"
    honest_point = ed25519.decode_point(public_key)
    assert honest_point is not None
    for torsion in torsion_points()[1:]:
        mixed = encode_point(ed25519.point_add(honest_point, torsion))
        assert ed25519.key_problem(mixed) == NOT_PRIME
        assert not ed25519.verify(mixed, signature, message)
    assert ed25519.key_problem(b"\x00" * 31) == "the public key has 31 bytes, want 32"


def test_small_order_y_values_are_those_of_the_torsion_points() -> None:
    ys = {int.from_bytes(encode_point(p), "little") & ((1 << 255) - 1) for p in torsion_points()}
    assert ys == ed25519.SMALL_ORDER_Y


def test_the_pure_python_key_check_agrees_with_libsodiums() -> None:
    """The fallback without PyNaCl gives libsodium's verdict on honest keys, mixed-order keys, points
    off the curve and random bytes; a wrong check (one that skips the subgroup test) is caught."""
    from nacl.bindings import crypto_core_ed25519_is_valid_point

    candidates = [public_key_bytes(key_for(f"agree {n}").public_key()) for n in range(8)]
    torsion = torsion_points()
    for key in list(candidates):
        point = ed25519.decode_point(key)
        assert point is not None
        candidates += [encode_point(ed25519.point_add(point, t)) for t in torsion[1:4]]
    candidates += [hashlib.sha256(b"%d" % n).digest() for n in range(64)]
    candidates += [bytes([n]) * 32 for n in range(256)]
    verdicts = []
    for key in candidates:
        if ed25519._point_problem(key, "key") is not None:
            continue
        pure = ed25519._pure_key_problem(key) is None
        assert pure == bool(crypto_core_ed25519_is_valid_point(key)), key.hex()
        verdicts.append(pure)
    assert True in verdicts and False in verdicts  # both verdicts were exercised
    # The negative twin: without the subgroup test the mixed-order keys would pass as on the curve.
    mixed = candidates[8]
    assert ed25519.decode_point(mixed) is not None and ed25519._pure_key_problem(mixed) == NOT_PRIME


# --- choosing the backend ----------------------------------------------------------------------------


def backend_in_subprocess(env: dict[str, str], block_nacl: bool = False) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys\n"
        + ("sys.modules['nacl'] = None\n" if block_nacl else "")  # as if PyNaCl were not installed
        + "from ledger.crypto import ed25519\nprint(ed25519.backend().name)\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != ed25519.BACKEND_ENV} | env
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "env, block_nacl, want",
    [
        ({}, False, "pynacl"),  # the faster one, chosen when installed
        ({}, True, "cryptography"),  # without PyNaCl: OpenSSL through cryptography
        ({ed25519.BACKEND_ENV: "cryptography"}, False, "cryptography"),
        ({ed25519.BACKEND_ENV: "pynacl"}, False, "pynacl"),
    ],
)
def test_the_backend_is_chosen_by_what_is_installed_or_forced(env: dict, block_nacl: bool, want: str) -> None:
    result = backend_in_subprocess(env, block_nacl)
    assert (result.returncode, result.stdout.strip()) == (0, want), result.stderr


def test_an_unknown_or_missing_backend_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown Ed25519 backend 'openssl'"):
        ed25519.use_backend("openssl")
    result = backend_in_subprocess({ed25519.BACKEND_ENV: "pynacl"}, block_nacl=True)
    assert result.returncode != 0
    assert "the Ed25519 backend 'pynacl' is not installed" in result.stderr
    assert ed25519.backend().name in BACKENDS  # the failed choices changed nothing here


def test_the_cli_names_a_wrong_backend_as_a_usage_error(tmp_path: Path) -> None:
    environment = {k: v for k, v in os.environ.items() if k != ed25519.BACKEND_ENV} | {ed25519.BACKEND_ENV: "foo"}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "verify", str(tmp_path), "--trust", str(tmp_path / "trust.json")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "integritas: usage: unknown Ed25519 backend 'foo' in INTEGRITAS_ED25519_BACKEND: want one of pynacl, "
        "cryptography"
    ]
    # Its twin: the same command with the backend named right gets as far as the missing trust file.
    environment[ed25519.BACKEND_ENV] = "cryptography"
    result = subprocess.run(
        [sys.executable, "-m", "cli", "verify", str(tmp_path), "--trust", str(tmp_path / "trust.json")],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Ed25519 backend" not in result.stderr and result.returncode != 0
