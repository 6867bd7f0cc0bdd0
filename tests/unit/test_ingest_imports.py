"""``ucj.ingest`` has no import cycles: each module's imports (at module level, where a cycle
would bite at import time) form a graph without loops, so any module can be imported first."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import ucj.ingest

PACKAGE = Path(ucj.ingest.__file__).parent
MODULES = sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def _imports(module: str) -> set[str]:
    """The ``ucj.ingest`` modules ``module`` imports at its top level (not in functions, not
    under ``if TYPE_CHECKING``)."""
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "ucj.ingest":
                found |= {alias.name for alias in node.names if alias.name in MODULES}
            elif node.module.startswith("ucj.ingest."):
                found.add(node.module.split(".")[2])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[2] for a in node.names if a.name.startswith("ucj.ingest.")}
    return found - {module}


def test_no_import_cycles_in_ucj_ingest() -> None:
    graph = {m: _imports(m) for m in MODULES}
    state: dict[str, str] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = "open"
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycle = path[path.index(nxt) :] + [nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = "done"

    for module in MODULES:
        if module not in state:
            visit(module)
    assert graph["load"] >= {"process", "audit"} and "load" not in graph["quarantine"]


@pytest.mark.parametrize("module", MODULES)
def test_every_module_imports_first(module: str) -> None:
    """Each module imports on its own in a fresh interpreter (no order it relies on)."""
    code = f"import importlib; importlib.import_module('ucj.ingest.{module}')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert importlib.import_module(f"ucj.ingest.{module}")
