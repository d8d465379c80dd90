"""The generic machinery on a sheet of its own: a new register sheet is a spec and a row handler."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError

from jiceng.audit.models import AuditEntry
from jiceng.audit.recorder import record
from jiceng.documents.excel import (
    BOOL,
    CHOICE,
    DATE,
    DECIMAL,
    INT,
    CellError,
    Column,
    RowRejected,
    SheetSpec,
    build_template,
    read_sheet,
    run_import,
    write_table,
)
from tests.excel.helpers import open_workbook, xlsx


def _code(value):
    text = str(value).strip()
    if not text.startswith("T"):
        raise CellError("编号应以 T 开头")
    return text


SPEC = SheetSpec(
    "测试表",
    (
        Column("编号", "code", required=True, parser=_code),
        Column("日期", "day", DATE, required=True),
        Column("数量", "count", INT, min_value=1, max_value=10),
        Column("重量", "weight", DECIMAL, decimal_places=1),
        Column("合格", "ok", BOOL),
        Column("等级", "grade", CHOICE, choices=(("甲", "A"), ("乙", "B")), default="A"),
    ),
)


def test_cells_are_typed_or_reported():
    data = xlsx(
        SPEC.headers,
        [
            ["T1", dt.datetime(2025, 3, 8, 9, 30), 3, 12.5, "是", "乙"],
            ["T2", "2025-3-9", "4", "7", None, None],
            ["X3", "昨天", 11, "12.55", "也许", "丙"],
        ],
    )
    read = read_sheet(SPEC, data)
    first, second, third = read.rows
    assert first.values == {
        "code": "T1",
        "day": dt.date(2025, 3, 8),
        "count": 3,
        "weight": Decimal("12.5"),
        "ok": True,
        "grade": "B",
    }
    assert second.values == {
        "code": "T2",
        "day": dt.date(2025, 3, 9),
        "count": 4,
        "weight": Decimal("7"),
        "ok": False,
        "grade": "A",
    }
    assert third.bad and not first.bad and not second.bad
    assert [str(e) for e in read.errors] == [
        "第4行 编号(A列)：编号应以 T 开头",
        "第4行 日期(B列)：“昨天”是文本而不是日期：请把单元格设为日期格式，或按 2025-03-08 填写",
        "第4行 数量(C列)：不能大于 10，实际为 11",
        "第4行 重量(D列)：最多1位小数，实际为 12.55",
        "第4行 合格(E列)：应填“是”或“否”，实际为“也许”",
        "第4行 等级(F列)：应为甲、乙之一，实际为“丙”",
    ]


def test_run_import_rolls_back_every_row_when_one_fails(tree):
    data = xlsx(SPEC.headers, [["T1", dt.date(2025, 3, 8)], ["T2", dt.date(2025, 3, 9)], ["T3", dt.date(2025, 3, 10)]])

    def handle(row):
        record(actor=tree.admin, action="test.row", object_type="test", object_id=row["code"])
        if row["code"] == "T2":
            raise ValidationError({"count": ["数量：库存不足"], "__all__": ["整行有问题"]})
        if row["code"] == "T3":
            raise RowRejected("与第2行重复", "code")

    report = run_import(SPEC, read_sheet(SPEC, data), handle)
    assert [str(e) for e in report.errors] == [
        "第3行：整行有问题",
        "第3行 数量(C列)：库存不足",
        "第4行 编号(A列)：与第2行重复",
    ]
    assert report.saved == 0 and not AuditEntry.objects.filter(action="test.row").exists()
    ok = run_import(SPEC, read_sheet(SPEC, data), lambda row: record(actor=tree.admin, action="test.row"))
    assert ok.ok and ok.saved == 3 and AuditEntry.objects.filter(action="test.row").count() == 3


def test_template_and_table_writer():
    book = open_workbook(build_template(SPEC))
    assert [c.value for c in book["测试表"][1]] == SPEC.headers
    kinds = {v.type for v in book["测试表"].data_validations.dataValidation}
    assert {"list", "date", "whole", "decimal"} <= kinds
    data, count = write_table(
        "导出", ["甲", "乙"], [("=1+1", dt.date(2025, 1, 2)), ("x", None)], info=[("单位", "测试")]
    )
    assert count == 2
    sheet = open_workbook(data)["导出"]
    assert sheet["A2"].value == "=1+1" and sheet["A2"].data_type == "s"
    assert dict(open_workbook(data)["导出信息"].iter_rows(values_only=True)) == {"单位": "测试", "行数": "2"}
