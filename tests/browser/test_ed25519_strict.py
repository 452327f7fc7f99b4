"""The browser's Ed25519 (static/ed25519-strict.js before Web Crypto) reaches the ledger's verdict.

The server and `integritas verify` refuse every signature outside the strict subset
(ledger/crypto/ed25519.py); the plaque check and record pages verify in the citizen's browser, whose
own Ed25519 (BoringSSL in Chromium) accepts some of those. Each case here is run through the page's
`strictProblem` and `ed25519Verify` and through the ledger's `signature_problem` and `verify`: the same
reason, word for word, and the same verdict, on the published edge cases ("Taming the many EdDSAs"),
on honest reference signatures, and on twins that differ from an honest signature in one condition.
"""

from __future__ import annotations

import json
from typing import Any

from ledger.crypto import ed25519
from tests.crypto.test_ed25519 import SIGN_VECTORS, SPECCHECK, encode, encode_point, honest, torsion_points

from .conftest import Demo


def cases() -> list[tuple[str, bytes, bytes, bytes]]:
    found = [
        (f"speccheck {v['index']}", *(bytes.fromhex(v[field]) for field in ("pub_key", "signature", "message")))
        for v in SPECCHECK
    ]
    for number, vector in enumerate(SIGN_VECTORS[:32]):
        message = bytes.fromhex(vector["message"])
        key, signature = bytes.fromhex(vector["public_key"]), bytes.fromhex(vector["signature"])
        found.append((f"reference {number}", key, signature, message))
        found.append((f"reference {number}, message changed", key, signature, message + b"x"))
    key, signature, message = honest()
    s = int.from_bytes(signature[32:], "little")
    mixed_key = ed25519.decode_point(key)
    assert mixed_key is not None
    found += [
        ("honest", key, signature, message),
        ("S + L", key, signature[:32] + (s + ed25519.L).to_bytes(32, "little"), message),
        ("R non-canonical (y = p)", key, encode(ed25519.P) + signature[32:], message),
        ("R of small order (identity)", key, encode(1) + signature[32:], message),
        ("R of small order (order 8)", key, encode_point(torsion_points()[1]) + signature[32:], message),
        ("key of mixed order", encode_point(ed25519.point_add(mixed_key, torsion_points()[1])), signature, message),
        ("key non-canonical (y = p + 3)", encode(ed25519.P + 3), signature, message),
        ("key of 31 bytes", key[:31], signature, message),
    ]
    return found


def test_the_pages_ed25519_gives_the_ledgers_verdict_and_reason(anonymous: Any, demo: Demo) -> None:
    anonymous.goto(demo.url + "/public")
    all_cases = cases()
    got = anonymous.evaluate(
        """async (cases) => {
          const { strictProblem } = await import("/static/ed25519-strict.js");
          const { ed25519Verify } = await import("/static/tlog.js");
          const bytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (h) => parseInt(h, 16));
          const out = [];
          for (const [name, key, signature, message] of cases) {
            const k = bytes(key), s = bytes(signature), m = bytes(message);
            const problem = strictProblem(k, s);
            let verdict;
            try { verdict = await ed25519Verify(k, s, m); } catch (error) { verdict = "error: " + error.name; }
            out.push([name, problem, verdict]);
          }
          return out;
        }""",
        [[name, key.hex(), signature.hex(), message.hex()] for name, key, signature, message in all_cases],
    )
    want = [
        [name, ed25519.signature_problem(key, signature), ed25519.verify(key, signature, message)]
        for name, key, signature, message in all_cases
    ]
    assert got == want, json.dumps([[g, w] for g, w in zip(got, want, strict=True) if g != w], indent=1)
    # Not a check that cannot fail: the cases hold both verdicts, and every published edge case is refused.
    verdicts = {verdict for _, _, verdict in got}
    assert verdicts == {True, False}
    assert all(problem is not None for name, problem, _ in got if name.startswith("speccheck"))
    assert sum(1 for _, problem, verdict in got if problem is None and verdict) == 33
