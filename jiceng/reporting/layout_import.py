"""Import of a form from another system's Excel table (基本公卫 from the national system, 妇幼 from the
provincial one): a header row of Chinese column names, one row per health centre. Which column fills
which data element is a pack file (``import_layouts.yaml``), not code.

All or nothing: the header is checked first (every mapped column must be there, named as in the pack),
then every row (a unit code in the user's subtree that fills the form, its name matching when the file
gives one, a period of the form's kind, numbers that are not negative, no row twice, no locked report);
the values are saved only when the whole file is valid, in one transaction through
:func:`jiceng.reporting.actions.set_values`. Every problem is reported by row and column in Chinese.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.utils import get_column_letter

from jiceng import progress
from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.excel import CellError, RowError, open_upload
from jiceng.documents.files import RenderedFile
from jiceng.orgunits.models import OrgUnit
from jiceng.periods import PeriodError, parse_period
from jiceng.reporting import actions
from jiceng.reporting.models import Report
from jiceng.reporting.packs import ImportLayout, all_packs, dataset
from jiceng.reporting.typed_import import parse_value
from jiceng.reporting.values import current_cells

MAX_ROWS = 5000
_BLANK = str.maketrans("", "", " \t\r\n\u3000\u00a0")
_CHINESE_QUARTER = re.compile(r"^(\d{4})年?第?([1-4一二三四])季度?$")
_CHINESE_MONTH = re.compile(r"^(\d{4})年(\d{1,2})月?$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class LayoutImportResult:
    layout: ImportLayout
    errors: list[RowError] = field(default_factory=list)
    reports: list[Report] = field(default_factory=list)
    rows: int = 0
    saved: int = 0  # values changed

    @property
    def ok(self) -> bool:
        return not self.errors


def all_layouts() -> dict[str, ImportLayout]:
    return {code: layout for pack in all_packs().values() for code, layout in pack.import_layouts.items()}


def _normal(value) -> str:
    return "" if value is None else str(value).translate(_BLANK)


def _error(message: str, row: int | None = None, column: int | None = None, header: str = "") -> RowError:
    return RowError(message, row, get_column_letter(column) if column else "", header)


def parse_report_period(raw, kind: str) -> str:
    """A period cell: 2026-03 / 2026Q1 (as everywhere in Jiceng) or 2026年3月 / 2026年第一季度."""
    text = _normal(raw)
    if hasattr(raw, "year") and hasattr(raw, "month"):
        text = f"{raw.year}-{raw.month:02d}"
    match = _CHINESE_QUARTER.match(text)
    if match:
        text = f"{match.group(1)}Q{'1234一二三四'.index(match.group(2)) % 4 + 1}"
    match = _CHINESE_MONTH.match(text)
    if match:
        text = f"{match.group(1)}-{match.group(2)}"
    try:
        period = parse_period(text)
    except PeriodError as exc:
        raise CellError(str(exc)) from None
    if period.kind != kind:
        raise CellError(
            f"“{text}”不是{'季度' if kind == 'quarter' else '月份'}："
            f"{'季报的统计期写作 2026Q1 或 2026年第一季度' if kind == 'quarter' else '月报的统计月份写作 2026-03'}"
        )
    return period.code


def import_layout(user, layout: ImportLayout, source, *, period_code: str | None = None) -> LayoutImportResult:
    """Check the whole file, then save every row at once, or nothing."""
    result = LayoutImportResult(layout)
    ds = dataset(layout.dataset)
    try:
        access.require(user, "reports.fill", "您的角色不能填报报表")
    except access.AccessDenied as exc:
        result.errors.append(_error(str(exc)))
        return result
    rows = _read_rows(source, layout, result)
    if rows is None:
        return result
    header = [_normal(h) for h in rows[0]]
    position = {name: index for index, name in enumerate(header) if name}
    needed = {layout.unit_column: None, **layout.columns}
    if not period_code:
        needed[layout.period_column] = None
    missing = [name for name in needed if name and _normal(name) not in position]
    if missing:
        result.errors.append(
            _error(
                f"表头缺少以下列（列名须与“{layout.name}”一致）：{'、'.join(missing)}；文件中的列为："
                f"{'、'.join(h for h in header if h)[:300] or '（空）'}",
                layout.header_row,
            )
        )
        return result
    fixed_period = None
    if period_code:
        try:
            fixed_period = actions.check_period(period_code, ds).code
        except ValidationError as exc:
            result.errors.append(_error("；".join(exc.messages)))
            return result
    unit_at, name_at = position[_normal(layout.unit_column)], position.get(_normal(layout.unit_name_column))
    period_at = position.get(_normal(layout.period_column)) if layout.period_column else None
    element_at = {code: position[_normal(column)] for column, code in layout.columns.items()}
    planned: dict[tuple[int, str], tuple[int, dict[str, Decimal | None]]] = {}
    units = _units_by_code(rows[1:], unit_at)
    progress.phase("核对每一行", len(rows) - 1, (0.1, 0.4))
    for number, row in enumerate(rows[1:], start=layout.header_row + 1):
        progress.advance()
        if not any(_normal(v) for v in row):
            continue
        result.rows += 1
        unit = _row_unit(user, ds, row, number, unit_at, name_at, units, result)
        period = fixed_period
        period_cell = row[period_at] if period_at is not None and period_at < len(row) else None
        if period_at is not None and _normal(period_cell):
            try:
                period = parse_report_period(period_cell, ds.period_kind)
                actions.check_period(period, ds)  # not a period that has not begun
            except ValidationError as exc:
                result.errors.append(_error("；".join(exc.messages), number, period_at + 1, layout.period_column))
                period = None
            except CellError as exc:
                result.errors.append(_error(str(exc), number, period_at + 1, layout.period_column))
                period = None
            if period and fixed_period and period != fixed_period:
                result.errors.append(
                    _error(
                        f"统计期 {period} 与所选报告期 {fixed_period} 不一致",
                        number,
                        period_at + 1,
                        layout.period_column,
                    )
                )
        elif period is None:
            result.errors.append(_error("缺少统计期", number, (period_at or 0) + 1, layout.period_column))
        values: dict[str, Decimal | None] = {}
        for code, at in element_at.items():
            try:
                values[code] = parse_value(row[at] if at < len(row) else None)
            except CellError as exc:
                result.errors.append(_error(f"{ds.element(code).name}：{exc}", number, at + 1, header[at]))
        if unit is None or period is None:
            continue
        key = (unit.pk, period)
        if key in planned:
            result.errors.append(
                _error(
                    f"{unit.display_name} {period} 重复（第{planned[key][0]}行已有）",
                    number,
                    unit_at + 1,
                    layout.unit_column,
                )
            )
            continue
        planned[key] = (number, values)
    if result.errors:
        return _sorted(result)
    _save(user, ds, layout, planned, units, result)
    return _sorted(result)


def _read_rows(source, layout: ImportLayout, result: LayoutImportResult) -> list[tuple] | None:
    progress.phase("读取文件", None, (0.0, 0.1))
    book = open_upload(source, "请检查是否选错了文件")
    if isinstance(book, str):
        result.errors.append(_error(book))
        return None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(min_row=layout.header_row, values_only=True):
            rows.append(tuple(row))
            if len(rows) > MAX_ROWS + 1:
                result.errors.append(_error(f"行数过多（超过 {MAX_ROWS} 行）：请按乡镇分批导入"))
                return None
    finally:
        book.close()
    if not rows or not any(_normal(v) for v in rows[0]):
        result.errors.append(_error(f"第{layout.header_row}行应为表头（{layout.unit_column}、…），文件为空"))
        return None
    return rows


def _units_by_code(rows, unit_at: int) -> dict[str, OrgUnit]:
    codes = {_normal(r[unit_at]) for r in rows if unit_at < len(r) and _normal(r[unit_at])}
    return {u.code: u for u in OrgUnit.objects.filter(code__in=codes)}


def _row_unit(user, ds, row, number, unit_at, name_at, units, result) -> OrgUnit | None:
    layout = result.layout
    raw = row[unit_at] if unit_at < len(row) else None
    code = _normal(raw)
    if isinstance(raw, float) and raw.is_integer():
        code = str(int(raw))
    if not code:
        result.errors.append(_error("缺少单位代码", number, unit_at + 1, layout.unit_column))
        return None
    unit = units.get(code)
    if unit is None or not access.unit_is_visible(user, unit):
        result.errors.append(
            _error(f"单位代码 {code[:20]} 不存在或不在您的管辖范围内", number, unit_at + 1, layout.unit_column)
        )
        return None
    if not ds.is_reported_by(unit):
        result.errors.append(
            _error(
                f"{unit.display_name}不填报{ds.name}（该表由{actions.who_fills(ds)}填报）",
                number,
                unit_at + 1,
                layout.unit_column,
            )
        )
        return None
    if name_at is not None and name_at < len(row):
        name = _normal(row[name_at])
        if _CONTROL.search(str(row[name_at] or "")):
            result.errors.append(_error("名称含有控制字符", number, name_at + 1, layout.unit_name_column))
            return None
        if name and name not in (unit.name, unit.display_name) and unit.name not in name:
            result.errors.append(
                _error(
                    f"单位代码 {code} 是{unit.display_name}，与名称“{name[:30]}”不符",
                    number,
                    name_at + 1,
                    layout.unit_name_column,
                )
            )
            return None
    return unit


def _save(user, ds, layout, planned, units, result: LayoutImportResult) -> None:
    by_pk = {u.pk: u for u in units.values()}
    try:
        progress.phase("逐个报表保存", len(planned), (0.4, 1.0))
        with transaction.atomic():
            for (unit_id, period), (number, values) in planned.items():
                progress.advance()
                unit = by_pk[unit_id]
                report = actions.get_report(ds.code, unit, period)
                try:
                    actions.refuse_if_locked(report)
                except ValidationError as exc:
                    result.errors.append(_error(f"{unit.display_name} {period}：{' '.join(exc.messages)}", number))
                    continue
                cells = current_cells(ds, report)
                changed = {code: v for code, v in values.items() if cells[code].value != v}
                if changed:
                    try:
                        actions.set_values(report, changed, reason=f"导入{layout.name}", acting_user=user)
                    except ValidationError as exc:
                        for message in exc.messages:
                            result.errors.append(_error(f"{unit.display_name} {period}：{message}", number))
                        continue
                    result.saved += len(changed)
                result.reports.append(report)
                record(
                    actor=user,
                    action=actions_catalog.REPORT_IMPORT,
                    obj=report,
                    unit=unit,
                    after={
                        "row": number,
                        "changed": {c: str(v) if v is not None else None for c, v in changed.items()},
                    },
                    reason=f"导入{layout.name}（Excel）",
                )
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.reports, result.saved = [], 0
    except access.AccessDenied as exc:
        result.errors.append(_error(str(exc)))
        result.reports, result.saved = [], 0


class _Rollback(Exception):
    """Undo the whole import: some row could not be saved."""


def _sorted(result: LayoutImportResult) -> LayoutImportResult:
    result.errors.sort(key=lambda e: (e.row or 0, e.letter))
    return result


def template_xlsx(layout: ImportLayout) -> RenderedFile:
    """An empty table in the layout (the header row only), for units that fill it by hand."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    headers = [layout.unit_column, layout.unit_name_column, layout.period_column, *layout.columns]
    sheet.append([h for h in headers if h])
    for index in range(1, len(headers) + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 16
    out = io.BytesIO()
    book.save(out)
    return RenderedFile(
        f"{layout.name}_模板.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", out.getvalue()
    )


__all__ = ["LayoutImportResult", "all_layouts", "import_layout", "parse_report_period", "template_xlsx"]
