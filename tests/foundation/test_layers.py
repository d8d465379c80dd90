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
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: str) -> list[tuple[int, str]]:
    """Every module imported anywhere in ``source`` (top level or inside a function), as absolute names."""
    found = []
    for node in ast.walk(ast.parse(source)):
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


# The bottom of the stack: the hierarchy, people, the audit trail, periods and document machinery.
BOTTOM = (
    "jiceng.orgunits",
    "jiceng.accounts",
    "jiceng.audit",
    "jiceng.documents",
    "jiceng.periods",
    "jiceng.period_field",
    "jiceng.standards",
    "jiceng.todo_item",
)
# Everything above it: the pipeline, the programme apps, and the pages, API, CLI and demo on top.
ABOVE_BOTTOM = (
    "jiceng.reporting",
    "jiceng.indicators",
    "jiceng.summaries",
    "jiceng.nutrition",
    "jiceng.stock",
    "jiceng.activities",
    "jiceng.web",
    "jiceng.api",
    "jiceng.demo",
    "jiceng.packs",
    "jiceng.management",
    "jiceng.cli",
)
# (importing module, imported module) pairs tolerated for now, each with the reason; keep this empty.
ALLOWED: set[tuple[str, str]] = set()


def _is_view_module(name: str) -> bool:
    last = name.rpartition(".")[2]
    return name.startswith("jiceng.") and (last == "views" or last.endswith("_views"))


def _may_import_views(module: str) -> bool:
    """Views are imported by URL confs and other views, and by the web and API layers on top."""
    last = module.rpartition(".")[2]
    return (
        _is_view_module(module)
        or last == "urls"
        or last.endswith("_urls")
        or _within(module, "jiceng.web")
        or _within(module, "jiceng.api")
    )


def test_only_views_and_url_confs_import_views():
    offenders = [
        f"{module}:{line} imports {name}"
        for path, module in _sources()
        if not _may_import_views(module)
        for line, name in _imports(path)
        if _is_view_module(name) and (module, name) not in ALLOWED
    ]
    assert offenders == [], "a non-view module imports a views module; move what it needs below the views"


def test_the_bottom_layer_imports_nothing_above_it():
    offenders = [
        f"{module}:{line} imports {name}"
        for path, module in _sources()
        if any(_within(module, low) for low in BOTTOM)
        for line, name in _imports(path)
        if any(_within(name, high) for high in ABOVE_BOTTOM) and (module, name) not in ALLOWED
    ]
    assert offenders == [], "orgunits/accounts/audit/documents/periods must not import the layers above them"


def test_the_checks_see_function_level_and_relative_imports():
    source = "def f():\n    from jiceng.indicators.views import child_units\n    from ..web import todo\n"
    names = {name for _, name in _imports_in(source, "jiceng.orgunits")}
    assert {"jiceng.indicators.views", "jiceng.web.todo"} <= names
    assert _is_view_module("jiceng.indicators.views") and not _may_import_views("jiceng.summaries.writer")
