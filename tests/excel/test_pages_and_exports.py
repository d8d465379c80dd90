"""Templates, the import page and exports: masked by role, limited to the scope, always logged."""

import datetime as dt

import pytest

from jiceng.audit.models import AuditEntry
from jiceng.documents.excel import INSTRUCTIONS_TITLE
from jiceng.nutrition import actions
from jiceng.nutrition.excel import CHILDREN, COLLECTIONS, FOLLOWUPS, ExportParams, render_children_export
from jiceng.nutrition.models import Child, Collection
from jiceng.standards.idnumber import make_id_number
from tests.excel.helpers import child_row, children_file, months_ago, open_workbook, upload

BIRTH = months_ago(14, 1)
ID = make_id_number("522799", BIRTH, 5, "F")


@pytest.mark.parametrize("spec", [CHILDREN, COLLECTIONS, FOLLOWUPS], ids=["children", "collections", "followups"])
def test_template_has_headers_instructions_formats_and_the_users_villages(client, tree, spec):
    kind = {CHILDREN: "children", COLLECTIONS: "collections", FOLLOWUPS: "followups"}[spec]
    client.force_login(tree.township_officer)
    response = client.get(f"/registers/excel/templates/{kind}.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    book = open_workbook(response.content)
    assert book.sheetnames == [spec.title, INSTRUCTIONS_TITLE, "村名单"]
    sheet = book[spec.title]
    assert [c.value for c in sheet[1]] == spec.headers
    birth = spec.letter(spec.column_for("birth_date"))
    assert sheet[f"{birth}2"].number_format == "yyyy-mm-dd"
    assert sheet[f"{spec.letter(spec.column_for('id_number'))}2"].number_format == "@"
    assert any(v.type == "date" for v in sheet.data_validations.dataValidation)
    notes = [row[1] for row in book[INSTRUCTIONS_TITLE].iter_rows(values_only=True)]
    assert all(h in notes for h in spec.headers)
    villages = [row[:2] for row in book["村名单"].iter_rows(min_row=2, values_only=True)]
    assert villages == [(tree.village_a1.code, "大寨村"), (tree.village_a2.code, "岩脚村")]


def test_template_filled_in_as_downloaded_imports(client, tree):
    client.force_login(tree.village_doctor)
    book = open_workbook(client.get("/registers/excel/templates/children.xlsx").content)
    sheet = book[CHILDREN.title]
    for row, values in enumerate([child_row("甲"), child_row("乙", sex="男")], start=2):
        for column, value in enumerate(values, start=1):
            sheet.cell(row=row, column=column, value=value)
    import io

    buffer = io.BytesIO()
    book.save(buffer)
    page = client.post("/registers/excel/import/children/", {"file": upload(buffer.getvalue())}).content.decode()
    assert "2 行全部导入成功" in page
    assert Child.objects.count() == 2


def test_import_page_lists_every_error_and_saves_nothing(client, tree):
    client.force_login(tree.village_doctor)
    data = children_file(child_row("甲"), [], child_row("乙", birth="三月八日"), child_row("丙", village="高坡村"))
    page = client.post("/registers/excel/import/children/", {"file": upload(data)}).content.decode()
    assert "发现 3 处错误，整个文件未导入（一条也没有保存）" in page
    assert "第3行" in page and "空行：数据中间不能有空行，请删除该行" in page
    assert "第4行" in page and "D列 出生日期" in page and "“三月八日”是文本而不是日期" in page
    assert "第5行" in page and "A列 所属村" in page and "“高坡村”不是本村" in page
    assert not Child.objects.exists()
    missing = client.post("/registers/excel/import/children/", {}).content.decode()
    assert "请选择要导入的 Excel 文件" in missing


def test_excel_pages_follow_the_roles(client, tree):
    client.force_login(tree.county_bureau)  # may view and export, not import
    home = client.get("/registers/excel/").content.decode()
    assert "导出 Excel" in home and "上传导入" not in home and "脱敏" in home
    assert client.get("/registers/excel/import/children/").status_code == 404
    assert client.get("/registers/excel/templates/children.xlsx").status_code == 404
    assert client.get("/registers/excel/export/children.xlsx").status_code == 200
    client.force_login(tree.village_doctor)
    assert "上传导入" in client.get("/registers/excel/").content.decode()
    assert client.get("/registers/excel/import/nothing/").status_code == 404
    assert client.get(f"/registers/excel/export/children.xlsx?unit={tree.village_b1.code}").status_code == 404
    client.logout()
    assert client.get("/registers/excel/export/children.xlsx").status_code == 302


def _register(tree):
    a = Child.objects.create(
        village=tree.village_a1,
        county=tree.county,
        name="甲",
        sex="F",
        birth_date=BIRTH,
        id_number=ID,
        caregiver_phone="13812345678",
    )
    Child.objects.create(village=tree.village_b1, county=tree.county, name='=HYPERLINK("x")', sex="M", birth_date=BIRTH)
    return a


def _rows(data: bytes, title: str) -> list[tuple]:
    return list(open_workbook(data)[title].iter_rows(values_only=True))


def test_children_export_is_masked_by_role_scoped_and_logged(client, tree):
    _register(tree)
    client.force_login(tree.village_doctor)  # sees full identity on one child's page, never in an export
    response = client.get("/registers/excel/export/children.xlsx")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    rows = _rows(response.content, "儿童登记")
    assert len(rows) == 2 and rows[1][3] == "甲" and rows[1][6] == ID[:6] + "********" + ID[-4:]
    assert rows[1][13] == "138****5678" and ID not in str(rows) and "13812345678" not in str(rows)
    log = AuditEntry.objects.get(action="export.children")
    assert log.actor == tree.village_doctor and log.unit == tree.village_a1
    assert log.after == {"rows": 1, "masked": True}

    client.force_login(tree.county_mch)  # county-wide, masked
    rows = _rows(client.get("/registers/excel/export/children.xlsx").content, "儿童登记")
    assert len(rows) == 3
    first = next(r for r in rows if r[3] == "甲")
    assert first[6] == ID[:6] + "********" + ID[-4:] and first[13] == "138****5678"
    assert ID not in str(rows) and "13812345678" not in str(rows)
    log = AuditEntry.objects.filter(action="export.children").first()
    assert log.actor == tree.county_mch and log.after == {"rows": 2, "masked": True}


def test_export_keeps_formula_like_text_as_text(tree):
    _register(tree)
    data = render_children_export(ExportParams(user=tree.county_mch)).content
    sheet = open_workbook(data)["儿童登记"]
    cell = next(c for c in sheet["D"] if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s"


def test_collections_export_covers_the_period_and_scope_and_is_logged(client, tree):
    child = _register(tree)
    actions.record_consent(
        child, signed_on=months_ago(6), signed_by="母亲", relation="母亲", acting_user=tree.village_doctor
    )
    for n in (3, 2, 1):
        actions.record_collection(child, collected_on=months_ago(n), packs=30, acting_user=tree.village_doctor)
    client.force_login(tree.township_reviewer)
    start, end = months_ago(3, 1), months_ago(2, 28)
    response = client.get(
        f"/registers/excel/export/collections.xlsx?unit={tree.town_a.code}&start={start:%Y-%m-%d}&end={end:%Y-%m-%d}"
    )
    rows = _rows(response.content, "营养包发放登记")
    assert [r[6].date() if isinstance(r[6], dt.datetime) else r[6] for r in rows[1:]] == [months_ago(3), months_ago(2)]
    assert rows[1][5] == ID[:6] + "********" + ID[-4:]  # exports are masked for every role
    info = dict(_rows(response.content, "导出信息"))
    assert info["行数"] == "2" and "上坝乡" in info["单位"]
    log = AuditEntry.objects.get(action="export.collections")
    assert log.after == {"rows": 2, "masked": True, "start": f"{start:%Y-%m-%d}", "end": f"{end:%Y-%m-%d}"}
    assert Collection.objects.count() == 3
    client.force_login(tree.township_reviewer_b)
    assert client.get(f"/registers/excel/export/collections.xlsx?unit={tree.town_a.code}").status_code == 404


def test_followups_export_has_the_computed_results_and_is_logged(client, tree):
    from decimal import Decimal

    child = _register(tree)
    actions.record_followup(
        child,
        visited_on=months_ago(1),
        hb_g_l=Decimal("105"),
        length_cm=Decimal("76.5"),
        position="lying",
        weight_kg=Decimal("9.4"),
        packs_last_7d=5,
        counselling_given=True,
        acting_user=tree.village_doctor,
    )
    client.force_login(tree.county_bureau)
    start = months_ago(2, 1)
    response = client.get(f"/registers/excel/export/followups.xlsx?start={start:%Y-%m-%d}")
    header, row = _rows(response.content, "个案随访")
    values = dict(zip(header, row, strict=True))
    assert values["儿童姓名"] == "甲" and values["身份证号"] == ID[:6] + "********" + ID[-4:]
    assert values["血红蛋白(g/L)"] == 105 and values["测量体位"] == "卧位（身长）" and values["已给予咨询指导"] == "是"
    assert isinstance(values["HAZ"], float) and values["贫血"] in {"无", "轻度", "中度", "重度"}
    assert AuditEntry.objects.get(action="export.followups").after["rows"] == 1
