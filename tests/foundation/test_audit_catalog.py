"""Every audit action code written anywhere in jiceng/ has a Chinese label, and the audit page shows it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from jiceng.audit import actions_catalog
from jiceng.audit.actions_catalog import ACTION_LABELS

ROOT = Path(__file__).resolve().parents[2] / "jiceng"
CONSTANTS = {name: value for name, value in vars(actions_catalog).items() if name.isupper() and isinstance(value, str)}
CODE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
# ``action=`` keywords that are not audit codes
NOT_AUDIT = {"add_argument"}  # argparse: action="store_true"


def _callee(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _codes(value: ast.expr, where: str) -> list[tuple[str, str]]:
    """(code, where) for every code an ``action=`` value can take; an f-string gives ("re:<pattern>", where).
    A lower-case variable (``action=action`` passing a code through) is not followed."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return [(value.value, where)]
    if isinstance(value, ast.JoinedStr):
        parts = [re.escape(p.value) if isinstance(p, ast.Constant) else "[a-z0-9_]+" for p in value.values]
        return [("re:" + "".join(parts), where)]
    if isinstance(value, ast.IfExp):
        return _codes(value.body, where) + _codes(value.orelse, where)
    if isinstance(value, ast.Subscript):  # actions_catalog.IMPORT_ACTIONS[kind]
        name = _name(value.value)
        mapping = getattr(actions_catalog, name, None)
        assert isinstance(mapping, dict), f"{where}: {name} is not a mapping of jiceng.audit.actions_catalog"
        return [(code, where) for code in mapping.values()]
    name = _name(value)
    if name.isupper():
        assert name in CONSTANTS, f"{where}: action={name} is not a constant of jiceng.audit.actions_catalog"
        return [(CONSTANTS[name], where)]
    return []


def _name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return getattr(node, "id", "")


def action_codes_in_source() -> list[tuple[str, str]]:
    """Every ``action=…`` keyword value and every ``log(report, at, who, "<code>", …)`` code in jiceng/."""
    found = []
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call)):
            if _callee(call) in NOT_AUDIT:
                continue
            where = f"{path.relative_to(ROOT.parent)}:{call.lineno}"
            for keyword in call.keywords:
                if keyword.arg == "action":
                    found += _codes(keyword.value, where)
    return found


def test_the_walk_finds_the_codes_of_every_module():
    found = {code for code, _ in action_codes_in_source()}
    for code in ("child.merge", "stock.receipt", "report.submit", "user.deactivate", "import.followups"):
        assert code in found, code
    assert "store_true" not in found


def test_every_audit_action_code_has_a_chinese_label():
    missing = []
    for code, where in action_codes_in_source():
        if code.startswith("re:"):
            if not any(re.fullmatch(code[3:], known) for known in ACTION_LABELS):
                missing.append(f"{where}: f-string {code[3:]} matches no labelled code")
        elif code not in ACTION_LABELS:
            missing.append(f"{where}: {code}")
    assert not missing, "audit action codes without a label in jiceng/audit/actions_catalog.py:\n" + "\n".join(missing)


def test_labels_are_chinese_and_codes_well_formed():
    for code, label in ACTION_LABELS.items():
        assert CODE.match(code), code
        assert re.search(r"[\u4e00-\u9fff]", label), code
    assert set(CONSTANTS.values()) <= set(ACTION_LABELS), set(CONSTANTS.values()) - set(ACTION_LABELS)
    for code in (
        "report.override",
        "report.import",
        "report.dhis2_import",
        "unit.import",
        "unit.create",
        "unit.update",
        "user.import",
    ):
        assert code in ACTION_LABELS, code


def test_the_audit_page_shows_the_label_not_the_code(client, tree):
    from jiceng.audit.recorder import record

    record(
        actor=tree.county_mch,
        action=actions_catalog.STOCK_ALLOCATION_PROPOSE,
        object_type="stock.allocationplan",
        object_repr="分配计划 2026Q4",
        unit=tree.county,
    )
    record(actor=tree.county_mch, action=actions_catalog.CHILD_DEATH, object_type="nutrition.child", unit=tree.county)
    client.force_login(tree.county_bureau)
    page = client.get("/audit/").content.decode()
    assert ">生成分配计划建议</td>" in page and ">登记死亡</td>" in page
    assert ">stock.allocation.propose</td>" not in page
