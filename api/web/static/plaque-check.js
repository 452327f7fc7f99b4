// The plaque's check page: verify a unit's designation record (and the revocation that ended it, if
// any) here, in the visitor's browser, against the verifier key of the trust.json the page shows (and
// its witness quorum, where it has one), then say plainly whether the predicate still holds.
// Each record: its signer's key (SHA-256 is the entry's signer), the entry's Ed25519 signature, its
// leaf hash, its inclusion proof (RFC 9162) in a checkpoint signed by the log (C2SP signed note).

import { VerifyError, decodeBase64, leafBytes, parseTrust, verifyRecord } from "./tlog.js";
import { checkList, reason, words } from "./verifier-ui.js";

const lang = document.documentElement.lang === "en" ? "en" : "id";
const WORDS = {
  id: {
    subject: "Isi catatan",
    subjectPassed: (d) => `Catatan #${d.index} adalah ${d.what} unit ${d.unit} dengan SK ${d.number}.`,
    designation: "penetapan",
    revocation: "pencabutan",
    subjectFailed: (d) => `catatan #${d.index} bukan ${d.what} unit ini dengan SK yang ditampilkan`,
    withheld: "catatan ini tidak tersedia untuk umum",
    holds: (p) => `Sah: predikat ${p} unit ini tercatat dalam log publik dan masih berlaku.`,
    revoked: (p, n) => `Predikat ${p} unit ini TIDAK berlaku lagi: dicabut dengan SK ${n} (pencabutan tercatat dan terverifikasi di bawah).`,
    failed: "Verifikasi GAGAL: plakat ini tidak dapat dibuktikan dengan log publik. Lihat rinciannya di bawah.",
  },
  en: {
    subject: "What the record says",
    subjectPassed: (d) => `Record #${d.index} is the ${d.what} of unit ${d.unit} by decree ${d.number}.`,
    designation: "designation",
    revocation: "revocation",
    subjectFailed: (d) => `record #${d.index} is not this unit's ${d.what} by the decree shown`,
    withheld: "this record is not available to the public",
    holds: (p) => `Valid: this unit's ${p} predicate is recorded in the public log and still holds.`,
    revoked: (p, n) => `This unit's ${p} predicate NO LONGER holds: it was revoked by decree ${n} (the revocation, recorded and verified, is below).`,
    failed: "Verification FAILED: this plaque cannot be proven against the public log. See the details below.",
  },
}[lang];

const pageWords = {
  ...words,
  title: { ...words.title, subject: WORDS.subject },
  passed: { ...words.passed, subject: WORDS.subjectPassed },
};
function pageReason(code, details) {
  if (code === "subject_mismatch") return WORDS.subjectFailed(details);
  if (code === "record_withheld") return WORDS.withheld;
  return reason(code, details);
}

const section = document.getElementById("check");
const verdict = document.getElementById("plaque-verdict");
const PREDICATES = { wbk: "Menuju WBK", wbbm: "Menuju WBBM" };

async function fetched(url, as) {
  try {
    const response = await fetch(url, { credentials: "omit", cache: "no-store" });
    if (!response.ok) return { error: new VerifyError("fetch_failed", { url, status: `HTTP ${response.status}` }) };
    return { value: as === "json" ? await response.json() : await response.text() };
  } catch (failure) {
    return { error: new VerifyError("fetch_failed", { url, status: String(failure.message || failure) }) };
  }
}

/** That the record is what the page says it is: this unit's designation (or revocation) by this decree. */
function subject(record, act, unit, decree) {
  const entry = record.entry;
  const what = WORDS[act];
  const designation = entry.kind === "stage.advanced" && entry.body.to === "designated";
  const revocation = entry.kind === "predicate.revoked";
  const ok =
    (act === "designation" ? designation : revocation) &&
    entry.stream === `unit/${unit}` &&
    entry.body.sk &&
    entry.body.sk.number === decree.number &&
    entry.body.sk.document === decree.document;
  if (!ok) return { id: "subject", status: "failed", code: "subject_mismatch", details: { index: record.index, what } };
  return { id: "subject", status: "passed", details: { index: record.index, what, unit, number: decree.number } };
}

/** Verify one public record; returns the list of checks. */
async function verifyPublicRecord(verifier, record, act, unit, decree, expectedIndex) {
  if (!record) return [{ id: "subject", status: "failed", code: "record_withheld", details: {} }];
  const proof = await fetched(`/v1/entries/${record.index}/proof${verifier.policy ? "?cosigned=true" : ""}`, "text");
  let leaf;
  try {
    leaf = { entry: record.entry, signature: record.signature, claimedHash: record.leaf_hash, bytes: leafBytes(record.entry, record.signature) };
  } catch (failure) {
    leaf = { error: failure };
  }
  let signerKey;
  try {
    signerKey = record.signer_key
      ? { publicKey: decodeBase64(record.signer_key.public_key, 32, "public key"), index: record.signer_key.index }
      : { error: new VerifyError("no_signer_key", {}) };
  } catch (failure) {
    signerKey = { error: failure };
  }
  const results = await verifyRecord({
    verifier,
    leaf,
    signerKey,
    proofText: proof.error ? { error: proof.error } : proof.value,
    index: BigInt(expectedIndex),
  });
  return [subject(record, act, unit, decree), ...results];
}

function show(containerId, results) {
  const container = document.getElementById(containerId);
  if (container) container.replaceChildren(checkList(results, pageWords, pageReason));
}

function say(kind, text) {
  verdict.dataset.verdict = kind;
  verdict.textContent = text;
}

async function run() {
  let verifier;
  try {
    verifier = await parseTrust(document.getElementById("trust-json").textContent);
  } catch (failure) {
    return say("failed", `${WORDS.failed} ${failure instanceof VerifyError ? reason(failure.code, failure.details) : failure}`);
  }
  const { unit, checkUrl, designationIndex, revocationIndex } = section.dataset;
  const answer = await fetched(checkUrl, "json");
  if (answer.error) return say("failed", `${WORDS.failed} ${reason(answer.error.code, answer.error.details)}`);
  const { designation, revocation } = answer.value;
  const decrees = answer.value.unit.data.decrees;
  const decreeAt = (index) => decrees.find((d) => String(d.index) === String(index)) || {};
  const designated = decreeAt(designationIndex);
  const designationResults = await verifyPublicRecord(verifier, designation, "designation", unit, designated, designationIndex);
  show("designation-result", designationResults);
  let revocationResults = [];
  let revoked = null;
  if (revocationIndex !== "") {
    revoked = decreeAt(revocationIndex);
    revocationResults = await verifyPublicRecord(verifier, revocation, "revocation", unit, revoked, revocationIndex);
    show("revocation-result", revocationResults);
  }
  const failed = [...designationResults, ...revocationResults].some((r) => r.status !== "passed");
  const predicate = PREDICATES[designated.predicate] || designated.predicate;
  if (failed) say("failed", WORDS.failed);
  else if (revoked) say("revoked", WORDS.revoked(predicate, revoked.number));
  else say("holds", WORDS.holds(predicate));
}

run().catch((failure) => say("failed", `${WORDS.failed} ${String(failure.message || failure)}`));
