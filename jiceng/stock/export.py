"""Excel export of a stock card in the layout of the paper ledger (营养包出入库登记表).

Same contract as every generated file: ``render_card(...) -> RenderedFile``; it names the children who
received packs (personal data), and the page that hands it out logs the export.
"""

from __future__ import annotations

import datetime as dt
import io

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from jiceng.documents.files import RenderedFile
from jiceng.documents.hostile import clean_cell_text
from jiceng.orgunits.models import OrgUnit
from jiceng.stock import queries
from jiceng.stock.models import NUTRITION_PACK

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COLUMNS = (
    ("日期", 11),
    ("摘要", 16),
    ("对方单位/领取人", 20),
    ("单据号", 18),
    ("批号", 14),
    ("有效期至", 11),
    ("收入(包)", 9),
    ("发出(包)", 9),
    ("本批结存", 9),
    ("结存合计", 9),
    ("经手人", 10),
    ("备注", 28),
)
THIN = Side(style="thin", color="000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
CENTRE = Alignment(horizontal="center", vertical="center", wrap_text=True)


def render_card(unit: OrgUnit, first_day: dt.date | None, last_day: dt.date | None) -> RenderedFile:
    lines = queries.with_unit_balance(unit, list(queries.ledger_lines(unit, first_day, last_day)))
    if lines:
        opening = lines[0].unit_balance - lines[0].line.quantity
        received = sum(c.received or 0 for c in lines)
        issued = sum(c.issued or 0 for c in lines)
        closing = lines[-1].unit_balance
    else:
        totals = queries.card_totals(unit, first_day, last_day)
        opening, received, issued, closing = totals["opening"], 0, 0, totals["opening"]

    wb = Workbook()
    ws = wb.active
    ws.title = "出入库登记"
    width = len(COLUMNS)
    last_col = get_column_letter(width)
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"] = f"{NUTRITION_PACK}出入库登记表"
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = CENTRE
    ws.row_dimensions[1].height = 28
    period = f"{first_day.isoformat() if first_day else '建账'} 至 {last_day.isoformat() if last_day else '今'}"
    ws.merge_cells(f"A2:{last_col}2")
    ws["A2"] = clean_cell_text(
        f"单位：{unit.display_name}（{unit.code}）    品名：{NUTRITION_PACK}    计量单位：包    期间：{period}"
    )
    ws["A2"].alignment = Alignment(horizontal="left", vertical="center")
    header_row = 3
    fill = PatternFill("solid", fgColor="E6EEF3")
    for col, (title, col_width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=header_row, column=col, value=title)
        cell.font = Font(bold=True)
        cell.alignment = CENTRE
        cell.border = BOX
        cell.fill = fill
        ws.column_dimensions[get_column_letter(col)].width = col_width
    ws.freeze_panes = f"A{header_row + 1}"

    rows = [[first_day or "", "上期结存", "", "", "", "", None, None, None, opening, "", ""]]
    for c in lines:
        line = c.line
        handler = line.entered_by.display_name if line.entered_by else ""
        note = line.note
        if line.reverses_id:
            note = f"冲正第{line.reverses_id}号记录：{note}".rstrip("：")
        rows.append(
            [
                line.occurred_on,
                line.summary,
                line.other_party,
                line.document_number,
                line.batch.number,
                line.batch.expires_on,
                c.received,
                c.issued,
                line.balance,
                c.unit_balance,
                handler,
                note,
            ]
        )
    rows.append([last_day or "", "本期合计", "", "", "", "", received, issued, None, closing, "", ""])
    for r, values in enumerate(rows, start=header_row + 1):
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=clean_cell_text(value))
            cell.border = BOX
            if isinstance(value, dt.date):
                cell.number_format = "yyyy-mm-dd"
                cell.alignment = Alignment(horizontal="center")
        if values[1] in ("上期结存", "本期合计"):
            for col in range(1, width + 1):
                ws.cell(row=r, column=col).font = Font(bold=True)
    foot = header_row + len(rows) + 2
    ws.cell(row=foot, column=1, value="保管人（签字）：")
    ws.cell(row=foot, column=5, value="负责人（签字）：")
    ws.cell(row=foot, column=9, value=f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}")
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.print_title_rows = f"{header_row}:{header_row}"

    buffer = io.BytesIO()
    wb.save(buffer)
    suffix = f"_{first_day:%Y%m%d}-{last_day:%Y%m%d}" if first_day and last_day else ""
    filename = f"营养包出入库登记_{unit.name}{suffix}.xlsx"
    return RenderedFile(filename, XLSX, buffer.getvalue(), personal_data=True, rows=len(lines))
