// The words of the writing pages' scripts, in the page's language: the server renders them into the
// section's data-words attribute from api/web/i18n.py (WRITE_WORDS), so every translation lives there.

export function wordsOf(element) {
  const words = JSON.parse(element.dataset.words || "{}");
  return (key, values = {}) =>
    (words[key] || key).replace(/\{([a-z_]+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
}

export function say(container, text, failed = false) {
  container.replaceChildren();
  const p = document.createElement("p");
  p.className = failed ? "bad" : "ok";
  p.textContent = text;
  container.append(p);
  return p;
}
