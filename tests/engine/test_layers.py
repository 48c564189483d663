"""The layering arrows of DESIGN.md §2, checked on the source and on a real import.

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
