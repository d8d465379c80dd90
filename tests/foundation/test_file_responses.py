"""Every generated file goes out through ``jiceng.documents.responses.file_response``: named in Chinese
(RFC 5987, with an ASCII fallback), an attachment never cached or sniffed, and each export logged once."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from jiceng.audit.models import AuditEntry
from jiceng.documents.files import RenderedFile
from jiceng.documents.responses import ascii_filename, content_disposition, file_response
from jiceng.indicators import actions as targets
from jiceng.nutrition import actions as nutrition
from jiceng.summaries import actions as summaries
from tests.reporting.conftest import registers  # noqa: F401  (the same register fixture)


def _expect_file(response, filename: str):
    assert response.status_code == 200, response.content[:300]
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert f"filename*=UTF-8''{quote(filename, safe='')}" in disposition
    assert disposition.isascii()
    assert response["Cache-Control"] == "no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert int(response["Content-Length"]) == len(response.content)


def _logged_once(action: str, actor) -> AuditEntry:
    entries = list(AuditEntry.objects.filter(action=action))
    assert len(entries) == 1, [e.action for e in entries]
    assert entries[0].actor == actor
    return entries[0]


@pytest.mark.django_db
def test_exports_say_their_chinese_name_are_never_cached_and_are_logged_once(client, tree, registers):  # noqa: F811
    targets.set_target("NUT_COVERAGE", tree.county, 2026, "85", acting_user=tree.county_bureau)
    client.force_login(tree.township_reviewer)
    town, village = tree.town_a, tree.village_a1

    response = client.get(f"/reports/NUT_MONTHLY/{village.code}/2026-10/export.xlsx")
    _expect_file(response, f"{village.name}_2026-10_营养包月报表.xlsx")
    _logged_once("export.report", tree.township_reviewer)

    response = client.get(f"/indicators/{town.code}/?period=2026Q4&figures=working&format=xlsx")
    _expect_file(response, f"{town.name}_2026Q4_指标.xlsx")
    assert _logged_once("export.indicators", tree.township_reviewer).after["rows"] == 3

    response = client.get(f"/summaries/quarterly/{town.code}/2026Q4/?figures=working&format=docx")
    _expect_file(response, f"{town.name}_2026Q4_季度分析.docx")
    _logged_once("export.quarterly", tree.township_reviewer)

    summary = summaries.create_summary(town, "2026Q4", official=False, acting_user=tree.township_officer)
    response = client.get(f"/summaries/{summary.pk}/download.docx")
    _expect_file(response, f"{summary.title}.docx")
    _logged_once("export.summary", tree.township_reviewer)

    response = client.get(f"/stock/{village.code}/export.xlsx")
    _expect_file(response, f"营养包出入库登记_{village.name}.xlsx")
    entry = _logged_once("stock.export", tree.township_reviewer)
    assert entry.unit == village and entry.object_repr == f"营养包出入库登记_{village.name}.xlsx"

    client.force_login(tree.village_doctor)
    response = client.get("/registers/excel/export/children.xlsx")
    _expect_file(response, f"儿童登记_{village.name}_{nutrition.today():%Y%m%d}.xlsx")
    assert _logged_once("export.children", tree.village_doctor).after["rows"] == 3


@pytest.mark.django_db
def test_templates_are_files_too_and_are_not_logged_as_exports(client, tree):
    client.force_login(tree.township_officer)
    _expect_file(client.get("/registers/excel/templates/children.xlsx"), "儿童登记导入模板.xlsx")
    client.force_login(tree.admin)
    _expect_file(client.get("/users/import/template.xlsx"), "用户导入模板.xlsx")
    _expect_file(client.get("/units/import/template.xlsx"), "组织机构导入模板.xlsx")
    client.force_login(tree.township_officer)
    response = client.get("/reports/import/?dataset=MCH_MONTHLY&template=MCH_PROVINCIAL_MONTHLY")
    _expect_file(response, "妇幼卫生信息系统月度汇总表_模板.xlsx")
    assert not AuditEntry.objects.filter(action__startswith="export.").exists()


def test_the_ascii_fallback_keeps_what_it_can():
    assert ascii_filename("上坝乡_2026-10_营养包月报表.xlsx") == "2026-10.xlsx"
    assert ascii_filename("用户导入模板.xlsx") == "download.xlsx"
    assert ascii_filename('a"b\r\nc;.docx') == "a_b_c.docx"
    header = content_disposition('报表"; filename=evil.exe.xlsx')
    assert header.isascii() and '"; filename=evil' not in header.split("filename*=")[1]
    assert header.count("filename=") == 1 and header.count("filename*=") == 1


@pytest.mark.django_db
def test_personal_data_never_leaves_unlogged(rf, tree):
    request = rf.get("/")
    request.user = tree.township_reviewer
    personal = RenderedFile("名单.xlsx", "application/octet-stream", b"x", personal_data=True, rows=1)
    with pytest.raises(ValueError):
        file_response(request, personal)
    file_response(request, personal, audit_action="stock.export", unit=tree.town_a, audit_details={"from": None})
    entry = AuditEntry.objects.get(action="stock.export")
    assert entry.after == {"file": "名单.xlsx", "rows": 1, "from": None} and entry.unit == tree.town_a
    already = RenderedFile("名单.xlsx", "application/octet-stream", b"x", personal_data=True, audited=True)
    file_response(request, already, audit_action="stock.export", unit=tree.town_a)  # the renderer logged it
    assert AuditEntry.objects.filter(action="stock.export").count() == 1
    with pytest.raises(ValueError):
        RenderedFile("../etc/passwd", "text/plain", b"")
