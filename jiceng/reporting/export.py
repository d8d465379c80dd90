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


UNITS_CHUNK = 200  # units whose figures are computed together (one aggregation call each)


def render_units_table(ds_code: str, root, period: str, *, official: bool, acting_user) -> RenderedFile:
    """Every unit's report of ``ds_code`` under ``root`` for ``period`` in one table (a county's or a
    province's 汇总表): one row per unit that has a report (its own level's values, sums above), one column
    per element, from THE aggregation (official: approved reports only). Long for a province: run as a
    background job, with its progress; logged as an export."""
    from jiceng import progress
    from jiceng.accounts import access
    from jiceng.documents.excel import write_table
    from jiceng.orgunits.models import OrgUnit, subtree_q
    from jiceng.reporting.aggregate import unit_values

    ds = dataset(ds_code)
    access.require_unit_in_scope(acting_user, root)
    period = parse_period(period).code
    units = [
        u
        for u in OrgUnit.objects.filter(subtree_q(root.path), active=True, level__in=ds.levels).order_by("path")
        if ds.is_reported_by(u)
    ]
    progress.phase("计算各单位报表", len(units), (0.0, 0.9))
    values: dict[int, dict] = {}
    for start in range(0, len(units), UNITS_CHUNK):
        chunk = units[start : start + UNITS_CHUNK]
        found = unit_values(ds, chunk, [period], official=official, with_own=True)
        for unit in chunk:
            values[unit.pk] = found.get((unit.pk, period), {})
        progress.advance(len(chunk))
    progress.phase("写入 Excel", None, (0.9, 1.0))
    elements = list(ds.elements)
    headers = ["单位代码", "单位名称", "层级", *[f"{e.code} {e.name}" for e in elements]]

    def rows():
        for unit in units:
            cells = values[unit.pk]
            yield (
                unit.code,
                unit.display_name,
                unit.get_level_display(),
                *[cells[e.code].value if e.code in cells else None for e in elements],
            )

    label = parse_period(period).label
    data, count = write_table(
        ds.short_name[:31],
        headers,
        rows(),
        info=[
            ("报表", ds.name),
            ("单位", f"{root.display_name}（{root.code}）及下级"),
            ("报告期", label),
            ("口径", "正式数（仅已审核的报表）" if official else "工作数（已填报的全部数据）"),
            ("导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
        ],
        widths=[15, 18, 8, *[12] * len(elements)],
    )
    record(
        actor=acting_user,
        action="export.report",
        object_type="export",
        object_repr=f"{root.display_name} {label} {ds.short_name} 各单位汇总表（{count}个单位）"[:200],
        unit=root,
        after={"dataset": ds.code, "period": period, "units": count, "official": official},
    )
    filename = f"{root.name}_{period}_{ds.short_name}_各单位.xlsx".replace("/", "_")
    return RenderedFile(filename, XLSX, data, rows=count, audited=True)
