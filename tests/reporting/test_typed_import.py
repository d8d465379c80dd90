"""Import of typed monthly reports (Excel, the export's layout): per-cell Chinese errors, all or nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from jiceng.audit.models import AuditEntry
from jiceng.reporting import actions
from jiceng.reporting.export import render_report_xlsx
from jiceng.reporting.models import DataValue, Report, State
from jiceng.reporting.packs import dataset
from jiceng.reporting.typed_import import import_typed_report, parse_value
from jiceng.reporting.values import current_cells
from tests.reporting.conftest import PERIOD, REPORT_DAY

DS = dataset("NUT_MONTHLY")
GOOD = {"N01": 12, "N02": 7, "N03": 1, "N04": 10, "N05": 300, "N10": 6, "N11": 5, "N12": 6}


@pytest.fixture
def typed_village(tree):
    """Village a2 keeps its registers on paper: its reports are typed in."""
    tree.village_a2.keeps_registers = False
    tree.village_a2.save()
    return tree.village_a2


def blank_form(tree, unit, period=PERIOD) -> bytes:
    """The export of the unit's report: the layout a typed report is filled in."""
    report = actions.get_report("NUT_MONTHLY", unit, period)
    return render_report_xlsx(report, acting_user=tree.township_officer).content


def filled(content: bytes, values: dict, *, edit=None) -> bytes:
    book = load_workbook(io.BytesIO(content))
    sheet = book.active
    rows = {sheet.cell(row=r, column=2).value: r for r in range(4, sheet.max_row + 1)}
    for code, value in values.items():
        sheet.cell(row=rows[code], column=4, value=value)
    if edit:
        edit(sheet, rows)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(code: str) -> int:
    return 3 + DS.element_codes.index(code) + 1


def test_a_valid_file_saves_every_value_as_typed(tree, typed_village):
    content = filled(blank_form(tree, typed_village), GOOD)
    result = import_typed_report(tree.township_officer, typed_village, PERIOD, content, dataset_code="NUT_MONTHLY")
    assert result.ok, [str(e) for e in result.errors]
    assert result.rows == len(DS.elements) == 28 and result.saved == len(GOOD)
    report = Report.objects.get(unit=typed_village, period=PERIOD)
    cells = current_cells(DS, report)
    assert cells["N05"].value == 300 and cells["N05"].origin == DataValue.Origin.TYPED
    assert cells["N14"].value is None  # a blank cell is "not filled"
    assert AuditEntry.objects.filter(action="report.import", object_id=str(report.pk)).count() == 1
    assert AuditEntry.objects.filter(action="report.value", object_id=str(report.pk)).count() == len(GOOD)
    # importing the same file again changes nothing
    again = import_typed_report(tree.township_officer, typed_village, PERIOD, content, dataset_code="NUT_MONTHLY")
    assert again.ok and again.saved == 0


def test_bad_cells_are_reported_by_row_and_column_and_nothing_is_saved(tree, typed_village):
    def edit(sheet, rows):
        sheet.cell(row=rows["N10"], column=2, value="N99")  # an unknown code (and N10 goes missing)

    content = filled(blank_form(tree, typed_village), {**GOOD, "N04": -3, "N05": "三十", "N12": "1.234"}, edit=edit)
    result = import_typed_report(tree.township_officer, typed_village, PERIOD, content, dataset_code="NUT_MONTHLY")
    assert not result.ok
    by_place = {(e.row, e.letter): e.message for e in result.errors}
    assert "不能为负数" in by_place[(row_of("N04"), "D")] and "本月领取儿童数" in by_place[(row_of("N04"), "D")]
    assert "不是数字" in by_place[(row_of("N05"), "D")] and "三十" in by_place[(row_of("N05"), "D")]
    assert "最多2位小数" in by_place[(row_of("N12"), "D")]
    assert "未知的数据元代码“N99”" in by_place[(row_of("N10"), "B")]
    assert any(e.row is None and "缺少数据元 N10" in e.message for e in result.errors)
    assert str(next(e for e in result.errors if e.row == row_of("N04"))).startswith(f"第{row_of('N04')}行 数值(D列)")
    assert not DataValue.objects.filter(report__unit=typed_village).exists()
    assert not AuditEntry.objects.filter(action__in=["report.value", "report.import"]).exists()


def test_a_repeated_code_is_refused(tree, typed_village):
    def edit(sheet, rows):
        sheet.cell(row=rows["N02"], column=2, value="N01")

    result = import_typed_report(
        tree.township_officer,
        typed_village,
        PERIOD,
        filled(blank_form(tree, typed_village), GOOD, edit=edit),
        dataset_code="NUT_MONTHLY",
    )
    assert any(e.row == row_of("N02") and "N01 重复" in e.message for e in result.errors)


def test_a_wrong_header_is_refused_before_any_cell_is_read(tree, typed_village):
    def edit(sheet, rows):
        sheet["D3"] = "值"

    content = filled(blank_form(tree, typed_village), {"N05": "三十"}, edit=edit)
    result = import_typed_report(tree.township_officer, typed_village, PERIOD, content, dataset_code="NUT_MONTHLY")
    assert [(e.row, e.letter) for e in result.errors] == [(3, "D")]
    assert "表头应为“数值”，实际为“值”" in result.errors[0].message


def test_a_file_of_another_unit_or_month_is_refused(tree, typed_village):
    other_unit = filled(blank_form(tree, tree.village_a1), GOOD)
    result = import_typed_report(tree.township_officer, typed_village, PERIOD, other_unit, dataset_code="NUT_MONTHLY")
    assert any(e.row == 2 and e.letter == "A" and tree.village_a1.code in e.message for e in result.errors)
    other_month = filled(blank_form(tree, typed_village, "2026-09"), GOOD)
    result = import_typed_report(tree.township_officer, typed_village, PERIOD, other_month, dataset_code="NUT_MONTHLY")
    assert any(e.row == 2 and e.letter == "D" and "2026-09" in e.message for e in result.errors)
    assert not DataValue.objects.filter(report__unit=typed_village).exists()


def test_a_locked_report_is_refused_and_the_message_says_who_can_reopen_it(tree, typed_village):
    report = actions.get_report("NUT_MONTHLY", typed_village, PERIOD)
    actions.set_values(report, {"N01": "5", "N04": "4", "N05": "120"}, acting_user=tree.township_officer)
    actions.submit_report(report, acting_user=tree.township_officer, today=REPORT_DAY)
    result = import_typed_report(
        tree.township_officer,
        typed_village,
        PERIOD,
        filled(blank_form(tree, typed_village), GOOD),
        dataset_code="NUT_MONTHLY",
    )
    assert len(result.errors) == 1
    message = result.errors[0].message
    assert "已锁定" in message and "上坝乡卫生院审核人" in message
    assert current_cells(DS, Report.objects.get(pk=report.pk))["N05"].value == 120
    assert Report.objects.get(pk=report.pk).state == State.SUBMITTED


def test_units_that_keep_registers_and_unreadable_files_are_refused(tree, typed_village, registers):
    content = filled(blank_form(tree, tree.village_a1), GOOD)
    result = import_typed_report(tree.village_doctor, tree.village_a1, PERIOD, content, dataset_code="NUT_MONTHLY")
    assert "使用系统台账" in result.errors[0].message
    result = import_typed_report(
        tree.township_officer, typed_village, PERIOD, b"not an excel file", dataset_code="NUT_MONTHLY"
    )
    assert "无法读取该文件" in result.errors[0].message
    result = import_typed_report(tree.township_officer, typed_village, "2099-01", content, dataset_code="NUT_MONTHLY")
    assert "尚未开始" in result.errors[0].message
    result = import_typed_report(
        tree.township_reviewer, typed_village, PERIOD, content, dataset_code="NUT_MONTHLY"
    )  # no reports.fill
    assert "不能填报" in result.errors[0].message


def test_parse_value():
    assert parse_value(None) is None and parse_value("  ") is None
    assert parse_value(30) == 30 and parse_value("12.5") == parse_value(12.5)
    for bad, message in (("abc", "不是数字"), (-1, "不能为负数"), (True, "不是数字"), ("1e3x", "不是数字")):
        with pytest.raises(ValueError, match=message):
            parse_value(bad)


def test_the_import_page(client, tree, typed_village):
    client.force_login(tree.township_officer)
    page = client.get("/reports/import/")
    assert page.status_code == 200 and typed_village.display_name in page.content.decode()
    bad = filled(blank_form(tree, typed_village), {"N05": "-5"})
    upload = SimpleUploadedFile("月报.xlsx", bad, content_type="application/octet-stream")
    page = client.post("/reports/import/", {"unit": typed_village.code, "period": PERIOD, "file": upload})
    html = page.content.decode()
    assert page.status_code == 200 and "整个文件未导入" in html and "不能为负数" in html
    good = SimpleUploadedFile("月报.xlsx", filled(blank_form(tree, typed_village), GOOD))
    page = client.post("/reports/import/", {"unit": typed_village.code, "period": PERIOD, "file": good})
    assert "全部导入成功" in page.content.decode()
    assert current_cells(DS, Report.objects.get(unit=typed_village, period=PERIOD))["N05"].value == 300
    # outside the subtree: 404; a role without reports.fill: 404; no typed units: says so
    page = client.post("/reports/import/", {"unit": tree.village_b2.code, "period": PERIOD, "file": good})
    assert page.status_code == 404
    client.force_login(tree.county_bureau)
    assert client.get("/reports/import/").status_code == 404
    client.force_login(tree.village_doctor)
    assert "没有手工填报该报表的单位" in client.get("/reports/import/").content.decode()
