// The record page's verify button: fetch the record, its signer's key registration and its
// tlog-proof, and check them here against the verifier key the auditor saved (verifier-ui.js).

import { VerifyError, leafBytes, publicKeyFromRegistration, verifyRecord } from "./tlog.js";
import { reason, running, setupKeyBox, showMessage, showResults } from "./verifier-ui.js";

const section = document.getElementById("verifier");
const button = document.getElementById("verify-run");
const output = document.getElementById("verify-result");
const keys = setupKeyBox();

async function fetched(url, as) {
  let response;
  try {
    response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
  } catch (failure) {
    return { error: new VerifyError("fetch_failed", { url, status: String(failure.message || failure) }) };
  }
  if (!response.ok) return { error: new VerifyError("fetch_failed", { url, status: `HTTP ${response.status}` }) };
  try {
    return { value: as === "json" ? await response.json() : await response.text() };
  } catch (failure) {
    return { error: new VerifyError("fetch_failed", { url, status: String(failure.message || failure) }) };
  }
}

button.addEventListener("click", () =>
  running(button, output, async () => {
    const verifier = await keys.current();
    if (verifier === null) {
      showMessage(output, reason("no_key"), true);
      keys.focus();
      return;
    }
    const { entryUrl, proofUrl, keyEntryUrl, index } = section.dataset;
    const [record, proof, registration] = await Promise.all([
      fetched(entryUrl, "json"),
      // Held to a witness policy, the record is proven against the cosigned checkpoint.
      fetched(verifier.policy ? `${proofUrl}?cosigned=true` : proofUrl, "text"),
      keyEntryUrl ? fetched(keyEntryUrl, "json") : Promise.resolve({ error: new VerifyError("no_signer_key") }),
    ]);
    let leaf;
    if (record.error) leaf = { error: record.error };
    else {
      const { entry, signature, leaf_hash: claimedHash } = record.value;
      try {
        leaf = { entry, signature, claimedHash, bytes: leafBytes(entry, signature) };
      } catch (failure) {
        leaf = { error: failure };
      }
    }
    let signerKey;
    if (registration.error) signerKey = { error: registration.error };
    else if (leaf.error) signerKey = null;
    else {
      try {
        signerKey = {
          publicKey: publicKeyFromRegistration(registration.value, leaf.entry.signer),
          index: registration.value.index,
        };
      } catch (failure) {
        signerKey = { error: failure };
      }
    }
    const results = await verifyRecord({
      verifier,
      leaf,
      signerKey,
      proofText: proof.error ? { error: proof.error } : proof.value,
      index: BigInt(index),
      shown: {
        leafHash: document.getElementById("leaf-hash").textContent.trim(),
        body: document.getElementById("entry-body").textContent,
      },
    });
    showResults(output, results);
  }),
);
