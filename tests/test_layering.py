"""The pure core imports nothing but the standard library, cryptography and rfc8785 (DESIGN §2)."""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PURE_MODULES = [
    "ledger.errors",
    "ledger.crypto.keys",
    "ledger.crypto.merkle",
    "ledger.crypto.compact_range",
    "ledger.crypto.note",
    "ledger.crypto.checkpoint",
    "ledger.entry",
    "ledger.rules",
]
FORBIDDEN = ["eventsourcing", "fastapi", "uvicorn", "starlette", "pydantic", "psycopg", "rich", "httpx"]


def test_pure_core_imports_without_server_libraries() -> None:
    # A fresh interpreter in which importing any server-side library fails outright.
    script = textwrap.dedent(f"""
        import importlib, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {FORBIDDEN!r}:
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        for module in {PURE_MODULES!r}:
            importlib.import_module(module)
        loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set({FORBIDDEN!r}))
        assert not loaded, loaded
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_blocking_really_blocks() -> None:
    # The negative twin: the same harness must fail for a module that needs eventsourcing.
    script = textwrap.dedent(f"""
        import importlib, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {FORBIDDEN!r}:
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        importlib.import_module("ledger.store.application")
    """)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "blocked: eventsourcing" in result.stderr
