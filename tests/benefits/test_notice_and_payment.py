"""公示, 兑现 and 退出: the notice and its objections, the one-card payment file, the bank's return file
(with the bad files of issue 15), exits with the overpayment to recover, next year's roster."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from jiceng.audit.models import AuditEntry
from jiceng.benefits import actions, payments
from jiceng.benefits.models import Enrolment, Payment, PaymentBatch
from jiceng.errors import DomainError

D = dt.date


def approved(tree, family, scheme="特扶", year=2026):
    enrolments = []
    for person in family.people.all():
        e = actions.declare(tree.village_doctor, person, scheme, year)
        e = actions.village_check(tree.village_doctor, e)
        e = actions.township_review(tree.township_reviewer, e)
        enrolments.append(actions.approve(tree.county_bureau, e))
    return enrolments


NOTICE_START, NOTICE_END = D(2026, 1, 5), D(2026, 1, 12)


def noticed(tree, year=2026, start=NOTICE_START, end=NOTICE_END):
    return actions.publish_notice(tree.township_reviewer, tree.village_a1.code, year, start, end)


def bank_return(rows, headers=("身份证号码", "姓名", "发放金额", "处理结果", "失败原因")) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "回盘明细"
    sheet.append(list(headers))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def paid_family(tree, tefu_family):
    family = tefu_family()
    mother, father = approved(tree, family)
    noticed(tree)
    return family, mother, father


def test_the_notice_lists_the_village_for_at_least_seven_days(tree, tefu_family):
    approved(tree, tefu_family())
    with pytest.raises(DomainError, match="公示时间不少于7天"):
        noticed(tree, end=D(2026, 1, 10))
    notice = noticed(tree)
    assert notice.entries.count() == 2 and notice.published_by == tree.township_reviewer
    with pytest.raises(DomainError, match="没有经乡镇审核的对象"):
        actions.publish_notice(tree.township_reviewer, tree.village_a2.code, 2026, D(2026, 1, 5), D(2026, 1, 12))


def test_a_batch_pays_the_approved_and_noticed_for_the_months_asked(tree, paid_family):
    batch, skipped = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)
    assert skipped == []
    assert sorted(p.amount for p in batch.payments.all()) == [Decimal("510.00"), Decimal("510.00")]  # 170 × 3
    totals = payments.batch_totals(batch)
    assert totals["people"] == 2 and totals["amount"] == Decimal("1020.00")
    with pytest.raises(DomainError, match="没有可发放的对象"):
        payments.create_batch(tree.county_bureau, "特扶", 2026, 2, 3)  # already on their way


def test_the_payment_file_follows_the_packs_one_card_layout_with_full_numbers(tree, paid_family):
    family, mother, _father = paid_family
    batch, _ = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)
    content, name = payments.payment_file(tree.county_bureau, batch)
    sheet = load_workbook(io.BytesIO(content))["代发明细"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "姓名", "身份证号码", "一卡通账号")
    person = mother.person
    row = next(r for r in rows[1:] if r[1] == person.name)
    assert row[2] == person.id_number and row[3] == person.bank_account and row[5] == 510
    assert "特扶" in name
    assert AuditEntry.objects.filter(action="export.benefit_payment_file").exists()
    with pytest.raises(Exception, match="不能导出代发文件"):
        payments.payment_file(tree.township_reviewer, batch)


def test_a_batch_naming_people_not_approved_or_with_an_open_objection_is_refused(tree, paid_family, tefu_family):
    family, mother, father = paid_family
    other = tefu_family(sequence=2)
    declared = actions.declare(tree.village_doctor, other.people.get(role="mother"), "特扶", 2026)
    actions.record_objection(tree.village_doctor, father, "村民李某", "反映其子女尚在外地务工", D(2026, 1, 8))
    with pytest.raises(DomainError) as caught:
        payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3, [mother.pk, father.pk, declared.pk])
    message = " ".join(caught.value.messages)
    assert "有未处理的公示异议" in message and "未经县审批" in message
    assert not PaymentBatch.objects.exists()
    batch, skipped = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)
    assert [p.enrolment for p in batch.payments.all()] == [mother]
    assert {s.enrolment.pk: s.reason for s in skipped}[father.pk] == "有未处理的公示异议"


def test_an_objection_is_resolved_with_a_note_before_payment(tree, paid_family):
    family, mother, father = paid_family
    objection = actions.record_objection(tree.village_doctor, father, "村民李某", "反映不实", D(2026, 1, 8))
    resolved = actions.resolve_objection(tree.township_reviewer, objection, "经入户核实,独生子女确已死亡", False)
    assert resolved.resolved_by == tree.township_reviewer and not resolved.is_open
    batch, _ = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 1)
    assert batch.payments.count() == 2
    upheld = actions.record_objection(tree.village_doctor, mother, "村民王某", "已再婚生育", D(2026, 1, 9))
    actions.resolve_objection(tree.county_bureau, upheld, "核实属实", True)
    mother.refresh_from_db()
    assert mother.state == Enrolment.State.RETURNED and "公示异议成立" in mother.return_reason


def test_the_bank_return_file_marks_paid_and_failed(tree, paid_family):
    family, mother, father = paid_family
    batch, _ = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)
    m, f = mother.person, father.person
    outcome = payments.read_return_file(
        tree.county_bureau,
        batch,
        bank_return([(m.id_number, m.name, 510, "成功", ""), (f.id_number, f.name, 510, "失败", "账户已销户")]),
    )
    assert outcome.ok and (outcome.paid, outcome.failed) == (1, 1)
    statuses = {p.enrolment_id: (p.status, p.failure_reason) for p in batch.payments.all()}
    assert statuses[mother.pk] == (Payment.Status.PAID, "")
    assert statuses[father.pk] == (Payment.Status.FAILED, "账户已销户")
    failed = batch.payments.get(enrolment=father)
    payments.follow_up(tree.county_bureau, failed, "已通知本人到信用社补办一卡通")
    retry, skipped = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)  # the failure is paid again
    assert [p.enrolment for p in retry.payments.all()] == [father]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("522799196001010011", "外人", 510, "成功", "")], "不在本批次中"),
        (["mother:510:成功", "mother:510:成功"], "重复出现"),
        (["mother:500:成功"], "与本批次的 510.00 元不一致"),
        (["mother:510:已处理"], "应为“成功”或“失败”"),
        (["mother:510:失败"], "发放失败须写明原因"),
    ],
)
def test_a_bad_return_file_is_refused_whole_in_chinese(tree, paid_family, rows, message):
    family, mother, father = paid_family
    batch, _ = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)
    m = mother.person
    built = []
    for row in rows:
        if isinstance(row, str):
            _, amount, result = row.split(":")
            built.append((m.id_number, m.name, int(amount), result, ""))
        else:
            built.append(row)
    outcome = payments.read_return_file(tree.county_bureau, batch, bank_return(built))
    assert not outcome.ok and any(message in str(error) for error in outcome.errors), [str(e) for e in outcome.errors]
    assert not batch.payments.exclude(status=Payment.Status.PENDING).exists()
    batch.refresh_from_db()
    assert batch.state == PaymentBatch.State.DRAFT


def test_a_return_file_with_unknown_columns_is_refused(tree, paid_family):
    batch, _ = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 3)
    outcome = payments.read_return_file(
        tree.county_bureau, batch, bank_return([], headers=("证件号", "姓名", "金额", "结果", "原因"))
    )
    assert not outcome.ok and "表头与模板不一致" in str(outcome.errors[0])
    outcome = payments.read_return_file(tree.county_bureau, batch, b"not a workbook")
    assert not outcome.ok


def test_a_death_stops_payment_from_the_next_month_and_computes_the_overpayment(tree, paid_family):
    family, mother, father = paid_family
    batch, _ = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 6)  # 170 × 6 = 1020 each
    exits = actions.record_exit(tree.village_doctor, father.person, "death", D(2026, 3, 14), "公安户籍注销")
    assert len(exits) == 1
    exit_ = exits[0]
    assert exit_.stop_month == D(2026, 4, 1)
    assert exit_.overpayment == Decimal("510.00")  # April, May, June at 170
    father.refresh_from_db()
    assert father.state == Enrolment.State.EXITED and father.person.died_on == D(2026, 3, 14)
    later, skipped = payments.create_batch(tree.county_bureau, "特扶", 2026, 7, 9)
    assert [p.enrolment for p in later.payments.all()] == [mother]
    assert "已退出(死亡,2026-04起停发)" in {s.reason for s in skipped}


def test_next_years_roster_starts_from_this_years(tree, paid_family):
    family, mother, father = paid_family
    actions.record_exit(tree.village_doctor, father.person, "moved_out", D(2026, 5, 2))
    created = actions.carry_forward(tree.county_bureau, 2026)
    assert [(e.person, e.year, e.new_entrant, e.state) for e in created] == [
        (mother.person, 2027, False, Enrolment.State.DECLARED)
    ]
    assert created[0].eligible and "2027年特扶" in created[0].rules_says
    assert actions.carry_forward(tree.county_bureau, 2026) == []  # once


def test_a_batch_after_an_exit_pays_only_the_months_before_it(tree, paid_family):
    family, mother, father = paid_family
    actions.record_exit(tree.county_bureau, father.person, "death", D(2026, 2, 20))
    batch, _ = payments.create_batch(tree.county_bureau, "特扶", 2026, 1, 6)
    amounts = {p.enrolment_id: (p.first_month, p.last_month, p.amount) for p in batch.payments.all()}
    assert amounts[father.pk] == (1, 2, Decimal("340.00")) and amounts[mother.pk] == (1, 6, Decimal("1020.00"))


def test_a_yearly_scheme_paid_for_the_year_recovers_the_months_after_a_death(tree):
    from jiceng.benefits.models import Person
    from jiceng.standards.idnumber import make_id_number

    data = actions.FamilyInput(
        village_code=tree.village_a1.code,
        people=[
            actions.PersonInput(
                role="father",
                name="罗老汉",
                sex="M",
                birth_date=D(1950, 6, 1),
                id_number=make_id_number("522799", D(1950, 6, 1), 7, "M"),
                bank_account="6223000011112222333",
            )
        ],
        children=[actions.ChildInput(name="罗妹", sex="F", birth_date=D(1978, 1, 1))],
    )
    family = actions.register_family(tree.village_doctor, data)
    (enrolment,) = approved(tree, family, scheme="奖扶")
    assert enrolment.per_year == Decimal("960.00")
    noticed(tree)
    batch, _ = payments.create_batch(tree.county_bureau, "奖扶", 2026, 1, 1)  # yearly: the whole year at once
    assert (batch.first_month, batch.last_month) == (1, 12)
    (exit_,) = actions.record_exit(tree.village_doctor, Person.objects.get(name="罗老汉"), "death", D(2026, 3, 31))
    assert exit_.overpayment == Decimal("720.00")  # April–December at 80 a month
