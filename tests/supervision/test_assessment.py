"""Assessment schemes as pack files, scores from the dashboard's figures, the ranking page with its
drill-down, and the bulletin that opens rectification for the lagging units (issue 14, build 5–6)."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest

from jiceng.audit.models import AuditEntry
from jiceng.errors import Conflict, DomainError
from jiceng.periods import parse_period
from jiceng.reporting.packs import PackError
from jiceng.supervision import actions
from jiceng.supervision.assessment import all_schemes, load_schemes, scores
from jiceng.supervision.bulletins import confirm_read, issue_bulletin
from jiceng.supervision.models import Finding, Source
from jiceng.web.todo import todo_for
from tests.supervision.conftest import inspect, today

SCHEME = "TOWNSHIP_TARGETS"


def month():
    return parse_period(today().strftime("%Y-%m"))


@pytest.fixture
def scored(tree):
    inspect(tree)  # 上坝乡's 大寨村: 90 of 100, findings B2 and B3
    b2 = Finding.objects.filter(item_code="B2").get()
    actions.issue_notice([b2.pk], deadline=today(), acting_user=tree.township_reviewer)
    Finding.objects.filter(pk=b2.pk).update(deadline=today() - dt.timedelta(days=2))  # overdue: 扣1分
    return tree


def test_the_scheme_loads_and_a_broken_one_names_file_and_line(tmp_path):
    scheme = all_schemes()[SCHEME]
    assert scheme.total_points == Decimal(100) and scheme.level == "township"
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "assessment:\n  code: A\n  name: 甲\n  level: township\nitems:\n"
        "  - {code: K1, name: x, points: 10, rule: indicator, indicator: NOPE}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match=r"a.yaml 第6行：指标 NOPE 不存在"):
        load_schemes(tmp_path)


def test_scores_come_from_the_same_figures_with_drill_down(scored):
    tree = scored
    ranked = scores(all_schemes()[SCHEME], tree.county, month())
    by_unit = {s.unit.code: s for s in ranked}
    a, b = by_unit[tree.town_a.code], by_unit[tree.town_b.code]
    inspection = {s.item.code: s for s in a.items}["K6"]
    assert inspection.points == Decimal("18.0") and "90.0%（1次检查）" in inspection.figure
    assert inspection.link == f"/supervision/records/?unit={tree.town_a.code}"
    assert {s.item.code: s for s in b.items}["K6"].figure == "未检查"
    overdue = a.deductions[0]
    assert overdue.item.code == "D1" and overdue.points == Decimal("1.0")
    assert "indicator=SUP_OVERDUE" in overdue.link and f"/indicators/{tree.town_a.code}/" in overdue.link
    on_time = {s.item.code: s for s in b.items}["K5"]
    assert on_time.points == Decimal(15)  # nothing due in 龙井镇: no_value full
    assert a.total == sum(s.points for s in a.items) - Decimal("1.0")
    assert [s.rank for s in ranked] == [1, 2] and ranked[0].total >= ranked[1].total


def test_the_ranking_page(scored, client):
    tree = scored
    client.force_login(tree.county_bureau)
    page = client.get(f"/supervision/assessment/?period={month().code}")
    body = page.content.decode()
    assert page.status_code == 200 and "村卫生室督导检查得分" in body and "18.0" in body
    assert f"/supervision/records/?unit={tree.town_a.code}" in body
    records = client.get(f"/supervision/records/?unit={tree.town_a.code}").content.decode()
    assert "大寨村" in records
    assert client.get(f"/supervision/assessment/?period={month().code}&unit=522798").status_code == 404
    client.force_login(tree.village_doctor)
    assert client.get("/supervision/assessment/").status_code == 404
    client.force_login(tree.township_reviewer)  # the township ranks its village clinics with the village scheme
    villages = client.get(f"/supervision/assessment/?period={month().code}")
    assert villages.status_code == 200 and villages.context["scheme"].code == "VILLAGE_CLINIC_TARGETS"
    assert [s.unit for s in villages.context["ranked"]][0] == tree.village_a1  # inspected: 90% of 25 points
    assert client.get(f"/supervision/assessment/?period={month().code}&scheme={SCHEME}").status_code == 404
    client.force_login(tree.county_bureau)
    assert client.get("/supervision/assessment/?period=2026-13").status_code == 400


def test_the_bulletin_opens_rectification_for_the_lagging_and_is_read_once(scored, client):
    tree = scored
    scheme = all_schemes()[SCHEME]
    with pytest.raises(DomainError, match="整改期限：.* 早于通报日期"):
        issue_bulletin(
            scheme, month(), root=tree.county, deadline=today() - dt.timedelta(days=1), acting_user=tree.county_bureau
        )
    bulletin = issue_bulletin(
        scheme, month(), root=tree.county, deadline=today() + dt.timedelta(days=20), acting_user=tree.county_bureau
    )
    assert bulletin.number_text == f"清溪卫通〔{today().year}〕1号"
    lagging = [r["unit"] for r in bulletin.ranking if r["lagging"]]
    opened = Finding.objects.filter(source=Source.BULLETIN)
    assert sorted(f.unit.code for f in opened) == sorted(lagging) and lagging
    assert all(f.deadline == bulletin.deadline and f.bulletin == bulletin for f in opened)
    with pytest.raises(Conflict, match="已下发"):
        issue_bulletin(scheme, month(), root=tree.county, deadline=today(), acting_user=tree.county_bureau)

    assert "阅读考核通报" in [i.title for i in todo_for(tree.township_reviewer)]
    client.force_login(tree.township_reviewer)
    response = client.get(f"/supervision/bulletins/{bulletin.pk}/?format=docx")
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml").decode()
    for text in (bulletin.number_text, "考核结果", "上坝乡", "龙井镇", "整改要求"):
        assert text in xml
    client.post(f"/supervision/bulletins/{bulletin.pk}/")
    with pytest.raises(Conflict):
        confirm_read(bulletin, acting_user=tree.township_reviewer)
    assert "阅读考核通报" not in [i.title for i in todo_for(tree.township_reviewer)]
    assert AuditEntry.objects.filter(action="bulletin.read").count() == 1
    client.force_login(tree.village_doctor)
    assert client.get(f"/supervision/bulletins/{bulletin.pk}/").status_code == 404
    with pytest.raises(DomainError, match="只有通报中的单位"):
        confirm_read(bulletin, acting_user=tree.village_doctor)


def test_weekly_dispatch_tasks_progress_once_a_week_and_overdue(tree, client):
    from jiceng.supervision import dispatch
    from jiceng.supervision.models import DispatchTask

    with pytest.raises(DomainError, match="完成期限：.* 早于今天"):
        dispatch.create_task(
            title="补齐温湿度记录",
            unit=tree.village_a1,
            owner_name="王村医",
            deadline=today() - dt.timedelta(days=1),
            acting_user=tree.township_reviewer,
        )
    task = dispatch.create_task(
        title="补齐温湿度记录",
        unit=tree.village_a1,
        owner_name="王村医",
        deadline=today() + dt.timedelta(days=14),
        acting_user=tree.township_reviewer,
    )
    assert "报告调度进展" in [i.title for i in todo_for(tree.village_doctor)]
    client.force_login(tree.village_doctor)
    bad = client.post(
        "/supervision/dispatch/", {"op": "progress", "task": task.pk, "text": "已补6天", "percent": "150"}
    )
    assert bad.status_code == 400 and "完成进度：应为0到100之间的整数" in bad.content.decode()
    client.post("/supervision/dispatch/", {"op": "progress", "task": task.pk, "text": "已补6天", "percent": "50"})
    assert "报告调度进展" not in [i.title for i in todo_for(tree.village_doctor)]
    with pytest.raises(Conflict, match="本周.*已报告过进展"):
        dispatch.report_progress(task, text="再报", percent=60, acting_user=tree.village_doctor)
    with pytest.raises(DomainError, match="只有责任单位可以报告进展"):
        dispatch.report_progress(task, text="代报", percent=60, acting_user=tree.township_officer)
    client.force_login(tree.village_doctor_b)
    assert (
        client.post(
            "/supervision/dispatch/", {"op": "progress", "task": task.pk, "text": "x", "percent": "1"}
        ).status_code
        == 404
    )
    DispatchTask.objects.filter(pk=task.pk).update(deadline=today() - dt.timedelta(days=1))
    client.force_login(tree.township_reviewer)
    page = client.get("/supervision/dispatch/").content.decode()
    assert "补齐温湿度记录" in page and "逾期" in page


def test_the_work_summary_names_inspections_open_rectification_and_low_scores(tree, registers):
    from jiceng.summaries.writer import write

    rec = inspect(tree, inspected_on=dt.date(2026, 10, 9))
    b2 = rec.findings.get(item_code="B2")
    actions.issue_notice([b2.pk], deadline=today(), acting_user=tree.township_reviewer)
    Finding.objects.filter(pk=b2.pk).update(deadline=dt.date(2026, 10, 20))
    draft = write(tree.county, parse_period("2026"), official=False)
    practice = draft.sections["practice"]
    assert "共督导检查1家次" in practice and "发现问题2个" in practice and "下发整改通知书1份" in practice
    problems = draft.sections["problems"]
    assert "尚有2个未销号" in problems and "已过整改期限仍未销号的问题1个" in problems
    assert "得分落后的是" in problems
    assert "对未销号的问题逐项跟踪督办" in draft.sections["next_steps"]
    quiet = write(tree.county, parse_period("2025"), official=False)
    assert "督导检查" not in quiet.sections.get("practice", "")
