"""The indicator table as Excel: ``render_indicator_table(...) -> RenderedFile``, logged."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Font

from jiceng.audit.recorder import record
from jiceng.documents.files import RenderedFile
from jiceng.documents.hostile import clean_cell_text
from jiceng.reporting.packs import all_indicators

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_indicator_table(unit, children, codes, values, period, official, *, acting_user) -> RenderedFile:
    """The dashboard's unit × indicator table (``values`` from ``compute.compute``), one row per unit."""
    book = Workbook()
    sheet = book.active
    sheet.title = "指标"
    sheet.append([clean_cell_text(f"{unit.display_name} {period.label} 指标（{'正式数' if official else '工作数'}）")])
    sheet["A1"].font = Font(bold=True, size=14)
    indicators = [all_indicators()[c] for c in codes]
    sheet.append(["单位", *[f"{i.name}({i.unit_label})" if i.unit_label else i.name for i in indicators]])
    for row_unit in [unit, *children]:
        sheet.append([clean_cell_text(row_unit.name), *[values[(row_unit.pk, c)].value for c in codes]])
    sheet.append([])
    sheet.append(
        [
            "目标",
            *[float(values[(unit.pk, c)].target) if values[(unit.pk, c)].target is not None else None for c in codes],
        ]
    )
    sheet.column_dimensions["A"].width = 18
    buffer = io.BytesIO()
    book.save(buffer)
    record(
        actor=acting_user,
        action="export.indicators",
        object_type="indicators",
        object_repr=unit.name,
        unit=unit,
        after={"period": period.code, "rows": len(children) + 1, "official": official},
    )
    filename = f"{unit.name}_{period.code}_指标.xlsx"
    return RenderedFile(filename, XLSX, buffer.getvalue(), rows=len(children) + 1, audited=True)
