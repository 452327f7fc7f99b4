"""The pure core (crypto, entry, rules, verify, errors) imports nothing but the standard library,
cryptography, rfc8785 and msgspec (DESIGN §2), and nothing of the layers above it: store, projections, api,
cli, demo."""

import ast
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
    "ledger.trust",
    "ledger.canonical",
    "ledger.crypto.cosignature",
    "ledger.crypto.witness_policy",
    "ledger.entry",
    "ledger.evidence",
    "ledger.rules",
    "ledger.verify",
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


# The layers above the pure core (DESIGN §2; issue 9): the core never imports them, not even lazily
# inside a function, so every import statement of every core file is read, not only those at the top.
CORE_PATHS = [
    "ledger/errors.py",
    "ledger/canonical.py",
    "ledger/entry.py",
    "ledger/trust.py",
    "ledger/verify.py",
    "ledger/crypto",
    "ledger/rules",
]
ABOVE_THE_CORE = ("ledger.store", "ledger.log_sources", "projections", "api", "cli", "demo")


def _python_files(relative: str) -> list[Path]:
    path = ROOT / relative
    for candidate in (path, path.with_suffix(".py")):  # a module or, once split, a package
        if candidate.is_dir():
            return sorted(candidate.rglob("*.py"))
        if candidate.is_file():
            return [candidate]
    raise AssertionError(f"core module {relative} is missing")


def _imports_from_above(source: str) -> list[str]:
    """Every module named by an import statement of `source` (at any depth) that lies above the core."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = ["." * node.level + (node.module or "")]
        else:
            continue
        found += [n for n in names if n.startswith(".") or any(n == p or n.startswith(p + ".") for p in ABOVE_THE_CORE)]
    return found


def test_the_core_imports_nothing_above_it() -> None:
    files = [file for relative in CORE_PATHS for file in _python_files(relative)]
    assert len(files) >= 10  # crypto alone holds seven modules: the walk really found the core
    offenders = {
        str(file.relative_to(ROOT)): found
        for file in files
        if (found := _imports_from_above(file.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_an_import_from_above_is_found() -> None:
    # The negative twin: the same reading names what a module beside the store, a lazy import inside a
    # function, or a relative import takes from above the core.
    assert _imports_from_above((ROOT / "ledger" / "log_sources.py").read_text(encoding="utf-8")) == [
        "ledger.store.config"
    ]
    lazy = "def f():\n    from demo.build import build_demo\n    import api.app, json\n"
    assert _imports_from_above(lazy) == ["demo.build", "api.app"]
    assert _imports_from_above("from .store import x\nimport cliff\nimport ledger.storey\n") == [".store"]


# The API and the web pages read a store through `LedgerReader` (ledger/store/reader.py), never its
# memory: `store.state` (the rules' fold) and `store.tree` (the Merkle tree) change under the store's
# lock, which only the store's own methods take. `request.app.state` is Starlette's, not the store's.
STORE_INTERNALS = ("state", "tree")


def _store_internals_read(source: str) -> list[str]:
    """`x.state` / `x.tree` of `source` (with its line), unless `x` is an application (`….app.state`)."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute) or node.attr not in STORE_INTERNALS:
            continue
        owner = node.value
        owner_name = owner.attr if isinstance(owner, ast.Attribute) else owner.id if isinstance(owner, ast.Name) else ""
        if owner_name == "app":
            continue
        found.append((node.lineno, ast.unparse(node)))
    return [f"{line}: {text}" for line, text in sorted(found)]


def test_the_api_reads_no_store_internals() -> None:
    files = sorted((ROOT / "api").rglob("*.py"))
    assert len(files) >= 20  # routers and pages: the walk really found the API
    offenders = {
        str(file.relative_to(ROOT)): found
        for file in files
        if (found := _store_internals_read(file.read_text(encoding="utf-8")))
    }
    assert offenders == {}


def test_a_read_of_store_internals_is_found() -> None:
    # The negative twin: the lines the reader interface replaced are found; the app's own state is not.
    source = (
        "name = store.state.name\n"
        "key = page_store(request).state.keys.get(fingerprint)\n"
        "size = self.store.tree.size\n"
        "tokens = request.app.state.tokens\n"
        "app.state.views = views\n"
    )
    assert _store_internals_read(source) == [
        "1: store.state",
        "2: page_store(request).state",
        "3: self.store.tree",
    ]
