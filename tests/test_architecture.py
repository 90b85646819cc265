"""The layout rules a newcomer relies on, checked on the source itself so a change cannot quietly undo them.

- Layers point one way: app -> agent -> tools -> shop -> vectorstore (demo, the seed data, stands on shop).
- No import circle between folders: the top-level packages and shop's domain packages form a DAG, so a
  domain package can be read (and moved to its own service later) without dragging the others in.
- No source module over 800 lines: one module, one concern.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("app", "agent", "tools", "shop", "vectorstore", "demo")
# What each top-level package may import (besides itself). The chain of the design notes.
ALLOWED = {
    "app": {"agent", "tools", "shop", "vectorstore", "demo"},
    "agent": {"tools", "shop"},
    "tools": {"shop"},
    "shop": {"vectorstore"},
    "vectorstore": set(),
    "demo": {"shop"},
}
MAX_LINES = 800


def _sources() -> list[Path]:
    return [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")]


def _unit(module: str) -> str:
    """The folder a module belongs to: a top-level package, or one of shop's domain packages."""
    parts = module.split(".")
    if parts[0] == "shop" and len(parts) > 1 and (ROOT / "shop" / parts[1]).is_dir():
        return f"shop.{parts[1]}"
    return parts[0]


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _folder_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in _sources():
        source = _unit(".".join(path.relative_to(ROOT).with_suffix("").parts))
        graph[source] |= {unit for unit in map(_unit, _imports(path)) if unit != source}
    return graph


def test_layers_only_import_downwards() -> None:
    upward = []
    for path in _sources():
        package = path.relative_to(ROOT).parts[0]
        for name in _imports(path):
            target = name.split(".")[0]
            if target != package and target not in ALLOWED[package]:
                upward.append(f"{path.relative_to(ROOT)} imports {name}")
    assert upward == []


def test_no_import_circle_between_folders() -> None:
    try:
        order = list(TopologicalSorter(_folder_graph()).static_order())
    except CycleError as exc:
        raise AssertionError(f"folders import each other in a circle: {exc.args[1]}") from None
    assert "shop.core" in order and "shop.catalog" in order  # the graph really holds shop's packages


def test_no_source_module_is_over_800_lines() -> None:
    long = {
        str(path.relative_to(ROOT)): count
        for path in _sources()
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}
