"""The layering the README promises, checked on the source (AST, no import): app -> graph -> tools,
vectorstore -> core. Nothing imports from a layer above it, tools and vectorstore do not import each other,
the modules form no import cycle (function-local imports count: they only hide a cycle), and no module
imports another module's private (``_name``) names."""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]  # the repository root (ROOT: the tree checked)
ROOT = REPO
LAYERS = {"core": 0, "tools": 1, "vectorstore": 1, "graph": 2, "app": 3}

# Known violations (none left). The test fails on any violation not listed here, and on a listed one that is
# gone (so the list only shrinks).
KNOWN: set[str] = set()


def modules() -> dict[str, Path]:
    """Every module of the layered packages: dotted name -> file."""
    found = {}
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


def imports_of(name: str, path: Path, known: dict[str, Path]) -> list[tuple[str, list[str]]]:
    """(imported module, names imported from it) for every import in the file, wherever it is."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = [a.name for a in node.names]
            submodules = [f"{base}.{n}" for n in names if f"{base}.{n}" in known]
            plain = [n for n in names if f"{base}.{n}" not in known]
            if plain or not submodules:
                out.append((base, plain))
            out += [(m, []) for m in submodules]
    return [(m, ns) for m, ns in out if m.split(".")[0] in LAYERS]


def violations() -> set[str]:
    """Upward imports, tools<->vectorstore imports, private names across modules, and import cycles."""
    known = modules()
    edges: dict[str, set[str]] = {m: set() for m in known}
    found = set()
    for name, path in known.items():
        layer = name.split(".")[0]
        for target, names in imports_of(name, path, known):
            top = target.split(".")[0]
            if LAYERS[top] > LAYERS[layer] or (top != layer and LAYERS[top] == LAYERS[layer]):
                found.add(f"upward: {name} imports {target}")
            for n in names:
                if n.startswith("_") and target != name:
                    found.add(f"private: {name} imports {target}.{n}")
            resolved = target if target in known else next((m for m in (target.rpartition(".")[0],) if m in known), None)
            if resolved and resolved != name:
                edges[name].add(resolved)
    found |= {f"cycle: {' -> '.join(c)}" for c in cycles(edges)}
    return found


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module (Tarjan), as a path."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    # package __init__ modules re-exporting their own submodules are not cycles between concepts
    return [c for c in components if not all(m.startswith(c[0] + ".") or m == c[0] for m in c)]


def test_layers_cycles_and_private_names():
    found = violations()
    new = sorted(found - KNOWN)
    gone = sorted(KNOWN - found)
    assert not new, "layering violations:\n" + "\n".join(new)
    assert not gone, "fixed, remove from KNOWN:\n" + "\n".join(gone)


def test_the_checker_sees_an_upward_import_a_cycle_and_a_private_import(tmp_path, monkeypatch):
    """The checker itself: a tree with one of each violation is caught."""
    for package, files in {"core": {"a.py": "from graph.x import thing\n", "b.py": "import core.c\n",
                                    "c.py": "def f():\n    import core.b\n"},
                           "graph": {"x.py": "from core.a import _hidden\nthing = 1\n"},
                           "tools": {"t.py": "from vectorstore import v\n"}, "vectorstore": {"v.py": ""},
                           "app": {}}.items():
        (tmp_path / package).mkdir()
        for name, text in files.items():
            (tmp_path / package / name).write_text(text)
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path, raising=False)
    globals()["ROOT"] = tmp_path
    try:
        found = violations()
    finally:
        globals()["ROOT"] = REPO
    assert "upward: core.a imports graph.x" in found
    assert "private: graph.x imports core.a._hidden" in found
    assert "cycle: core.b -> core.c" in found
    assert "upward: tools.t imports vectorstore.v" in found


# ------------------------------------------------------------------------------------------ the test tree
TEST_SUPPORT = {"tests.fixtures", "tests.fakes", "tests.fake_google_calendar", "tests.unit.conftest"}  # + the unit guard


def imports_between_tests(root: Path) -> set[str]:
    """Files under ``root/tests`` importing a test module (anything in tests/ but the support modules) or
    loading a file by its path."""
    found = set()
    for path in sorted((root / "tests").rglob("*.py")):
        name = ".".join(path.relative_to(root).with_suffix("").parts)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                targets = ["tests.(relative import)"] if node.level else [node.module or ""]
            elif isinstance(node, ast.Attribute) and node.attr == "spec_from_file_location":
                targets = ["tests.(a file by its path)"]
            else:
                continue
            found |= {f"{name} imports {t}" for t in targets if t.split(".")[0] == "tests" and t not in TEST_SUPPORT}
    return found


def test_tests_import_helpers_only_from_fixtures_and_fakes():
    """No test module imports another: shared builders live in tests/fixtures.py, fakes in tests/fakes.py and
    tests/fake_google_calendar.py. Every test file is in tests/unit/ or tests/real/ (the two kinds of test)."""
    found = imports_between_tests(REPO)
    assert not found, "test modules importing test modules:\n" + "\n".join(sorted(found))
    stray = sorted(str(p.relative_to(REPO)) for p in (REPO / "tests").rglob("test_*.py") if p.parent.name not in ("unit", "real"))
    assert not stray, f"test files outside tests/unit and tests/real: {stray}"


def test_the_test_import_checker_sees_an_import_of_a_test_module(tmp_path):
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "unit" / "test_a.py").write_text("from tests.fixtures import ROOT\nfrom tests.unit.test_b import X\n")
    (tmp_path / "tests" / "unit" / "test_b.py").write_text("from . import test_a\nimport tests.fakes\nX = 1\n")
    assert imports_between_tests(tmp_path) == {"tests.unit.test_a imports tests.unit.test_b",
                                               "tests.unit.test_b imports tests.(relative import)"}
