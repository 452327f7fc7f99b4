"""Browser tests: Playwright (sync API) driving Debian's Chromium against a real `integritas serve`.

One Blora demo ledger (`integritas demo`) and one server per test session (per xdist worker), with
read tokens made by `integritas tokens add`. The browser is /usr/bin/chromium, never a download:
without it the tests are skipped, unless INTEGRITAS_REQUIRE_BROWSER=1 (scripts/test), when they fail.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
START_TIMEOUT = 90.0  # a demo server starts in seconds; on a machine shared by test runs it took over 30
CLI_TIMEOUT = 120.0


def _require_browser() -> None:
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright Python package (pip install -e '.[test]')")
    if not missing:
        return
    message = "browser tests need " + " and ".join(missing)
    if os.environ.get("INTEGRITAS_REQUIRE_BROWSER") == "1":
        pytest.fail(message + " (INTEGRITAS_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(message)


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("INTEGRITAS_")}


def run_cli(*args: str) -> str:
    done = subprocess.run(
        [PYTHON, "-m", "cli", *args],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
    )
    if done.returncode != 0:
        raise AssertionError(f"integritas {' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class Demo:
    """The served demo ledger: its URL, directory, trust anchor and read tokens."""

    url: str
    ledger_dir: Path
    trust: dict[str, str]
    token: str  # auditor
    overseer_token: str

    def api(self, path: str) -> Any:
        """A JSON answer of the server's own API (bearer token), to find records the pages show."""
        response = httpx.get(self.url + path, headers={"Authorization": f"Bearer {self.token}"}, timeout=10)
        response.raise_for_status()
        return response.json()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    _require_browser()
    ledger_dir = tmp_path_factory.mktemp("browser") / "blora"
    run_cli("demo", str(ledger_dir))
    token = run_cli("tokens", "add", "--ledger", str(ledger_dir), "Browser auditor", "--role", "auditor")
    overseer = run_cli("tokens", "add", "--ledger", str(ledger_dir), "Browser overseer", "--role", "overseer")
    with serve(ledger_dir) as url:
        yield Demo(
            url=url,
            ledger_dir=ledger_dir,
            trust=json.loads((ledger_dir / "trust.json").read_text()),
            token=token.strip().splitlines()[-1],
            overseer_token=overseer.strip().splitlines()[-1],
        )


@contextmanager
def serve(ledger_dir: Path) -> Iterator[str]:
    """`integritas serve` of `ledger_dir` on a free port until the block ends; yields its URL."""
    port = _free_port()
    log_path = ledger_dir.parent / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(
            [PYTHON, "-m", "cli", "serve", "--ledger", str(ledger_dir), "--port", str(port)],
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
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Chromium, launched once per test module: Playwright's sync API runs one instance per process,
    and while it runs the process has a running event loop, in which `asyncio.run` (tests/e2e) fails;
    a module's scope ends it before another module's tests run in the same process."""
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser(demo: Demo, chromium: Any) -> Any:
    """Chromium, for the tests of the served demo ledger."""
    return chromium


class Console:
    """Console errors and page errors of a page: a CSP violation shows up here."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("console", lambda message: message.type == "error" and self.errors.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))


@pytest.fixture
def console() -> Console:
    return Console()


def token_cookie(demo: Demo, token: str) -> dict[str, Any]:
    return {
        "name": "integritas_token",
        "value": token,
        "url": demo.url,
        "httpOnly": True,
        "sameSite": "Strict",
    }


@pytest.fixture
def anonymous(browser: Any, console: Console) -> Iterator[Any]:
    """A page in a fresh browser context holding no token."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    console.attach(page)
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def page(browser: Any, demo: Demo, console: Console) -> Iterator[Any]:
    """A page in a fresh browser context whose cookie holds the auditor's read token."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([token_cookie(demo, demo.token)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    console.attach(page)
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
