import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jiceng.accounts.access import AccessDenied
from jiceng.audit.models import AuditEntry
from jiceng.periods import parse_period
from jiceng.reporting import actions, queries
from jiceng.reporting.aggregate import unit_values
from jiceng.reporting.models import Report, State
from jiceng.reporting.packs import dataset
from jiceng.reporting.values import current_cells
from tests.reporting.conftest import PERIOD, REPORT_DAY

DS = dataset("NUT_MONTHLY")


def village_report(tree, village=None):
    return actions.get_report("NUT_MONTHLY", village or tree.village_a1, PERIOD)


def test_values_are_computed_from_the_registers(tree, registers):
    cells = current_cells(DS, village_report(tree))
    assert cells["N04"].value == 3 and cells["N05"].value == 90 and cells["N01"].value == 3
    assert cells["N10"].value == 1 and cells["N11"].value == 1 and cells["N12"].value == 1


def test_the_whole_chain(tree, registers):
    report = village_report(tree)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    report.refresh_from_db()
    assert report.state == State.SUBMITTED and report.submitted_by == tree.village_doctor
    # locked: editing is refused, and the message says who can reopen it
    with pytest.raises(ValidationError, match="上坝乡卫生院审核人"):
        actions.set_values(report, {"N05": "80"}, reason="少记", acting_user=tree.village_doctor)
    # a return needs a reason
    with pytest.raises(ValidationError, match="请写明退回原因"):
        actions.return_report(report, reason=" ", acting_user=tree.township_reviewer)
    actions.return_report(
        report,
        reason="发放包数与领取登记不符",
        comments={"N05": "请核对10月8日的登记"},
        acting_user=tree.township_reviewer,
    )
    report.refresh_from_db()
    assert report.state == State.RETURNED and report.comments.get().element == "N05"
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    actions.approve_report(report, acting_user=tree.township_reviewer)
    report.refresh_from_db()
    assert report.state == State.APPROVED and report.reviewed_by == tree.township_reviewer
    # the township cannot submit while a2 is neither approved nor marked missing
    township = actions.get_report("NUT_MONTHLY", tree.town_a, PERIOD)
    with pytest.raises(ValidationError, match="岩脚村"):
        actions.submit_report(township, acting_user=tree.township_reviewer, today=REPORT_DAY)
    actions.mark_missing(
        village_report(tree, tree.village_a2), reason="村医外出培训，未上报", acting_user=tree.township_reviewer
    )
    actions.submit_report(township, acting_user=tree.township_reviewer, today=REPORT_DAY)
    township.refresh_from_db()
    assert current_cells(DS, township)["N05"].value == 90  # the approved village only
    actions.approve_report(township, acting_user=tree.county_mch)
    township.refresh_from_db()
    assert township.state == State.APPROVED and township.reviewed_by == tree.county_mch
    # the lock holds: the village report cannot be reopened while the township's is locked
    with pytest.raises(ValidationError, match="须先由上级退回汇总报表"):
        actions.return_report(report, reason="复核", acting_user=tree.township_reviewer)
    actions_done = list(AuditEntry.objects.filter(action__startswith="report.").values_list("action", flat=True))
    assert actions_done.count("report.submit") == 3 and "report.return" in actions_done


def test_the_approver_cannot_be_the_submitter(tree, registers):
    report = village_report(tree)
    # the township's reviewer approves village reports and so cannot submit one (a township with a single
    # reviewer would otherwise be stuck with a report nobody may approve)
    with pytest.raises(AccessDenied, match="审核人不能自己提交"):
        actions.submit_report(report, acting_user=tree.township_reviewer, today=REPORT_DAY)
    # a township report: its reviewer submits, the county approves — never the same person
    township = actions.get_report("MCH_MONTHLY", tree.town_a, PERIOD)
    actions.set_values(township, {"M01": "2", "M15": "2", "M08": "1", "M09": "1"}, acting_user=tree.township_officer)
    actions.submit_report(township, acting_user=tree.township_reviewer, today=REPORT_DAY)
    tree.township_reviewer.unit = tree.county
    with pytest.raises(ValidationError, match="不能审核自己提交的报表"):
        actions.approve_report(township, acting_user=tree.township_reviewer)


def test_only_the_level_above_reviews(tree, registers):
    report = village_report(tree)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    with pytest.raises(AccessDenied):
        actions.approve_report(report, acting_user=tree.county_mch)  # two levels up
    with pytest.raises(AccessDenied):
        actions.approve_report(report, acting_user=tree.village_doctor)


def test_bad_typed_values_and_periods(tree, registers):
    tree.village_a2.keeps_registers = False
    tree.village_a2.save()
    report = village_report(tree, tree.village_a2)
    with pytest.raises(ValidationError) as exc:
        actions.set_values(report, {"N04": "-3", "N05": "三十"}, acting_user=tree.township_officer)
    assert "不能为负数" in exc.value.message_dict["N04"][0] and "不是数字" in exc.value.message_dict["N05"][0]
    with pytest.raises(ValidationError, match="尚未开始"):
        actions.get_report("NUT_MONTHLY", tree.village_a1, "2099-01")
    with pytest.raises(ValidationError, match="无法识别"):
        actions.get_report("NUT_MONTHLY", tree.village_a1, "2026-13")
    # an override of a computed value needs a reason and keeps the difference
    own = village_report(tree)
    with pytest.raises(ValidationError, match="须说明原因"):
        actions.set_values(own, {"N05": "80"}, acting_user=tree.village_doctor)
    actions.set_values(own, {"N05": "80"}, reason="一名儿童退回10包", acting_user=tree.village_doctor)
    cell = current_cells(DS, own)["N05"]
    assert cell.overridden and cell.value == 80 and cell.computed == 90 and cell.difference == -10


def test_errors_block_and_warnings_need_a_comment(tree, registers):
    tree.village_a2.keeps_registers = False
    tree.village_a2.save()
    report = village_report(tree, tree.village_a2)
    actions.set_values(report, {"N01": "2", "N04": "3", "N05": "200"}, acting_user=tree.township_officer)
    with pytest.raises(ValidationError, match="V02"):
        actions.submit_report(report, acting_user=tree.township_officer, today=REPORT_DAY)
    actions.set_values(report, {"N05": "90"}, acting_user=tree.township_officer)
    with pytest.raises(ValidationError, match="V01"):
        actions.submit_report(report, acting_user=tree.township_officer, today=REPORT_DAY)
    actions.submit_report(
        report, acting_user=tree.township_officer, today=REPORT_DAY, warning_notes={"V01": "一名外村儿童在本村领取"}
    )
    assert Report.objects.get(pk=report.pk).warning_notes.get().text == "一名外村儿童在本村领取"


def test_cannot_submit_before_the_month_ends(tree, registers):
    with pytest.raises(ValidationError, match="尚未结束"):
        actions.submit_report(village_report(tree), acting_user=tree.village_doctor, today=dt.date(2026, 10, 20))


def test_stale_page_is_told_what_happened(tree, registers):
    report = village_report(tree)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    seen = Report.objects.get(pk=report.pk).version
    actions.approve_report(report, acting_user=tree.township_reviewer, expected_version=seen)
    with pytest.raises(actions.ReportConflict, match="张院长.*审核通过"):
        actions.return_report(report, reason="有误", acting_user=tree.township_reviewer, expected_version=seen)


def test_timeliness_and_completeness(tree, registers):
    report = village_report(tree)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    actions.approve_report(report, acting_user=tree.township_reviewer)
    late = village_report(tree, tree.village_a2)
    actions.submit_report(late, acting_user=tree.township_officer, today=REPORT_DAY)
    due = queries.deadline(DS, "village", parse_period(PERIOD))
    assert due.isoformat() == "2026-11-01T23:59:59.999999+08:00"
    Report.objects.filter(pk=report.pk).update(first_submitted_at=due - dt.timedelta(hours=20))
    Report.objects.filter(pk=late.pk).update(first_submitted_at=due + dt.timedelta(hours=2))
    figures = queries.timeliness(DS, tree.town_a, "village", parse_period(PERIOD))
    assert (figures.due, figures.on_time, figures.approved) == (2, 1, 1)
    assert figures.timeliness == 50.0 and figures.completeness == 50.0
    county = queries.timeliness(DS, tree.county, "village", parse_period(PERIOD))
    assert county.due == 4 and county.timeliness == 25.0


def test_sum_of_children_uses_approved_reports_for_official_figures(tree, registers):
    report = village_report(tree)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    official = unit_values(DS, [tree.town_a], [PERIOD], official=True)[(tree.town_a.pk, PERIOD)]
    working = unit_values(DS, [tree.town_a], [PERIOD], official=False)[(tree.town_a.pk, PERIOD)]
    assert "N05" not in official and working["N05"].value == 120  # a1 submitted (90) + a2 live (30)


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_at_once_one_wins(tree, registers):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    report = village_report(tree)
    actions.submit_report(report, acting_user=tree.village_doctor, today=REPORT_DAY)
    version = Report.objects.get(pk=report.pk).version
    other = type(tree.township_reviewer).objects.create(
        username="xz_reviewer2", role="township_reviewer", unit=tree.town_a, full_name="副院长"
    )
    outcomes, barrier = [], threading.Barrier(2)

    def act(fn):
        try:
            barrier.wait()
            fn()
            outcomes.append("ok")
        except (ValidationError, actions.ReportConflict) as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [
        threading.Thread(
            target=act,
            args=(
                lambda: actions.approve_report(report, acting_user=tree.township_reviewer, expected_version=version),
            ),
        ),
        threading.Thread(
            target=act,
            args=(lambda: actions.return_report(report, reason="有误", acting_user=other, expected_version=version),),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    loser = next(o for o in outcomes if o != "ok")
    assert "操作未执行" in loser


def test_village_only_rules_do_not_block_a_township_with_a_stock_ledger(tree, registers):
    import datetime as dt

    from tests.stock.conftest import pass_down, receive

    receive(tree, 500, on=dt.date(2026, 9, 20))
    pass_down(tree, tree.mch, tree.town_a, 300, on=dt.date(2026, 9, 25))  # 上坝乡 keeps a ledger; its villages do not
    for village in (tree.village_a1, tree.village_a2):
        report = village_report(tree, village)
        actions.submit_report(report, acting_user=tree.township_officer, today=REPORT_DAY)
        actions.approve_report(report, acting_user=tree.township_reviewer)
    township = actions.get_report("NUT_MONTHLY", tree.town_a, PERIOD)
    cells = current_cells(DS, township)
    assert cells["N18"].value == 0 and cells["N05"].value == 120  # own stock issues none; villages issued 120
    actions.submit_report(township, acting_user=tree.township_reviewer, today=REPORT_DAY)
    assert Report.objects.get(pk=township.pk).state == State.SUBMITTED


def test_period_is_normalised(tree):
    assert actions.get_report("NUT_MONTHLY", tree.village_a1, "2026-3").period == "2026-03"
    assert (
        actions.get_report("NUT_MONTHLY", tree.village_a1, "2026-03").pk
        == actions.get_report("NUT_MONTHLY", tree.village_a1, "2026-3").pk
    )


def test_report_stock_figures_and_the_stock_card_agree(tree, make_child):
    import datetime as dt

    from jiceng.nutrition import actions as nutrition
    from jiceng.stock.queries import card_totals
    from tests.stock.conftest import stock_village

    stock_village(tree, 100, on=dt.date(2026, 9, 20))
    child = make_child(birth_date=dt.date(2025, 5, 3))
    nutrition.record_consent(
        child, signed_on=dt.date(2026, 9, 25), signed_by="母", relation="母亲", acting_user=tree.village_doctor
    )
    nutrition.record_collection(child, collected_on=dt.date(2026, 10, 8), packs=30, acting_user=tree.village_doctor)
    cells = current_cells(DS, village_report(tree))
    card = card_totals(tree.village_a1, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert (cells["N17A"].value, cells["N17C"].value, cells["N17E"].value) == (100, 30, 70)
    assert (card["opening"], card["issued"], card["closing"]) == (100, 30, 70)
    assert cells["N18"].value == cells["N05"].value == 30
