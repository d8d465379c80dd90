"""Programme packs: a programme's reports (data sets, data elements, validation rules), its indicators,
its import layouts and its summary section, declared in YAML under ``jiceng/packs/<programme>/``.
Adding a programme that has no registers needs no Python; one that keeps registers names its figure
function in ``programme.yaml`` (``figure_sources``), the one mapping from a pack to its registers.

Files of a pack folder:

- ``programme.yaml``: ``programme: {name, short_name, order, summary: {...}, figure_sources: {...},
  period_sources: {...}}`` — ``period_sources`` names, per source prefix, the function that counts the
  ``distinct`` elements over several report periods at once (each child once); ``summary_notes`` names
  the function adding sentences to the work summary's 主要做法 and 存在的问题
- any file with a top-level ``dataset:`` key: one data set (a form filled per unit and period; with
  ``reported: false`` register figures only, never a form — see :attr:`DataSet.reported`)
- any file with a top-level ``indicators:`` key: indicators over the pack's data sets
- any file with a top-level ``import_layouts:`` key: Excel layouts whose Chinese column names map to
  data elements (a township imports the form it receives from another system)

Vocabulary from DHIS2: a DataSet is a form filled per unit and period; a DataElement is one number on
it; a ValidationRule compares two expressions over elements. Expressions are arithmetic over element
codes (``N05 <= N04 * 30``), parsed with Python's ``ast`` and only these nodes allowed, and checked
when the pack loads: an unknown element is refused with the file and line.
"""

from __future__ import annotations

import ast
import operator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import import_module
from pathlib import Path

import yaml

PACKS_DIR = Path(__file__).resolve().parent.parent / "packs"
LEVELS = ("village", "township", "county")
PERIOD_TYPES = {"monthly": "month", "quarterly": "quarter"}  # data set period type → jiceng.periods kind
PERIOD_TYPE_LABELS = {"monthly": "月报", "quarterly": "季报"}
UNIT_KINDS = ("village_clinic", "township_hc", "admin")


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


def parse_expression(text: str, known: set[str], where: str, parameters: frozenset[str] = frozenset()) -> Expression:
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
    unknown = sorted(names - known - parameters)
    if unknown:
        raise PackError(f"{where}：表达式“{text}”引用了未定义的数据元或参数 {', '.join(unknown)}")
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
    # over several report periods (a quarter of monthly forms, a year of quarterly ones): sum (flows:
    # deliveries, visits, packs; people counted per period: 人次), last (stocks: records built, people under
    # management — the latest period's figure) or distinct (people counted once: recounted from the
    # registers over the whole period by the pack's ``period_sources``)
    period_aggregation: str = "sum"


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
    filled_by: tuple[str, ...] = ()  # unit kinds at the reporting level that fill it (empty: every unit)
    short_name: str = ""
    # dated policy parameters its rules may name (packs_per_month), read through the programme's
    # ``parameters.source`` function ``f(name, on_date) -> number``
    parameter_names: frozenset[str] = frozenset()
    parameter_source: str = ""
    # False: a data set of register figures only (supervision's inspections and rectification), with no
    # report to fill or review: it has no report pages, deadlines or to-dos, and its official figures are its
    # register figures (``reporting.aggregate.unit_values``). Every element then has a ``source``.
    reported: bool = True

    def parameter_values(self, on) -> dict[str, float]:
        """The value in force on ``on`` of every parameter the data set's rules may name."""
        if not self.parameter_names:
            return {}
        module, name = self.parameter_source.split(":", 1)
        function = getattr(import_module(module), name)
        return {p: function(p, on) for p in self.parameter_names}

    @property
    def element_codes(self) -> list[str]:
        return [e.code for e in self.elements]

    def element(self, code: str) -> DataElement:
        return next(e for e in self.elements if e.code == code)

    def has_element(self, code: str) -> bool:
        return any(e.code == code for e in self.elements)

    @property
    def period_kind(self) -> str:
        """The kind of period (jiceng.periods) one report covers: month or quarter."""
        return PERIOD_TYPES[self.period_type]

    @property
    def period_type_label(self) -> str:
        return PERIOD_TYPE_LABELS[self.period_type]

    @property
    def levels(self) -> tuple[str, ...]:
        """The levels at which a report of this data set exists: the reporting level and those above."""
        return LEVELS[LEVELS.index(self.reporting_level) :]

    def is_reported_by(self, unit) -> bool:
        """Whether ``unit`` (an OrgUnit) has a report of this data set."""
        if unit.is_institution or unit.level not in self.levels:
            return False
        return unit.level != self.reporting_level or not self.filled_by or unit.kind in self.filled_by


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

    @property
    def is_count(self) -> bool:
        """A count (denominator 1: packs issued, live births), not a rate."""
        return self.denominator.text.strip() == "1"


@dataclass(frozen=True)
class ImportLayout:
    """An Excel layout another system produces: a header row of Chinese column names, one row per unit
    (identified by its code or name column), each mapped column one data element."""

    code: str
    name: str
    dataset: str
    unit_column: str  # the column that holds the unit's code (统计用区划代码 or the facility code)
    unit_name_column: str  # the column with the unit's name (checked against the code when both are given)
    period_column: str  # optional column with the report period; empty when the period is chosen on upload
    columns: dict[str, str]  # Chinese column name → element code
    header_row: int = 1


@dataclass(frozen=True)
class SummarySection:
    """How the work summary writes this programme's section: its heading and the indicators quoted."""

    heading: str
    indicators: tuple[str, ...]
    counts: tuple[str, ...] = ()  # count indicators written as totals (e.g. 活产数)
    order: int = 50
    writer: str = ""  # "module:function" writing the section itself (a programme with registers)
    opening: str = ""  # the opening sentence when this programme is the summary's only one ({words} …)
    closing: str = ""  # the next step written when no problem was found
    chart: str = ""  # the indicator drawn as a trend and a ranking of the units below


@dataclass
class Pack:
    programme: str
    name: str = ""
    short_name: str = ""
    order: int = 50
    datasets: dict[str, DataSet] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    import_layouts: dict[str, ImportLayout] = field(default_factory=dict)
    summary: SummarySection | None = None
    figure_sources: dict[str, str] = field(default_factory=dict)  # source prefix → "module:function"
    period_sources: dict[str, str] = field(default_factory=dict)  # the same, for distinct elements over a period
    # "module:function" adding sentences to the work summary's 主要做法 and 存在的问题 (with next steps) without a
    # section of its own (supervision: inspections held, open and overdue rectification, low scores)
    summary_notes: str = ""
    parameter_names: frozenset[str] = frozenset()  # dated parameters its rules may name
    parameter_source: str = ""  # "module:function" giving a parameter's value on a date


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


def load_dataset_file(
    path: Path, programme: str, parameters: tuple[frozenset[str], str] = (frozenset(), "")
) -> DataSet:
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
        if item.get("period_aggregation", "sum") not in ("sum", "last", "distinct"):
            raise PackError(
                f"{_where(path, item)}：period_aggregation 只能是 sum（累加）、last（取最后一期）或 distinct（按人去重）"
            )
        source = item.get("source")
        if source is not None and (not isinstance(source, str) or "." not in source):
            raise PackError(f"{_where(path, item)}：source 应写作 来源.指标，如 nutrition.packs_issued")
        if item.get("period_aggregation") == "distinct" and source is None:
            raise PackError(f"{_where(path, item)}：distinct（按人去重）的数据元须有 source（由台账重新计数）")
        elements.append(
            DataElement(
                item["code"],
                item["name"],
                source,
                item.get("group", ""),
                item.get("description", ""),
                item.get("aggregation", "sum"),
                item.get("period_aggregation", "sum"),
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
                parse_expression(item["left"], seen, where, parameters[0]),
                op,
                parse_expression(item["right"], seen, where, parameters[0]),
                item["severity"],
                item["message"],
                item.get("kind", "compare"),
                item.get("max_change_points"),
                _levels(item, where),
            )
        )
    where = _where(path, meta)
    level = meta.get("reporting_level", "village")
    if level not in ("village", "township"):  # a form is filled below the county and reviewed above it
        raise PackError(f"{where}：reporting_level 只能是 village 或 township（报表由村或乡镇填报、上级审核）")
    period_type = meta.get("period_type", "monthly")
    if period_type not in PERIOD_TYPES:
        raise PackError(f"{where}：period_type 只能是 {' '.join(PERIOD_TYPES)}")
    deadlines = {}
    for deadline_level, day in meta["deadlines"].items():
        if deadline_level == "__line__":
            continue
        if deadline_level not in LEVELS or not isinstance(day, int) or not 1 <= day <= 28:
            raise PackError(f"{where}：deadlines 应为 层级: 次月第几日（1–28），收到 {deadline_level}: {day}")
        deadlines[deadline_level] = day
    missing = [lv for lv in LEVELS[LEVELS.index(level) :] if lv not in deadlines and lv != "county"]
    if missing:
        raise PackError(f"{where}：deadlines 缺少 {', '.join(missing)} 的截止日")
    filled_by = tuple(meta.get("filled_by", ()))
    unknown = [k for k in filled_by if k not in UNIT_KINDS]
    if unknown:
        raise PackError(f"{where}：filled_by 只能是 {' '.join(UNIT_KINDS)}，收到 {', '.join(map(str, unknown))}")
    return DataSet(
        meta["code"],
        meta["name"],
        programme,
        period_type,
        deadlines,
        bool(meta.get("approver_must_differ", True)),
        tuple(elements),
        tuple(rules),
        meta.get("reference", ""),
        level,
        filled_by,
        meta.get("short_name", meta["name"]),
        parameters[0],
        parameters[1],
        _reported(meta, elements, where),
    )


def _reported(meta: dict, elements: list[DataElement], where: str) -> bool:
    reported = meta.get("reported", True)
    if not isinstance(reported, bool):
        raise PackError(f"{where}：reported 只能是 true 或 false")
    typed = [e.code for e in elements if not e.source]
    if not reported and typed:
        raise PackError(f"{where}：reported: false 的数据集没有报表可填，数据元 {', '.join(typed)} 需要 source")
    return reported


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


def load_import_layouts(path: Path, datasets: dict[str, DataSet]) -> dict[str, ImportLayout]:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    layouts = {}
    for item in raw.get("import_layouts", []):
        _require(item, ("code", "name", "dataset", "unit_column", "columns"), path)
        where = _where(path, item)
        dataset = datasets.get(item["dataset"])
        if dataset is None:
            raise PackError(f"{where}：数据集 {item['dataset']} 不存在")
        columns = {}
        for column, element in item["columns"].items():
            if column == "__line__":
                continue
            if not dataset.has_element(str(element)):
                raise PackError(f"{where}：列“{column}”对应的数据元 {element} 不在数据集 {dataset.code} 中")
            columns[str(column).strip()] = str(element)
        if len(set(columns.values())) != len(columns):
            raise PackError(f"{where}：同一数据元对应了多个列")
        layouts[item["code"]] = ImportLayout(
            item["code"],
            item["name"],
            dataset.code,
            str(item["unit_column"]).strip(),
            str(item.get("unit_name_column", "")).strip(),
            str(item.get("period_column", "")).strip(),
            columns,
            int(item.get("header_row", 1)),
        )
    return layouts


def _top_keys(path: Path) -> set[str]:
    return {line.split(":", 1)[0] for line in path.read_text(encoding="utf-8").splitlines() if line[:1].isalpha()}


def load_pack(directory: Path) -> Pack:
    pack = Pack(programme=directory.name, name=directory.name, short_name=directory.name)
    files = sorted(directory.glob("*.yaml"))
    for path in files:
        if "programme" in _top_keys(path):
            _load_programme(path, pack)
    for path in files:
        keys = _top_keys(path)
        if "dataset" in keys:
            dataset = load_dataset_file(path, directory.name, (pack.parameter_names, pack.parameter_source))
            if dataset.code in {code for p in _loading for code in p.datasets}:
                raise PackError(f"{path.name}：数据集代码 {dataset.code} 与其他项目重复")
            pack.datasets[dataset.code] = dataset
    for path in files:
        keys = _top_keys(path)
        if "indicators" in keys:
            pack.indicators.update(load_indicator_file(path, pack.datasets))
        if "import_layouts" in keys:
            pack.import_layouts.update(load_import_layouts(path, pack.datasets))
    if pack.summary is not None:
        named = (*pack.summary.indicators, *pack.summary.counts, *([pack.summary.chart] if pack.summary.chart else []))
        unknown = [c for c in named if c not in pack.indicators]
        if unknown:
            raise PackError(f"programme.yaml：summary 引用了未定义的指标 {', '.join(unknown)}")
    for dataset in pack.datasets.values():
        prefixes = {e.source.split(".", 1)[0] for e in dataset.elements if e.source}
        unknown = sorted(prefixes - set(pack.figure_sources))
        if unknown:
            raise PackError(
                f"{dataset.code}：数据元的来源 {', '.join(unknown)} 未在 programme.yaml 的 figure_sources 中声明"
            )
        distinct = {e.source.split(".", 1)[0] for e in dataset.elements if e.period_aggregation == "distinct"}
        unknown = sorted(distinct - set(pack.period_sources))
        if unknown:
            raise PackError(
                f"{dataset.code}：按人去重的数据元来源 {', '.join(unknown)} 未在 programme.yaml 的 period_sources 中声明"
            )
    return pack


_loading: list[Pack] = []  # packs loaded so far in this pass (data set codes are unique across packs)


def _load_programme(path: Path, pack: Pack) -> None:
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506
    meta = raw["programme"]
    _require(meta, ("name",), path)
    pack.name = meta["name"]
    pack.short_name = meta.get("short_name", meta["name"])
    pack.order = int(meta.get("order", 50))
    for key in ("figure_sources", "period_sources"):
        for prefix, target in (meta.get(key) or {}).items():
            if prefix == "__line__":
                continue
            if not isinstance(target, str) or ":" not in target:
                raise PackError(f"{_where(path, meta)}：{key} 应写作 前缀: 模块:函数，收到 {prefix}: {target}")
            getattr(pack, key)[prefix] = target
    notes = meta.get("summary_notes", "")
    if notes and (not isinstance(notes, str) or ":" not in notes):
        raise PackError(f"{_where(path, meta)}：summary_notes 应写作 模块:函数")
    pack.summary_notes = notes or ""
    parameters = meta.get("parameters")
    if parameters:
        _require(parameters, ("source", "names"), path)
        source = parameters["source"]
        if not isinstance(source, str) or ":" not in source:
            raise PackError(f"{_where(path, parameters)}：parameters.source 应写作 模块:函数")
        try:
            function = getattr(import_module(source.split(":", 1)[0]), source.split(":", 1)[1])
        except (ImportError, AttributeError):
            raise PackError(f"{_where(path, parameters)}：找不到参数函数 {source}") from None
        for name in parameters["names"]:
            try:
                function(name, date.today())
            except (KeyError, ValueError, LookupError):
                raise PackError(f"{_where(path, parameters)}：参数 {name} 不存在（{source}）") from None
        pack.parameter_names = frozenset(parameters["names"])
        pack.parameter_source = source
    summary = meta.get("summary")
    if summary:
        _require(summary, ("heading", "indicators"), path)
        writer = summary.get("writer", "")
        if writer and (not isinstance(writer, str) or ":" not in writer):
            raise PackError(f"{_where(path, summary)}：summary.writer 应写作 模块:函数")
        pack.summary = SummarySection(
            summary["heading"],
            tuple(summary["indicators"]),
            tuple(summary.get("counts", ())),
            int(meta.get("order", 50)),
            writer,
            summary.get("opening", ""),
            summary.get("closing", ""),
            summary.get("chart", ""),
        )


def load_packs(directory: Path) -> dict[str, Pack]:
    """Every pack folder under ``directory``, in their declared order (``programme.order``)."""
    _loading.clear()
    packs = {}
    try:
        for folder in sorted(d for d in directory.iterdir() if d.is_dir() and not d.name.startswith((".", "_"))):
            pack = load_pack(folder)
            _loading.append(pack)
            packs[folder.name] = pack
    finally:
        _loading.clear()
    return dict(sorted(packs.items(), key=lambda item: (item[1].order, item[0])))


_extra_dirs: list[Path] = []


@cache
def all_packs() -> dict[str, Pack]:
    packs = load_packs(PACKS_DIR)
    for extra in _extra_dirs:
        packs.update(load_packs(extra))
    return packs


def add_packs_dir(directory: Path) -> None:
    """Load the packs of another folder too (a county's own programmes; tests add a throwaway pack)."""
    _extra_dirs.append(Path(directory))
    all_packs.cache_clear()


def remove_packs_dir(directory: Path) -> None:
    _extra_dirs.remove(Path(directory))
    all_packs.cache_clear()


def pack_of(dataset_code: str) -> Pack:
    for pack in all_packs().values():
        if dataset_code in pack.datasets:
            return pack
    raise KeyError(dataset_code)


def datasets_reported_by(unit) -> list[DataSet]:
    """The data sets ``unit`` reports, in pack order."""
    return [ds for ds in all_datasets().values() if ds.is_reported_by(unit)]


def dataset(code: str) -> DataSet:
    for pack in all_packs().values():
        if code in pack.datasets:
            return pack.datasets[code]
    raise KeyError(code)


def find_dataset(code: str | None) -> DataSet | None:
    """The data set with this code, or None (for codes that came from a user)."""
    if not code:
        return None
    return all_datasets().get(str(code).strip().upper())


def all_datasets() -> dict[str, DataSet]:
    """The forms (data sets with reports to fill and review); :func:`dataset` also finds a figures-only one."""
    return {code: ds for pack in all_packs().values() for code, ds in pack.datasets.items() if ds.reported}


def all_indicators() -> dict[str, Indicator]:
    return {code: ind for pack in all_packs().values() for code, ind in pack.indicators.items()}
