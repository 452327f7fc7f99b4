// The strict Ed25519 subset in the browser: the pre-check of ledger/crypto/ed25519.py, written again.
//
// RFC 8032 leaves verifiers free in the edge cases and real libraries differ on them ("Taming the
// many EdDSAs", Chalkias, Garillot and Nikolaenko, SSR 2020; tests/vectors/ed25519-speccheck.json).
// The ledger refuses, before any library runs, every signature outside the subset on which all
// correct verifiers agree; the page must do the same, or a citizen's browser (BoringSSL's Ed25519
// in Chromium, NSS in Firefox) could call "valid" what the ledger and its auditors refuse:
//   - the key A and the point R are canonical encodings (y < p) and neither has small order;
//   - S < L;
//   - A lies in the prime-order subgroup ([L]A is the identity), checked once per key (cached).
// BigInt curve arithmetic (RFC 8032 §5.1.3 decoding, §5.1.4 addition): a few milliseconds a key,
// nothing per signature beyond two comparisons.

const P = 2n ** 255n - 19n;
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const Y_MASK = (1n << 255n) - 1n;

function mod(a) {
  const r = a % P;
  return r < 0n ? r + P : r;
}

function modPow(base, exponent) {
  let result = 1n;
  let b = mod(base);
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const D = mod(-121665n * modPow(121666n, P - 2n));
const SQRT_M1 = modPow(2n, (P - 1n) / 4n);
// The y coordinates of the eight points of small order (1, 2, 4 and 8), as SMALL_ORDER_Y in ed25519.py.
const SMALL_ORDER_Y = new Set([
  0n,
  1n,
  P - 1n,
  0x05fc536d880238b13933c6d305acdfd5f098eff289f4c345b027b2c28f95e826n,
  0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n,
]);

function littleEndian(bytes) {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i -= 1) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

/** RFC 8032 §5.1.3 decoding to extended coordinates [X, Y, Z, T], or null if not a point. */
function decodePoint(bytes) {
  const value = littleEndian(bytes);
  const y = value & Y_MASK;
  const sign = value >> 255n;
  if (y >= P) return null;
  const u = mod(y * y - 1n);
  const v = mod(D * y * y + 1n);
  let x = mod(u * modPow(v, 3n) * modPow(u * modPow(v, 7n), (P - 5n) / 8n));
  if (mod(v * x * x - u) === 0n) {
    // x is a square root
  } else if (mod(v * x * x + u) === 0n) {
    x = mod(x * SQRT_M1);
  } else {
    return null;
  }
  if (x === 0n && sign === 1n) return null;
  if ((x & 1n) !== sign) x = P - x;
  return [x, y, 1n, mod(x * y)];
}

function pointAdd([x1, y1, z1, t1], [x2, y2, z2, t2]) {
  const a = mod((y1 - x1) * (y2 - x2));
  const b = mod((y1 + x1) * (y2 + x2));
  const c = mod(t1 * 2n * D * t2);
  const d = mod(z1 * 2n * z2);
  const e = b - a;
  const f = d - c;
  const g = d + c;
  const h = b + a;
  return [mod(e * f), mod(g * h), mod(f * g), mod(e * h)];
}

function inPrimeOrderSubgroup(point) {
  let result = [0n, 1n, 1n, 0n];
  for (const bit of L.toString(2)) {
    result = pointAdd(result, result);
    if (bit === "1") result = pointAdd(result, point);
  }
  const [x, y, z] = result;
  return mod(x) === 0n && mod(y - z) === 0n;
}

function pointProblem(bytes, what) {
  const y = littleEndian(bytes) & Y_MASK;
  if (y >= P) return `${what} is a non-canonical encoding (y ≥ p)`;
  if (SMALL_ORDER_Y.has(y)) return `${what} is a point of small order`;
  return null;
}

const keyVerdicts = new Map();

function keyProblem(publicKey) {
  if (publicKey.length !== 32) return `the public key has ${publicKey.length} bytes, want 32`;
  const id = Array.from(publicKey, (b) => b.toString(16).padStart(2, "0")).join("");
  if (!keyVerdicts.has(id)) {
    let problem = pointProblem(publicKey, "the public key");
    if (problem === null) {
      const point = decodePoint(publicKey);
      if (point === null || !inPrimeOrderSubgroup(point)) {
        problem = "the public key is not a point of the prime-order subgroup (off the curve or of mixed order)";
      }
    }
    keyVerdicts.set(id, problem);
  }
  return keyVerdicts.get(id);
}

/** Why (key, signature) is outside the strict subset, in the ledger's words, or null. */
export function strictProblem(publicKey, signature) {
  const problem = keyProblem(publicKey);
  if (problem !== null) return problem;
  if (signature.length !== 64) return `the signature has ${signature.length} bytes, want 64`;
  if (littleEndian(signature.subarray(32)) >= L) return "the signature's S is not below the group order L";
  return pointProblem(signature.subarray(0, 32), "the signature's R");
}
