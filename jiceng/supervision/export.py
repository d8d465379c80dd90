"""Excel export of the three lists (三张清单: 问题清单, 任务清单, 结果清单): the same rows as the page."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from jiceng.documents.files import RenderedFile
from jiceng.documents.hostile import clean_cell_text
from jiceng.supervision.models import Finding
from jiceng.supervision.queries import LISTS

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

COLUMNS = {
    "problems": [
        ("序号", 6),
        ("整改单位", 22),
        ("单位代码", 14),
        ("问题", 50),
        ("来源", 12),
        ("发现日期", 12),
        ("检查单位", 20),
        ("状态", 10),
    ],
    "tasks": [
        ("序号", 6),
        ("整改单位（责任单位）", 22),
        ("单位代码", 14),
        ("整改任务", 50),
        ("通知书", 18),
        ("整改期限", 12),
        ("状态", 10),
        ("是否逾期", 10),
    ],
    "results": [
        ("序号", 6),
        ("整改单位", 22),
        ("单位代码", 14),
        ("问题", 50),
        ("整改期限", 12),
        ("销号日期", 12),
        ("是否按期", 10),
        ("升级处理", 12),
        ("罚款金额(元)", 12),
        ("处理结果", 30),
    ],
}


def _row(which: str, n: int, f: Finding, today: dt.date) -> list:
    if which == "tasks":
        return [
            n,
            f.unit.name,
            f.unit.code,
            f.description,
            f.notice.number_text if f.notice else "",
            f.deadline,
            f.get_state_display(),
            "逾期" if f.is_overdue(today) else "",
        ]
    if which == "results":
        on_time = {True: "按期", False: "逾期", None: ""}[f.closed_on_time]
        return [
            n,
            f.unit.name,
            f.unit.code,
            f.description,
            f.deadline,
            f.closed_on,
            on_time,
            f.get_escalation_display() if f.escalation else "",
            f.penalty_amount,
            f.case_outcome,
        ]
    return [
        n,
        f.unit.name,
        f.unit.code,
        f.description,
        f.get_source_display(),
        f.found_on,
        f.inspector_unit.name,
        f.get_state_display(),
    ]


def render_list(which: str, rows: list[Finding], today: dt.date) -> RenderedFile:
    columns = COLUMNS[which]
    wb = Workbook()
    ws = wb.active
    ws.title = LISTS[which]
    ws.append([f"{LISTS[which]}（{today.isoformat()}导出）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([c for c, _w in columns])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for n, finding in enumerate(rows, start=1):
        ws.append([clean_cell_text(v) for v in _row(which, n, finding, today)])
    for i, (_c, width) in enumerate(columns, start=1):
        ws.column_dimensions[ws.cell(row=2, column=i).column_letter].width = width
    for row in ws.iter_rows(min_row=3):
        for cell in row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    wb.save(out)
    return RenderedFile(f"{LISTS[which]}_{today.isoformat()}.xlsx", XLSX, out.getvalue(), rows=len(rows))
