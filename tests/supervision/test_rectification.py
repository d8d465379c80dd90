"""The rectification loop: notice, receipt, reply, re-check, return, 销号, 逾期, 升级 (issue 14, build 3)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from jiceng.accounts.access import AccessDenied
from jiceng.audit.models import AuditEntry
from jiceng.errors import Conflict, DomainError
from jiceng.supervision import actions, queries
from jiceng.supervision.models import Finding, FindingEvent, Notice, State
from tests.supervision.conftest import inspect, today, upload


@pytest.fixture
def noticed(tree):
    rec = inspect(tree)
    ids = list(rec.findings.values_list("pk", flat=True))
    notice = actions.issue_notice(ids, deadline=today() + dt.timedelta(days=14), acting_user=tree.township_reviewer)
    return notice, list(Finding.objects.filter(pk__in=ids).order_by("item_code"))


def test_a_notice_is_numbered_per_issuer_and_year_and_sets_the_deadline(tree, noticed):
    notice, findings = noticed
    year = today().year
    assert notice.number_text == f"上坝卫整〔{year}〕1号"
    assert all(f.notice == notice and f.deadline == notice.deadline for f in findings)
    second = inspect(tree)
    again = actions.issue_notice(
        list(second.findings.values_list("pk", flat=True)), deadline=today(), acting_user=tree.township_reviewer
    )
    assert again.number == 2
    with pytest.raises(Conflict, match="已下发过整改通知书"):
        actions.issue_notice([findings[0].pk], deadline=today(), acting_user=tree.township_reviewer)


def test_a_deadline_before_the_notice_date_is_refused(tree):
    rec = inspect(tree)
    ids = list(rec.findings.values_list("pk", flat=True))
    with pytest.raises(DomainError, match="整改期限：.* 早于通知书下发日期"):
        actions.issue_notice(ids, deadline=today() - dt.timedelta(days=1), acting_user=tree.township_reviewer)
    with pytest.raises(DomainError, match="整改期限：请填写有效日期"):
        actions.issue_notice(ids, deadline="2026-13-01", acting_user=tree.township_reviewer)
    assert not Finding.objects.filter(notice__isnull=False).exists()


def test_the_unit_confirms_receipt_once(tree, noticed):
    notice, _findings = noticed
    with pytest.raises(DomainError, match="只有被通知单位可以确认收到"):
        actions.confirm_receipt(notice, acting_user=tree.township_officer)
    actions.confirm_receipt(notice, acting_user=tree.village_doctor)
    notice.refresh_from_db()
    assert notice.received_by == tree.village_doctor
    with pytest.raises(Conflict, match="已于"):
        actions.confirm_receipt(notice, acting_user=tree.village_doctor)


def test_the_loop_reply_recheck_close_and_return(tree, noticed, data_dir):
    _notice, (b2, b3) = noticed
    actions.reply(b2, text="已补齐温湿度记录，每日登记", acting_user=tree.village_doctor, uploads=[upload()])
    actions.reply(b3, text="已盘点，台账已更正", acting_user=tree.village_doctor)
    b2.refresh_from_db()
    assert b2.state == State.REPLIED
    assert b2.events.get(kind=FindingEvent.Kind.REPLY).attachments.count() == 1

    actions.recheck(b2, passed=True, note="现场复查属实", acting_user=tree.township_reviewer)
    b2.refresh_from_db()
    assert b2.state == State.CLOSED and b2.closed_on == today() and b2.closed_on_time is True
    actions.recheck(b3, passed=False, note="台账仍有3包差异", acting_user=tree.township_reviewer)
    b3.refresh_from_db()
    assert b3.state == State.OPEN
    assert b3.events.filter(kind=FindingEvent.Kind.RETURN, text="台账仍有3包差异").exists()
    assert AuditEntry.objects.get(action="finding.return").reason == "台账仍有3包差异"
    kinds = list(b2.events.values_list("kind", flat=True))
    assert kinds == ["create", "notice", "reply", "recheck", "close"]
    counts = queries.counts(tree.county_bureau, today())
    assert counts["closed"] == 1 and counts["open"] == 1


def test_bad_steps_of_the_loop_are_refused(tree, noticed):
    _notice, (b2, b3) = noticed
    actions.reply(b2, text="已整改", acting_user=tree.village_doctor)
    with pytest.raises(DomainError, match="退回原因：不能为空"):
        actions.recheck(b2, passed=False, note="", acting_user=tree.township_reviewer)
    actions.recheck(b2, passed=True, acting_user=tree.township_reviewer)
    with pytest.raises(Conflict, match="不能再反馈"):  # a reply to an item already closed
        actions.reply(b2, text="再次反馈", acting_user=tree.village_doctor)
    with pytest.raises(Conflict, match="只有已反馈的问题可以复查"):
        actions.recheck(b3, passed=True, acting_user=tree.township_reviewer)
    with pytest.raises(DomainError, match="只有整改单位可以反馈"):
        actions.reply(b3, text="代为反馈", acting_user=tree.township_officer)
    with pytest.raises(DomainError, match="整改情况：不能为空"):
        actions.reply(b3, text="  ", acting_user=tree.village_doctor)
    actions.reply(b3, text="已整改", acting_user=tree.village_doctor)
    with pytest.raises(AccessDenied):  # a re-check by the unit that replied (a village doctor never re-checks)
        actions.recheck(b3, passed=True, acting_user=tree.village_doctor)
    with pytest.raises(Http404):  # another township's reviewer: not found
        actions.recheck(b3, passed=True, acting_user=tree.township_reviewer_b)
    with pytest.raises(Http404):
        actions.reply(b3, text="x", acting_user=tree.village_doctor_b)


def test_a_township_replies_to_the_county_and_the_county_rechecks(tree):
    finding = actions.finding_from_data(
        unit=tree.town_a,
        source="report",
        source_key="report:MCH_MONTHLY:2026-10",
        description="10月妇幼月报迟报",
        acting_user=tree.county_mch,
    )
    actions.reply(finding, text="已补报", acting_user=tree.township_reviewer)
    with pytest.raises(DomainError, match="只能督导检查本单位的下级单位"):  # the unit that replied
        actions.recheck(finding, passed=True, acting_user=tree.township_reviewer)
    actions.recheck(finding, passed=True, acting_user=tree.county_bureau, close=False)
    finding.refresh_from_db()
    assert finding.state == State.RECHECKED
    actions.close(finding, acting_user=tree.county_mch)
    finding.refresh_from_db()
    assert finding.state == State.CLOSED


def test_overdue_and_escalation_to_a_case_or_a_penalty(tree, noticed):
    _notice, (b2, b3) = noticed
    Finding.objects.filter(pk=b2.pk).update(deadline=today() - dt.timedelta(days=1))
    b2.refresh_from_db()
    assert b2.is_overdue(today())
    assert queries.counts(tree.township_reviewer, today())["overdue"] == 1
    with pytest.raises(DomainError, match="罚款金额：应为大于0的金额"):
        actions.escalate(b2, kind="penalty", amount="-5", note="逾期未整改", acting_user=tree.township_reviewer)
    with pytest.raises(DomainError, match="罚款金额：不超过1000万元"):
        actions.escalate(b2, kind="penalty", amount="1e20", note="逾期未整改", acting_user=tree.township_reviewer)
    actions.escalate(b2, kind="penalty", amount="500", note="逾期未整改", acting_user=tree.township_reviewer)
    b2.refresh_from_db()
    assert b2.penalty_amount == Decimal("500.00") and b2.state == State.OPEN
    actions.escalate(b3, kind="case", note="拒不整改", acting_user=tree.county_bureau)
    actions.close_case(b3, outcome="责令停业整顿一个月", acting_user=tree.county_bureau)
    b3.refresh_from_db()
    assert b3.case_closed_on == today()
    with pytest.raises(Conflict, match="已升级"):
        actions.escalate(b3, kind="case", note="再次", acting_user=tree.county_bureau)


def test_a_finding_from_the_data_is_made_once(tree):
    finding = actions.finding_from_data(
        unit=tree.village_a1,
        source="alert",
        source_key="alert:NUT_COVERAGE:2026-10",
        description="10月营养包发放率62%，低于目标85%",
        acting_user=tree.township_reviewer,
    )
    assert finding.source == "alert" and finding.inspector_unit == tree.town_a
    with pytest.raises(Conflict, match="已列入整改"):
        actions.finding_from_data(
            unit=tree.village_a1,
            source="alert",
            source_key="alert:NUT_COVERAGE:2026-10",
            description="重复",
            acting_user=tree.township_reviewer,
        )


def test_the_demo_year_has_findings_in_every_state(tree, make_child):
    from jiceng.demo.supervision import load_supervision_history

    as_of = dt.date(2026, 11, 22)
    totals = load_supervision_history(tree.county.code, as_of)
    assert totals["records"] >= 4 and totals["findings"] == Finding.objects.filter(source="inspection").count()
    findings = list(Finding.objects.filter(source="inspection"))
    states = {f.state for f in findings}
    assert {State.OPEN, State.CLOSED} <= states
    assert all(f.notice_id and f.deadline >= f.notice.issued_on for f in findings)
    closed = [f for f in findings if f.state == State.CLOSED]
    assert all(f.closed_on <= as_of and f.events.filter(kind="close").exists() for f in closed)
    numbers = [(n.issuer_unit_id, n.year, n.number) for n in Notice.objects.all()]
    assert len(numbers) == len(set(numbers))
    assert totals["bulletins"] == 2
    assert totals["dispatch_tasks"] == 2  # the test county has two townships
    bulletin_findings = Finding.objects.filter(source="bulletin")
    assert {f.state for f in bulletin_findings} <= {State.OPEN, State.CLOSED}
