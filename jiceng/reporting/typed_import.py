"""Import of a typed monthly report from Excel, for units whose registers are not in the system
(``OrgUnit.keeps_registers=False``).

The file has the paper form's layout, the same as the export (``jiceng.reporting.export``): row 2 names
the unit ("填报单位：…（代码）") and the period ("报告期：2026-03"), row 3 is the header
序号 / 代码 / 项目 / 数值 / 说明, and each following row is one data element: column B its code,
column D its value. So the simplest way to fill one in is to export the unit's report, type the values
into column D, and upload it.

All or nothing: every cell is checked first, and every problem is reported by row and column in Chinese
(not a number, negative, unknown or repeated code, missing element, wrong header, a file for another
unit or month); the values are saved only when the whole file is valid, in one call to
:func:`jiceng.reporting.actions.set_values` (which refuses a locked report and says who can reopen it).
Cell parsing and error rows reuse ``jiceng.documents.excel``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.documents.excel import DECIMAL, CellError, Column, RowError, open_upload, parse_decimal
from jiceng.orgunits.models import OrgUnit
from jiceng.periods import Period, PeriodError, parse_period
from jiceng.reporting import actions
from jiceng.reporting.models import Report
from jiceng.reporting.packs import DataSet
from jiceng.reporting.values import current_cells

HEADER_ROW = 3  # the export writes the title on row 1, unit and period on row 2
CODE_COLUMN, VALUE_COLUMN = "B", "D"
HEADERS = {"A": "序号", "B": "代码", "C": "项目", "D": "数值", "E": "说明"}
MAX_VALUE = Decimal("999999999999.99")  # DataValue: 14 digits, 2 decimals
MAX_ROWS = 1000  # a form has a few dozen rows
VALUE = Column("数值", "value", DECIMAL, decimal_places=2)
_UNIT_CODE = re.compile(r"[（(]\s*(\d{6,12})\s*[)）]")
_PERIOD = re.compile(r"(\d{4}-\d{1,2}|\d{4}Q[1-4])", re.I)
_BLANK = str.maketrans("", "", " \t\r\n\u3000\u00a0")


@dataclass
class TypedImportResult:
    report: Report | None
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0  # data rows read
    saved: int = 0  # values changed

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class TypedSheet:
    values: dict[str, Decimal | None] = field(default_factory=dict)
    row_of: dict[str, int] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


def _text(value) -> str:
    return "" if value is None else str(value).translate(_BLANK)


def _error(message: str, row: int | None = None, letter: str = "") -> RowError:
    return RowError(message, row, letter, HEADERS.get(letter, "") if letter else "")


def parse_value(raw) -> Decimal | None:
    """A typed value: blank is "not filled"; otherwise a non-negative number with at most 2 decimals."""
    if raw is None or (isinstance(raw, str) and not raw.translate(_BLANK)):
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float | str | Decimal):
        raise CellError(f"不是数字：“{str(raw)[:30]}”")
    if isinstance(raw, float) and not math.isfinite(raw):  # NaN, Infinity, 1e400 of a JSON payload
        raise CellError(f"不是数字：“{raw}”，请填写数字（如 30）")
    try:
        value = parse_decimal(raw.translate(_BLANK) if isinstance(raw, str) else raw, VALUE)
    except InvalidOperation:  # more digits than a Decimal quantizes: far beyond what a report holds
        raise CellError(f"数值过大：{str(raw)[:30]}") from None
    except CellError as exc:
        if "应为数字" in str(exc):
            raise CellError(f"不是数字：“{str(raw).strip()[:30]}”，请填写数字（如 30）") from None
        raise
    if value < 0:
        raise CellError(f"不能为负数，实际为 {raw}")
    if value > MAX_VALUE:
        raise CellError(f"数值过大：{raw}")
    return value


def read_typed_sheet(ds: DataSet, source, *, unit: OrgUnit, period: Period) -> TypedSheet:
    """Read the values of a typed report, reporting every bad cell (nothing is saved here)."""
    sheet_read = TypedSheet()
    errors = sheet_read.errors
    book = open_upload(source, "报表只有一页，请检查是否选错了文件")
    if isinstance(book, str):
        errors.append(_error(book))
        return sheet_read
    try:
        sheet = book.worksheets[0]
        rows = []
        for r in sheet.iter_rows(min_col=1, max_col=5, values_only=True):  # streamed: a zip bomb stops here
            rows.append(tuple(r) + (None,) * (5 - len(r)))
            if len(rows) > MAX_ROWS:
                errors.append(_error(f"行数过多（超过 {MAX_ROWS} 行）：月报表只有一页，请检查是否选错了文件"))
                return sheet_read
    finally:
        book.close()
    if len(rows) < HEADER_ROW:
        errors.append(_error("文件为空或不是月报表：请先导出本单位的月报表，在 D 列填写数值后上传"))
        return sheet_read
    # row 2: the unit and the period the file was made for
    unit_text, period_text = _text(rows[1][0]), _text(rows[1][3])
    found_code = _UNIT_CODE.search(unit_text)
    if found_code and found_code.group(1) != unit.code:
        errors.append(
            _error(
                f"这是单位 {found_code.group(1)} 的月报表，不是 {unit.display_name}（{unit.code}）的："
                f"请上传本单位的报表",
                2,
                "A",
            )
        )
    found_period = _PERIOD.search(period_text)
    if found_period:
        try:
            stated = parse_period(found_period.group(1)).code
        except PeriodError:
            stated = found_period.group(1)
        if stated != period.code:
            errors.append(
                _error(f"这是 {found_period.group(1)} 的报表，不是 {period.code} 的：请上传所选报告期的报表", 2, "D")
            )
    # row 3: the header; columns B and D carry the meaning
    header = rows[HEADER_ROW - 1]
    for letter in (CODE_COLUMN, VALUE_COLUMN):
        actual = _text(header["ABCDE".index(letter)])
        if actual != HEADERS[letter]:
            shown = f"“{actual[:30]}”" if actual else "空"
            errors.append(
                _error(
                    f"表头应为“{HEADERS[letter]}”，实际为{shown}（第{HEADER_ROW}行应依次为"
                    f"序号、代码、项目、数值、说明；请使用导出的月报表，不要增删或调换列）",
                    HEADER_ROW,
                    letter,
                )
            )
    if any(e.row == HEADER_ROW for e in errors):
        return sheet_read
    known = set(ds.element_codes)
    for number, row in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        code_raw, value_raw = row[1], row[3]
        code = _text(code_raw).upper()
        if not code:
            if _text(value_raw) and not _text(row[0]).startswith(("填报人", "审核人", "状态", "导出")):
                errors.append(_error("有数值但没有代码：请在 B 列填写数据元代码", number, CODE_COLUMN))
            continue
        if code not in known:
            errors.append(_error(f"未知的数据元代码“{_text(code_raw)[:20]}”", number, CODE_COLUMN))
            continue
        if code in sheet_read.row_of:
            errors.append(_error(f"数据元 {code} 重复（第{sheet_read.row_of[code]}行已有）", number, CODE_COLUMN))
            continue
        sheet_read.row_of[code] = number
        try:
            sheet_read.values[code] = parse_value(value_raw)
        except CellError as exc:
            errors.append(_error(f"{ds.element(code).name}：{exc}", number, VALUE_COLUMN))
    for element in ds.elements:
        if element.code not in sheet_read.row_of:
            errors.append(_error(f"缺少数据元 {element.code}（{element.name}）的行：请使用导出的月报表，不要删除行"))
    return sheet_read


def _locked_message(report: Report) -> str | None:
    try:
        actions.refuse_if_locked(report)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def computed_from_registers(ds: DataSet, unit: OrgUnit) -> bool:
    """Whether the unit's values of ``ds`` come from its registers (then they are not typed or imported)."""
    return unit.keeps_registers and unit.level == ds.reporting_level and any(e.source for e in ds.elements)


def import_typed_report(
    user, unit: OrgUnit, period_code: str, source, *, dataset_code: str, expected_version=None
) -> TypedImportResult:
    """Check the whole file, then save every value at once, or nothing."""
    try:
        access.require(user, "reports.fill", "您的角色不能填报报表")
        access.require_unit_in_scope(user, unit)
        ds = actions.check_dataset(dataset_code)
        period = actions.check_period(period_code, ds)
        report = actions.get_report(ds.code, unit, period.code)
    except access.AccessDenied as exc:
        return TypedImportResult(None, [_error(str(exc))])
    except ValidationError as exc:
        return TypedImportResult(None, [_error(m) for m in exc.messages])
    if computed_from_registers(ds, unit):
        message = (
            f"{unit.display_name}使用系统台账，月报数值由台账自动计算，不能导入手工填报的月报；"
            "如需修正某项数值，请在月报页面修改并写明原因"
        )
        return TypedImportResult(report, [_error(message)])
    locked = _locked_message(report)
    if locked:
        return TypedImportResult(report, [_error(locked)])
    sheet = read_typed_sheet(ds, source, unit=unit, period=period)
    result = TypedImportResult(report, list(sheet.errors), rows=len(sheet.row_of))
    if result.errors:
        result.errors.sort(key=lambda e: (e.row or 10**6, e.letter))
        return result
    cells = current_cells(ds, report)
    changed = {code: value for code, value in sheet.values.items() if cells[code].value != value}
    try:
        with transaction.atomic():
            if changed:
                actions.set_values(report, changed, acting_user=user, expected_version=expected_version)
            record(
                actor=user,
                action=actions_catalog.REPORT_IMPORT,
                obj=report,
                unit=unit,
                after={
                    "rows": result.rows,
                    "changed": {c: str(v) if v is not None else None for c, v in changed.items()},
                },
                reason="导入手工填报的月报表（Excel）",
            )
    except access.AccessDenied as exc:
        result.errors.append(_error(str(exc)))
    except ValidationError as exc:
        result.errors.extend(_placed(ds, sheet, exc))
    if result.errors:
        return result
    report.refresh_from_db()
    result.saved = len(changed)
    return result


def _placed(ds: DataSet, sheet: TypedSheet, exc: ValidationError) -> list[RowError]:
    """An action's ValidationError ({element code: [message]}) placed on the value cells."""
    if not hasattr(exc, "error_dict"):
        return [_error(m) for m in exc.messages]
    placed = []
    for code, messages in exc.message_dict.items():
        row = sheet.row_of.get(code)
        for message in messages:
            placed.append(_error(message, row, VALUE_COLUMN if row else ""))
    return placed


__all__ = ["TypedImportResult", "import_typed_report", "parse_value", "read_typed_sheet"]
