// The erasure form's own steps (issue 15, rules edition 3; the "personal_data.erased" entry of
// api/web/forms.py, driven by writer.js). Before signing: the person named by pseudonym, or found by
// employee number, through GET /v1/personal-data/{person} with a stated purpose (a read the server
// records; an administrator's key session reads as operator), and who was found is shown beside the
// field. After the receipt: what this ledger still holds of the person, from
// GET /v1/personal-data/erasures/{person} (the server deleted it when it took the entry, as
// `integritas erase` does), said in the page's language.

const PSEUDONYM = /^p-[0-9a-f]{20}$/;
const NUMBER = /^[a-z0-9][a-z0-9-]{0,63}$/;
export const LOOKUP_PURPOSE = "erasure: finding the person to erase";

async function problemOf(response) {
  try {
    const problem = await response.json();
    return `${problem.code}: ${problem.detail}`;
  } catch {
    return `HTTP ${response.status}`;
  }
}

/** The pseudonym `typed` names (a pseudonym or an employee number), after showing who it is; `fail`
 * makes the error shown on the field. */
export async function personOf(typed, w, fail) {
  const out = document.getElementById("f-person-found");
  out.textContent = "";
  if (!typed) return undefined;
  if (!PSEUDONYM.test(typed) && !NUMBER.test(typed)) throw fail(w("invalid_value"));
  const query = new URLSearchParams({ purpose: LOOKUP_PURPOSE });
  const response = await fetch(`/v1/personal-data/${encodeURIComponent(typed)}?${query}`, {
    credentials: "same-origin",
    cache: "no-store",
  });
  if (response.status === 404) throw fail(w("person_unknown"));
  if (!response.ok) throw fail(await problemOf(response));
  const found = await response.json();
  if (found.erased_index !== null) throw fail(w("person_erased_already", { person: found.person, index: found.erased_index }));
  if (found.data === null) out.textContent = w("person_found_no_data", { person: found.person });
  else if (found.data.number) out.textContent = w("person_found", { person: found.person, name: found.data.name, number: found.data.number });
  else out.textContent = w("person_found_no_number", { person: found.person, name: found.data.name });
  return found.person;
}

/** After the erasure's receipt: whether the log holds it and whether anything of the person is left. */
export async function showErasure(person, w) {
  const box = document.createElement("div");
  box.className = "card erasure-result";
  box.id = "erasure-result";
  const line = document.createElement("p");
  try {
    const response = await fetch(`/v1/personal-data/erasures/${person}`, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(await problemOf(response));
    const state = await response.json();
    const done = state.erased_index !== null && !state.data_held && state.exports_holding === 0;
    box.dataset.done = String(done);
    if (done) {
      // What identified the person is gone from the ledger: the page stops showing it too.
      document.getElementById("f-person").value = person;
      document.getElementById("f-person-found").textContent = "";
    }
    line.className = done ? "ok" : "bad";
    line.textContent = done
      ? w("erasure_done", { person, index: state.erased_index, exports: state.exports_registered })
      : w("erasure_unfinished", { person, index: state.erased_index, exports: state.exports_holding });
  } catch (failure) {
    box.dataset.done = "false";
    line.className = "bad";
    line.textContent = w("erasure_check_failed", { detail: failure.message || failure });
  }
  box.append(line);
  document.getElementById("receipts").append(box);
}
