"""The dependency direction, read from the source with ``ast`` (function-level imports included).

web/ and views at the top; programme apps (nutrition, stock, activities); the pipeline (reporting, indicators,
summaries); orgunits, accounts, audit, periods.py, documents at the bottom. A lower module never imports a higher
one; small types shared across layers live in leaf modules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import jiceng

ROOT = Path(jiceng.__file__).parent


def _module_name(path: Path) -> str:
    parts = ("jiceng", *path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """Every module imported anywhere in the file (top level or inside a function), absolute names."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            # ``from jiceng.x import views`` imports the module jiceng.x.views
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names] + [(node.lineno, base)]
    return found


def _sources():
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, _module_name(path)


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def test_todo_item_is_a_leaf_and_no_domain_module_reaches_into_web():
    leaf = ROOT / "todo_item.py"
    assert [name for _, name in _imports(leaf) if _within(name, "jiceng")] == []
    offenders = [
        f"{module}:{line} imports {name}"
        for path, module in _sources()
        if not _within(module, "jiceng.web") and _module_name(path) not in ("jiceng.settings", "jiceng.urls")
        for line, name in _imports(path)
        if _within(name, "jiceng.web.todo")
    ]
    assert offenders == []
