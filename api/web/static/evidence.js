// The evidence page: a document and the assessors' manifest, read from disk and hashed here (never
// uploaded), checked against the `evidence` of a record fetched from this server (ledger/evidence.py;
// docs/contract/files.md, "Evidence manifests"). The root is RFC 6962's Merkle Tree Hash whose leaves
// are the documents' 32-byte SHA-256 digests; the document's inclusion proof (RFC 9162 §2.1.3) is
// computed from the manifest and must lead to the root the record logs.

import {
  decodeBase64,
  encodeBase64,
  hashLeaf,
  inclusionProof,
  rootFromInclusionProof,
  rootFromLeafHashes,
  sha256,
  VerifyError,
} from "./tlog.js";
import { checkList } from "./verifier-ui.js";

const EVIDENCE_KINDS = ["assessment.reviewed", "monitoring.recorded"];
const DECIMAL = /^(0|[1-9][0-9]{0,18})$/;
const lang = document.documentElement.lang === "en" ? "en" : "id";

const WORDS = {
  id: {
    title: { record: "Catatan", manifest: "Manifes", document: "Dokumen", workbook: "Kertas kerja LKE" },
    status: { passed: "Lulus", failed: "Gagal", skipped: "Tidak diperiksa" },
    allPassed: "Semua pemeriksaan lulus: dokumen ini termasuk dokumen yang dilihat penilai.",
    someSkipped: "Pemeriksaan yang dijalankan lulus; sebagian tidak diperiksa.",
    failed: (names) => `Pemeriksaan GAGAL: ${names}.`,
    running: "Memeriksa…",
    passed: {
      record: (d) => `catatan #${d.index} (${d.kind}) mencatat ${d.what}: ${d.count} dokumen, akar ${d.root}`,
      manifest: (d) => `${d.count} digest; akar Merkle ${d.root} sama dengan yang dicatat`,
      document: (d) => `SHA-256 ${d.digest} ada di indeks ${d.index} dari ${d.count} dokumen manifes; ${d.hashes} hash bukti inklusi mengantar ke akar yang dicatat`,
      workbook: (d) => `SHA-256 ${d.digest} sama dengan kertas kerja yang dicatat`,
    },
    reason: {
      bad_index: () => "nomor catatan harus bilangan bulat 0 atau lebih",
      no_files: () => "pilih manifes dan dokumen",
      fetch_failed: (d) => `tidak dapat mengambil catatan #${d.index}: ${d.status}`,
      not_evidence_kind: (d) => `catatan #${d.index} berjenis ${d.kind}, yang tidak memuat bukti dukung`,
      no_evidence: (d) => `catatan #${d.index} tidak memuat bukti dukung`,
      no_documents: () => "bukti dukung catatan ini tidak memuat akar dokumen (isi butir LKE)",
      unknown_item: (d) => `bukti dukung catatan ini tidak memuat butir ${d.item} (butir: ${d.items})`,
      manifest_form: (d) => `manifes bukan {"documents": [digest base64, ...]}: ${d.problem}`,
      manifest_duplicate: (d) => `manifes memuat ${d.digest} lebih dari sekali`,
      manifest_count: (d) => `manifes memuat ${d.got} dokumen, catatan mencatat ${d.want}`,
      manifest_root: (d) => `akar manifes ${d.got}, catatan mencatat ${d.want} (manifes berubah)`,
      not_listed: (d) => `SHA-256 berkas ${d.digest} tidak ada di manifes: berkas berubah atau tidak pernah dicatat`,
      proof_root: (d) => `bukti inklusi mengantar ke ${d.got}, bukan akar yang dicatat ${d.want}`,
      manifest_unverified: () => "manifes tidak lolos pemeriksaan",
      record_unverified: () => "catatan tidak dapat dipakai",
      no_workbook_file: () => "tidak ada berkas kertas kerja yang dipilih",
      no_workbook: () => "bukti dukung catatan ini tidak mencatat kertas kerja",
      workbook_mismatch: (d) => `SHA-256 berkas ${d.got}, catatan mencatat ${d.want}`,
      base64: (d) => `${d.what} bukan base64 kanonik`,
      length: (d) => `${d.what} berukuran ${d.got} byte, seharusnya ${d.want}`,
      unexpected: (d) => d.message,
    },
  },
  en: {
    title: { record: "Record", manifest: "Manifest", document: "Document", workbook: "LKE workbook" },
    status: { passed: "Passed", failed: "Failed", skipped: "Not checked" },
    allPassed: "All checks passed: this document is one of those the assessors saw.",
    someSkipped: "The checks that ran passed; some were not run.",
    failed: (names) => `Check FAILED: ${names}.`,
    running: "Checking…",
    passed: {
      record: (d) => `record #${d.index} (${d.kind}) logs ${d.what}: ${d.count} documents, root ${d.root}`,
      manifest: (d) => `${d.count} digests; Merkle root ${d.root} is the logged one`,
      document: (d) => `SHA-256 ${d.digest} is at index ${d.index} of the manifest's ${d.count} documents; an inclusion proof of ${d.hashes} hashes leads to the logged root`,
      workbook: (d) => `SHA-256 ${d.digest} is the logged workbook's`,
    },
    reason: {
      bad_index: () => "the record number must be a whole number, 0 or more",
      no_files: () => "pick the manifest and the document",
      fetch_failed: (d) => `cannot fetch record #${d.index}: ${d.status}`,
      not_evidence_kind: (d) => `record #${d.index} is a ${d.kind}, which carries no evidence`,
      no_evidence: (d) => `record #${d.index} carries no evidence`,
      no_documents: () => "this record's evidence has no documents root (give an LKE item)",
      unknown_item: (d) => `this record's evidence has no item ${d.item} (items: ${d.items})`,
      manifest_form: (d) => `the manifest is not {"documents": [base64 digest, ...]}: ${d.problem}`,
      manifest_duplicate: (d) => `the manifest lists ${d.digest} more than once`,
      manifest_count: (d) => `the manifest lists ${d.got} documents, the record logs ${d.want}`,
      manifest_root: (d) => `the manifest's root is ${d.got}, the record logs ${d.want} (the manifest changed)`,
      not_listed: (d) => `the file's SHA-256 ${d.digest} is not in the manifest: the file changed, or was never recorded`,
      proof_root: (d) => `the inclusion proof leads to ${d.got}, not the logged root ${d.want}`,
      manifest_unverified: () => "the manifest did not pass its check",
      record_unverified: () => "the record cannot be used",
      no_workbook_file: () => "no workbook file picked",
      no_workbook: () => "this record's evidence logs no workbook",
      workbook_mismatch: (d) => `the file's SHA-256 is ${d.got}, the record logs ${d.want}`,
      base64: (d) => `${d.what} is not canonical base64`,
      length: (d) => `${d.what} is ${d.got} bytes, want ${d.want}`,
      unexpected: (d) => d.message,
    },
  },
};
const words = WORDS[lang];

const form = document.getElementById("evidence-form");
const button = document.getElementById("evidence-run");
const output = document.getElementById("evidence-result");

class Failed extends Error {
  constructor(code, details = {}) {
    super(code);
    this.code = code;
    this.details = details;
  }
}

const passed = (id, details) => ({ id, status: "passed", details });
const skipped = (id, code, details = {}) => ({ id, status: "skipped", code, details });
function failed(id, failure) {
  if (failure instanceof Failed || failure instanceof VerifyError) {
    return { id, status: "failed", code: failure.code, details: failure.details || {} };
  }
  return { id, status: "failed", code: "unexpected", details: { message: String(failure.message || failure) } };
}

async function digestOf(file) {
  return sha256(new Uint8Array(await file.arrayBuffer()));
}

/** The record's kind and evidence, and the claim (root, count) checked against: all documents or one item. */
async function recordClaim(index, item) {
  let response;
  try {
    response = await fetch(`/records/${index}/entry`, { credentials: "same-origin", cache: "no-store" });
  } catch (failure) {
    throw new Failed("fetch_failed", { index, status: String(failure.message || failure) });
  }
  if (!response.ok) throw new Failed("fetch_failed", { index, status: `HTTP ${response.status}` });
  const { entry } = await response.json();
  if (!EVIDENCE_KINDS.includes(entry.kind)) throw new Failed("not_evidence_kind", { index, kind: entry.kind });
  const evidence = entry.body.evidence;
  if (evidence === null || typeof evidence !== "object") throw new Failed("no_evidence", { index });
  let claim;
  let what;
  if (item) {
    const items = evidence.items || {};
    if (!Object.hasOwn(items, item)) {
      throw new Failed("unknown_item", { item, items: Object.keys(items).join(", ") || "–" });
    }
    claim = items[item];
    what = `evidence.items.${item}`;
  } else {
    if (!evidence.documents) throw new Failed("no_documents");
    claim = evidence.documents;
    what = "evidence.documents";
  }
  const root = decodeBase64(claim.root, 32, `${what}.root`);
  return { kind: entry.kind, evidence, what, root, count: claim.count };
}

/** The manifest's digests, parsed as strictly as ledger.evidence.parse_manifest (JSON.parse cannot see
 * a repeated member, but the root comparison refuses any manifest that is not the logged one). */
function parseManifest(text) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (failure) {
    throw new Failed("manifest_form", { problem: String(failure.message || failure) });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Failed("manifest_form", { problem: "not an object" });
  }
  const names = Object.keys(value);
  if (names.length !== 1 || names[0] !== "documents") throw new Failed("manifest_form", { problem: names.join(", ") });
  const documents = value.documents;
  if (!Array.isArray(documents) || documents.length === 0) {
    throw new Failed("manifest_form", { problem: "documents is not a non-empty array" });
  }
  const seen = new Set();
  return documents.map((text, i) => {
    const digest = decodeBase64(text, 32, `documents[${i}]`);
    if (seen.has(text)) throw new Failed("manifest_duplicate", { digest: text });
    seen.add(text);
    return digest;
  });
}

async function check() {
  const index = document.getElementById("record-index").value.trim();
  const item = document.getElementById("item").value.trim();
  const manifestFile = document.getElementById("manifest-file").files[0];
  const documentFile = document.getElementById("document-file").files[0];
  const workbookFile = document.getElementById("workbook-file").files[0];
  if (!DECIMAL.test(index)) return showMessage(words.reason.bad_index(), true);
  if (!manifestFile || !documentFile) return showMessage(words.reason.no_files(), true);
  const results = [];

  let claim = null;
  try {
    claim = await recordClaim(index, item);
    results.push(passed("record", { index, kind: claim.kind, what: claim.what, count: claim.count, root: encodeBase64(claim.root) }));
  } catch (failure) {
    results.push(failed("record", failure));
  }

  let tree = null;
  if (claim === null) results.push(skipped("manifest", "record_unverified"));
  else {
    try {
      const digests = parseManifest(await manifestFile.text());
      const leafHashes = await Promise.all(digests.map(hashLeaf));
      const root = await rootFromLeafHashes(leafHashes);
      if (digests.length !== claim.count) throw new Failed("manifest_count", { got: digests.length, want: claim.count });
      if (encodeBase64(root) !== encodeBase64(claim.root)) {
        throw new Failed("manifest_root", { got: encodeBase64(root), want: encodeBase64(claim.root) });
      }
      tree = { digests, leafHashes };
      results.push(passed("manifest", { count: digests.length, root: encodeBase64(root) }));
    } catch (failure) {
      results.push(failed("manifest", failure));
    }
  }

  if (tree === null) results.push(skipped("document", claim === null ? "record_unverified" : "manifest_unverified"));
  else {
    try {
      const digest = encodeBase64(await digestOf(documentFile));
      const position = tree.digests.findIndex((d) => encodeBase64(d) === digest);
      if (position < 0) throw new Failed("not_listed", { digest });
      // The proof is computed from the manifest and checked against the root the record logs.
      const proof = await inclusionProof(tree.leafHashes, position);
      const root = await rootFromInclusionProof(tree.leafHashes[position], BigInt(position), BigInt(claim.count), proof);
      if (encodeBase64(root) !== encodeBase64(claim.root)) {
        throw new Failed("proof_root", { got: encodeBase64(root), want: encodeBase64(claim.root) });
      }
      results.push(passed("document", { digest, index: position, count: claim.count, hashes: proof.length }));
    } catch (failure) {
      results.push(failed("document", failure));
    }
  }

  if (!workbookFile) results.push(skipped("workbook", "no_workbook_file"));
  else if (claim === null) results.push(skipped("workbook", "record_unverified"));
  else {
    try {
      const logged = claim.evidence.workbook;
      if (logged === undefined) throw new Failed("no_workbook");
      decodeBase64(logged, 32, "evidence.workbook");
      const digest = encodeBase64(await digestOf(workbookFile));
      if (digest !== logged) throw new Failed("workbook_mismatch", { got: digest, want: logged });
      results.push(passed("workbook", { digest }));
    } catch (failure) {
      results.push(failed("workbook", failure));
    }
  }
  showResults(results);
}

function reason(code, details) {
  return (words.reason[code] || words.reason.unexpected)({ message: code, ...details });
}

function showMessage(text, isFailure = false) {
  output.replaceChildren();
  const p = document.createElement("p");
  p.className = "verdict";
  if (isFailure) p.dataset.verdict = "failed";
  p.textContent = text;
  output.append(p);
}

function showResults(results) {
  output.replaceChildren();
  const failures = results.filter((r) => r.status === "failed");
  const verdict = document.createElement("p");
  verdict.className = "verdict";
  verdict.setAttribute("role", "status");
  verdict.dataset.verdict = failures.length ? "failed" : "passed";
  if (failures.length) verdict.textContent = words.failed(failures.map((r) => words.title[r.id]).join(", "));
  else if (results.some((r) => r.status === "skipped" && r.id !== "workbook")) verdict.textContent = words.someSkipped;
  else verdict.textContent = words.allPassed;
  output.append(verdict, checkList(results, words, reason));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  button.disabled = true;
  showMessage(words.running);
  try {
    await check();
  } catch (failure) {
    showMessage(reason("unexpected", { message: String(failure.message || failure) }), true);
  } finally {
    button.disabled = false;
  }
});
