"""Supervision pages, files, the notice .docx and the list exports, as each role sees them."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from openpyxl import load_workbook

from jiceng.audit.models import AuditEntry
from jiceng.supervision import actions
from jiceng.supervision.models import Attachment, Finding, InspectionRecord, State
from jiceng.web.todo import todo_for
from tests.supervision.conftest import CHECKLIST, inspect, photo_bytes, today, upload


def form(**overrides):
    data = {
        "checklist": CHECKLIST,
        "inspected_on": today().isoformat(),
        "inspectors": "张院长",
        "representative": "王村医",
    }
    for code, score in {"A1": 15, "A2": 10, "B1": 10, "B2": 10, "B3": 15, "C1": 15, "C2": 15, "D1": 10}.items():
        data[f"score_{code}"] = str(score)
        data[f"met_{code}"] = "1"
    data.update({"met_B2": "0", "score_B2": "5", "remark_B2": "10月缺12天", "met_D1": "0", "score_D1": "6"})
    data.update(overrides)
    return data


def test_the_reviewer_fills_a_record_on_the_form_with_a_photo(client, tree):
    client.force_login(tree.township_reviewer)
    page = client.get(f"/supervision/inspect/{tree.village_a1.code}/?checklist={CHECKLIST}")
    assert page.status_code == 200 and "营养包储存" in page.content.decode()
    response = client.post(f"/supervision/inspect/{tree.village_a1.code}/", {**form(), "photos": upload()})
    rec = InspectionRecord.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/records/{rec.pk}/"
    assert rec.score == 91 and rec.findings.count() == 2 and rec.attachments.count() == 1
    detail = client.get(response["Location"]).content.decode()
    assert "温湿度记录缺失或不连续：10月缺12天" in detail and "下发整改通知书" in detail


def test_a_score_above_the_maximum_keeps_the_form_and_saves_nothing(client, tree):
    client.force_login(tree.township_reviewer)
    response = client.post(f"/supervision/inspect/{tree.village_a1.code}/", form(score_A1="20", remark_A2="备注保留"))
    body = response.content.decode()
    assert response.status_code == 400 and "A1 得分：20 分超过该项满分 15 分" in body and "备注保留" in body
    assert not InspectionRecord.objects.exists()


def test_a_file_that_is_not_an_image_is_refused_on_the_form(client, tree, data_dir):
    client.force_login(tree.township_reviewer)
    fake = upload("photo.jpg", b"MZ\x90\x00 an executable", "image/jpeg")
    response = client.post(f"/supervision/inspect/{tree.village_a1.code}/", {**form(), "photos": fake})
    assert response.status_code == 400 and "不是可识别的图片" in response.content.decode()
    assert not InspectionRecord.objects.exists() and not (data_dir / "supervision").exists()


def test_out_of_scope_is_not_found(client, tree):
    rec = inspect(tree, photos=[upload()])
    finding = rec.findings.first()
    photo = Attachment.objects.get()
    client.force_login(tree.township_reviewer_b)
    assert client.get(f"/supervision/inspect/{tree.village_a1.code}/?checklist={CHECKLIST}").status_code == 404
    assert client.get(f"/supervision/records/{rec.pk}/").status_code == 404
    assert client.get(f"/supervision/findings/{finding.pk}/").status_code == 404
    assert client.post(f"/supervision/findings/{finding.pk}/", {"op": "pass"}).status_code == 404
    assert client.get(f"/supervision/files/{photo.pk}/").status_code == 404
    client.force_login(tree.village_doctor_b)
    assert client.post(f"/supervision/findings/{finding.pk}/", {"op": "reply", "text": "x"}).status_code == 404
    client.force_login(tree.admin)
    assert client.get("/supervision/").status_code == 404
    client.force_login(tree.village_doctor)
    assert client.get(f"/supervision/files/{photo.pk}/")["Content-Type"] == "image/jpeg"
    assert Finding.objects.get(pk=finding.pk).state == State.OPEN


def test_the_loop_through_the_pages_and_the_to_dos(client, tree):
    rec = inspect(tree, photos=[upload()])
    ids = list(rec.findings.order_by("item_code").values_list("pk", flat=True))
    client.force_login(tree.township_reviewer)
    bad = client.post(
        "/supervision/notices/new/",
        {"finding": ids, "deadline": "2000-01-01"},
        HTTP_REFERER=f"/supervision/records/{rec.pk}/",
    )
    assert bad.status_code == 302 and not Finding.objects.filter(notice__isnull=False).exists()
    deadline = (today() + dt.timedelta(days=10)).isoformat()
    response = client.post("/supervision/notices/new/", {"finding": ids, "deadline": deadline})
    notice_url = response["Location"]
    assert "整改通知书" in client.get(notice_url).content.decode()

    assert [i.title for i in todo_for(tree.village_doctor) if i.title in ("确认整改通知书", "整改反馈")] == [
        "确认整改通知书",
        "整改反馈",
    ]
    client.force_login(tree.village_doctor)
    client.post(notice_url + "receipt/")
    for pk in ids:
        reply = client.post(f"/supervision/findings/{pk}/", {"op": "reply", "text": "已整改", "photos": upload()})
        assert reply.status_code == 302
    assert "整改复查" in [i.title for i in todo_for(tree.township_reviewer)]
    client.force_login(tree.township_reviewer)
    client.post(f"/supervision/findings/{ids[0]}/", {"op": "pass", "note": "属实", "close": "1"})
    back = client.post(f"/supervision/findings/{ids[1]}/", {"op": "return", "note": ""})
    assert back.status_code == 400 and "退回原因：不能为空" in back.content.decode()
    client.post(f"/supervision/findings/{ids[1]}/", {"op": "return", "note": "照片看不清"})
    states = dict(Finding.objects.values_list("pk", "state"))
    assert states == {ids[0]: State.CLOSED, ids[1]: State.OPEN}
    page = client.get(f"/supervision/findings/{ids[1]}/").content.decode()
    assert "照片看不清" in page and "复查未通过，退回整改" in page


def test_the_notice_docx_has_number_findings_deadline_issuer_and_photo(client, tree):
    rec = inspect(tree, photos=[upload()])
    notice = actions.issue_notice(
        list(rec.findings.values_list("pk", flat=True)),
        deadline=today() + dt.timedelta(days=7),
        acting_user=tree.township_reviewer,
    )
    client.force_login(tree.village_doctor)
    response = client.get(f"/supervision/notices/{notice.pk}/notice.docx")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    xml = archive.read("word/document.xml").decode()
    for text in (f"〔{today().year}〕1号", "温湿度记录缺失或不连续", "上坝乡卫生院", "整改要求", "张院长"):
        assert text in xml
    assert any(n.startswith("word/media/") for n in archive.namelist())
    assert AuditEntry.objects.filter(action="export.notice").count() == 1


@pytest.mark.parametrize("which", ["problems", "tasks", "results"])
def test_the_three_lists_export_what_the_page_shows(client, tree, which):
    rec = inspect(tree)
    b2, b3 = rec.findings.order_by("item_code")
    actions.issue_notice([b2.pk, b3.pk], deadline=today(), acting_user=tree.township_reviewer)
    actions.reply(b2, text="已整改", acting_user=tree.village_doctor)
    actions.recheck(b2, passed=True, acting_user=tree.township_reviewer)
    client.force_login(tree.county_bureau)
    page = client.get(f"/supervision/findings/?list={which}")
    assert page.status_code == 200
    response = client.get(f"/supervision/findings/?list={which}&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]]
    expected = {"problems": 2, "tasks": 1, "results": 1}[which]
    assert len(rows) == expected and all(r[1] == "大寨村卫生室" or r[1] == "大寨村" for r in rows)
    if which == "results":
        assert rows[0][6] == "按期"
    assert AuditEntry.objects.filter(action="export.rectification").get().after["rows"] == expected
    client.force_login(tree.township_reviewer_b)
    other = client.get(f"/supervision/findings/?list={which}&format=xlsx")
    assert not [
        r for r in load_workbook(io.BytesIO(other.content)).active.iter_rows(min_row=3, values_only=True) if r[0]
    ]


def test_photo_bytes_helper_makes_a_real_exif_photo():
    assert photo_bytes(10, 10)[:2] == b"\xff\xd8"


def test_a_late_report_becomes_a_finding_in_one_action_and_only_once(client, tree):
    client.force_login(tree.township_reviewer)
    page = client.get("/supervision/from-data/")
    assert page.status_code == 200
    rows = [r for r in page.context["rows"] if r.unit == tree.village_a1 and r.key.startswith("report:NUT_MONTHLY")]
    assert len(rows) == 1 and "逾期未报" in rows[0].text and rows[0].existing is None
    assert not [r for r in page.context["rows"] if r.unit.parent_id not in (tree.town_a.pk,)]
    row = rows[0]
    data = {"unit": row.unit.code, "source": row.source, "key": row.key, "description": row.text}
    response = client.post("/supervision/from-data/", data)
    finding = Finding.objects.get()
    assert response["Location"] == f"/supervision/findings/{finding.pk}/" and finding.source == "report"
    again = client.get("/supervision/from-data/")
    assert [r.existing for r in again.context["rows"] if r.key == row.key and r.unit == tree.village_a1] == [finding]
    client.post("/supervision/from-data/", data, HTTP_REFERER="/supervision/from-data/")
    assert Finding.objects.count() == 1
    client.force_login(tree.township_reviewer_b)
    assert client.post("/supervision/from-data/", data).status_code == 404
    client.force_login(tree.village_doctor)
    assert client.get("/supervision/from-data/").status_code == 404


def test_a_plan_is_made_on_its_page_and_shows_its_progress(client, tree):
    client.force_login(tree.township_reviewer)
    bad = client.post(
        "/supervision/plans/",
        {
            "name": "四季度督导",
            "checklist": CHECKLIST,
            "starts_on": "2026-10-01",
            "ends_on": "2026-09-01",
            "inspectors": "张院长",
            "every_unit": "1",
        },
    )
    assert bad.status_code == 400 and "结束日期：不能早于开始日期" in bad.content.decode()
    client.post(
        "/supervision/plans/",
        {
            "name": "四季度督导",
            "checklist": CHECKLIST,
            "starts_on": "2026-10-01",
            "ends_on": "2026-12-31",
            "inspectors": "张院长",
            "every_unit": "1",
        },
    )
    inspect(tree)
    page = client.get("/supervision/plans/").content.decode()
    assert "四季度督导" in page and "已检查 0 / 2 个单位" in page  # the record above does not name the plan
    client.force_login(tree.village_doctor)
    assert client.post("/supervision/plans/", {"name": "x"}).status_code == 404


@pytest.mark.parametrize(
    "url",
    [
        "/supervision/findings/99999999999999999999/",
        "/supervision/records/99999999999999999999/",
        "/supervision/notices/99999999999999999999/",
        "/supervision/files/99999999999999999999/",
        "/supervision/bulletins/99999999999999999999/",
        "/api/supervision/findings/99999999999999999999/",
    ],
)
def test_absurd_ids_in_addresses_are_not_found(client, tree, url):
    client.force_login(tree.township_reviewer)
    assert client.get(url).status_code == 404


def test_absurd_or_hostile_form_values_are_refused_not_500(client, tree):
    rec = inspect(tree)
    client.force_login(tree.township_reviewer)
    ids = [str(pk) for pk in rec.findings.values_list("pk", flat=True)]
    response = client.post(
        "/supervision/notices/new/",
        {"finding": ["99999999999999999999", "x\x00"], "deadline": "2026-12-31"},
        HTTP_REFERER="/supervision/",
    )
    assert response.status_code in (302, 400) and not Finding.objects.filter(notice__isnull=False).exists()
    form_data = {**form(), "plan": "99999999999999999999"}
    assert client.post(f"/supervision/inspect/{tree.village_a1.code}/", form_data).status_code == 302
    dispatch = client.post(
        "/supervision/dispatch/", {"op": "progress", "task": "99999999999999999999", "text": "x", "percent": "1"}
    )
    assert dispatch.status_code == 404
    plan = client.post(
        "/supervision/plans/",
        {
            "name": "x",
            "checklist": CHECKLIST,
            "starts_on": "2026-01-01",
            "ends_on": "2026-02-01",
            "inspectors": "张",
            "units": ["5227\x00"],
        },
    )
    assert plan.status_code in (400, 404)
    assert len(ids) == 2
    assert client.get("/supervision/assessment/?period=9999999999").status_code == 400


def test_the_township_sees_no_recheck_buttons_on_a_finding_the_county_issued(client, tree):
    finding = actions.finding_from_data(
        unit=tree.village_a1,
        source="alert",
        source_key="alert:x",
        description="县级发现的问题",
        acting_user=tree.county_mch,
    )
    actions.reply(finding, text="已整改", acting_user=tree.village_doctor)
    client.force_login(tree.township_reviewer)
    page = client.get(f"/supervision/findings/{finding.pk}/")
    assert page.status_code == 200 and not page.context["can_recheck"] and not page.context["can_escalate"]
    client.force_login(tree.county_bureau)
    assert client.get(f"/supervision/findings/{finding.pk}/").context["can_recheck"]
