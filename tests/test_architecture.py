"""The structure rules that keep the project easy to live in."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE_MODULES = [
    "photocompare.core",
    "photocompare.core.errors",
    "photocompare.core.model_file",
    "photocompare.core.quiet",
    "photocompare.settings",
    "photocompare.library",
    "photocompare.library.migrations",
]


def test_core_imports_no_pyside6():
    """Importing the whole core (and the library) in a fresh interpreter loads no PySide6."""
    import pkgutil

    import photocompare.core
    import photocompare.library

    names = list(CORE_MODULES)
    for pkg in (photocompare.core, photocompare.library):
        names += [m.name for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + ".")]
    code = (
        "import importlib, sys\n"
        f"for name in {sorted(set(names))!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('PySide6', 'shiboken6'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"core pulled in Qt: {out.stdout.strip()}"
    assert len(names) >= len(CORE_MODULES)


# -- the import graph, read from the source (every import, also those inside functions) --------
PACKAGE = Path(__file__).resolve().parents[1] / "photocompare"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[str, int]]:
    """(imported module, line) for every `import` / `from ... import` in the file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.module, node.lineno))
            out += [(f"{node.module}.{alias.name}", node.lineno) for alias in node.names]
    return out


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def test_ui_never_imports_sqlalchemy_or_the_orm_models():
    """Widgets get frozen rows from the library API; SQL stays in photocompare.library."""
    banned = ("sqlalchemy", "photocompare.library.models", "photocompare.library.course_models")
    found = [
        f"{path.relative_to(PACKAGE.parent)}:{line} imports {name}"
        for path in sorted((PACKAGE / "ui").rglob("*.py"))
        for name, line in _imports(path)
        if any(name == b or name.startswith(b + ".") for b in banned)
    ]
    assert found == []
    assert len(list((PACKAGE / "ui").glob("*.py"))) > 10  # the walk saw the UI


def test_only_the_library_speaks_sqlalchemy():
    """CLI, exporters, demo and UI use the library API; the self-test only checks that the
    PostgreSQL driver loads in a bundle."""
    allowed = {"photocompare.selftest"}
    found = [
        f"{name} imports {imported} (line {line})"
        for name, path in _sources().items()
        if not name.startswith("photocompare.library") and name not in allowed
        for imported, line in _imports(path)
        if imported == "sqlalchemy" or imported.startswith("sqlalchemy.")
    ]
    assert found == []
    assert any(i == "sqlalchemy" for i, _ in _imports(PACKAGE / "library" / "api.py"))


def test_only_the_gui_command_imports_the_ui_outside_ui():
    """The core, the library, the exporters, the CLI and the demo work without Qt widgets."""
    allowed = {"photocompare.cli.commands_gui"}
    found = [
        f"{name} imports {imported} (line {line})"
        for name, path in _sources().items()
        if not name.startswith("photocompare.ui") and name not in allowed
        for imported, line in _imports(path)
        if imported == "photocompare.ui" or imported.startswith("photocompare.ui.")
    ]
    assert found == []
    assert any(
        i.startswith("photocompare.ui") for i, _ in _imports(PACKAGE / "cli" / "commands_gui.py")
    )


def test_no_import_error_fallback_around_the_projects_own_modules_in_cli_library_demo():
    """A missing project module is a bug to see, not a branch to take quietly."""
    scope = [*(PACKAGE / "cli").glob("*.py"), *(PACKAGE / "library").glob("*.py"),
             PACKAGE / "demo.py", *(PACKAGE / "core").glob("*.py")]
    found = []
    for path in sorted(scope):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Try):
                continue
            catches = {
                getattr(t, "id", None)
                for h in node.handlers
                for t in (h.type.elts if isinstance(h.type, ast.Tuple) else [h.type])
                if t is not None
            }
            if not catches & {"ImportError", "ModuleNotFoundError"}:
                continue
            wrapped = [n for stmt in node.body for n in ast.walk(stmt)
                       if isinstance(n, ast.Import | ast.ImportFrom)]
            for n in wrapped:
                names = [a.name for a in n.names] if isinstance(n, ast.Import) else [n.module or ""]
                if any(x.startswith("photocompare") for x in names):
                    found.append(f"{path.relative_to(PACKAGE.parent)}:{n.lineno}")
    assert found == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def _project_graph() -> dict[str, set[str]]:
    sources = _sources()

    def owner(name: str) -> str | None:
        while name and name not in sources:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for name, path in sources.items():
        deps = {owner(i) for i, _ in _imports(path) if i.startswith("photocompare")}
        graph[name] = {d for d in deps if d and d != name and d != "photocompare"}
    return graph


def test_cycle_finder_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_between_project_modules():
    graph = _project_graph()
    assert len(graph) > 50
    assert _cycles(graph) == []
