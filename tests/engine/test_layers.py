"""The layering arrows of docs/design.md ("Architecture"), checked on the source and on a real import.

    config -> rnnviz (torch) -> Trace -> tables / graph -> explorer.figures -> explorer pages

- `rnnviz/` (the engine) never imports streamlit, plotly or explorer.
- `explorer/figures/` (pure data -> go.Figure) never imports streamlit or torch, nor the UI part of
  explorer.

The static check reads every `import`, `from ... import` (relative ones resolved) and
`importlib.import_module("...")` / `__import__("...")` call with a literal name. The runtime check
imports the package in a fresh interpreter and looks at `sys.modules`, which also catches an arrow
that goes the wrong way through a third module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# package dir (relative to ROOT) -> top-level modules it must never import
FORBIDDEN = {
    "rnnviz": ("streamlit", "plotly", "explorer"),
    "explorer/figures": ("streamlit", "torch"),
}
# `rnnviz serve` starts the app's processes and warms each with one Streamlit websocket session:
# it may import streamlit (lazily, inside that function); the runtime check below still proves that
# `import rnnviz` loads none of it.
SERVER_SIDE = ("rnnviz.serve.",)
# explorer.figures may use its own siblings, but nothing of the UI side of explorer.
FIGURES_ALLOWED_EXPLORER = ("explorer.figures",)


def module_name(path: Path) -> str:
    """Dotted name of a file under ROOT: `explorer/figures/__init__.py` -> explorer.figures."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(source: str, module: str, is_package: bool) -> set[str]:
    """Every absolute module name a source file imports (relative imports resolved)."""
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.add(target)
            # `from explorer import pages` imports explorer.pages
            found.update(f"{target}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and _is_dynamic_import(node.func) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.add(first.value)
    return found


def _is_dynamic_import(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in ("__import__", "import_module")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


def violations(package_dir: str, forbidden: tuple[str, ...]) -> list[str]:
    problems = []
    is_figures = package_dir == "explorer/figures"
    for path in sorted((ROOT / package_dir).rglob("*.py")):
        module = module_name(path)
        names = imported_modules(path.read_text(), module, path.name == "__init__.py")
        for name in sorted(names):
            top = name.split(".")[0]
            if module.startswith(SERVER_SIDE) and top == "streamlit":
                continue
            where = path.relative_to(ROOT)
            if top in forbidden:
                problems.append(f"{where} imports {name}")
            elif is_figures and top == "explorer" and not name.startswith(FIGURES_ALLOWED_EXPLORER):
                problems.append(f"{where} imports {name} (the UI side of explorer)")
    return problems


def test_checker_sees_every_kind_of_import():
    # Guards the guard: a checker that parses nothing would pass everything.
    source = (
        "import streamlit as st\n"
        "from plotly import graph_objects\n"
        "from ..pages import home\n"
        "import importlib\n"
        "importlib.import_module('torch.func')\n"
        "__import__('explorer')\n"
    )
    names = imported_modules(source, "explorer.figures.states", is_package=False)
    assert {"streamlit", "plotly", "explorer.pages", "explorer.pages.home", "torch.func"} <= names
    assert "explorer" in names


@pytest.mark.parametrize("package_dir", sorted(FORBIDDEN))
def test_source_imports_follow_the_arrows(package_dir):
    files = list((ROOT / package_dir).rglob("*.py"))
    if not files:
        pytest.skip(f"{package_dir}/ has no Python files yet")
    assert violations(package_dir, FORBIDDEN[package_dir]) == []


RUNTIME_PROBE = """
import json, sys
import {module}
print(json.dumps(sorted({{name.split('.')[0] for name in sys.modules}})))
"""


@pytest.mark.parametrize(
    ("module", "package_dir"), [("rnnviz", "rnnviz"), ("explorer.figures", "explorer/figures")]
)
def test_importing_a_layer_loads_no_forbidden_module(module, package_dir):
    if not (ROOT / package_dir / "__init__.py").exists():
        pytest.skip(f"{package_dir}/__init__.py does not exist yet")
    probe = subprocess.run(
        [sys.executable, "-c", RUNTIME_PROBE.format(module=module)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr[-2000:]
    loaded = set(json.loads(probe.stdout.strip().splitlines()[-1]))
    assert module.split(".")[0] in loaded
    assert loaded.isdisjoint(FORBIDDEN[package_dir]), loaded & set(FORBIDDEN[package_dir])


def project_imports() -> dict[str, set[str]]:
    """Module -> the project modules it imports (rnnviz, explorer), from the source of every file."""
    graph: dict[str, set[str]] = {}
    files = [p for d in ("rnnviz", "explorer") for p in sorted((ROOT / d).rglob("*.py"))]
    known = {module_name(p) for p in files}
    for path in files:
        module = module_name(path)
        names = imported_modules(path.read_text(), module, path.name == "__init__.py")
        # `from pkg import name` counts as importing pkg.name only when that is a module.
        graph[module] = {n for n in names if n in known and n != module}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_cycle_finder_finds_a_cycle():
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_cycles_in_the_project():
    # A package importing its own submodules (explorer.figures -> explorer.figures.graph) is not a
    # cycle unless a submodule imports the package back; the check is on modules, not packages.
    graph = {
        m: {n for n in deps if not m.startswith(n + ".")} for m, deps in project_imports().items()
    }
    assert import_cycles(graph) == []


def test_pages_never_import_pages():
    graph = project_imports()
    pages = {m for m in graph if m.startswith("explorer.pages.")}
    assert {(m, n) for m in pages for n in graph[m] if n.startswith("explorer.pages.")} == set()
