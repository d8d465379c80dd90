"""Checklists as pack files and inspection records filled against them (issue 14, build 1–2)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.http import Http404
from PIL import Image

from jiceng.accounts.access import AccessDenied
from jiceng.audit.models import AuditEntry
from jiceng.errors import DomainError
from jiceng.reporting.packs import PackError
from jiceng.supervision import actions, files
from jiceng.supervision.checklists import all_checklists, load_checklists
from jiceng.supervision.models import Attachment, Finding, InspectionRecord, ItemResult, State
from tests.supervision.conftest import inspect, photo_bytes, record_data, today, upload


def messages(exc) -> str:
    return " ".join(m for msgs in exc.message_dict.values() for m in msgs)


def test_the_two_checklists_of_the_issue_load_from_the_packs():
    checklists = all_checklists()
    nutrition, clinic = checklists["NUT_VILLAGE_CLINIC"], checklists["CLINIC_PRACTICE"]
    assert nutrition.max_score == clinic.max_score == Decimal(100)
    topics = [t for t, _ in nutrition.topics]
    assert "营养包储存" in topics and "健康教育与宣传" in topics
    assert {"执业合法性", "医疗设施配置"} <= {t for t, _ in clinic.topics}
    assert nutrition.item("B3").finding == "实物库存与台账不符"


def test_a_broken_checklist_file_is_refused_with_file_and_line(tmp_path):
    folder = tmp_path / "prog"
    folder.mkdir()
    (folder / "bad.yaml").write_text(
        "checklist:\n  code: X\n  name: 测试\n  inspected_level: village\ntopics:\n"
        "  - name: 甲\n    items:\n      - {code: A1, text: 一, score: 0, finding: 无}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match=r"bad.yaml 第8行：分值"):
        load_checklists(tmp_path)


def test_a_record_keeps_every_item_and_turns_unmet_items_into_findings(tree):
    rec = inspect(tree)
    assert rec.score == Decimal(90) and rec.max_score == Decimal(100)
    assert rec.inspector_unit == tree.town_a and rec.county == tree.county
    assert ItemResult.objects.filter(record=rec).count() == 8
    findings = list(Finding.objects.filter(record=rec).order_by("item_code"))
    assert [f.item_code for f in findings] == ["B2", "B3"]
    assert findings[0].description == "温湿度记录缺失或不连续：温湿度记录10月缺12天"
    assert all(f.state == State.OPEN and f.unit == tree.village_a1 for f in findings)
    assert AuditEntry.objects.filter(action="inspection.record").count() == 1
    assert AuditEntry.objects.filter(action="finding.create").count() == 2


def test_a_photo_is_resized_and_its_exif_location_stripped(tree, data_dir):
    original = photo_bytes()
    assert b"Exif" in original[:200]
    rec = inspect(tree, photos=[upload()])
    photo = Attachment.objects.get(record=rec)
    stored = Path(data_dir) / photo.path
    assert stored.is_file() and photo.path.startswith("supervision/522799/")
    with Image.open(stored) as image:
        assert max(image.size) == files.PHOTO_MAX_SIDE
        assert not image.getexif() and "exif" not in image.info
    assert b"TestPhone" not in stored.read_bytes()


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"unmet": (), "items_patch": ("A1", "16")}, "A1 得分：16 分超过该项满分 15 分"),
        ({"items_patch": ("A1", "-1")}, "A1 得分：不能为负数"),
        ({"items_patch": ("A1", "abc")}, "A1 得分：应为数字"),
        ({"items_patch": ("A1", "NaN")}, "A1 得分：应为数字"),
        ({"items_patch": ("A1", "3.25")}, "A1 得分：最多一位小数"),
        ({"inspected_on": dt.date(2999, 1, 1)}, "检查日期：2999-01-01 晚于今天"),
        ({"inspected_on": "2026-02-30"}, "检查日期：请填写有效日期"),
        ({"representative": ""}, "被检查单位负责人：不能为空"),
        ({"representative": "王\x00村医"}, "被检查单位负责人：含有不可见的控制字符"),
        ({"inspectors": "张" * 201}, "检查人员：不能超过200个字"),
    ],
)
def test_bad_record_input_is_refused_and_nothing_saved(tree, overrides, text):
    patch = overrides.pop("items_patch", None)
    data = record_data(**{k: v for k, v in overrides.items() if k == "unmet"})
    for key, value in overrides.items():
        if key != "unmet":
            setattr(data, key, value)
    if patch:
        data.items[patch[0]].score = patch[1]
    with pytest.raises(DomainError) as caught:
        actions.record_inspection(data, unit=tree.village_a1, acting_user=tree.township_reviewer)
    assert text in messages(caught.value)
    assert not InspectionRecord.objects.exists() and not Finding.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("make", "text"),
    [
        (lambda: upload("report.jpg", b"this is not a picture at all", "image/jpeg"), "不是可识别的图片"),
        (lambda: upload("big.jpg", b"\xff\xd8" + b"0" * (files.MAX_UPLOAD_BYTES + 10)), "超过上限 8 MB"),
        (lambda: upload("empty.jpg", b""), "文件是空的"),
        (lambda: upload("cut.jpg", photo_bytes()[:4000]), "不是可识别的图片"),
    ],
)
def test_a_bad_photo_is_refused_with_a_clear_message_and_nothing_saved(tree, data_dir, make, text):
    with pytest.raises(DomainError) as caught:
        inspect(tree, photos=[make()])
    assert text in messages(caught.value)
    assert not InspectionRecord.objects.exists() and not Attachment.objects.exists()
    assert not (Path(data_dir) / "supervision").exists()


def test_too_many_photos_are_refused(tree):
    with pytest.raises(DomainError, match="一次最多上传 6 个文件"):
        inspect(tree, photos=[upload(f"{n}.jpg", photo_bytes(40, 30)) for n in range(7)])


def test_who_may_inspect_what(tree):
    with pytest.raises(AccessDenied):
        actions.record_inspection(record_data(), unit=tree.village_a1, acting_user=tree.village_doctor)
    with pytest.raises(Http404):  # another township's village: not found
        actions.record_inspection(record_data(), unit=tree.village_b1, acting_user=tree.township_reviewer)
    with pytest.raises(DomainError, match="只能督导检查本单位的下级单位"):
        actions.record_inspection(record_data(), unit=tree.town_a, acting_user=tree.township_reviewer)
    with pytest.raises(DomainError, match="不适用于"):  # a village checklist on a township
        actions.record_inspection(record_data(), unit=tree.town_b, acting_user=tree.county_mch)
    assert actions.record_inspection(record_data(), unit=tree.village_b1, acting_user=tree.county_mch).pk


def test_a_plan_names_every_village_clinic_of_the_township_and_a_record_may_follow_it(tree):
    plan = actions.create_plan(
        actions.PlanData(
            name="2026年第四季度营养包项目督导",
            checklist="NUT_VILLAGE_CLINIC",
            starts_on=today(),
            ends_on=today() + dt.timedelta(days=30),
            inspectors="张院长",
            every_unit=True,
        ),
        acting_user=tree.township_reviewer,
    )
    assert set(plan.units.all()) == {tree.village_a1, tree.village_a2}
    rec = actions.record_inspection(
        record_data(plan_id=plan.pk), unit=tree.village_a2, acting_user=tree.township_reviewer
    )
    assert rec.plan == plan
    with pytest.raises(DomainError, match="结束日期：不能早于开始日期"):
        actions.create_plan(
            actions.PlanData("x", "NUT_VILLAGE_CLINIC", today(), today() - dt.timedelta(days=1), "张", every_unit=True),
            acting_user=tree.township_reviewer,
        )
    with pytest.raises(DomainError, match="有单位不在本辖区"):
        actions.create_plan(
            actions.PlanData("x", "NUT_VILLAGE_CLINIC", today(), today(), "张", unit_codes=[tree.village_b1.code]),
            acting_user=tree.township_reviewer,
        )


def test_a_withdrawn_record_takes_its_findings_with_it(tree):
    rec = inspect(tree)
    actions.withdraw_record(rec, reason="录入了错误的村", acting_user=tree.township_reviewer)
    assert not Finding.objects.filter(withdrawn=False).exists()
    with pytest.raises(DomainError, match="撤销原因：不能为空"):
        actions.withdraw_record(inspect(tree), reason="  ", acting_user=tree.township_reviewer)
