"""Import of the hierarchy (组织机构导入) from an .xlsx or .csv file in the 统计用区划代码 layout.

One row per unit: its code, name, and optionally type, urban-rural code, altitude, and one year's
denominators. The file may list a whole county (county, townships, villages, county institutions)
or only what changed; parents may come after their children in the file.

Codes. The statistics bureau writes every code with 12 digits (2 province, 2 city, 2 county,
3 township, 3 village): ``522799000000`` is a county, ``522799100000`` a township,
``522799100201`` a village. The system keeps GB/T 2260 / 统计用区划代码 as it always has — 6 digits
for province, city and county, 9 for a township, 12 for a village — so a 12-digit code is
shortened by its trailing zero groups; 6 and 9-digit codes are accepted as they are. The level
follows from the code; the parent is the code with its last group zeroed (a county whose city is
not in the system hangs under the province, as 省直辖县级 units do). The two county institutions
(县卫生健康局, 县妇幼保健中心) are named by the 类型 column and carry the county code + ``9xx``.

All or nothing. Every cell and every row is checked first — code length and digits, duplicate
codes, unknown parent codes, a unit outside the importer's subtree, altitude out of range, control
characters in names — and nothing is saved unless the whole file is valid. Then every row goes
through the unit actions (``create_unit``, ``update_unit``, ``set_denominator``) in one transaction,
so each created or changed unit has its own audit row; the import itself is logged as
``unit.import`` with its counts (also when it is refused).

Re-import updates units by code: name, altitude (a blank altitude keeps the stored one) and the
year's denominators (a blank cell keeps the stored value). Type and place in the tree are not
changed by an import.

Scope. Only a role with ``units.manage`` (the administrator) may import, and only inside its own
subtree: a row whose unit, or whose new unit's parent, lies outside is refused with the same words
whether or not that unit exists.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.excel import (
    CHOICE,
    INT,
    CellError,
    Column,
    ImportOutcome,
    ImportReport,
    Row,
    RowError,
    RowRejected,
    SheetSpec,
    build_template,
    check_rows,
    run_import,
)
from jiceng.documents.files import RenderedFile
from jiceng.documents.upload import read_table
from jiceng.orgunits import actions
from jiceng.orgunits.models import INSTITUTION_KINDS, Kind, Level, OrgUnit, UnitDenominator

TITLE = "组织机构"
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
MIN_ALTITUDE, MAX_ALTITUDE = 0, 6000
MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_DENOMINATOR = 100_000_000
# 统计用区划代码 urban-rural classification (城乡分类代码); checked, not stored.
URBAN_RURAL_CODES = {
    "111": "主城区",
    "112": "城乡结合区",
    "121": "镇中心区",
    "122": "镇乡结合区",
    "123": "特殊区域",
    "210": "乡中心区",
    "220": "村庄",
}
LEVEL_ORDER = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.TOWNSHIP: 3, Level.VILLAGE: 4}
LEVEL_NAMES = dict(Level.choices)
DEFAULT_KIND = {
    Level.PROVINCE: Kind.ADMIN,
    Level.CITY: Kind.ADMIN,
    Level.COUNTY: Kind.ADMIN,
    Level.TOWNSHIP: Kind.TOWNSHIP_HC,
    Level.VILLAGE: Kind.VILLAGE_CLINIC,
}
_DIGITS = re.compile(r"^[0-9]+$")
_CODE_BLANKS = str.maketrans("", "", " \t\u3000\u00a0'")


# ---------------------------------------------------------------- codes


def parse_division_code(value) -> tuple[str, str]:
    """(stored code, level) of a 6, 9 or 12-digit 统计用区划代码; CellError in Chinese otherwise.

    ``522799100201`` → village, ``522799100000`` → township ``522799100``, ``522799000000`` →
    county ``522799``, ``522700000000`` → city ``522700``, ``520000000000`` → province ``520000``."""
    if isinstance(value, bool):
        raise CellError("只能由数字0-9组成")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).translate(_CODE_BLANKS)
    if not _DIGITS.match(text):
        raise CellError(f"只能由数字0-9组成，实际为“{text[:20]}”")
    if len(text) not in (6, 9, 12):
        raise CellError(f"应为12位统计用区划代码（也可填6位县级及以上代码或9位乡级代码），实际为{len(text)}位")
    if len(text) == 12:
        if text.endswith("000000"):
            text = text[:6]
        elif text.endswith("000"):
            text = text[:9]
    elif len(text) == 9 and text.endswith("000"):
        text = text[:6]
    if text[:2] == "00":
        raise CellError(f"“{text}”不是有效代码：前2位（省级）不能为00")
    if len(text) == 12:
        if text[6:9] == "000":
            raise CellError(f"“{text}”不是有效代码：村级代码的第7-9位（乡级）不能为000")
        if text[2:6] == "0000" or text[4:6] == "00" and text[2:4] == "00":
            raise CellError(f"“{text}”不是有效代码：缺少市、县级代码")
        return text, Level.VILLAGE
    if len(text) == 9:
        if text[4:6] == "00" and text[2:4] == "00":
            raise CellError(f"“{text}”不是有效代码：缺少市、县级代码")
        return text, Level.TOWNSHIP
    if text.endswith("0000"):
        return text, Level.PROVINCE
    if text.endswith("00"):
        return text, Level.CITY
    return text, Level.COUNTY


def _parse_code(value) -> tuple[str, str]:
    return parse_division_code(value)


def _parse_urban_rural(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text not in URBAN_RURAL_CODES:
        codes = "、".join(f"{k}{v}" for k, v in URBAN_RURAL_CODES.items())
        raise CellError(f"应为3位城乡分类代码之一（{codes}），实际为“{text[:20]}”")
    return text


def _range_parser(low: int, high: int, message: str):
    def parse(value) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, str) and re.match(r"^\s*[+-]?\d+\s*$", value):
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise CellError(f"应为整数，实际为“{str(value)[:20]}”")
        if not low <= value <= high:
            raise CellError(message % {"value": value})
        return value

    return parse


# ---------------------------------------------------------------- the sheet

CODE = Column(
    "统计用区划代码",
    "code",
    required=True,
    parser=_parse_code,
    help="12位统计用区划代码（2位省、2位市、2位县、3位乡、3位村），如 522799100201；县级及以上也可填6位、乡级9位",
    example="522799100201",
    width=16,
    aliases=("level", "parent"),
    labels=("代码", "层级", "上级单位"),
)
NAME = Column("名称", "name", required=True, max_length=100, example="大寨村", width=20)
KIND = Column(
    "类型",
    "kind",
    CHOICE,
    choices=tuple((str(label), value) for value, label in Kind.choices),
    help="留空按代码判断：乡级为乡镇卫生院，村级为村卫生室，县级及以上为行政区划；"
    "县卫生健康局、县妇幼保健中心须填写类型，代码为县代码+9xx（如 522799901）",
    example="村卫生室",
)
URBAN_RURAL = Column(
    "城乡分类代码",
    "urban_rural",
    parser=_parse_urban_rural,
    help="选填，3位（111、112、121、122、123、210、220）；只做核对，不保存",
    example="220",
)
ALTITUDE = Column(
    "海拔(米)",
    "altitude_m",
    INT,
    parser=_range_parser(MIN_ALTITUDE, MAX_ALTITUDE, "应在0至6000米之间，实际为 %(value)s"),
    min_value=MIN_ALTITUDE,
    max_value=MAX_ALTITUDE,
    help="整数，0～6000；留空则保留系统中已有的海拔",
    example="1250",
    labels=("海拔",),
)
YEAR = Column(
    "年份",
    "year",
    INT,
    parser=_range_parser(MIN_YEAR, MAX_YEAR, "应为2000至2100之间的年份，实际为 %(value)s"),
    min_value=MIN_YEAR,
    max_value=MAX_YEAR,
    help="填写年度基数时必填，如 2026；同一单位不同年份可各占一行",
    example="2026",
    width=8,
)


def _denominator_columns() -> tuple[Column, ...]:
    return tuple(
        Column(
            str(label),
            f"denominator:{key}",
            INT,
            parser=_range_parser(0, MAX_DENOMINATOR, f"应为0至{MAX_DENOMINATOR}之间的整数，实际为 %(value)s"),
            min_value=0,
            max_value=MAX_DENOMINATOR,
            help=f"{label}（该年份的年度基数），整数；留空则保留系统中已有的数值",
            example="1800" if key == UnitDenominator.Key.RESIDENT_POPULATION else "",
            width=12,
        )
        for key, label in UnitDenominator.Key.choices
    )


DENOMINATORS = _denominator_columns()
COLUMNS = (CODE, NAME, KIND, URBAN_RURAL, ALTITUDE, YEAR, *DENOMINATORS)
ALIASES = {
    "区划代码": CODE.header,
    "代码": CODE.header,
    "单位代码": CODE.header,
    "单位名称": NAME.header,
    "单位类型": KIND.header,
    "海拔": ALTITUDE.header,
    "年度": YEAR.header,
    "目标人口": str(UnitDenominator.Key.CHILDREN_6_36_MONTHS.label),
    "常住人口数": str(UnitDenominator.Key.RESIDENT_POPULATION.label),
}
INSTRUCTIONS = (
    "每行一个单位：县、乡镇（卫生院）、村（卫生室），以及县卫生健康局、县妇幼保健中心；上级单位须已在系统中或在同一文件中。",
    "列可以调换顺序，选填的列可以删除；也可上传 .csv 文件（第1行为列名，UTF-8 或 Excel 默认的 GBK 编码）。",
    "再次导入同一代码的单位会更新其名称、海拔和年度基数；留空的海拔和基数保留系统中已有的数值。",
    "同一单位的不同年份基数可分成几行填写（代码、名称相同，年份不同）。",
    "“目标人口”列视为“6-36月龄儿童估计数”。",
    f"文件不超过 {MAX_BYTES // 1024 // 1024} MB、{MAX_ROWS} 行。只能导入您管辖范围内的单位。",
)
TEMPLATE_SPEC = SheetSpec(TITLE, COLUMNS, instructions=INSTRUCTIONS, max_rows=MAX_ROWS)


@dataclass
class UnitImportResult(ImportOutcome):
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def done(self) -> str:
        return _("组织机构导入完成：新建 %(c)d 个单位，更新 %(u)d 个，未变 %(s)d 个") % {
            "c": len(self.created),
            "u": len(self.updated),
            "s": len(self.unchanged),
        }


# ---------------------------------------------------------------- importing


def _parent_candidates(code: str, level: str, kind: str) -> list[str]:
    if kind in INSTITUTION_KINDS:
        return [code[:6]]
    if level == Level.VILLAGE:
        return [code[:9]]
    if level == Level.TOWNSHIP:
        return [code[:6]]
    if level == Level.COUNTY:
        return [code[:4] + "00", code[:2] + "0000"]
    if level == Level.CITY:
        return [code[:2] + "0000"]
    return []


def _allowed_kinds(code: str, level: str) -> tuple[str, ...]:
    if level == Level.TOWNSHIP:
        return (Kind.TOWNSHIP_HC, *INSTITUTION_KINDS)
    if level == Level.VILLAGE:
        return (Kind.VILLAGE_CLINIC,)
    return (Kind.ADMIN,)


def import_units(user, source, *, filename: str = "") -> UnitImportResult:
    """组织机构导入: all or nothing, through the unit actions; see the module docstring."""
    access.require(user, "units.manage", _("只有系统管理员可以导入组织机构"))
    root = access.scope_root(user)
    table = read_table(
        COLUMNS, source, title=TITLE, filename=filename, aliases=ALIASES, max_bytes=MAX_BYTES, max_rows=MAX_ROWS
    )
    spec, read = table.spec, table.read
    result = UnitImportResult(report=ImportReport(rows=len(read.rows), saved=0, errors=[]))
    denominator_fields = [c.field for c in DENOMINATORS if c.field in table.present]

    # Every code the file names (also on rows with other errors: a child's parent is "in the file" even
    # when the parent's row has a bad cell, which gets its own message).
    named = {row.values["code"][0]: row.values["code"][1] for row in read.rows if row.values.get("code")}
    visible: dict[str, OrgUnit] = {}
    if named:
        codes = set(named) | {p for code, level in named.items() for p in _parent_candidates(code, level, "")}
        visible = {u.code: u for u in access.visible_units(user).filter(code__in=codes).select_related("parent")}

    # The units the file defines (first row of each code), so that a parent may come later in the file.
    in_file: dict[str, Row] = {}
    for row in read.rows:
        if not row.bad and row["code"]:
            in_file.setdefault(row["code"][0], row)
    seen: dict[tuple[str, int | None], int] = {}
    created_or_updated: set[str] = set()
    scope_words = _("不在您的管辖范围内：只能导入%(root)s（%(code)s）及其下级单位") % {
        "root": root.name,
        "code": root.code,
    }

    def check(row: Row) -> None:
        code, level = row["code"]
        existing = visible.get(code)
        # A blank 类型 means "as it is": an existing 县直机构 row (9 digits) stays the institution it is.
        kind = row["kind"] or (existing.kind if existing is not None else DEFAULT_KIND[level])
        if kind in INSTITUTION_KINDS and level == Level.TOWNSHIP:
            level = Level.COUNTY  # 县直机构: county code + 9xx, a county-level unit under its county
        if (row["kind"] or existing is None) and kind not in _allowed_kinds(code, row["code"][1]):
            raise RowRejected(
                _("%(level)s不能是“%(kind)s”") % {"level": LEVEL_NAMES[level], "kind": Kind(kind).label}, "kind"
            )
        row.values.update(unit_code=code, unit_level=level, unit_kind=kind)
        has_denominators = any(row[f] is not None for f in denominator_fields)
        if has_denominators and row["year"] is None:
            raise RowRejected(_("填写了年度基数时必须填写年份"), "year")
        first = in_file[code]
        key = (code, row["year"])
        if first is not row:
            if row["year"] is None or first["year"] is None or key in seen:
                earlier = seen.get(key, first.number)
                raise RowRejected(
                    _("代码 %(code)s 与第%(n)d行重复：同一单位只能填写一行（不同年份的基数除外）")
                    % {"code": code, "n": earlier},
                    "code",
                )
            if row["name"].strip() != first["name"].strip():
                raise RowRejected(
                    _("与第%(n)d行同一单位（%(code)s）的名称不一致") % {"n": first.number, "code": code}, "name"
                )
            if row["altitude_m"] is not None and first["altitude_m"] not in (None, row["altitude_m"]):
                raise RowRejected(
                    _("与第%(n)d行同一单位（%(code)s）的海拔不一致") % {"n": first.number, "code": code}, "altitude_m"
                )
            if row["kind"] and row["kind"] != (first["kind"] or row["kind"]):
                raise RowRejected(_("与第%(n)d行同一单位的类型不一致") % {"n": first.number}, "kind")
        seen.setdefault(key, row.number)
        if existing is not None:
            if existing.level != level:
                raise RowRejected(
                    _("系统中的 %(code)s 是%(was)s，不是%(level)s")
                    % {"code": code, "was": LEVEL_NAMES[existing.level], "level": LEVEL_NAMES[level]},
                    "code",
                )
            if row["kind"] and row["kind"] != existing.kind:
                raise RowRejected(
                    _("系统中该单位的类型是“%(was)s”：导入不能修改类型") % {"was": existing.get_kind_display()},
                    "kind",
                )
            row.values["existing"] = existing
            return
        candidates = _parent_candidates(code, level, kind)
        if not candidates:
            raise RowRejected(scope_words, "code")
        parent_code = next((c for c in candidates if c in visible or c in named), None)
        if parent_code is None:
            raise RowRejected(
                _("上级单位代码 %(p)s 不存在或不在您的管辖范围内：请先导入上级单位，或核对代码（%(scope)s）")
                % {"p": candidates[0], "scope": scope_words},
                "code",
            )
        row.values["parent_code"] = parent_code

    def save(row: Row) -> None:
        v = row.values
        code = v["unit_code"]
        unit = v.get("existing") or units.get(code)
        changed = False
        if unit is None:
            parent = units.get(v["parent_code"])
            if parent is None:
                raise RowRejected(_("上级单位 %(p)s 未能导入，见该单位所在行的错误") % {"p": v["parent_code"]}, "code")
            unit = actions.create_unit(
                code=code,
                name=v["name"],
                level=v["unit_level"],
                kind=v["unit_kind"],
                parent=parent,
                altitude_m=v["altitude_m"],
                acting_user=user,
            )
            units[code] = unit
            created_or_updated.add(code)
            result.created.append(code)
        elif in_file[code] is row:
            changes = {}
            if v["name"].strip() != unit.name:
                changes["name"] = v["name"]
            if v["altitude_m"] is not None and v["altitude_m"] != unit.altitude_m:
                changes["altitude_m"] = v["altitude_m"]
            if changes:
                unit = actions.update_unit(unit, acting_user=user, **changes)
                changed = True
            units[code] = unit
        for name in denominator_fields:
            value = v[name]
            if value is None:
                continue
            key = name.split(":", 1)[1]
            if stored.get((unit.pk, v["year"], key)) == value:
                continue
            actions.set_denominator(unit, year=v["year"], key=key, value=value, acting_user=user)
            stored[(unit.pk, v["year"], key)] = value
            changed = True
        if changed and code not in created_or_updated:
            created_or_updated.add(code)
            result.updated.append(code)

    check_rows(spec, read, check)
    if read.errors:
        report = ImportReport(rows=len(read.rows), saved=0, errors=sorted(read.errors, key=_error_order))
    else:
        units: dict[str, OrgUnit] = dict(visible)
        stored = {
            (d.unit_id, d.year, d.key): d.value
            for d in UnitDenominator.objects.filter(unit__in=[u.pk for u in visible.values()])
        }
        report = run_import(spec, read, save, order=lambda row: (LEVEL_ORDER[row["unit_level"]], row.number))
        if not report.ok:
            result.created, result.updated = [], []
    result.report = report
    if report.ok:
        touched = set(result.created) | set(result.updated)
        result.unchanged = [code for code in in_file if code not in touched]
    record(
        actor=user,
        action=actions_catalog.UNIT_IMPORT,
        object_type="orgunits.import",
        object_repr=f"组织机构导入 {filename}"[:200],
        unit=root,
        after={
            "rows": report.rows,
            "created": len(result.created),
            "updated": len(result.updated),
            "unchanged": len(result.unchanged),
            "errors": len(report.errors),
        },
    )
    return result


def _error_order(error: RowError) -> tuple:
    return (error.row or 0, error.letter.rjust(3))


# ---------------------------------------------------------------- template


def render_template(user) -> RenderedFile:
    """The import template, with the units the user may import under (and update) as a reference sheet."""
    from jiceng.documents.excel import XLSX_MIMETYPE

    units = access.visible_units(user).order_by("path")
    rows = (
        (_full_code(u), u.code, u.name, u.get_level_display(), u.get_kind_display(), u.altitude_m)
        for u in units[:20000]
    )
    data = build_template(
        TEMPLATE_SPEC,
        reference=("现有单位", ("统计用区划代码", "系统代码", "名称", "层级", "类型", "海拔(米)"), rows),
    )
    return RenderedFile("组织机构导入模板.xlsx", XLSX_MIMETYPE, data)


def _full_code(unit: OrgUnit) -> str:
    """The 12-digit 统计用区划代码 of a unit (county institutions keep their 9-digit code)."""
    if unit.is_institution:
        return unit.code
    return unit.code.ljust(12, "0")
