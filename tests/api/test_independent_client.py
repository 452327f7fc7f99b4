"""End to end: the real server (`integritas serve`, uvicorn) on 127.0.0.1, a client that shares no
code with the project, and `integritas verify` over HTTP in a separate process (DESIGN §1.4, §8).

The ledger is made by `integritas init` (the root key file is the client's only secret), the read
token by `integritas tokens add`; everything after that goes over HTTP.
"""

from __future__ import annotations

import ast
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.api import independent_client
from tests.api.independent_client import (
    IndependentClient,
    VerificationError,
    b64encode,
    canonical_json,
    fingerprint,
    leaf_hash,
    load_private_key,
    public_key_raw,
    verify_checkpoint,
)

ROOT = Path(__file__).resolve().parents[2]
ORIGIN = "e2e.integritas.example/blora"
CLIENT_MODULES = {"__future__", "base64", "datetime", "hashlib", "httpx", "json", "cryptography", "typing"}


def integritas(*argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the CLI with the venv's Python in its own process."""
    return subprocess.run(
        [sys.executable, "-m", "cli", *argv],
        cwd=ROOT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if not name.startswith("INTEGRITAS_")}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Server:
    url: str
    ledger: Path
    root_key: Path
    token: str


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("e2e")
    ledger, root_key = base / "ledger", base / "root.key"
    made = integritas("init", str(ledger), "--origin", ORIGIN, "--name", "Uji E2E", "--root-key", str(root_key))
    assert made.returncode == 0, made.stderr
    added = integritas("tokens", "add", "--ledger", str(ledger), "Inspektorat (uji)", "--role", "auditor")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (base / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--ledger", str(ledger), "--port", str(port)],
        cwd=ROOT,
        env=_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (base / "server.log").read_text()
            try:
                if httpx.get(f"{url}/v1/log", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not answer /v1/log within 30 s"
            time.sleep(0.1)
        yield Server(url, ledger, root_key, token)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_the_client_imports_nothing_of_the_project() -> None:
    tree = ast.parse(Path(independent_client.__file__).read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "no relative imports"
            assert node.module is not None
            imported.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name | ast.Attribute):
            name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
            assert name not in ("__import__", "import_module", "exec", "eval"), "no dynamic imports"
    assert imported <= CLIENT_MODULES, imported - CLIENT_MODULES
    assert not imported & {"ledger", "api", "tests", "projections"}


def test_the_clients_canonical_form_refuses_what_it_cannot_canonicalise() -> None:
    assert canonical_json({"b": [1, "é", None], "a": {"d": True, "c": "\n"}}) == (
        '{"a":{"c":"\\n","d":true},"b":[1,"é",null]}'.encode()
    )
    for value in ({"x": 1.5}, {"é": 1}, [2**53]):
        with pytest.raises(TypeError):
            canonical_json(value)


def test_an_independent_client_appends_on_the_stream_head_and_the_log_verifies(server: Server) -> None:
    trust = json.loads((server.ledger / "trust.json").read_text(encoding="utf-8"))
    client = IndependentClient(server.url, server.token, trust["verifier_key"])
    try:
        info = client.log()
        assert (info["origin"], info["size"]) == (ORIGIN, 1)

        root = load_private_key(server.root_key.read_bytes())
        assert fingerprint(root) == trust["root_fingerprint"]
        admin = Ed25519PrivateKey.generate()

        # The root key registers an administrator; the administrator registers a unit.
        registered = client.append(
            root,
            "key.registered",
            f"key/{fingerprint(admin)}",
            {
                "public_key": b64encode(public_key_raw(admin)),
                "role": "administrator",
                "scope": ["*"],
                "holder": {"name": "Sekretariat Daerah (uji)", "title": "administrator"},
            },
        )
        unit = client.append(
            admin,
            "unit.registered",
            "unit/dpmptsp",
            {"name": "Dinas Penanaman Modal dan PTSP", "type": "dinas", "headcount": 46},
        )
        assert [registered["receipt"]["index"], unit["receipt"]["index"]] == [1, 2]

        # The stream head the server reports is the leaf the client computed for itself.
        head = client.head("unit/dpmptsp")
        assert head == {"seq": 0, "leaf_hash": b64encode(leaf_hash(unit["submission"]))}
        assert head["leaf_hash"] == unit["receipt"]["leaf_hash"]

        # The next entry, on that head.
        nextone = client.append(admin, "unit.headcount_set", "unit/dpmptsp", {"headcount": 47})
        entry, receipt = nextone["submission"]["entry"], nextone["receipt"]
        assert (entry["seq"], entry["prev"]) == (1, head["leaf_hash"])
        assert (receipt["index"], receipt["tree_size"]) == (3, 4)
        origin, size, _ = client.verify_receipt(nextone["submission"], receipt)
        assert (origin, size) == (ORIGIN, 4)
        assert client.head("unit/dpmptsp") == {"seq": 1, "leaf_hash": receipt["leaf_hash"]}

        # The same submission again: its original receipt. One signed on the old head: 409 with the new head.
        again = client.submit(nextone["submission"])
        assert (again.status_code, again.json()) == (200, receipt)
        stale = client.entry_on_head(admin, "unit.headcount_set", "unit/dpmptsp", {"headcount": 48}, head)
        refused = client.submit(stale)
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["head"] == {"seq": 1, "leaf_hash": receipt["leaf_hash"]}

        # The client's checks are real: a changed proof, leaf or checkpoint does not verify.
        for broken in (
            {**receipt, "inclusion_proof": [b64encode(bytes(32)), *receipt["inclusion_proof"][1:]]},
            {**receipt, "index": 2},
            {**receipt, "checkpoint": receipt["checkpoint"].replace("\n4\n", "\n5\n", 1)},
        ):
            with pytest.raises(VerificationError):
                client.verify_receipt(nextone["submission"], broken)
        with pytest.raises(VerificationError):
            verify_checkpoint(receipt["checkpoint"], trust["verifier_key"].replace(ORIGIN, "other.example/log"))
        assert client.log()["size"] == 4
    finally:
        client.close()

    verified = integritas("verify", server.url, "--trust", str(server.ledger / "trust.json"), "--token", server.token)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK" in verified.stdout and "4 entries" in verified.stdout


def test_verify_over_http_needs_the_token_for_entry_bundles(server: Server) -> None:
    refused = integritas("verify", server.url, "--trust", str(server.ledger / "trust.json"))
    assert refused.returncode == 1
    assert "unauthorized" in refused.stdout + refused.stderr
