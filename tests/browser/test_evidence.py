"""The evidence page: a document listed in the assessors' manifest passes against the record's logged
evidence, hashed in the browser; a tampered document, an altered manifest, a record without evidence
fail, naming the check; nothing is uploaded (the page's only request is the record's entry).

The ledger is tests/evidence_ledger.py's, served by a real `integritas serve` of its own. Until
ledger.entry.BODIES names `evidence` (rules edition 2), that server runs with the member allowed in
its own process (`allow_evidence`); afterwards the allowance changes nothing.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledger.evidence import Manifest, digest_of, format_manifest, parse_manifest
from tests.browser.conftest import (
    PYTHON,
    ROOT,
    START_TIMEOUT,
    Console,
    _environment,
    _free_port,
    run_cli,
    screenshot,
)
from tests.evidence_ledger import EvidenceLedger, allow_evidence, build_evidence_ledger

SERVE_WITH_EVIDENCE = (
    "import sys; from tests.evidence_ledger import allow_evidence; allow_evidence(); "
    "from cli.main import main; sys.exit(main(sys.argv[1:]))"
)


@dataclass(frozen=True)
class Served:
    url: str
    token: str
    ledger: EvidenceLedger


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Served]:
    base = tmp_path_factory.mktemp("evidence")
    with pytest.MonkeyPatch.context() as patch:
        allow_evidence(patch.setitem)
        ledger = build_evidence_ledger(base)
    token = run_cli("tokens", "add", "--ledger", str(ledger.directory), "Evidence auditor", "--role", "auditor")
    port = _free_port()
    log_path = base / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [PYTHON, "-c", SERVE_WITH_EVIDENCE, "serve", "--ledger", str(ledger.directory), "--port", str(port)],
            cwd=ROOT,
            env=_environment(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                if httpx.get(url + "/v1/log", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"the server did not start:\n{log_path.read_text(errors='replace')[-4000:]}")
            time.sleep(0.1)
        yield Served(url=url, token=token.strip().splitlines()[-1], ledger=ledger)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture
def page(browser: Any, served: Served, console: Console) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.add_cookies(
        [{"name": "integritas_token", "value": served.token, "url": served.url, "httpOnly": True, "sameSite": "Strict"}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    console.attach(page)
    try:
        yield page
    finally:
        context.close()


def run_check(
    page: Any, manifest: Path, document: Path, *, workbook: Path | None = None, item: str = ""
) -> dict[str, str]:
    page.set_input_files("#manifest-file", str(manifest))
    page.set_input_files("#document-file", str(document))
    if workbook is not None:
        page.set_input_files("#workbook-file", str(workbook))
    page.fill("#item", item)
    page.click("#evidence-run")
    page.wait_for_selector("#evidence-result .verdict[data-verdict]")
    items = page.locator("#evidence-result li[data-check]")
    return {
        items.nth(i).get_attribute("data-check"): items.nth(i).get_attribute("data-status")
        for i in range(items.count())
    }


def reason(page: Any, check: str) -> str:
    return str(page.locator(f'#evidence-result li[data-check="{check}"] .reason').inner_text())


def verdict(page: Any) -> str:
    return str(page.locator("#evidence-result .verdict").get_attribute("data-verdict"))


def test_a_listed_document_passes_and_nothing_is_uploaded(page: Any, served: Served, console: Console) -> None:
    ledger = served.ledger
    # The record page of an assessment with evidence links to the check.
    page.goto(f"{served.url}/records/{ledger.assessment}")
    page.click("#evidence-link")
    page.wait_for_url(f"{served.url}/evidence?record={ledger.assessment}")
    assert page.input_value("#record-index") == str(ledger.assessment)
    assert page.locator("h1").inner_text() == "Periksa dokumen terhadap bukti dukung penilaian"
    requests: list[tuple[str, str, bytes | None]] = []
    page.on("request", lambda r: requests.append((r.method, r.url, r.post_data_buffer)))
    results = run_check(page, ledger.manifest, ledger.documents[2], workbook=ledger.workbook)
    assert results == {"record": "passed", "manifest": "passed", "document": "passed", "workbook": "passed"}
    assert verdict(page) == "passed"
    assert "ada di indeks 2 dari 5 dokumen manifes" in reason(page, "document")
    screenshot(page, "evidence-passed-id")
    # The files stayed here: every request is the record's entry, a GET without a body (Chromium may
    # send it twice when a kept-alive connection was closed under it).
    assert set(requests) == {("GET", f"{served.url}/records/{ledger.assessment}/entry", None)}
    assert console.errors == []


def test_a_tampered_document_fails(page: Any, served: Served, tmp_path: Path) -> None:
    ledger = served.ledger
    tampered = tmp_path / ledger.documents[2].name
    tampered.write_bytes(ledger.documents[2].read_bytes().replace(b"notulen", b"Notulen"))
    page.goto(f"{served.url}/evidence?record={ledger.assessment}&lang=en")
    results = run_check(page, ledger.manifest, tampered, workbook=ledger.documents[0])
    assert results == {"record": "passed", "manifest": "passed", "document": "failed", "workbook": "failed"}
    assert verdict(page) == "failed"
    assert "is not in the manifest: the file changed, or was never recorded" in reason(page, "document")
    assert reason(page, "workbook").startswith("the file's SHA-256 is")
    screenshot(page, "evidence-tampered-en")


def test_an_altered_manifest_fails(page: Any, served: Served, tmp_path: Path) -> None:
    ledger = served.ledger
    # The tampered document written into the manifest: it is listed, but the root is not the logged one.
    tampered = tmp_path / "tampered.txt"
    tampered.write_bytes(b"a document made after the assessment")
    documents = list(parse_manifest(ledger.manifest.read_bytes()).documents)
    documents[2] = digest_of(tampered.read_bytes())
    altered = tmp_path / "manifest.json"
    altered.write_bytes(format_manifest(Manifest(tuple(documents))))
    page.goto(f"{served.url}/evidence?record={ledger.assessment}")
    results = run_check(page, altered, tampered)
    assert results == {"record": "passed", "manifest": "failed", "document": "skipped", "workbook": "skipped"}
    assert "manifes berubah" in reason(page, "manifest")


def test_per_item_and_the_wrong_item(page: Any, served: Served) -> None:
    ledger = served.ledger
    page.goto(f"{served.url}/evidence?record={ledger.assessment}&lang=en")
    assert run_check(page, ledger.item_manifest, ledger.item_documents[0], item="ipak")["document"] == "passed"
    assert run_check(page, ledger.item_manifest, ledger.item_documents[0], item="tlhp")["record"] == "failed"
    assert "has no item tlhp (items: ipak)" in reason(page, "record")
    # The item's manifest checked against all documents: another root and count.
    assert run_check(page, ledger.item_manifest, ledger.item_documents[0])["manifest"] == "failed"


def test_the_wrong_record_fails(page: Any, served: Served) -> None:
    ledger = served.ledger
    cases = {
        ledger.other_assessment: ("manifest", "the manifest's root is"),
        ledger.plain_assessment: ("record", f"record #{ledger.plain_assessment} carries no evidence"),
        ledger.stage_entry: ("record", "is a stage.advanced, which carries no evidence"),
    }
    for index, (check, words) in cases.items():
        page.goto(f"{served.url}/evidence?record={index}&lang=en")
        assert run_check(page, ledger.manifest, ledger.documents[0])[check] == "failed"
        assert words in reason(page, check)
    # A record without evidence offers no link to the check.
    page.goto(f"{served.url}/records/{ledger.plain_assessment}")
    assert page.locator("#evidence-link").count() == 0


def test_the_page_needs_a_read_token(served: Served) -> None:
    assert httpx.get(f"{served.url}/evidence", timeout=10).status_code == 401
    cookies = {"integritas_token": served.token}
    assert httpx.get(f"{served.url}/evidence?record=x", cookies=cookies, timeout=10).status_code == 400


BROWSER_TREE = """async (documents) => {
  const t = await import("/static/tlog.js");
  const leaves = await Promise.all(documents.map((d) => t.hashLeaf(t.decodeBase64(d, 32, "digest"))));
  const proofs = [];
  for (let i = 0; i < leaves.length; i++) proofs.push((await t.inclusionProof(leaves, i)).map(t.encodeBase64));
  return { root: t.encodeBase64(await t.rootFromLeafHashes(leaves)), proofs };
}"""


def test_the_browsers_root_and_proofs_equal_the_ledgers(page: Any, served: Served) -> None:
    """tlog.js's RFC 6962 root and inclusion proofs, which the page uses, equal ledger.crypto.merkle's
    (itself held to Go's golang.org/x/mod/sumdb/tlog in tests/test_evidence.py)."""
    import base64

    from ledger.evidence import prove_document

    page.goto(f"{served.url}/evidence")
    for count in (1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17):
        manifest = Manifest(tuple(digest_of(f"{count}/{i}".encode()) for i in range(count)))
        texts = [base64.b64encode(d).decode() for d in manifest.documents]
        got = page.evaluate(BROWSER_TREE, texts)
        assert got["root"] == base64.b64encode(manifest.root()).decode(), count
        want = [[base64.b64encode(h).decode() for h in prove_document(manifest, d).proof] for d in manifest.documents]
        assert got["proofs"] == want, count
    # The twin: one changed digest, another root.
    changed = page.evaluate(BROWSER_TREE, [*texts[:-1], base64.b64encode(digest_of(b"changed")).decode()])
    assert changed["root"] != got["root"]
