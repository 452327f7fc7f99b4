// The one script of every /write/{kind} form (issue 13, item 2), driven by the form's catalogue entry
// (api/web/forms.py, in data-catalogue): read the fields into the entry's body, fetch the stream's head
// to chain to, show exactly what will be signed (the signing input: "integritas/entry/v1\n" and the
// entry's RFC 8785 canonical JSON), sign those very bytes with this device's key, send the submission
// to POST /v1/entries, and verify the receipt here: the leaf hash of what was signed, the checkpoint's
// signature by the log's verifier key, and the inclusion proof up to that checkpoint's root (RFC 9162
// §2.1.3.2). A refusal is shown on the field it concerns, in the page's language (ledger/rules/messages.py).
//
// Rules edition 3 (issue 15; docs/contract/personal-data.md): a form whose catalogue names a `person`
// (pacts, key registrations) puts `{"person", "commitment"}` in the body instead of the name and number.
// A person the store holds is found by number (POST /v1/personal-data/lookup: the pseudonym and the
// logged commitment, never the salt); a new one gets a pseudonym, salt and commitment made here
// (static/persons.js), and the disclosure opening it goes beside the entry to
// POST /v1/personal-data/disclosures. An employee's own pact names the key's holder as logged.

import {
  ENTRY_CONTEXT,
  canonicalize,
  decodeBase64,
  encodeBase64,
  hashLeaf,
  hex,
  leafBytes,
  parseVerifierKey,
  rootFromInclusionProof,
  rootFromLeafHashes,
  sha256,
  verifyCheckpoint,
} from "./tlog.js";
import { sign } from "./keystore.js";
import { newPerson, personalData } from "./persons.js";
import { personOf, showErasure } from "./erasure.js";
import { say, wordsOf } from "./write-words.js";

const section = document.getElementById("writer");
const w = wordsOf(section);
const catalogue = JSON.parse(section.dataset.catalogue);
const messages = JSON.parse(section.dataset.messages);
const signer = section.dataset.signer;
const committed = catalogue.person; // edition 3: {member, name, number} of the person named by commitment
const ownPerson = section.dataset.ownPerson
  ? { person: section.dataset.ownPerson, commitment: section.dataset.ownCommitment }
  : null;
const encoder = new TextEncoder();
const ID = /^[a-z0-9][a-z0-9-]{0,63}$/;
const fileDigests = new Map(); // field name -> [base64 SHA-256 of each chosen file]
let prepared = []; // [{entry, text, disclosures, about}]: what the preview shows, signed as shown

class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

const elementId = (name) => `f-${name.replaceAll(".", "-")}`;
const errorElement = (name) => document.getElementById(`err-${name.replaceAll(".", "-")}`);

function clearErrors() {
  for (const element of section.querySelectorAll(".field-error")) {
    element.hidden = true;
    element.textContent = "";
  }
  document.getElementById("form-error").hidden = true;
}

function showError(field, text) {
  const element = (field && errorElement(field)) || document.getElementById("form-error");
  element.textContent = text;
  element.hidden = false;
  element.closest("[data-field]")?.querySelector("input, select, textarea")?.focus();
}

async function base64Sha256(bytes) {
  return encodeBase64(await sha256(bytes));
}

// --- reading the fields ---------------------------------------------------------------------------

function text(value) {
  return value.trim().normalize("NFC");
}

async function valueOf(field) {
  const element = document.getElementById(elementId(field.name));
  const raw = element && "value" in element ? element.value : "";
  const bad = () => new FieldError(field.name, w("invalid_value"));
  let value;
  switch (field.input) {
    case "text":
    case "textarea":
      value = text(raw) || undefined;
      break;
    case "id":
      value = text(raw) || undefined;
      if (value !== undefined && !ID.test(value)) throw bad();
      break;
    case "choice":
      value = raw || undefined;
      break;
    case "person": // the erasure form: a pseudonym, or an employee number looked up (erasure.js)
      value = await personOf(text(raw), w, (message) => new FieldError(field.name, message));
      break;
    case "date":
      value = raw || undefined;
      if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw bad();
      break;
    case "count":
    case "year": {
      const digits = text(raw);
      if (!digits) break;
      if (!/^[1-9][0-9]{0,15}$/.test(digits) || !Number.isSafeInteger(Number(digits))) throw bad();
      value = Number(digits);
      break;
    }
    case "digest":
    case "leaf_hash":
    case "public_key":
    case "signature": {
      const pasted = text(raw);
      if (!pasted) break;
      try {
        decodeBase64(pasted, field.input === "signature" ? 64 : 32, field.name);
      } catch {
        throw bad();
      }
      value = pasted;
      break;
    }
    case "scope": {
      const listed = text(raw);
      if (!listed) break;
      if (listed === "*") {
        value = ["*"];
        break;
      }
      value = listed.split(",").map((s) => s.trim()).filter(Boolean);
      if (value.some((unit) => !ID.test(unit))) throw bad();
      break;
    }
    case "lines": {
      const lines = raw.split("\n").map(text).filter(Boolean);
      value = lines.length ? lines : undefined;
      if (value === undefined && !field.required) value = [];
      break;
    }
    case "remediation": {
      const rows = raw.split("\n").map(text).filter(Boolean);
      value = rows.map((row) => {
        const [id, area, ...rest] = row.split("|").map((part) => part.trim());
        if (!ID.test(id || "") || !area || !rest.join("|").trim()) throw bad();
        return { id, area, text: rest.join("|").trim() };
      });
      break;
    }
    case "text_digest":
      value = await base64Sha256(encoder.encode(raw));
      break;
    case "file_digest":
      value = (fileDigests.get(field.name) || [])[0];
      break;
    case "files_digests":
      value = fileDigests.get(field.name);
      if (value === undefined && !field.required) value = [];
      break;
    case "evidence": {
      const digests = fileDigests.get(field.name);
      if (digests && digests.length) {
        const root = await rootFromLeafHashes(await Promise.all(digests.map((d) => hashLeaf(decodeBase64(d, 32)))));
        value = { documents: { root: encodeBase64(root), count: digests.length } };
      }
      break;
    }
    case "scores": {
      const scores = {};
      for (const input of element.querySelectorAll("input[data-area]")) {
        const score = text(input.value);
        if (!score) continue;
        if (!/^(0|[1-9][0-9]{0,2})\.[0-9]{2}$/.test(score)) throw bad();
        scores[input.dataset.area] = score;
      }
      value = Object.keys(scores).length ? scores : undefined;
      break;
    }
    default:
      throw new Error(`unknown input ${field.input}`);
  }
  if (value === undefined && field.always) value = "";
  if (value === undefined && field.required) throw new FieldError(field.name, w("required"));
  return value;
}

function setPath(body, path, value) {
  const parts = path.split(".");
  let object = body;
  for (const part of parts.slice(0, -1)) object = object[part] ??= {};
  object[parts[parts.length - 1]] = value;
}

async function streamOf(values) {
  let stream = catalogue.stream;
  for (const [whole, inner] of catalogue.stream.matchAll(/\{([^}]+)\}/g)) {
    let part;
    if (inner.startsWith("fingerprint:")) {
      const key = values[inner.slice("fingerprint:".length)];
      part = hex(await sha256(decodeBase64(key, 32, "public key")));
    } else part = values[inner];
    stream = stream.replace(whole, String(part));
  }
  return stream;
}

async function headOf(stream) {
  const response = await fetch(`/v1/heads/${stream}`, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(await problemText(response));
  const { head } = await response.json();
  return head;
}

function nowRfc3339() {
  return `${new Date().toISOString().slice(0, 19)}Z`;
}

async function rosterRows() {
  const input = document.getElementById("f-roster");
  if (!input || !input.files.length) return null;
  const lines = (await input.files[0].text()).split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
  const header = (lines.shift() || "").split(",").map((cell) => cell.trim().toLowerCase());
  const number = header.indexOf("number");
  const name = header.indexOf("name");
  if (number < 0 || name < 0) throw new FieldError("roster", w("roster_header"));
  return lines.map((line, n) => {
    const cells = line.split(",").map((cell) => cell.trim().replace(/^"(.*)"$/, "$1"));
    if (!ID.test(cells[number] || "") || !text(cells[name] || "")) throw new FieldError("roster", w("roster_row", { row: n + 2 }));
    return { "employee.number": cells[number], "employee.name": text(cells[name]) };
  });
}

/** Rules edition 3: the person an entry names, {person, commitment}, with the disclosure to send
 * (null for a person the store already holds) and what the preview says of it. */
async function committedPerson(values, known, fromRoster) {
  if (ownPerson) return { ...ownPerson, disclosure: null, about: { ...ownPerson, own: true } };
  const name = values[committed.name];
  const number = values[committed.number];
  const data = personalData(name, number);
  if (number !== undefined) {
    if (known.has(number)) throw new FieldError(fromRoster ? "roster" : committed.number, w("person_twice", { number }));
    const found = await lookUp(values, name, number);
    if (found !== null) {
      known.set(number, found.person);
      return { ...found, disclosure: null, about: { ...found, data, held: true } };
    }
  }
  const made = await newPerson(data);
  if (number !== undefined) known.set(number, made.person);
  return { ...made, about: { person: made.person, commitment: made.commitment, data, held: false } };
}

/** The pseudonym and logged commitment of the employee the store holds under this name and number,
 * or null when it holds none (a new employee); a number held under another name is refused. */
async function lookUp(values, name, number) {
  const request = { kind: catalogue.kind, name, number };
  if (values.unit !== undefined) request.unit = values.unit;
  const response = await fetch("/v1/personal-data/lookup", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: canonicalize(request),
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.ok) return response.json();
  const problem = await response.json().catch(() => ({ code: `HTTP ${response.status}`, detail: "" }));
  if (problem.code === "unknown_person") return null;
  const detail = problem.code === "employee_name_differs" ? w("person_name_differs", { number }) : problem.detail;
  throw new FieldError(committed.name, `${problem.code}: ${detail}`);
}

/** The entries the form makes now: one, or one per roster row. */
async function entriesOfForm() {
  const rows = (await rosterRows()) || [null];
  const entries = [];
  const known = new Map(); // number -> pseudonym: one person, one pseudonym, also within a batch
  for (const row of rows) {
    const values = {};
    const body = {};
    for (const field of catalogue.fields) {
      if (ownPerson && committed && [committed.name, committed.number].includes(field.name)) continue;
      const value = row && field.name in row ? row[field.name] : await valueOf(field);
      if (value === undefined) continue;
      values[field.name] = value;
      // The person's name and number are committed to, never signed in clear.
      if (field.body && !(committed && [committed.name, committed.number].includes(field.name))) {
        setPath(body, field.name, value);
      }
    }
    let person = null;
    if (committed) {
      person = await committedPerson(values, known, row !== null);
      setPath(body, `${committed.member}.person`, person.person);
      setPath(body, `${committed.member}.commitment`, person.commitment);
      values[`${committed.member}.person`] = person.person;
    }
    const stream = await streamOf(values);
    const head = await headOf(stream);
    const entry = {
      v: 1,
      log: section.dataset.origin,
      kind: catalogue.kind,
      stream,
      seq: head === null ? 0 : head.seq + 1,
      prev: head === null ? null : head.leaf_hash,
      at: nowRfc3339(),
      signer,
      body,
    };
    entries.push({
      entry,
      disclosures: person && person.disclosure ? [person.disclosure] : [],
      about: person && person.about,
    });
  }
  return entries;
}

// --- preview, signing, sending ----------------------------------------------------------------------

function showPreview() {
  const box = document.getElementById("signing-inputs");
  box.replaceChildren();
  for (const item of prepared) {
    const pre = document.createElement("pre");
    pre.className = "signing-input";
    pre.textContent = item.text;
    box.append(pre);
  }
  const persons = document.getElementById("persons-sent");
  persons?.replaceChildren(...prepared.filter((item) => item.about).map((item) => personLine(item.about)));
  document.getElementById("preview").hidden = false;
}

/** What the preview says of the person an entry names: who the pseudonym is, and what goes where. */
function personLine(about) {
  const line = document.createElement("p");
  line.className = "person-sent muted";
  line.dataset.person = about.person;
  line.dataset.held = String(Boolean(about.held || about.own));
  const who = about.own ? "" : about.data.number ? `${about.data.name}, ${about.data.number}` : about.data.name;
  line.textContent = about.own
    ? w("person_own", { person: about.person })
    : about.held
      ? w("person_held", { person: about.person, who })
      : w("person_new", { person: about.person, who });
  return line;
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return `${problem.code}: ${problem.detail}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

function rendered(template, params) {
  // The catalogue's templates are Python format strings: {name} or {name:spec}; a list joins with ", ".
  return template.replace(/\{([a-z_]+)(?::[^}]*)?\}/g, (whole, name) => {
    if (!(name in params)) return whole;
    const value = params[name];
    return Array.isArray(value) ? value.join(", ") : String(value);
  });
}

function showProblem(problem) {
  if (problem.code === "stale_head") {
    document.getElementById("preview").hidden = true;
    return showError(null, w("stale"));
  }
  if (problem.reason && messages[problem.reason]) {
    const field = catalogue.problems[problem.reason] || null;
    return showError(field, w("refused", { message: rendered(messages[problem.reason], problem.params || {}) }));
  }
  const personField = committed && committed.codes.includes(problem.code) ? committed.name : null;
  return showError(catalogue.problems[problem.code] || personField, `${problem.code}: ${problem.detail}`);
}

async function verifyReceipt(entry, signature, receipt) {
  const verifier = await parseVerifierKey(section.dataset.verifierKey);
  const leafHash = await hashLeaf(leafBytes(entry, signature));
  if (encodeBase64(leafHash) !== receipt.leaf_hash) throw new Error(w("receipt_leaf_mismatch"));
  const checkpoint = await verifyCheckpoint(receipt.checkpoint, verifier);
  if (checkpoint.size !== BigInt(receipt.tree_size)) throw new Error(w("receipt_size_mismatch"));
  const proof = receipt.inclusion_proof.map((node) => decodeBase64(node, 32, "proof hash"));
  const root = await rootFromInclusionProof(leafHash, BigInt(receipt.index), checkpoint.size, proof);
  if (encodeBase64(root) !== encodeBase64(checkpoint.root)) throw new Error(w("receipt_root_mismatch"));
  return { index: receipt.index, size: String(checkpoint.size), root: encodeBase64(checkpoint.root) };
}

function showReceipt(receipt, outcome, failure = null) {
  const box = document.createElement("div");
  box.className = "receipt card";
  box.dataset.index = String(receipt.index);
  box.dataset.verified = failure === null ? "true" : "false";
  const line = document.createElement("p");
  line.className = failure === null ? "ok" : "bad";
  line.textContent =
    failure === null
      ? w("receipt_ok", { index: outcome.index, size: outcome.size, root: outcome.root })
      : w("receipt_bad", { detail: failure.message || failure.code || failure });
  const link = document.createElement("a");
  link.href = `/records/${receipt.index}`;
  link.textContent = w("record_link", { index: receipt.index });
  box.append(line, link);
  document.getElementById("receipts").append(box);
}

async function signAndSend() {
  clearErrors();
  for (const item of prepared) {
    // The bytes signed are the text the page shows, encoded: nothing is recomputed in between.
    const signature = encodeBase64(await sign(signer, encoder.encode(item.text)));
    const submission = { entry: item.entry, signature };
    // Edition 3: the data opening the entry's commitment travels beside the entry, never inside it.
    const [url, body] = committed
      ? ["/v1/personal-data/disclosures", { submission, disclosures: item.disclosures }]
      : ["/v1/entries", submission];
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: canonicalize(body),
      credentials: "same-origin",
    });
    let answer;
    try {
      answer = await response.json();
    } catch {
      return showError(null, w("failed", { detail: `HTTP ${response.status}` }));
    }
    if (!response.ok) return showProblem(answer);
    try {
      showReceipt(answer, await verifyReceipt(item.entry, signature, answer));
    } catch (failure) {
      showReceipt(answer, null, failure);
    }
    if (catalogue.kind === "personal_data.erased") await showErasure(item.entry.stream.slice("person/".length), w);
  }
  prepared = [];
  document.getElementById("preview").hidden = true;
}

// --- wiring -----------------------------------------------------------------------------------------

for (const field of catalogue.fields) {
  const element = document.getElementById(elementId(field.name));
  if (!element) continue;
  if (["file_digest", "files_digests", "evidence"].includes(field.input)) {
    element.addEventListener("change", async () => {
      // Hashed here, never uploaded: only the digests enter the entry.
      const digests = await Promise.all([...element.files].map(async (file) => base64Sha256(new Uint8Array(await file.arrayBuffer()))));
      fileDigests.set(field.name, digests);
      document.getElementById(`${elementId(field.name)}-digest`).textContent = digests.join(" ");
      if (field.input === "evidence") {
        // The assessors' manifest (docs/contract/files.md, evidence manifests), as `integritas evidence root` writes it.
        const manifest = JSON.stringify({ documents: digests });
        document.getElementById(`${elementId(field.name)}-manifest`).href = URL.createObjectURL(new Blob([manifest], { type: "application/json" }));
        document.getElementById(`${elementId(field.name)}-manifest-line`).hidden = digests.length === 0;
      }
    });
  }
  if (field.input === "text_digest") {
    const show = async () => {
      document.getElementById(`${elementId(field.name)}-digest`).textContent = await base64Sha256(encoder.encode(element.value));
    };
    element.addEventListener("input", show);
    const unitName = document.getElementById(elementId("unit_name"));
    unitName?.addEventListener("input", () => {
      element.value = element.dataset.template.replaceAll("{unit}", text(unitName.value));
      show();
    });
    show();
  }
  if (field.input === "public_key") {
    element.addEventListener("input", async () => {
      const out = document.getElementById(`${elementId(field.name)}-fingerprint`);
      try {
        const fingerprint = hex(await sha256(decodeBase64(text(element.value), 32, "public key")));
        out.textContent = w("fingerprint_computed", { fingerprint });
      } catch {
        out.textContent = "";
      }
    });
  }
}

document.getElementById("entry-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  if (!signer) return showError(null, w("not_signed_in"));
  try {
    const entries = await entriesOfForm();
    prepared = entries.map((item) => ({ ...item, text: ENTRY_CONTEXT + canonicalize(item.entry) }));
    showPreview();
  } catch (failure) {
    if (failure instanceof FieldError) return showError(failure.field, failure.message);
    return showError(null, w("failed", { detail: failure.message || failure }));
  }
});

document.getElementById("sign-send").addEventListener("click", async (event) => {
  const button = event.currentTarget;
  button.disabled = true;
  try {
    await signAndSend();
  } catch (failure) {
    showError(null, w("failed", { detail: failure.message || failure }));
  } finally {
    button.disabled = false;
  }
});
