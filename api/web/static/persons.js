// Persons under rules edition 3 (issue 15; docs/contract/personal-data.md): a pseudonym, a salt and
// the commitment an entry carries instead of a name and an employee number (NIP).
//
//   pseudonym  = "p-" + 20 lowercase hex digits: 80 random bits, never derived from the person
//   salt       = 32 random bytes
//   commitment = base64(HMAC-SHA256(key = salt, message = RFC 8785 canonical JSON of {name[, number]}))
//
// HMAC is RFC 2104 with SHA-256 (WebCrypto); the randomness is crypto.getRandomValues (W3C WebCrypto,
// a CSPRNG). The contract's test vector is checked against this module in Chromium
// (tests/browser/test_writes_edition_3.py).

import { canonicalize, encodeBase64 } from "./tlog.js";

const encoder = new TextEncoder();
export const SALT_SIZE = 32;
export const PSEUDONYM = /^p-[0-9a-f]{20}$/;

function randomBytes(size) {
  return crypto.getRandomValues(new Uint8Array(size));
}

/** A new person's pseudonym: "p-" and 10 random bytes in hex. */
export function newPseudonym() {
  return `p-${[...randomBytes(10)].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/** A new person's salt: 32 random bytes, the HMAC key of their commitment. */
export function newSalt() {
  return randomBytes(SALT_SIZE);
}

/** The committed data object: {name} for a key holder without a NIP, {name, number} for an employee. */
export function personalData(name, number) {
  return number ? { name, number } : { name };
}

/** The commitment (base64) of `data` under `salt` (32 bytes). */
export async function commitment(salt, data) {
  if (!(salt instanceof Uint8Array) || salt.length !== SALT_SIZE) throw new Error(`the salt must be ${SALT_SIZE} bytes`);
  const key = await crypto.subtle.importKey("raw", salt, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  // RFC 8785: for this object of strings, the members sorted ("name" < "number") and JSON's escapes.
  const mac = await crypto.subtle.sign("HMAC", key, encoder.encode(canonicalize(data)));
  return encodeBase64(new Uint8Array(mac));
}

/** A new person: a fresh pseudonym and salt, the commitment for the entry and the disclosure that
 * opens it (`{"person", "data", "salt"}`, sent beside the entry, never inside it). */
export async function newPerson(data) {
  const person = newPseudonym();
  const salt = newSalt();
  return {
    person,
    commitment: await commitment(salt, data),
    disclosure: { person, data, salt: encodeBase64(salt) },
  };
}
