// /signin: sign the server's challenge with a key this device holds (docs/design/stage-4.md).

import { encodeBase64 } from "./tlog.js";
import { listKeys, sign, signinMessage } from "./keystore.js";
import { say, wordsOf } from "./write-words.js";

const section = document.getElementById("signin");
const w = wordsOf(section);
const select = document.getElementById("signin-key");
const output = document.getElementById("signin-result");

async function postJson(url, body) {
  return fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
    cache: "no-store",
  });
}

async function problemText(response) {
  try {
    const problem = await response.json();
    return `${problem.code}: ${problem.detail}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

async function fill() {
  const keys = await listKeys();
  for (const key of keys) {
    const option = document.createElement("option");
    option.value = key.fingerprint;
    option.textContent = `${key.label} (${key.fingerprint.slice(0, 16)}…)`;
    select.append(option);
  }
  if (keys.length === 0) say(output, w("no_keys"), true);
}

document.getElementById("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const button = document.getElementById("signin-run");
  button.disabled = true;
  try {
    const fingerprint = select.value;
    const asked = await postJson("/v1/sessions/challenge");
    if (!asked.ok) return say(output, w("signin_failed", { detail: await problemText(asked) }), true);
    const { challenge } = await asked.json();
    const signature = await sign(fingerprint, signinMessage(section.dataset.origin, challenge));
    const answered = await postJson("/v1/sessions", { fingerprint, challenge, signature: encodeBase64(signature) });
    if (!answered.ok) return say(output, w("signin_failed", { detail: await problemText(answered) }), true);
    say(output, w("signed_in"));
    window.location.assign(section.dataset.next || "/write");
  } catch (error) {
    say(output, w("signin_failed", { detail: error.message || error }), true);
  } finally {
    button.disabled = false;
  }
});

fill();
