// The report pages' "Print" button (no inline script: the pages' CSP allows scripts from this origin only).
for (const button of document.querySelectorAll("[data-print]")) {
  button.addEventListener("click", () => window.print());
}
