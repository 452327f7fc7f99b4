"""Deployment behind TLS (issue 17 item 1): Debian's nginx runs deploy/nginx/integritas.conf in front
of a real `integritas serve` (two workers), with a certificate from a CA made here (cryptography
x509). Appends and reads go through the proxy over TLS; the proxy's limits and timeouts hold before
the app sees anything; the app believes X-Forwarded-For from the proxy only; HSTS is on every answer;
the metrics of both workers are scraped through the proxy and parsed."""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from prometheus_client.parser import text_string_to_metric_families

from api.tokens import TokenFile
from ledger.entry import Submission
from tests.builder import LedgerBuilder
from tests.e2e.conftest import (
    PYTHON,
    ROOT,
    Server,
    clean_environment,
    free_port,
    prepare_ledger,
    stop_server,
    wait_ready,
)

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "integritas.conf"
CLI_MODULE = "cli"
HSTS = "max-age=63072000"
TEST_TIMEOUT = "1s"  # the site's 10 s header and body timeouts, shortened for the test
CLIENT_ADDRESS = "127.0.0.2"  # the test's client binds here: the proxy and app talk over 127.0.0.1
DIRECT_ADDRESS = "127.0.0.3"

pytestmark = pytest.mark.slow


@dataclass
class Proxied:
    url: str  # https://127.0.0.1:PORT, through nginx
    plain_url: str  # http://127.0.0.1:PORT, nginx's redirect to HTTPS
    app: Server
    ca: Path
    token: str
    operator: str
    builder: LedgerBuilder
    nginx_log: Path
    ledger_dir: Path

    def client(self, *, local_address: str = CLIENT_ADDRESS, verify: object = None) -> httpx.Client:
        context = verify if verify is not None else ssl.create_default_context(cafile=str(self.ca))
        transport = httpx.HTTPTransport(local_address=local_address, verify=context)  # type: ignore[arg-type]
        return httpx.Client(base_url=self.url, transport=transport, timeout=20.0)

    def access_records(self) -> list[dict[str, object]]:
        lines = self.app.log_path.read_text(encoding="utf-8", errors="replace").splitlines()
        return [json.loads(line) for line in lines if line.startswith("{")]


# --- a CA and a server certificate, made here -------------------------------------------------------------


def make_ca_and_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """(CA certificate, server chain, server key) as PEM files; the server certificate names 127.0.0.1."""
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Integritas test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    server_key = ec.generate_private_key(ec.SECP256R1())
    server = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "integritas.test")]))
        .issuer_name(ca_name)
        .public_key(server_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("integritas.test"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, chain_path, key_path = directory / "ca.pem", directory / "fullchain.pem", directory / "privkey.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain_path.write_bytes(
        server.public_bytes(serialization.Encoding.PEM) + ca.public_bytes(serialization.Encoding.PEM)
    )
    key_path.write_bytes(
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return ca_path, chain_path, key_path


# --- nginx running the shipped site file --------------------------------------------------------------------


def site_for_test(directory: Path, *, tls_port: int, plain_port: int, app_port: int, chain: Path, key: Path) -> Path:
    """deploy/nginx/integritas.conf with this test's ports, certificate and short timeouts; every
    replacement must find its line, so a changed site file fails here instead of going untested."""
    text = SITE.read_text(encoding="utf-8")
    replacements = [
        ("    listen 443 ssl http2;\n", f"    listen 127.0.0.1:{tls_port} ssl http2;\n"),
        ("    listen [::]:443 ssl http2;\n", ""),
        ("    listen 80;\n", f"    listen 127.0.0.1:{plain_port};\n"),
        ("    listen [::]:80;\n", ""),
        ("    server 127.0.0.1:8000;\n", f"    server 127.0.0.1:{app_port};\n"),
        ("/etc/ssl/integritas/fullchain.pem", str(chain)),
        ("/etc/ssl/integritas/privkey.pem", str(key)),
        ("    client_header_timeout 10s;\n", f"    client_header_timeout {TEST_TIMEOUT};\n"),
        ("    client_body_timeout 10s;\n", f"    client_body_timeout {TEST_TIMEOUT};\n"),
    ]
    for old, new in replacements:
        assert text.count(old) == 1, f"{SITE.name} no longer has {old!r}"
        text = text.replace(old, new)
    site = directory / "integritas.conf"
    site.write_text(text, encoding="utf-8")
    return site


def nginx_conf(directory: Path, site: Path) -> Path:
    """The main configuration Debian's /etc/nginx/nginx.conf would be, kept inside `directory`."""
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (directory / name).mkdir(exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(
        f"""
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {directory}/access.log;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;
    include {site};
}}
""",
        encoding="utf-8",
    )
    if os.geteuid() == 0:
        # nginx's workers run as nobody when started by root: they need the temporary directories.
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            shutil.chown(directory / name, user="nobody")
        directory.chmod(0o755)
    return conf


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"nginx exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail("nginx did not listen within 20 s")


def start_app(ledger_dir: Path, log_dir: Path) -> Server:
    port = free_port()
    command = [
        PYTHON, "-m", CLI_MODULE, "serve", "--ledger", str(ledger_dir), "--host", "127.0.0.1",
        "--port", str(port), "--workers", "2", "--forwarded-allow-ips", "127.0.0.1",
    ]  # fmt: skip
    log_path = log_dir / "app.log"
    with log_path.open("wb") as log_file:
        process = subprocess.Popen(
            command, cwd=ROOT, env=clean_environment(), stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = Server(f"http://127.0.0.1:{port}", process, log_path, ledger_dir)
    try:
        wait_ready(server)
    except BaseException:
        stop_server(server)
        raise
    return server


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxied]:
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: ./scripts/setup installs it (Debian package nginx)")
    base = tmp_path_factory.mktemp("nginx")
    base.chmod(0o755)
    ledger_dir = base / "ledger"
    builder, _ = prepare_ledger(ledger_dir, None)
    tokens = TokenFile(ledger_dir / "tokens.json")
    token = tokens.add("Deployment test auditor", "auditor")[1]
    operator = tokens.add("Deployment test operator", "operator")[1]
    app = start_app(ledger_dir, base)
    ca, chain, key = make_ca_and_certificate(base)
    tls_port, plain_port = free_port(), free_port()
    nginx_dir = base / "nginx"
    nginx_dir.mkdir()
    site = site_for_test(
        nginx_dir,
        tls_port=tls_port,
        plain_port=plain_port,
        app_port=int(app.url.rsplit(":", 1)[1]),
        chain=chain,
        key=key,
    )
    conf = nginx_conf(nginx_dir, site)
    error_log = nginx_dir / "error.log"
    checked = subprocess.run(
        [NGINX, "-t", "-p", str(nginx_dir), "-c", str(conf), "-e", str(error_log)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    nginx = subprocess.Popen(
        [NGINX, "-p", str(nginx_dir), "-c", str(conf), "-e", str(error_log), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=error_log.open("ab"),
        start_new_session=True,
    )
    try:
        wait_for_port(tls_port, nginx, error_log)
        yield Proxied(
            url=f"https://127.0.0.1:{tls_port}",
            plain_url=f"http://127.0.0.1:{plain_port}",
            app=app,
            ca=ca,
            token=token,
            operator=operator,
            builder=builder,
            nginx_log=nginx_dir / "access.log",
            ledger_dir=ledger_dir,
        )
    finally:
        nginx.terminate()
        try:
            nginx.wait(timeout=10)
        except subprocess.TimeoutExpired:
            nginx.kill()
            nginx.wait(timeout=10)
        stop_server(app)


def submission_bytes(submission: Submission) -> bytes:
    return json.dumps(submission.to_json(), ensure_ascii=False).encode("utf-8")


def post(client: httpx.Client, submission: Submission) -> httpx.Response:
    return client.post(
        "/v1/entries", content=submission_bytes(submission), headers={"content-type": "application/json"}
    )


# --- the tests ----------------------------------------------------------------------------------------------


def test_appends_and_reads_go_through_the_proxy_over_tls(proxied: Proxied) -> None:
    builder = proxied.builder
    with proxied.client() as client:
        size = client.get("/v1/log").json()["size"]
        submission = builder.sign(builder.admin, "key.registered", *_new_key_stream(builder, "tls-witness"))
        response = post(client, submission)
        assert response.status_code == 201, response.text
        assert response.headers["strict-transport-security"] == HSTS
        index = response.json()["index"]
        assert index == size
        read = client.get(f"/v1/entries/{index}", headers={"authorization": f"Bearer {proxied.token}"})
        assert read.status_code == 200 and read.json()["signature"] == submission.to_json()["signature"]
        assert client.get(f"/v1/entries/{index}").status_code == 401  # the proxy passes auth through, adds none
    # The whole log verifies through the proxy, with the CA as the only trusted root.
    verified = subprocess.run(
        [PYTHON, "-m", CLI_MODULE, "verify", proxied.url, "--trust", str(proxied.ledger_dir / "trust.json"),
         "--token", proxied.token, "--workers", "1"],
        cwd=ROOT, env={**clean_environment(), "SSL_CERT_FILE": str(proxied.ca)}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "OK" in verified.stdout


def test_a_client_without_the_ca_is_refused_by_tls(proxied: Proxied) -> None:
    with (
        pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"),
        proxied.client(verify=ssl.create_default_context()) as client,
    ):
        client.get("/v1/log")


def test_plain_http_is_redirected_to_https(proxied: Proxied) -> None:
    response = httpx.get(f"{proxied.plain_url}/v1/log", follow_redirects=False, timeout=10)
    assert response.status_code == 301
    assert response.headers["location"].startswith("https://")


def test_the_app_believes_the_forwarded_address_from_the_proxy_only(proxied: Proxied) -> None:
    spoofed = {"x-forwarded-for": "203.0.113.7"}
    before = len(proxied.access_records())
    with proxied.client() as client:
        assert client.get("/v1/log", headers=spoofed).status_code == 200
    # Straight to the app, from an address that is not the proxy's (HEAD, to tell the two apart):
    # the header is ignored.
    direct = httpx.Client(transport=httpx.HTTPTransport(local_address=DIRECT_ADDRESS), timeout=10)
    with direct:
        assert direct.head(f"{proxied.app.url}/v1/log", headers=spoofed).status_code == 200
    # A worker writes its line after answering, and two workers write to one file: wait for both.
    deadline = time.monotonic() + 10
    while True:
        records = [r for r in proxied.access_records()[before:] if r["route"] == "/v1/log"]
        if len(records) >= 2 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    clients = {str(r["method"]): r["client"] for r in records}
    assert clients == {"GET": CLIENT_ADDRESS, "HEAD": DIRECT_ADDRESS}
    assert "203.0.113.7" not in proxied.app.log_path.read_text()


def test_a_body_over_the_limit_is_refused_by_the_proxy(proxied: Proxied) -> None:
    before = len(proxied.access_records())
    with proxied.client() as client:
        response = client.post(
            "/v1/entries", content=b"{" + b" " * 100_000 + b"}", headers={"content-type": "application/json"}
        )
    assert response.status_code == 413
    assert response.headers["strict-transport-security"] == HSTS  # `always`: on errors too
    assert not [r for r in proxied.access_records()[before:] if r["status"] != 201]  # the app never saw it


def tls_socket(proxied: Proxied) -> ssl.SSLSocket:
    context = ssl.create_default_context(cafile=str(proxied.ca))
    raw = socket.create_connection(
        ("127.0.0.1", int(proxied.url.rsplit(":", 1)[1])), timeout=15, source_address=(CLIENT_ADDRESS, 0)
    )
    return context.wrap_socket(raw, server_hostname="127.0.0.1")


def read_until_closed(connection: ssl.SSLSocket) -> bytes:
    """Everything the proxy sends until it closes the connection (socket.timeout if it never does)."""
    received = b""
    while True:
        try:
            chunk = connection.recv(4096)
        except (ConnectionResetError, ssl.SSLError):
            return received
        if not chunk:
            return received
        received += chunk


def test_half_sent_headers_are_cut_off_by_the_proxy(proxied: Proxied) -> None:
    """Slowloris: headers that never end. The proxy closes the connection after its header timeout
    (1 s here, 10 s in the shipped file), long before the socket's own 15 s timeout; nothing reaches the app."""
    before = len(proxied.access_records())
    with tls_socket(proxied) as connection:
        connection.sendall(b"GET /v1/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        assert read_until_closed(connection) == b""  # closed without an answer (nginx logs a 408)
    assert not [r for r in proxied.access_records()[before:] if r["route"] == "/v1/keys"]  # never reached


def test_a_half_sent_body_is_cut_off_by_the_proxy(proxied: Proxied) -> None:
    before = len(proxied.access_records())
    with tls_socket(proxied) as connection:
        connection.sendall(
            b"POST /v1/entries HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b'Content-Length: 1000\r\n\r\n{"v": 1'
        )
        answer = read_until_closed(connection)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408"), answer[:200]
    # The proxy buffers bodies: the app never saw it (it would have answered 400 to that fragment).
    assert not [r for r in proxied.access_records()[before:] if r["status"] != 201]


def test_metrics_of_both_workers_are_scraped_through_the_proxy(proxied: Proxied) -> None:
    builder = proxied.builder
    with proxied.client() as client:

        def scrape() -> dict[str, float]:
            response = client.get("/metrics", headers={"authorization": f"Bearer {proxied.operator}"})
            assert response.status_code == 200, response.text
            return {
                f"{s.name}{sorted(s.labels.items())}": s.value
                for family in text_string_to_metric_families(response.text)
                for s in family.samples
            }

        key = "integritas_appends_total[('result', 'appended')]"
        before = scrape().get(key, 0.0)
        for number in range(6):  # spread over both workers by the proxy's keepalive pool and the kernel
            assert (
                post(
                    client, builder.sign(builder.admin, "key.registered", *_new_key_stream(builder, f"m{number}"))
                ).status_code
                == 201
            )
        after = scrape()
        assert after[key] == before + 6  # summed over the workers, whichever answered the scrape
        assert after["integritas_log_entries[]"] == client.get("/v1/log").json()["size"]
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["accepting_entries"] is True
        assert client.get("/metrics").status_code == 401


def _new_key_stream(builder: LedgerBuilder, name: str) -> tuple[str, dict[str, object]]:
    """(stream, body) of a new witness key registration; the builder's state advances on acceptance only,
    so every call names a key the ledger has not seen."""
    from ledger.crypto.keys import encode_base64, fingerprint, public_key_bytes
    from tests.builder import key_for

    key = key_for(f"nginx-{name}-{time.monotonic_ns()}")
    body = {
        "public_key": encode_base64(public_key_bytes(key.public_key())),
        "role": "witness",
        "scope": ["*"],
        "holder": {"name": f"Deployment test {name}", "title": "witness"},
    }
    return f"key/{fingerprint(key.public_key())}", body
