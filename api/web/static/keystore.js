// Keys kept in this browser (issue 13): Ed25519 key pairs made by WebCrypto, the private key
// NON-extractable, stored as CryptoKey objects in IndexedDB (CryptoKeys are structured-cloneable, so
// the browser keeps the key itself and no script, this one included, can read its bytes).
//
// The optional backup: a non-extractable key cannot be exported, so a key that is to be backed up is
// made extractable ONCE, its PKCS#8 is encrypted with the passphrase, and it is imported again as
// non-extractable; the extractable copy is dropped. The backup is an encrypted PKCS#8 PEM ("ENCRYPTED
// PRIVATE KEY", RFC 5958 §3 EncryptedPrivateKeyInfo) under PBES2 (RFC 8018 §6.2) with PBKDF2-HMAC-SHA256
// (600,000 iterations, 16-byte salt) and AES-256-CBC (RFC 8018 §B.2.5 names AES-CBC-Pad): the form
// OpenSSL and Python's `cryptography` read (`load_pem_private_key(data, password)`), so
// `integritas keys import BACKUP OUT.key` reads it with no code of its own. WebCrypto has every
// primitive (PBKDF2, AES-CBC with PKCS#7 padding); only the DER around them is written here.

import { encodeBase64, hex, sha256 } from "./tlog.js";

const DATABASE = "integritas-keys";
const STORE = "keys";
export const SIGNIN_CONTEXT = "integritas-signin/v1";
export const BACKUP_ITERATIONS = 600000;

function opened() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE, { keyPath: "fingerprint" });
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function transaction(mode, work) {
  const db = await opened();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const request = work(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

/** The keys this browser holds, oldest first: {fingerprint, publicKey (base64), label, origin, created, privateKey}. */
export async function listKeys() {
  const keys = await transaction("readonly", (store) => store.getAll());
  return keys.sort((a, b) => a.created.localeCompare(b.created));
}

export async function getKey(fingerprint) {
  return (await transaction("readonly", (store) => store.get(fingerprint))) || null;
}

export async function deleteKey(fingerprint) {
  await transaction("readwrite", (store) => store.delete(fingerprint));
}

/** The project's key fingerprint (ledger/crypto/keys.py `fingerprint`): lowercase hex SHA-256 of the raw 32-byte public key. */
export async function fingerprintOf(rawPublicKey) {
  return hex(await sha256(rawPublicKey));
}

/**
 * Make a key pair on this device and keep it. With a passphrase, also return its backup (PEM text).
 * The stored private key is non-extractable in both cases.
 */
export async function makeKey({ label, origin, passphrase = null }) {
  const algorithm = { name: "Ed25519" };
  let privateKey;
  let publicKey;
  let backup = null;
  if (passphrase === null) {
    ({ privateKey, publicKey } = await crypto.subtle.generateKey(algorithm, false, ["sign", "verify"]));
  } else {
    const once = await crypto.subtle.generateKey(algorithm, true, ["sign", "verify"]);
    const pkcs8 = new Uint8Array(await crypto.subtle.exportKey("pkcs8", once.privateKey));
    try {
      backup = await encryptedPkcs8Pem(pkcs8, passphrase);
      privateKey = await crypto.subtle.importKey("pkcs8", pkcs8, algorithm, false, ["sign"]);
    } finally {
      pkcs8.fill(0); // the only copy of the private key's bytes this script ever held
    }
    publicKey = once.publicKey;
  }
  const raw = new Uint8Array(await crypto.subtle.exportKey("raw", publicKey));
  const record = {
    fingerprint: await fingerprintOf(raw),
    publicKey: encodeBase64(raw),
    label,
    origin,
    created: new Date().toISOString(),
    privateKey,
  };
  await transaction("readwrite", (store) => store.add(record));
  return { record, backup };
}

/** Ed25519 signature of `message` (bytes) by the key `fingerprint` of this device. */
export async function sign(fingerprint, message) {
  const record = await getKey(fingerprint);
  if (record === null) throw new Error("no_device_key");
  return new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, record.privateKey, message));
}

export function signinMessage(origin, challenge) {
  return new TextEncoder().encode(`${SIGNIN_CONTEXT}\n${origin}\n${challenge}\n`);
}

// --- the backup: DER of EncryptedPrivateKeyInfo (X.690 DER, definite lengths) -----------------------

function der(tag, ...parts) {
  const body = concatBytes(...parts);
  let length;
  if (body.length < 0x80) length = [body.length];
  else {
    const bytes = [];
    for (let n = body.length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
    length = [0x80 | bytes.length, ...bytes];
  }
  return concatBytes(Uint8Array.of(tag, ...length), body);
}

function concatBytes(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function integer(value) {
  const bytes = [];
  for (let n = value; n > 0; n = Math.floor(n / 256)) bytes.unshift(n % 256);
  if (bytes.length === 0 || bytes[0] & 0x80) bytes.unshift(0);
  return der(0x02, Uint8Array.from(bytes));
}

// Object identifiers, DER-encoded (tag 0x06): RFC 8018 Appendix C; NIST CSOR for AES.
const OID_PBES2 = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d); // 1.2.840.113549.1.5.13
const OID_PBKDF2 = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c); // 1.2.840.113549.1.5.12
const OID_HMAC_SHA256 = Uint8Array.of(0x06, 0x08, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09); // 1.2.840.113549.2.9
const OID_AES256_CBC = Uint8Array.of(0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a); // 2.16.840.1.101.3.4.1.42
const NULL = Uint8Array.of(0x05, 0x00);

/** PEM "ENCRYPTED PRIVATE KEY" of `pkcs8` under `passphrase` (PBES2: PBKDF2-HMAC-SHA256, AES-256-CBC). */
export async function encryptedPkcs8Pem(pkcs8, passphrase, iterations = BACKUP_ITERATIONS) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const iv = crypto.getRandomValues(new Uint8Array(16));
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(passphrase), "PBKDF2", false, ["deriveKey"]);
  const key = await crypto.subtle.deriveKey(
    { name: "PBKDF2", salt, iterations, hash: "SHA-256" },
    material,
    { name: "AES-CBC", length: 256 },
    false,
    ["encrypt"],
  );
  const encrypted = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-CBC", iv }, key, pkcs8));
  const pbkdf2Params = der(0x30, der(0x04, salt), integer(iterations), der(0x30, OID_HMAC_SHA256, NULL));
  const pbes2Params = der(0x30, der(0x30, OID_PBKDF2, pbkdf2Params), der(0x30, OID_AES256_CBC, der(0x04, iv)));
  const info = der(0x30, der(0x30, OID_PBES2, pbes2Params), der(0x04, encrypted));
  const body = encodeBase64(info).replace(/.{1,64}/g, "$&\n");
  return `-----BEGIN ENCRYPTED PRIVATE KEY-----\n${body}-----END ENCRYPTED PRIVATE KEY-----\n`;
}
