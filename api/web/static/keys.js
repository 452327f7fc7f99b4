// /keys/new and /keys/device: make a key on this device (with an optional passphrase backup), list
// the keys this browser holds with what the log says of each, and delete one.

import { deleteKey, listKeys, makeKey } from "./keystore.js";
import { say, wordsOf } from "./write-words.js";

const MIN_PASSPHRASE = 12;

async function keyStatus(fingerprint) {
  const response = await fetch(`/v1/key-status/${fingerprint}`, { cache: "no-store" });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  return response.json();
}

function setupNewKey(section) {
  const w = wordsOf(section);
  const form = document.getElementById("new-key-form");
  const wanted = document.getElementById("backup-wanted");
  const fields = document.getElementById("backup-fields");
  const output = document.getElementById("new-key-result");
  wanted.addEventListener("change", () => {
    fields.hidden = !wanted.checked;
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = document.getElementById("make-key");
    let passphrase = null;
    if (wanted.checked) {
      passphrase = document.getElementById("backup-passphrase").value;
      if (passphrase.length < MIN_PASSPHRASE) return say(output, w("passphrase_short"), true);
      if (passphrase !== document.getElementById("backup-passphrase-again").value) {
        return say(output, w("passphrase_mismatch"), true);
      }
    }
    button.disabled = true;
    try {
      const label = document.getElementById("key-label").value.trim().normalize("NFC");
      const { record, backup } = await makeKey({ label, origin: section.dataset.origin, passphrase });
      say(output, w("key_made"));
      document.getElementById("new-fingerprint").textContent = record.fingerprint;
      document.getElementById("new-fingerprint-qr").src = `/keys/qr/${record.fingerprint}.svg`;
      document.getElementById("new-public-key").value = record.publicKey;
      if (backup !== null) {
        const link = document.getElementById("backup-link");
        link.href = URL.createObjectURL(new Blob([backup], { type: "application/x-pem-file" }));
        link.download = `integritas-key-${record.fingerprint.slice(0, 16)}.pem`;
        document.getElementById("backup-link-line").hidden = false;
      }
      document.getElementById("new-key-made").hidden = false;
      form.hidden = true;
    } catch (error) {
      say(output, error.name === "NotSupportedError" ? w("no_webcrypto") : w("failed", { detail: error.message || error }), true);
    } finally {
      button.disabled = false;
    }
  });
}

async function showDeviceKeys(section) {
  const w = wordsOf(section);
  const body = document.getElementById("device-keys");
  const output = document.getElementById("device-result");
  const keys = await listKeys();
  body.replaceChildren();
  document.getElementById("no-device-keys").hidden = keys.length > 0;
  for (const key of keys) {
    const row = body.insertRow();
    row.dataset.fingerprint = key.fingerprint;
    row.insertCell().textContent = key.label;
    const code = document.createElement("code");
    code.className = "hash";
    code.textContent = key.fingerprint;
    row.insertCell().append(code);
    const status = row.insertCell();
    status.className = "key-status";
    const actions = row.insertCell();
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "secondary delete-key";
    remove.textContent = w("delete");
    remove.addEventListener("click", async () => {
      if (!window.confirm(w("delete_confirm"))) return;
      await deleteKey(key.fingerprint);
      say(output, w("deleted"));
      await showDeviceKeys(section);
    });
    actions.append(remove);
    try {
      const answer = await keyStatus(key.fingerprint);
      status.dataset.status = answer.status;
      status.textContent = w(`status_${answer.status}`, { role: answer.role || "" });
      if (answer.status === "revoked") status.className = "key-status bad";
    } catch (error) {
      status.textContent = w("failed", { detail: error.message || error });
    }
  }
}

const newSection = document.getElementById("keys-new");
if (newSection) setupNewKey(newSection);
const deviceSection = document.getElementById("keys-device");
if (deviceSection) showDeviceKeys(deviceSection);
