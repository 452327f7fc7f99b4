// The bundle page: verify a .tlog-proof and its leaf, both read from disk (never uploaded),
// against the verifier key the auditor saved; the entry's signature too if the signer's key is given.

import { decodeBase64, parseLeaf, verifyRecord } from "./tlog.js";
import { reason, running, setupKeyBox, showMessage, showResults } from "./verifier-ui.js";

const form = document.getElementById("bundle-form");
const button = document.getElementById("verify-run");
const output = document.getElementById("verify-result");
const keys = setupKeyBox();

form.addEventListener("submit", (event) => {
  event.preventDefault();
  running(button, output, async () => {
    const verifier = await keys.current();
    if (verifier === null) {
      showMessage(output, reason("no_key"), true);
      keys.focus();
      return;
    }
    const proofFile = document.getElementById("proof-file").files[0];
    const leafFile = document.getElementById("leaf-file").files[0];
    if (!proofFile || !leafFile) return showMessage(output, reason("no_files"), true);
    let leaf;
    try {
      leaf = parseLeaf(new Uint8Array(await leafFile.arrayBuffer()));
    } catch (failure) {
      leaf = { error: failure };
    }
    const keyText = document.getElementById("signer-key").value.trim();
    let signerKey = null;
    if (keyText) {
      try {
        signerKey = { publicKey: decodeBase64(keyText, 32, "public key") };
      } catch (failure) {
        signerKey = { error: failure };
      }
    }
    const results = await verifyRecord({
      verifier,
      leaf,
      signerKey,
      proofText: await proofFile.text(),
      index: null,
    });
    showResults(output, results);
  });
});
