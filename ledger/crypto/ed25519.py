"""The one Ed25519 verification of the ledger: a strict pre-check, then the fastest backend installed.

Every signature the ledger checks (entries, signed notes and checkpoints, witness cosignatures, root
possession proofs, endorsements, the auditor's whole-log replay) goes through `verify`.

Backends. libsodium through PyNaCl (the `fast` extra) when it imports, else OpenSSL through
`cryptography` (always installed). `INTEGRITAS_ED25519_BACKEND=pynacl|cryptography` forces one (tests
and benchmarks); `use_backend` does the same in a process.

Why a pre-check. RFC 8032 (§5.1.7) leaves verifiers free in the edge cases, and real libraries differ
on them: Chalkias, Garillot and Nikolaenko, "Taming the many EdDSAs" (SSR 2020, eprint 2020/1244),
and their vectors (github.com/novifinancial/ed25519-speccheck, tests/vectors/ed25519_speccheck.json).
On those vectors OpenSSL (cryptography) accepts small-order keys and R (cases 0-2) and a non-canonical
key (case 11); libsodium refuses all of them. An auditor using one backend could then disagree with a
server using the other. So, before either backend runs, a signature must lie in the strict subset
on which every correct verifier agrees:

- the key A and the point R are canonical encodings (y < p; RFC 8032 §5.1.3 decoding) and neither
  has small order (the eight points of order 1, 2, 4, 8, in either sign: libsodium's blocklist);
- S < L (RFC 8032 §5.1.7 requires it; both backends check it too);
- A lies in the prime-order subgroup: not mixed-order (cases 3-5). Both backends here verify without
  the cofactor ([S]B = R + [k]A, comparing R's encoding), but a verifier that multiplies by the
  cofactor (ed25519-zebra, ZIP 215) accepts case 4 where they refuse. With A of prime order and R
  compared byte for byte, R' = [S]B - [k]A has prime order, so the cofactored and cofactorless
  equations give one verdict and a mixed-order R never verifies: R needs no subgroup check, and
  the subgroup check (a scalar multiplication) runs once per key, not per signature.

The key check is cached per key (a ledger's signers are few and sign often). With PyNaCl it is
libsodium's `crypto_core_ed25519_is_valid_point` (canonical, on the curve, not small order, in the
main subgroup); without it, the same test in pure Python (`_pure_key_problem`), about a millisecond
a key; tests hold the two equal. Nothing on the per-signature path does curve arithmetic in Python.

Codes. A refused signature is `bad_signature`, or `ed25519_not_strict` when a lenient verifier
would have accepted it (`failure`: the server refuses it, and an auditor reports it, by that code).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass

from ledger import codes
from ledger.errors import UsageError

PUBLIC_KEY_SIZE = 32
SIGNATURE_SIZE = 64
BACKEND_ENV = "INTEGRITAS_ED25519_BACKEND"

# Curve25519 in twisted Edwards form (RFC 8032 §5.1): field prime p, group order L, curve constant d.
P = 2**255 - 19
L = 2**252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
_SQRT_M1 = pow(2, (P - 1) // 4, P)
_Y_MASK = (1 << 255) - 1

# The y coordinates of the eight points of small order (1, 2, 4 and 8), each with both signs of x:
# 1 (identity), p - 1 (order 2), 0 (order 4), and the two of order 8 (libsodium's blocklist,
# crypto_core/ed25519/ref10; tests/crypto/test_ed25519.py derives them from the curve).
SMALL_ORDER_Y = frozenset(
    {
        0,
        1,
        P - 1,
        0x05FC536D880238B13933C6D305ACDFD5F098EFF289F4C345B027B2C28F95E826,
        0x7A03AC9277FDC74EC6CC392CFA53202A0F67100D760B3CBA4FD84D3D706A17C7,
    }
)


@dataclass(frozen=True)
class Backend:
    """A library's raw verification `(public_key, signature, message) -> bool`, with no pre-check, and
    its own prime-order key test if it has one."""

    name: str
    verify: Callable[[bytes, bytes, bytes], bool]
    key_in_subgroup: Callable[[bytes], bool] | None


def _cryptography_backend() -> Backend:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    @functools.lru_cache(maxsize=8192)
    def decoded(raw: bytes) -> Ed25519PublicKey:
        # Decoding a key decompresses a point, a good part of one verification: once per key.
        return Ed25519PublicKey.from_public_bytes(raw)

    def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
        try:
            decoded(public_key).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        return True

    return Backend("cryptography", verify, None)


def _pynacl_backend() -> Backend:
    from nacl.bindings import crypto_core_ed25519_is_valid_point, crypto_sign_open
    from nacl.exceptions import BadSignatureError
    from nacl.exceptions import ValueError as NaclValueError

    def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
        # PyNaCl's public API has only combined-mode verification (signature ‖ message).
        try:
            crypto_sign_open(signature + message, public_key)
        except (BadSignatureError, NaclValueError):
            return False
        return True

    return Backend("pynacl", verify, crypto_core_ed25519_is_valid_point)


_MAKERS: dict[str, Callable[[], Backend]] = {"pynacl": _pynacl_backend, "cryptography": _cryptography_backend}


def available_backends() -> dict[str, Backend]:
    """Every backend that imports here, fastest first."""
    found = {}
    for name, make in _MAKERS.items():
        try:
            found[name] = make()
        except ImportError:
            continue
    return found


def _choose(name: str | None) -> Backend:
    if name is None:
        return next(iter(available_backends().values()))  # cryptography is a dependency: never empty
    if name not in _MAKERS:
        raise UsageError(
            f"unknown Ed25519 backend {name!r} in {BACKEND_ENV}: want one of {', '.join(_MAKERS)}", code=codes.USAGE
        )
    try:
        return _MAKERS[name]()
    except ImportError as exc:
        raise UsageError(
            f"the Ed25519 backend {name!r} is not installed (pip install 'integritas[fast]')", code=codes.USAGE
        ) from exc


_backend: Backend | None = None


def backend() -> Backend:
    """The backend in use: chosen on first use (forked workers inherit it)."""
    global _backend
    if _backend is None:
        _backend = _choose(os.environ.get(BACKEND_ENV) or None)
    return _backend


def use_backend(name: str | None) -> Backend:
    """Use backend `name` in this process from now on (None: the default choice again)."""
    global _backend
    _backend = _choose(name)
    _cached_key_problem.cache_clear()  # verdicts are the same by design; tests compare them fresh
    return _backend


# --- the strict pre-check -----------------------------------------------------------------------------


def _point_problem(encoding: bytes, what: str) -> str | None:
    """Why a 32-byte point encoding is outside the strict subset (canonical, not small order), or None."""
    y = int.from_bytes(encoding, "little") & _Y_MASK
    if y >= P:
        return f"{what} is a non-canonical encoding (y ≥ p)"
    if y in SMALL_ORDER_Y:
        return f"{what} is a point of small order"
    return None


def key_problem(public_key: bytes) -> str | None:
    """Why a public key is outside the strict subset, or None: the size, then `_cached_key_problem`."""
    if len(public_key) != PUBLIC_KEY_SIZE:
        return f"the public key has {len(public_key)} bytes, want {PUBLIC_KEY_SIZE}"
    return _cached_key_problem(public_key)


@functools.lru_cache(maxsize=1 << 16)
def _cached_key_problem(public_key: bytes) -> str | None:
    problem = _point_problem(public_key, "the public key")
    if problem is not None:
        return problem
    in_subgroup = backend().key_in_subgroup
    if in_subgroup is not None:
        return None if in_subgroup(public_key) else _NOT_PRIME_ORDER
    return _pure_key_problem(public_key)


_NOT_PRIME_ORDER = "the public key is not a point of the prime-order subgroup (off the curve or of mixed order)"


def signature_problem(public_key: bytes, signature: bytes) -> str | None:
    """Why (key, signature) is outside the strict subset both backends agree on, or None.

    Says nothing of whether the signature verifies: `verify` runs the backend after this."""
    problem = key_problem(public_key)
    if problem is not None:
        return problem
    if len(signature) != SIGNATURE_SIZE:
        return f"the signature has {len(signature)} bytes, want {SIGNATURE_SIZE}"
    if int.from_bytes(signature[32:], "little") >= L:
        return "the signature's S is not below the group order L"
    return _point_problem(signature[:32], "the signature's R")


def verify(public_key: bytes, signature: bytes, message: bytes) -> bool:
    """Whether `signature` is a strict Ed25519 signature of `message` by `public_key` (RFC 8032)."""
    return signature_problem(public_key, signature) is None and backend().verify(public_key, signature, message)


DOES_NOT_VERIFY = "the Ed25519 signature does not verify"


def failure(public_key: bytes, signature: bytes, message: bytes) -> tuple[str, str]:
    """The code and reason of a signature `verify` refused, the same with either backend.

    `ed25519_not_strict` when the pre-check refused a signature that a lenient verifier would
    accept: one that reads points as ZIP 215 does (y reduced mod p, x = 0 with either sign) and
    checks the cofactored equation [8][S]B = [8]R + [8][k]A, which accepts all that the cofactorless
    one does. So a signature that OpenSSL, libsodium, ed25519-zebra or the like accepts but the
    ledger refuses is named as such. `bad_signature` for everything else: it verifies nowhere, or
    its S is not below L (RFC 8032 §5.1.7 refuses it outright). Pure-Python curve arithmetic, a few
    milliseconds, but only on this path, for a signature already refused.
    """
    problem = signature_problem(public_key, signature)
    if problem is None:
        return codes.BAD_SIGNATURE, DOES_NOT_VERIFY
    if len(public_key) == PUBLIC_KEY_SIZE and len(signature) == SIGNATURE_SIZE:
        s = int.from_bytes(signature[32:], "little")
        if s < L and _lenient_accepts(public_key, signature, message):
            return codes.ED25519_NOT_STRICT, problem
    return codes.BAD_SIGNATURE, problem


# --- curve arithmetic in pure Python: the key test without libsodium, and `failure`'s lenient equation ---


def decode_point(encoding: bytes) -> tuple[int, int, int, int] | None:
    """RFC 8032 §5.1.3 point decoding, to extended coordinates (X, Y, Z, T); None if not a point."""
    value = int.from_bytes(encoding, "little")
    y, sign = value & _Y_MASK, value >> 255
    if y >= P:
        return None
    u, v = (y * y - 1) % P, (D * y * y + 1) % P
    x = u * pow(v, 3, P) * pow(u * pow(v, 7, P), (P - 5) // 8, P) % P
    if (v * x * x - u) % P == 0:
        pass
    elif (v * x * x + u) % P == 0:
        x = x * _SQRT_M1 % P
    else:
        return None
    if x == 0 and sign:
        return None
    if x & 1 != sign:
        x = P - x
    return x, y, 1, x * y % P


def _decode_leniently(encoding: bytes) -> tuple[int, int, int, int] | None:
    """Point decoding as ZIP 215 allows: y reduced mod p, and x = 0 accepted with either sign bit."""
    value = int.from_bytes(encoding, "little")
    y = (value & _Y_MASK) % P
    return decode_point(encode_y(y, value >> 255 if y not in (1, P - 1) else 0))


def encode_y(y: int, sign: int) -> bytes:
    return (y | sign << 255).to_bytes(32, "little")


def _lenient_accepts(public_key: bytes, signature: bytes, message: bytes) -> bool:
    a, r = _decode_leniently(public_key), _decode_leniently(signature[:32])
    if a is None or r is None:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % L
    s = int.from_bytes(signature[32:], "little")
    difference = point_add(_double_scalar_multiply(s, BASE, k, _negate(a)), _negate(r))  # [S]B - [k]A - R
    return is_identity(_double(_double(_double(difference))))


def _negate(point: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x, y, z, t = point
    return -x % P, y, z, -t % P


def point_add(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """RFC 8032 §5.1.4 addition in extended coordinates (complete: also doubles)."""
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    pa, pb = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    pc, pd = t1 * 2 * D * t2 % P, z1 * 2 * z2 % P
    e, f, g, h = pb - pa, pd - pc, pd + pc, pb + pa
    return e * f % P, g * h % P, f * g % P, e * h % P


def _double(a: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x1, y1, z1, _ = a
    pa, pb, pc = x1 * x1 % P, y1 * y1 % P, 2 * z1 * z1 % P
    h = pa + pb
    e, g = h - (x1 + y1) * (x1 + y1), pa - pb
    f = pc + g
    return e * f % P, g * h % P, f * g % P, e * h % P


IDENTITY = (0, 1, 1, 0)
_BASE = decode_point(encode_y(4 * pow(5, P - 2, P) % P, 0))  # RFC 8032 §5.1: B has y = 4/5, x positive
assert _BASE is not None
BASE = _BASE


def scalar_multiply(scalar: int, point: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """[scalar]point, by double and add (variable time: only for public points)."""
    result = IDENTITY
    for bit in bin(scalar)[2:]:
        result = _double(result)
        if bit == "1":
            result = point_add(result, point)
    return result


def _double_scalar_multiply(
    m: int, p: tuple[int, int, int, int], n: int, q: tuple[int, int, int, int]
) -> tuple[int, int, int, int]:
    """[m]p + [n]q in one pass of doublings (Straus's trick): about a third of two multiplications."""
    both = point_add(p, q)
    result = IDENTITY
    for i in range(max(m.bit_length(), n.bit_length()) - 1, -1, -1):
        result = _double(result)
        bits = (m >> i & 1, n >> i & 1)
        if bits == (1, 1):
            result = point_add(result, both)
        elif bits == (1, 0):
            result = point_add(result, p)
        elif bits == (0, 1):
            result = point_add(result, q)
    return result


def is_identity(point: tuple[int, int, int, int]) -> bool:
    x, y, z, _ = point
    return x % P == 0 and (y - z) % P == 0


def _pure_key_problem(public_key: bytes) -> str | None:
    point = decode_point(public_key)
    if point is None or not is_identity(scalar_multiply(L, point)):
        return _NOT_PRIME_ORDER
    return None
