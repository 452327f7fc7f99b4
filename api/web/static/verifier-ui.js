// The verifier's part of a page: the auditor's own verifier key (kept in localStorage, never taken
// from the answers being checked), and the list of checks with their outcome and reason, in the
// page's language (the <html lang> the server rendered).

import { VerifyError, ed25519Available, hex, parseTrust } from "./tlog.js";

const STORAGE_KEY = "integritas.verifier-key";
const lang = document.documentElement.lang === "en" ? "en" : "id";

const WORDS = {
  id: {
    title: {
      signer: "Kunci penanda tangan",
      signature: "Tanda tangan entri (Ed25519)",
      leaf: "Hash daun",
      inclusion: "Bukti inklusi (RFC 9162)",
      checkpoint: "Tanda tangan checkpoint",
      witnesses: "Tanda tangan bersama saksi (kuorum)",
    },
    status: { passed: "Lulus", failed: "Gagal", skipped: "Tidak diperiksa" },
    allPassed: "Semua pemeriksaan lulus.",
    failed: (names) => `Verifikasi GAGAL: ${names}.`,
    someSkipped: "Pemeriksaan yang dijalankan lulus; sebagian tidak diperiksa.",
    running: "Memeriksa…",
    passed: {
      signer: (d) => `SHA-256 kunci publik${d.index !== undefined ? ` dari catatan #${d.index}` : ""} sama dengan penanda tangan entri (${d.fingerprint.slice(0, 16)}…).`,
      signature: () => "Tanda tangan Ed25519 sah atas \"integritas/entry/v1\\n\" + JSON kanonik entri (RFC 8785).",
      leaf: (d) => `SHA-256(0x00 ‖ daun) = ${d.hash}${d.shown ? "; entri yang diverifikasi adalah yang ditampilkan halaman ini." : ""}`,
      inclusion: (d) => `${d.count} hash mengantar daun di indeks ${d.index} ke akar checkpoint berukuran ${d.size}.`,
      checkpoint: (d) => `Ditandatangani oleh ${d.key}; ukuran ${d.size}, akar ${d.root}.`,
      witnesses: (d) => `Ditandatangani bersama oleh ${d.cosignedBy}; kuorum ${d.quorum} terpenuhi.`,
    },
    reason: {
      fetch_failed: (d) => `tidak dapat mengambil ${d.url}: ${d.status}`,
      base64: (d) => `${d.what} bukan base64 kanonik`,
      length: (d) => `${d.what} berukuran ${d.got} byte, seharusnya ${d.want}`,
      key_record_mismatch: (d) => `catatan #${d.index} mendaftarkan ${d.stream}, bukan kunci penanda tangan entri ini`,
      key_record_kind: (d) => `catatan #${d.index} berjenis ${d.kind}, bukan pendaftaran kunci`,
      fingerprint_mismatch: (d) => `SHA-256 kunci publik adalah ${d.got}, sedangkan penanda tangan entri ${d.want}`,
      signature_invalid: () => "tanda tangan Ed25519 tidak cocok dengan masukan penandatanganan entri (isi entri berubah atau tanda tangan palsu)",
      float: (d) => `entri memuat bilangan yang bukan bilangan bulat: ${d.value}`,
      leaf_hash_mismatch: (d) => `daun menghasilkan hash ${d.computed}, server menyebut ${d.claimed}`,
      log_mismatch: (d) => `entri ditujukan untuk log ${d.log}, bukan ${d.origin}`,
      page_mismatch: (d) => `halaman ini menampilkan ${d.what === "body" ? "isi entri" : "hash daun"} yang berbeda dari yang diverifikasi`,
      leaf_not_json: (d) => `berkas daun bukan JSON: ${d.message}`,
      leaf_form: () => "daun bukan objek {entry, signature}",
      leaf_not_canonical: () => "berkas daun bukan JSON kanonik (RFC 8785) sebuah pengajuan",
      inclusion_index: (d) => `indeks ${d.index} tidak di bawah ukuran pohon ${d.size}`,
      inclusion_length: (d) => `bukti memuat ${d.got} hash, seharusnya ${d.want}`,
      inclusion_root: (d) => `bukti mengantar ke akar ${d.computed}, sedangkan akar checkpoint ${d.root}`,
      index_mismatch: (d) => `bukti untuk indeks ${d.got}, catatan ini indeks ${d.want}`,
      proof_form: (d) => `bukti bukan C2SP tlog-proof: ${d.problem}`,
      note_form: (d) => `checkpoint bukan signed note: ${d.problem}`,
      checkpoint_form: (d) => `checkpoint tidak sah: ${d.problem}`,
      checkpoint_unknown_key: (d) => `tidak ada tanda tangan oleh ${d.key}; ditandatangani oleh: ${d.signers}`,
      checkpoint_signature_invalid: (d) => `tanda tangan oleh ${d.key} tidak cocok dengan teks checkpoint (checkpoint berubah)`,
      checkpoint_signature_length: (d) => `tanda tangan oleh ${d.key} berukuran ${d.got} byte, seharusnya 64`,
      checkpoint_origin: (d) => `origin checkpoint ${d.origin} bukan nama kunci ${d.name}`,
      no_signer_key: () => "kunci publik penanda tangan tidak diberikan",
      signer_unverified: () => "kunci penanda tangan tidak lolos pemeriksaan",
      leaf_missing: () => "daun tidak tersedia",
      proof_missing: () => "bukti tidak tersedia",
      checkpoint_unverified: () => "checkpoint tidak lolos verifikasi",
      verifier_key_form: () => "kunci verifikasi harus berbentuk <origin>+<8 digit heksadesimal>+<base64>",
      verifier_key_type: (d) => `kunci verifikasi bertipe ${d.type}, seharusnya 01 (Ed25519)`,
      verifier_key_id: (d) => `ID kunci ${d.got} bukan ID kunci ini (${d.want})`,
      no_key: () => "tempel dulu kunci verifikasi log",
      no_files: () => "pilih berkas bukti dan berkas daun",
      no_webcrypto: () => "peramban ini tidak memiliki Web Crypto dengan Ed25519 (perlu HTTPS atau localhost, dan peramban terbaru)",
      cosignature_invalid: (d) => `tanda tangan bersama oleh ${d.witness} tidak sah`,
      witness_quorum_not_met: (d) => `kuorum saksi ${d.quorum_id} tidak terpenuhi; ditandatangani bersama oleh: ${d.signed}`,
      policy_form: (d) => `kebijakan saksi tidak sah: ${d.problem}`,
      trust_form: () => "trust.json tidak sah: perlu objek JSON dengan verifier_key",
      unexpected: (d) => d.message,
    },
    withPolicy: "dengan kebijakan saksi",
  },
  en: {
    title: {
      signer: "Signer's key",
      signature: "Entry signature (Ed25519)",
      leaf: "Leaf hash",
      inclusion: "Inclusion proof (RFC 9162)",
      checkpoint: "Checkpoint signature",
      witnesses: "Witness cosignatures (quorum)",
    },
    status: { passed: "Passed", failed: "Failed", skipped: "Not checked" },
    allPassed: "All checks passed.",
    failed: (names) => `Verification FAILED: ${names}.`,
    someSkipped: "The checks that ran passed; some were not checked.",
    running: "Checking…",
    passed: {
      signer: (d) => `SHA-256 of the public key${d.index !== undefined ? ` from record #${d.index}` : ""} is the entry's signer (${d.fingerprint.slice(0, 16)}…).`,
      signature: () => "A valid Ed25519 signature over \"integritas/entry/v1\\n\" + the entry's canonical JSON (RFC 8785).",
      leaf: (d) => `SHA-256(0x00 ‖ leaf) = ${d.hash}${d.shown ? "; the entry verified is the one this page shows." : ""}`,
      inclusion: (d) => `${d.count} hashes lead from the leaf at index ${d.index} to the root of the checkpoint of size ${d.size}.`,
      checkpoint: (d) => `Signed by ${d.key}; size ${d.size}, root ${d.root}.`,
      witnesses: (d) => `Cosigned by ${d.cosignedBy}; quorum ${d.quorum} met.`,
    },
    reason: {
      fetch_failed: (d) => `could not fetch ${d.url}: ${d.status}`,
      base64: (d) => `${d.what} is not canonical base64`,
      length: (d) => `${d.what} is ${d.got} bytes, want ${d.want}`,
      key_record_mismatch: (d) => `record #${d.index} registers ${d.stream}, not this entry's signer`,
      key_record_kind: (d) => `record #${d.index} is a ${d.kind}, not a key registration`,
      fingerprint_mismatch: (d) => `SHA-256 of the public key is ${d.got}, the entry's signer is ${d.want}`,
      signature_invalid: () => "the Ed25519 signature does not verify over the entry's signing input (the entry was changed, or the signature is forged)",
      float: (d) => `the entry holds a number that is not an integer: ${d.value}`,
      leaf_hash_mismatch: (d) => `the leaf hashes to ${d.computed}, the server says ${d.claimed}`,
      log_mismatch: (d) => `the entry is meant for log ${d.log}, not ${d.origin}`,
      page_mismatch: (d) => `this page shows ${d.what === "body" ? "an entry body" : "a leaf hash"} other than the one verified`,
      leaf_not_json: (d) => `the leaf file is not JSON: ${d.message}`,
      leaf_form: () => "the leaf is not an {entry, signature} object",
      leaf_not_canonical: () => "the leaf file is not the canonical JSON (RFC 8785) of a submission",
      inclusion_index: (d) => `index ${d.index} is not below the tree size ${d.size}`,
      inclusion_length: (d) => `the proof has ${d.got} hashes, want ${d.want}`,
      inclusion_root: (d) => `the proof leads to root ${d.computed}, the checkpoint's root is ${d.root}`,
      index_mismatch: (d) => `the proof is for index ${d.got}, this record is index ${d.want}`,
      proof_form: (d) => `the proof is not a C2SP tlog-proof: ${d.problem}`,
      note_form: (d) => `the checkpoint is not a signed note: ${d.problem}`,
      checkpoint_form: (d) => `the checkpoint is not valid: ${d.problem}`,
      checkpoint_unknown_key: (d) => `no signature by ${d.key}; signed by: ${d.signers}`,
      checkpoint_signature_invalid: (d) => `the signature by ${d.key} does not verify over the checkpoint text (the checkpoint was changed)`,
      checkpoint_signature_length: (d) => `the signature by ${d.key} is ${d.got} bytes, want 64`,
      checkpoint_origin: (d) => `checkpoint origin ${d.origin} is not the key's name ${d.name}`,
      no_signer_key: () => "no signer public key was given",
      signer_unverified: () => "the signer's key did not pass its check",
      leaf_missing: () => "the leaf is not available",
      proof_missing: () => "the proof is not available",
      checkpoint_unverified: () => "the checkpoint did not verify",
      verifier_key_form: () => "a verifier key has the form <origin>+<8 hex digits>+<base64>",
      verifier_key_type: (d) => `the verifier key has type ${d.type}, want 01 (Ed25519)`,
      verifier_key_id: (d) => `key id ${d.got} is not this key's id (${d.want})`,
      no_key: () => "paste the log's verifier key first",
      no_files: () => "choose the proof file and the leaf file",
      no_webcrypto: () => "this browser has no Web Crypto with Ed25519 (it needs HTTPS or localhost, and a recent browser)",
      cosignature_invalid: (d) => `the cosignature by ${d.witness} does not verify`,
      witness_quorum_not_met: (d) => `witness quorum ${d.quorum} not met; cosigned by: ${d.signed}`,
      policy_form: (d) => `the witness policy is not valid: ${d.problem}`,
      trust_form: () => "not a valid trust.json: want a JSON object with verifier_key",
      unexpected: (d) => d.message,
    },
    withPolicy: "with its witness policy",
  },
};

export const words = WORDS[lang];

export function reason(code, details = {}) {
  const say = words.reason[code] || words.reason.unexpected;
  return say({ message: code, ...details });
}

/** The key box: shows the saved key (name and key id) or the form to paste one. */
export function setupKeyBox() {
  const saved = document.getElementById("key-saved");
  const form = document.getElementById("key-form");
  const input = document.getElementById("key-input");
  const error = document.getElementById("key-error");
  let current = null;

  function show(key) {
    current = key;
    saved.hidden = key === null;
    form.hidden = key !== null;
    if (key !== null) {
      document.getElementById("key-name").textContent = key.name + (key.policy ? ` · ${words.withPolicy}` : "");
      document.getElementById("key-id").textContent = hex(key.keyId);
    }
  }

  async function load() {
    const text = localStorage.getItem(STORAGE_KEY);
    if (!text) return show(null);
    try {
      show(await parseTrust(text));
    } catch {
      localStorage.removeItem(STORAGE_KEY);
      show(null);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    try {
      const key = await parseTrust(input.value);
      localStorage.setItem(STORAGE_KEY, key.text);
      input.value = "";
      show(key);
    } catch (failure) {
      error.textContent = failure instanceof VerifyError ? reason(failure.code, failure.details) : String(failure);
      error.hidden = false;
      input.focus();
    }
  });
  document.getElementById("key-change").addEventListener("click", () => {
    localStorage.removeItem(STORAGE_KEY);
    show(null);
    input.focus();
  });
  const ready = load();
  return {
    async current() {
      await ready;
      return current;
    },
    focus() {
      input.focus();
    },
  };
}

/** Show a message in place of results (a missing key, a busy state). */
export function showMessage(container, text, failed = false) {
  container.replaceChildren();
  const p = document.createElement("p");
  p.className = "verdict";
  if (failed) p.dataset.verdict = "failed";
  p.textContent = text;
  container.append(p);
}

/** The outcome: a verdict naming the failed checks, then one line per check with its reason. */
export function showResults(container, results) {
  container.replaceChildren();
  const failed = results.filter((r) => r.status === "failed");
  const verdict = document.createElement("p");
  verdict.className = "verdict";
  verdict.setAttribute("role", "status");
  verdict.dataset.verdict = failed.length ? "failed" : "passed";
  if (failed.length) verdict.textContent = words.failed(failed.map((r) => words.title[r.id]).join(", "));
  else if (results.some((r) => r.status === "skipped")) verdict.textContent = words.someSkipped;
  else verdict.textContent = words.allPassed;
  container.append(verdict, checkList(results, words, reason));
}

/**
 * The list of checks, each with its mark, title, status and reason, in a page's words: shared by
 * the verifier pages and the evidence page (each brings its own `words` and `reason`).
 */
export function checkList(results, pageWords, pageReason) {
  const list = document.createElement("ul");
  list.className = "checks";
  for (const result of results) {
    const item = document.createElement("li");
    item.dataset.check = result.id;
    item.dataset.status = result.status;
    const mark = document.createElement("span");
    mark.className = "mark";
    mark.setAttribute("aria-hidden", "true");
    mark.textContent = { passed: "✓", failed: "✗", skipped: "–" }[result.status];
    const title = document.createElement("strong");
    title.textContent = `${pageWords.title[result.id]}: ${pageWords.status[result.status]}`;
    const why = document.createElement("span");
    why.className = "reason";
    why.textContent =
      result.status === "passed" ? pageWords.passed[result.id](result.details) : pageReason(result.code, result.details);
    item.append(mark, title, why);
    list.append(item);
  }
  return list;
}

/** Run `job` with the button disabled; refuse at once where the browser lacks Ed25519. */
export async function running(button, container, job) {
  button.disabled = true;
  showMessage(container, words.running);
  try {
    if (!(await ed25519Available())) return showMessage(container, reason("no_webcrypto"), true);
    await job();
  } catch (failure) {
    showMessage(container, reason("unexpected", { message: String(failure.message || failure) }), true);
  } finally {
    button.disabled = false;
  }
}
