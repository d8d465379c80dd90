"""Excel export of a monthly report in the paper form's layout (unit, period, filler, reviewer, dates).

Contract shared by generated files: ``render(...) -> (filename, mimetype, bytes)``; every export is logged."""

from __future__ import annotations

import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side

from jiceng.audit.recorder import record
from jiceng.documents.files import RenderedFile
from jiceng.documents.hostile import clean_cell_text
from jiceng.periods import parse_period
from jiceng.reporting.actions import describe_state
from jiceng.reporting.models import Report
from jiceng.reporting.packs import dataset
from jiceng.reporting.values import current_cells

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THIN = Side(style="thin")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y年%m月%d日 %H:%M") if moment else ""


def report_rows(report: Report) -> list[tuple[int, str, str, object, str]]:
    """(序号, 代码, 数据元, 数值, 说明) rows: the same figures the page shows."""
    ds = dataset(report.dataset)
    cells = current_cells(ds, report)
    rows = []
    for number, element in enumerate(ds.elements, start=1):
        cell = cells.get(element.code)
        value = cell.value if cell else None
        note = ""
        if cell and cell.overridden:
            note = f"修正：台账计算 {cell.computed}，原因：{cell.reason}"
        rows.append(
            (
                number,
                element.code,
                element.name,
                int(value)
                if value is not None and value == int(value)
                else (float(value) if value is not None else None),
                note,
            )
        )
    return rows


def render_report_xlsx(report: Report, *, acting_user) -> RenderedFile:
    ds = dataset(report.dataset)
    period = parse_period(report.period)
    book = Workbook()
    sheet = book.active
    sheet.title = ds.period_type_label + "表"
    sheet.merge_cells("A1:E1")
    sheet["A1"] = f"{ds.name}（{period.label}）"
    sheet["A1"].font = Font(name="宋体", size=16, bold=True)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A2"] = clean_cell_text(f"填报单位：{report.unit.display_name}（{report.unit.code}）")
    sheet["D2"] = f"报告期：{report.period}"
    sheet.append(["序号", "代码", "项目", "数值", "说明"])
    for row in report_rows(report):
        sheet.append([clean_cell_text(v) for v in row])  # a control character already saved cannot break it
    last = sheet.max_row
    for line in sheet.iter_rows(min_row=3, max_row=last, max_col=5):
        for cell in line:
            cell.border = BOX
    for cell in sheet[3]:
        cell.font = Font(bold=True)
    sheet.append([])
    submitted, reviewed = (
        clean_cell_text(str(report.submitted_by or "")),
        clean_cell_text(str(report.reviewed_by or "")),
    )
    sheet.append([f"填报人：{submitted}", "", f"提交时间：{_when(report.submitted_at)}"])
    sheet.append([f"审核人：{reviewed}", "", f"审核时间：{_when(report.reviewed_at)}"])
    sheet.append([f"状态：{describe_state(report)}"])
    sheet.append([clean_cell_text(f"导出：{acting_user} {_when(timezone.now())}")])
    for column, width in zip("ABCDE", (6, 8, 30, 12, 40), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    record(
        actor=acting_user,
        action="export.report",
        obj=report,
        unit=report.unit,
        after={"rows": len(ds.elements), "state": report.state},
    )
    filename = f"{report.unit.name}_{report.period}_{ds.short_name}表.xlsx"
    return RenderedFile(filename, XLSX, buffer.getvalue(), rows=len(ds.elements), audited=True)
