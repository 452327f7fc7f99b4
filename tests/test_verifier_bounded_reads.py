"""Regression test of an outside attack's finding (issue 10, item 10): every answer a server gives
the verifier is read only up to its format's maximum (a fake server streamed 700 MB as a checkpoint)."""

from __future__ import annotations

import json
import resource
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cli.main import main
from ledger.crypto.keys import generate_private_key
from ledger.crypto.note import format_verifier_key, verifier_key_for
from ledger.crypto.tiles import Tile
from ledger.errors import MalformedInput
from ledger.log_sources import HttpSource

# --- item 10 ------------------------------------------------------------------------------------------------


class _Endless(BaseHTTPRequestHandler):
    """Answers every GET with 200 and an endless body, as the attacker's fake server did."""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        block = b"A" * 65536
        try:
            for _ in range(16 * 1024):  # 1 GiB at most, should the client read on
                self.wfile.write(block)
        except OSError:
            pass  # the client stopped reading: what it should do

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endless_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endless)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_an_endless_checkpoint_is_refused_at_the_note_maximum(endless_server: str) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with pytest.raises(MalformedInput) as caught:
        HttpSource(endless_server).checkpoint()
    assert caught.value.code == "answer_too_large"
    grown_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kib < 64 * 1024, f"the verifier grew by {grown_kib} KiB"


@pytest.mark.parametrize("tile", [Tile(0, 0, 256), Tile(1, 0, 3), Tile("entries", 0, 2)], ids=str)
def test_an_endless_tile_is_refused_at_its_maximum(endless_server: str, tile: Tile) -> None:
    source = HttpSource(endless_server, token="t")
    with pytest.raises(MalformedInput) as caught:
        if tile.level == "entries":
            list(source.leaves(tile.width))
        else:
            source.hash_tile(tile)
    assert caught.value.code == "answer_too_large"


def test_verify_url_of_an_endless_server_is_one_line(
    endless_server: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = format_verifier_key(verifier_key_for("x.example/log", generate_private_key().public_key()))
    trust = tmp_path / "trust.json"
    trust.write_text(json.dumps({"origin": "x.example/log", "verifier_key": key, "root_fingerprint": "0" * 64}))
    status = main(["verify", endless_server, "--trust", str(trust), "--json"])
    out, _ = capsys.readouterr()
    assert status == 1
    assert '"code": "answer_too_large"' in out
