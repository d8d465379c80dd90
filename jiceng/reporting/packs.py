"""Programme packs: a programme's monthly report (data set, data elements, validation rules) and its
indicators, declared in YAML under ``jiceng/packs/<programme>/``. Adding a programme needs no Python.

Vocabulary from DHIS2: a DataSet is a form filled per unit and period; a DataElement is one number on
it; a ValidationRule compares two expressions over elements. Expressions are arithmetic over element
codes (``N05 <= N04 * 30``), parsed with Python's ``ast`` and only these nodes allowed, and checked
when the pack loads: an unknown element is refused with the file and line.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"
LEVELS = ("village", "township", "county")


class PackError(ValueError):
    """A pack file that cannot be loaded: the message names the file and line."""


# ---------------------------------------------------------------------------------------------
# Expressions
# ---------------------------------------------------------------------------------------------

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


@dataclass(frozen=True)
class Expression:
    text: str
    tree: ast.expr
    names: frozenset[str]

    def evaluate(self, values: dict[str, float | int | None]) -> float | None:
        """The value, or None when an element it needs has no value or a division by zero occurs."""
        return _evaluate(self.tree, values)


def _evaluate(node: ast.expr, values):
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return values.get(node.id)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _evaluate(node.operand, values)
        return None if inner is None else -inner
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left, values), _evaluate(node.right, values)
        if left is None or right is None or (isinstance(node.op, ast.Div) and right == 0):
            return None
        return _BINARY[type(node.op)](left, right)
    raise TypeError(node)


def parse_expression(text: str, known: set[str], where: str) -> Expression:
    try:
        tree = ast.parse(str(text), mode="eval").body
    except SyntaxError:
        raise PackError(f"{where}：表达式“{text}”无法解析") from None
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Constant):
            if not isinstance(node.value, int | float):
                raise PackError(f"{where}：表达式“{text}”只能包含数字和数据元代码")
        elif not isinstance(
            node, ast.BinOp | ast.UnaryOp | ast.Load | ast.Add | ast.Sub | ast.Mult | ast.Div | ast.USub
        ):
            raise PackError(f"{where}：表达式“{text}”含有不允许的运算")
    unknown = sorted(names - known)
    if unknown:
        raise PackError(f"{where}：表达式“{text}”引用了未定义的数据元 {', '.join(unknown)}")
    return Expression(str(text), tree, frozenset(names))


# ---------------------------------------------------------------------------------------------
# Definitions
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DataElement:
    code: str
    name: str
    source: str | None  # the register figure that computes it; None = typed in
    group: str = ""
    description: str = ""
    aggregation: str = "sum"  # sum: a parent's value is the sum of its units'; own: each unit's own figure


@dataclass(frozen=True)
class ValidationRule:
    code: str
    left: Expression
    operator: str  # <=, >=, ==, <, >
    right: Expression
    severity: str  # error | warning
    message: str
    kind: str = "compare"  # compare | month_jump
    max_change_points: float | None = None  # month_jump: a rate moving more than this many points
    levels: tuple[str, ...] = LEVELS  # the report levels the rule applies to

    COMPARE = {"<=": operator.le, ">=": operator.ge, "==": operator.eq, "<": operator.lt, ">": operator.gt}


@dataclass(frozen=True)
class DataSet:
    code: str
    name: str
    programme: str
    period_type: str
    deadlines: dict[str, int]  # level → day of the following month (end of that day, Asia/Shanghai)
    approver_must_differ: bool
    elements: tuple[DataElement, ...]
    rules: tuple[ValidationRule, ...]
    reference: str = ""
    reporting_level: str = "village"  # the lowest level that fills the report (its values are summed upward)

    @property
    def element_codes(self) -> list[str]:
        return [e.code for e in self.elements]

    def element(self, code: str) -> DataElement:
        return next(e for e in self.elements if e.code == code)


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    numerator: Expression
    denominator: Expression
    factor: int
    decimals: int
    direction: str  # higher | lower
    unit_label: str
    description: str
    dataset: str
    target_max: float | None = None  # a target above this is impossible (e.g. 100 for a share)
    rounding: str = "half_up"  # half_up (四舍五入) or down (舍去, as some county reports truncate)


@dataclass
class Pack:
    programme: str
    datasets: dict[str, DataSet] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)


class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping as ``__line__`` so errors can name it."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _where(path: Path, item: dict) -> str:
    return f"{path.name} 第{item.get('__line__', '?')}行"


def _require(item: dict, keys: tuple[str, ...], path: Path) -> None:
    missing = [k for k in keys if k not in item]
    if missing:
        raise PackError(f"{_where(path, item)}：缺少 {', '.join(missing)}")


def _levels(item: dict, where: str) -> tuple[str, ...]:
    levels = item.get("levels", list(LEVELS))
    unknown = [level for level in levels if level not in LEVELS]
    if unknown:
        raise PackError(f"{where}：levels 只能是 {' '.join(LEVELS)}，收到 {', '.join(map(str, unknown))}")
    return tuple(levels)


def load_dataset_file(path: Path, programme: str) -> DataSet:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe loader subclass)
    _require(raw, ("dataset", "elements"), path)
    meta = raw["dataset"]
    _require(meta, ("code", "name", "deadlines"), path)
    elements, seen = [], set()
    for item in raw["elements"]:
        _require(item, ("code", "name"), path)
        if item["code"] in seen:
            raise PackError(f"{_where(path, item)}：数据元代码 {item['code']} 重复")
        seen.add(item["code"])
        if item.get("aggregation", "sum") not in ("sum", "own"):
            raise PackError(f"{_where(path, item)}：aggregation 只能是 sum 或 own")
        elements.append(
            DataElement(
                item["code"],
                item["name"],
                item.get("source"),
                item.get("group", ""),
                item.get("description", ""),
                item.get("aggregation", "sum"),
            )
        )
    rules = []
    for item in raw.get("validation_rules", []):
        _require(item, ("code", "left", "right", "severity", "message"), path)
        where = _where(path, item)
        if item["severity"] not in ("error", "warning"):
            raise PackError(f"{where}：severity 只能是 error 或 warning")
        op = item.get("operator", "<=")
        if op not in ValidationRule.COMPARE:
            raise PackError(f"{where}：operator 只能是 {' '.join(ValidationRule.COMPARE)}")
        rules.append(
            ValidationRule(
                item["code"],
                parse_expression(item["left"], seen, where),
                op,
                parse_expression(item["right"], seen, where),
                item["severity"],
                item["message"],
                item.get("kind", "compare"),
                item.get("max_change_points"),
                _levels(item, where),
            )
        )
    deadlines = {level: int(day) for level, day in meta["deadlines"].items() if level != "__line__"}
    level = meta.get("reporting_level", "village")
    if level not in LEVELS:
        raise PackError(f"{_where(path, meta)}：reporting_level 只能是 {' '.join(LEVELS)}")
    return DataSet(
        meta["code"],
        meta["name"],
        programme,
        meta.get("period_type", "monthly"),
        deadlines,
        bool(meta.get("approver_must_differ", True)),
        tuple(elements),
        tuple(rules),
        meta.get("reference", ""),
        level,
    )


def _rounding(item: dict, path: Path) -> str:
    rounding = item.get("rounding", "half_up")
    if rounding not in ("half_up", "down"):
        raise PackError(f"{_where(path, item)}：rounding 只能是 half_up（四舍五入）或 down（舍去）")
    return rounding


def load_indicator_file(path: Path, datasets: dict[str, DataSet]) -> dict[str, Indicator]:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    indicators = {}
    for item in raw.get("indicators", []):
        _require(item, ("code", "name", "dataset", "numerator", "denominator"), path)
        where = _where(path, item)
        dataset = datasets.get(item["dataset"])
        if dataset is None:
            raise PackError(f"{where}：数据集 {item['dataset']} 不存在")
        known = set(dataset.element_codes)
        direction = item.get("direction", "higher")
        if direction not in ("higher", "lower"):
            raise PackError(f"{where}：direction 只能是 higher 或 lower")
        indicators[item["code"]] = Indicator(
            item["code"],
            item["name"],
            parse_expression(item["numerator"], known, where),
            parse_expression(item["denominator"], known, where),
            int(item.get("factor", 100)),
            int(item.get("decimals", 2)),
            direction,
            item.get("unit", "%"),
            item.get("description", ""),
            item["dataset"],
            item.get("target_max"),
            _rounding(item, path),
        )
    return indicators


def load_pack(directory: Path) -> Pack:
    pack = Pack(programme=directory.name)
    for path in sorted(directory.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if text.lstrip().startswith("dataset:") or "\ndataset:" in text:
            dataset = load_dataset_file(path, directory.name)
            pack.datasets[dataset.code] = dataset
    for path in sorted(directory.glob("*.yaml")):
        if "\nindicators:" in "\n" + path.read_text(encoding="utf-8"):
            pack.indicators.update(load_indicator_file(path, pack.datasets))
    return pack


@cache
def all_packs() -> dict[str, Pack]:
    return {d.name: load_pack(d) for d in sorted(PACKS_DIR.iterdir()) if d.is_dir()}


def dataset(code: str) -> DataSet:
    for pack in all_packs().values():
        if code in pack.datasets:
            return pack.datasets[code]
    raise KeyError(code)


def all_datasets() -> dict[str, DataSet]:
    return {code: ds for pack in all_packs().values() for code, ds in pack.datasets.items()}


def all_indicators() -> dict[str, Indicator]:
    return {code: ind for pack in all_packs().values() for code, ind in pack.indicators.items()}
