// Verification of Integritas records in the browser, with the Web Crypto API only (DESIGN §3, §5).
//
// The same checks as ledger/crypto (note.py, checkpoint.py, merkle.py, record_proof.py) and
// ledger/entry.py, written again for the browser:
//   - Entry v1: the signing input is "integritas/entry/v1\n" + the RFC 8785 canonical entry, signed
//     with Ed25519; the leaf is the canonical {"entry", "signature"}; leaf hash = SHA-256(0x00 || leaf).
//   - RFC 9162 §2.1.3.2 inclusion proofs, with the exact proof length checked first.
//   - C2SP signed-note: key id = SHA-256(name || 0x0A || 0x01 || key)[:4], Ed25519 over the note text;
//     C2SP tlog-checkpoint: origin, size, root; C2SP tlog-proof: index, hashes, checkpoint.
// Every failure throws a VerifyError with a code and the evidence, which the page turns into words.

import { strictProblem } from "./ed25519-strict.js";

export class VerifyError extends Error {
  constructor(code, details = {}) {
    super(code);
    this.code = code;
    this.details = details;
  }
}

const encoder = new TextEncoder();
export const ENTRY_CONTEXT = "integritas/entry/v1\n";
export const PROOF_HEADER = "c2sp.org/tlog-proof@v1";
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const MAX_TREE_SIZE = 2n ** 64n - 1n;

// --- bytes ---------------------------------------------------------------------------------------

export function encodeBase64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Strict, canonical, padded base64 (as ledger.crypto.keys.decode_base64), optionally of `size` bytes. */
export function decodeBase64(text, size, what) {
  if (typeof text !== "string" || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new VerifyError("base64", { what });
  }
  const bytes = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  if (encodeBase64(bytes) !== text) throw new VerifyError("base64", { what });
  if (size !== undefined && bytes.length !== size) {
    throw new VerifyError("length", { what, got: bytes.length, want: size });
  }
  return bytes;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function equal(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

export async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

export async function hashLeaf(leaf) {
  return sha256(concat(Uint8Array.of(0), leaf));
}

async function hashChildren(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** Whether this browser can check Ed25519 signatures (a secure context with Web Crypto Ed25519). */
export async function ed25519Available() {
  if (!globalThis.crypto || !crypto.subtle) return false;
  try {
    await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false, ["verify"]);
    return true;
  } catch (error) {
    return error.name !== "NotSupportedError";
  }
}

/** Ed25519 as the ledger checks it: the strict pre-check (ed25519-strict.js), then Web Crypto. */
export async function ed25519Verify(publicKey, signature, message) {
  if (strictProblem(publicKey, signature) !== null) return false;
  const key = await crypto.subtle.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return crypto.subtle.verify({ name: "Ed25519" }, key, signature, message);
}

// --- RFC 8785 (JCS) ------------------------------------------------------------------------------

/** The canonical JSON text of `value`. Entries hold no floats, so numbers must be safe integers. */
export function canonicalize(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new VerifyError("float", { value: String(value) });
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalize).join(",")}]`;
  if (typeof value === "object") {
    // JCS sorts member names by UTF-16 code units: JavaScript's default string order.
    const names = Object.keys(value).sort();
    return `{${names.map((name) => `${JSON.stringify(name)}:${canonicalize(value[name])}`).join(",")}}`;
  }
  throw new VerifyError("leaf_form", {});
}

export function signingInput(entry) {
  return encoder.encode(ENTRY_CONTEXT + canonicalize(entry));
}

export function leafBytes(entry, signature) {
  return encoder.encode(canonicalize({ entry, signature }));
}

// --- verifier keys, signed notes, checkpoints ------------------------------------------------------

export async function computeKeyId(name, publicKey) {
  return (await sha256(concat(encoder.encode(name), Uint8Array.of(0x0a, 0x01), publicKey))).slice(0, 4);
}

/** Parse `<name>+<hex key id>+<base64(0x01 || key)>` and check that the key id is the key's. */
export async function parseVerifierKey(text) {
  const trimmed = text.trim();
  const first = trimmed.indexOf("+");
  const second = trimmed.indexOf("+", first + 1);
  if (first <= 0 || second < 0) throw new VerifyError("verifier_key_form", {});
  const name = trimmed.slice(0, first);
  const idHex = trimmed.slice(first + 1, second);
  if (/[\s\u0000-\u001f]/.test(name)) throw new VerifyError("verifier_key_form", {});
  if (!/^[0-9a-f]{8}$/.test(idHex)) throw new VerifyError("verifier_key_form", {});
  const raw = decodeBase64(trimmed.slice(second + 1), 33, "verifier key");
  if (raw[0] !== 0x01) throw new VerifyError("verifier_key_type", { type: hex(raw.slice(0, 1)) });
  const publicKey = raw.slice(1);
  const keyId = await computeKeyId(name, publicKey);
  if (hex(keyId) !== idHex) throw new VerifyError("verifier_key_id", { got: idHex, want: hex(keyId) });
  return { text: trimmed, name, keyId, publicKey };
}

/** C2SP signed-note: the text up to the last blank line, then signature lines "— name base64". */
export function parseNote(text) {
  if (!text.endsWith("\n")) throw new VerifyError("note_form", { problem: "no final newline" });
  const split = text.lastIndexOf("\n\n");
  if (split < 0) throw new VerifyError("note_form", { problem: "no blank line before the signatures" });
  const body = text.slice(0, split + 1);
  const lines = text.slice(split + 2).split("\n").slice(0, -1);
  if (lines.length === 0) throw new VerifyError("note_form", { problem: "no signature lines" });
  const signatures = lines.map((line, n) => {
    if (!line.startsWith("\u2014 ")) throw new VerifyError("note_form", { problem: `line ${n + 1} is not a signature` });
    const rest = line.slice(2);
    const space = rest.indexOf(" ");
    if (space <= 0) throw new VerifyError("note_form", { problem: `line ${n + 1} has no key name` });
    const decoded = decodeBase64(rest.slice(space + 1), undefined, `signature ${n + 1}`);
    if (decoded.length <= 4) throw new VerifyError("note_form", { problem: `signature ${n + 1} is too short` });
    return { name: rest.slice(0, space), keyId: decoded.slice(0, 4), signature: decoded.slice(4) };
  });
  return { text: body, signatures };
}

/** C2SP tlog-checkpoint body: exactly origin, tree size, base64 root hash (no extension lines). */
export function parseCheckpoint(body) {
  if (!body.endsWith("\n")) throw new VerifyError("checkpoint_form", { problem: "no final newline" });
  const lines = body.slice(0, -1).split("\n");
  if (lines.length !== 3) throw new VerifyError("checkpoint_form", { problem: `${lines.length} lines, want 3` });
  const [origin, sizeText, rootText] = lines;
  if (!origin || !DECIMAL.test(sizeText) || sizeText.length > 20 || BigInt(sizeText) > MAX_TREE_SIZE) {
    throw new VerifyError("checkpoint_form", { problem: `tree size ${sizeText.slice(0, 24)}` });
  }
  return { origin, size: BigInt(sizeText), root: decodeBase64(rootText, 32, "checkpoint root hash") };
}

/** Check the note's signature by `verifier` (key name and id, then Ed25519 over the text); return the checkpoint. */
export async function verifyCheckpoint(noteText, verifier) {
  const note = parseNote(noteText);
  const key = `${verifier.name}+${hex(verifier.keyId)}`;
  const ours = note.signatures.filter((s) => s.name === verifier.name && equal(s.keyId, verifier.keyId));
  if (ours.length === 0) {
    const signers = note.signatures.map((s) => `${s.name}+${hex(s.keyId)}`).join(", ");
    throw new VerifyError("checkpoint_unknown_key", { key, signers });
  }
  for (const s of ours) {
    if (s.signature.length !== 64) throw new VerifyError("checkpoint_signature_length", { key, got: s.signature.length });
    if (!(await ed25519Verify(verifier.publicKey, s.signature, encoder.encode(note.text)))) {
      throw new VerifyError("checkpoint_signature_invalid", { key });
    }
  }
  const checkpoint = parseCheckpoint(note.text);
  if (checkpoint.origin !== verifier.name) {
    throw new VerifyError("checkpoint_origin", { origin: checkpoint.origin, name: verifier.name });
  }
  return checkpoint;
}

// --- witnesses: C2SP tlog-cosignature v1 (Ed25519) and Sigsum policies ------------------------------

/** A pasted trust anchor: a verifier key, or a whole trust.json (then with its witness policy, if any). */
export async function parseTrust(text) {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{")) return parseVerifierKey(trimmed);
  let document;
  try {
    document = JSON.parse(trimmed);
  } catch {
    throw new VerifyError("trust_form", {});
  }
  if (typeof document !== "object" || document === null || typeof document.verifier_key !== "string") {
    throw new VerifyError("trust_form", {});
  }
  const verifier = await parseVerifierKey(document.verifier_key);
  if (typeof document.witness_policy === "string") verifier.policy = await parseWitnessPolicy(document.witness_policy);
  verifier.text = trimmed;
  return verifier;
}

/** Sigsum policy file (sigsum-go doc/policy.md): log, witness, group and quorum lines; names before use. */
export async function parseWitnessPolicy(text) {
  const witnesses = [];
  const groups = new Map();
  const names = new Set(["none"]);
  let quorum = null;
  const fail = (number, problem) => new VerifyError("policy_form", { problem: `line ${number}: ${problem}` });
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const items = lines[n].split("#")[0].trim().split(/\s+/).filter(Boolean);
    if (items.length === 0) continue;
    const [keyword, ...args] = items;
    if (keyword === "log") continue;
    if (keyword === "witness") {
      if (args.length < 2 || args.length > 3 || !/^[0-9a-fA-F]{64}$/.test(args[1]) || names.has(args[0])) throw fail(n + 1, "witness");
      const publicKey = Uint8Array.from(args[1].match(/../g).map((byte) => parseInt(byte, 16)));
      const keyId = (await sha256(concat(encoder.encode(args[0]), Uint8Array.of(0x0a, 0x04), publicKey))).slice(0, 4);
      witnesses.push({ name: args[0], publicKey, keyId });
      names.add(args[0]);
    } else if (keyword === "group") {
      const members = args.slice(2);
      if (args.length < 3 || names.has(args[0]) || members.some((m) => !names.has(m) || m === "none")) throw fail(n + 1, "group");
      const k = args[1] === "all" ? members.length : args[1] === "any" ? 1 : /^[1-9][0-9]*$/.test(args[1]) ? Number(args[1]) : 0;
      if (k < 1 || k > members.length) throw fail(n + 1, "group threshold");
      groups.set(args[0], { k, members });
      names.add(args[0]);
    } else if (keyword === "quorum") {
      if (args.length !== 1 || quorum !== null || !names.has(args[0])) throw fail(n + 1, "quorum");
      quorum = args[0];
    } else throw fail(n + 1, `unknown keyword ${keyword}`);
  }
  if (quorum === null) throw new VerifyError("policy_form", { problem: "no quorum line" });
  return { witnesses, groups, quorum };
}

function acts(policy, name, signed) {
  if (name === "none") return true;
  const group = policy.groups.get(name);
  if (!group) return signed.has(name);
  return group.members.filter((member) => acts(policy, member, signed)).length >= group.k;
}

/** The quorum in words, "2 of (a, b)"; `of` is the page language's word ("dari" in Indonesian). */
function describeQuorum(policy, name, of = "of") {
  const group = policy.groups.get(name);
  if (!group) return name;
  return `${group.k} ${of} (${group.members.map((m) => describeQuorum(policy, m, of)).join(", ")})`;
}

/** Every cosignature by a policy witness must verify; their names must meet the quorum. */
export async function verifyCosignatures(noteText, policy) {
  const note = parseNote(noteText);
  const signed = new Set();
  for (const witness of policy.witnesses) {
    for (const s of note.signatures.filter((s) => s.name === witness.name && equal(s.keyId, witness.keyId))) {
      if (s.signature.length !== 72) throw new VerifyError("cosignature_invalid", { witness: witness.name });
      const timestamp = new DataView(s.signature.buffer, s.signature.byteOffset, 8).getBigUint64(0);
      if (timestamp > 2n ** 63n - 1n) throw new VerifyError("cosignature_invalid", { witness: witness.name });
      const message = encoder.encode(`cosignature/v1\ntime ${timestamp}\n${note.text}`);
      if (!(await ed25519Verify(witness.publicKey, s.signature.slice(8), message))) {
        throw new VerifyError("cosignature_invalid", { witness: witness.name });
      }
      signed.add(witness.name);
    }
  }
  const quorum = describeQuorum(policy, policy.quorum);
  const cosignedBy = [...signed].sort().join(", ");
  if (!acts(policy, policy.quorum, signed)) {
    const quorum_id = describeQuorum(policy, policy.quorum, "dari");
    throw new VerifyError("witness_quorum_not_met", { signed: cosignedBy || "—", quorum, quorum_id });
  }
  return { cosignedBy: cosignedBy || "—", quorum };
}

// --- tlog-proof and inclusion -----------------------------------------------------------------------

/** C2SP tlog-proof: header, optional extra, index, proof hashes, blank line, the checkpoint verbatim. */
export function parseRecordProof(text) {
  const separator = text.indexOf("\n\n");
  if (separator < 0) throw new VerifyError("proof_form", { problem: "no blank line before the checkpoint" });
  const checkpoint = text.slice(separator + 2);
  if (checkpoint.startsWith("\n")) throw new VerifyError("proof_form", { problem: "more than one blank line" });
  const lines = text.slice(0, separator).split("\n");
  if (lines[0] !== PROOF_HEADER) throw new VerifyError("proof_form", { problem: `does not start with ${PROOF_HEADER}` });
  let at = 1;
  if (at < lines.length && lines[at].startsWith("extra ")) {
    decodeBase64(lines[at].slice(6), undefined, "extra data");
    at += 1;
  }
  if (at >= lines.length || !lines[at].startsWith("index ")) throw new VerifyError("proof_form", { problem: "no index line" });
  const indexText = lines[at].slice(6);
  if (!DECIMAL.test(indexText)) throw new VerifyError("proof_form", { problem: `index ${indexText.slice(0, 24)}` });
  const proof = lines.slice(at + 1).map((line, n) => decodeBase64(line, 32, `proof hash ${n + 1}`));
  return { index: BigInt(indexText), proof, checkpoint };
}

function bitLength(n) {
  let bits = 0;
  for (; n > 0n; n >>= 1n) bits += 1;
  return bits;
}

function popCount(n) {
  let ones = 0;
  for (; n > 0n; n >>= 1n) ones += Number(n & 1n);
  return ones;
}

/** RFC 9162 §2.1.3.2: the root that `proof` leads to from `leafHash` at `index` in a tree of `size`. */
export async function rootFromInclusionProof(leafHash, index, size, proof) {
  if (index >= size) throw new VerifyError("inclusion_index", { index: String(index), size: String(size) });
  const inner = bitLength(index ^ (size - 1n));
  const want = inner + popCount(index >> BigInt(inner));
  if (proof.length !== want) throw new VerifyError("inclusion_length", { got: proof.length, want });
  let fn = index;
  let sn = size - 1n;
  let r = leafHash;
  for (const p of proof) {
    if ((fn & 1n) === 1n || fn === sn) {
      r = await hashChildren(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = await hashChildren(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return r;
}

/** RFC 9162 §2.1.1: the Merkle Tree Hash of leaves already hashed (at least one). */
export async function rootFromLeafHashes(hashes) {
  let level = hashes;
  // Pairing neighbours and carrying an odd last node up builds the same tree as MTH's recursion
  // (as ledger.crypto.merkle.root_from_leaf_hashes does).
  while (level.length > 1) {
    const paired = [];
    for (let i = 0; i + 1 < level.length; i += 2) paired.push(await hashChildren(level[i], level[i + 1]));
    if (level.length % 2) paired.push(level[level.length - 1]);
    level = paired;
  }
  return level[0];
}

/** RFC 9162 §2.1.3.1: PATH(index, hashes), the inclusion proof of leaf `index`, lowest first. */
export async function inclusionProof(hashes, index) {
  if (hashes.length <= 1) return [];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  if (index < k) return [...(await inclusionProof(hashes.slice(0, k), index)), await rootFromLeafHashes(hashes.slice(k))];
  return [...(await inclusionProof(hashes.slice(k), index - k)), await rootFromLeafHashes(hashes.slice(0, k))];
}

// --- the checks of one record -------------------------------------------------------------------------

/** The public key a key's registration record gives, checked to be the registration of `signer`. */
export function publicKeyFromRegistration(stored, signer) {
  const entry = stored.entry;
  if (entry.kind === "key.registered") {
    if (entry.stream !== `key/${signer}`) {
      throw new VerifyError("key_record_mismatch", { index: stored.index, stream: entry.stream });
    }
    return decodeBase64(entry.body.public_key, 32, "public key");
  }
  if (entry.kind === "ledger.genesis") return decodeBase64(entry.body.root_key, 32, "root key");
  throw new VerifyError("key_record_kind", { index: stored.index, kind: entry.kind });
}

async function check(results, id, run) {
  try {
    const details = await run();
    results.push({ id, status: "passed", details: details || {} });
    return true;
  } catch (error) {
    if (error instanceof VerifyError) results.push({ id, status: "failed", code: error.code, details: error.details });
    else results.push({ id, status: "failed", code: "unexpected", details: { message: String(error.message || error) } });
    return false;
  }
}

function skip(results, id, code, details = {}) {
  results.push({ id, status: "skipped", code, details });
}

/**
 * Verify one record: its signer's key, its entry signature, its leaf hash, its inclusion proof and the
 * checkpoint's signature by `verifier`. Inputs that could not be had are given as {error: VerifyError}.
 *   leaf:      {bytes, entry, signature, claimedHash?} or {error}
 *   signerKey: {publicKey, index?} or {error} or null (not given: the signature is not checked)
 *   proofText: the tlog-proof text or {error}
 *   index:     the leaf index the record should have (BigInt), or null to take the bundle's
 *   shown:     {leafHash, body} as the page shows them (the record page), to be the verified ones
 * Returns [{id, status: "passed" | "failed" | "skipped", code?, details}] in the order shown.
 */
export async function verifyRecord({ verifier, leaf, signerKey, proofText, index, shown = null }) {
  const results = [];
  let publicKey = null;
  // 1. The signer's key: its SHA-256 must be the entry's `signer` (the fingerprint the author signed).
  if (leaf.error) skip(results, "signer", "leaf_missing");
  else if (signerKey === null) skip(results, "signer", "no_signer_key");
  else {
    await check(results, "signer", async () => {
      if (signerKey.error) throw signerKey.error;
      const fingerprint = hex(await sha256(signerKey.publicKey));
      if (fingerprint !== leaf.entry.signer) throw new VerifyError("fingerprint_mismatch", { got: fingerprint, want: leaf.entry.signer });
      publicKey = signerKey.publicKey;
      return { fingerprint, index: signerKey.index };
    });
  }
  // 2. The entry's signature over its signing input.
  if (leaf.error) skip(results, "signature", "leaf_missing");
  else if (publicKey === null) skip(results, "signature", signerKey === null ? "no_signer_key" : "signer_unverified");
  else {
    await check(results, "signature", async () => {
      const signature = decodeBase64(leaf.signature, 64, "signature");
      if (!(await ed25519Verify(publicKey, signature, signingInput(leaf.entry)))) throw new VerifyError("signature_invalid", {});
      return {};
    });
  }
  // 3. The leaf: its hash, and that it is the canonical form of what it says and meant for this log.
  let leafHash = null;
  await check(results, "leaf", async () => {
    if (leaf.error) throw leaf.error;
    leafHash = await hashLeaf(leaf.bytes);
    const computed = encodeBase64(leafHash);
    if (leaf.claimedHash !== undefined && leaf.claimedHash !== computed) {
      throw new VerifyError("leaf_hash_mismatch", { computed, claimed: leaf.claimedHash });
    }
    if (leaf.entry.log !== verifier.name) throw new VerifyError("log_mismatch", { log: leaf.entry.log, origin: verifier.name });
    // What a person reads on the page must be what was verified, not another copy.
    if (shown && shown.leafHash !== undefined && shown.leafHash !== computed) throw new VerifyError("page_mismatch", { what: "leaf_hash" });
    if (shown && shown.body !== undefined) {
      let same = false;
      try {
        same = canonicalize(JSON.parse(shown.body)) === canonicalize(leaf.entry.body);
      } catch {
        same = false;
      }
      if (!same) throw new VerifyError("page_mismatch", { what: "body" });
    }
    return { hash: computed, shown: Boolean(shown) };
  });
  // 4 and 5. The checkpoint's signature, and the inclusion proof up to its root.
  let bundle = null;
  let checkpoint = null;
  const proofResults = [];
  const proofOk = await check(proofResults, "inclusion", async () => {
    if (proofText.error) throw proofText.error;
    bundle = parseRecordProof(proofText);
  });
  const checkpointResults = [];
  if (!proofOk) skip(checkpointResults, "checkpoint", "proof_missing");
  else {
    await check(checkpointResults, "checkpoint", async () => {
      checkpoint = await verifyCheckpoint(bundle.checkpoint, verifier);
      return { key: `${verifier.name}+${hex(verifier.keyId)}`, size: String(checkpoint.size), root: encodeBase64(checkpoint.root) };
    });
  }
  if (!proofOk) results.push(proofResults[0]);
  else if (leafHash === null) skip(results, "inclusion", "leaf_missing");
  else if (checkpoint === null) skip(results, "inclusion", "checkpoint_unverified");
  else {
    await check(results, "inclusion", async () => {
      if (index !== null && bundle.index !== index) {
        throw new VerifyError("index_mismatch", { got: String(bundle.index), want: String(index) });
      }
      const root = await rootFromInclusionProof(leafHash, bundle.index, checkpoint.size, bundle.proof);
      if (!equal(root, checkpoint.root)) {
        throw new VerifyError("inclusion_root", { computed: encodeBase64(root), root: encodeBase64(checkpoint.root) });
      }
      return { count: bundle.proof.length, index: String(bundle.index), size: String(checkpoint.size) };
    });
  }
  results.push(checkpointResults[0]);
  // 6. The witnesses' cosignatures on that checkpoint, when the trust anchor has a witness policy.
  if (verifier.policy) {
    if (checkpoint === null) skip(results, "witnesses", "checkpoint_unverified");
    else await check(results, "witnesses", () => verifyCosignatures(bundle.checkpoint, verifier.policy));
  }
  return results;
}

/** A leaf given as bytes (a file): parsed, and required to be the canonical form of a submission. */
export function parseLeaf(bytes) {
  let text;
  let submission;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    submission = JSON.parse(text);
  } catch (error) {
    throw new VerifyError("leaf_not_json", { message: String(error.message || error) });
  }
  if (!submission || typeof submission !== "object" || Array.isArray(submission)) throw new VerifyError("leaf_form", {});
  const names = Object.keys(submission).sort().join(",");
  if (names !== "entry,signature" || typeof submission.entry !== "object" || typeof submission.signature !== "string") {
    throw new VerifyError("leaf_form", {});
  }
  if (canonicalize(submission) !== text) throw new VerifyError("leaf_not_canonical", {});
  return { bytes, entry: submission.entry, signature: submission.signature };
}
