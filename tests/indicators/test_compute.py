import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jiceng.indicators import actions, quality
from jiceng.indicators.compute import compute
from jiceng.periods import PeriodError, parse_period
from jiceng.reporting import actions as reports
from jiceng.reporting.packs import PackError, load_pack
from tests.reporting.conftest import PERIOD, REPORT_DAY


def typed_mch(tree, unit, values, *, approve=True):
    report = reports.get_report("MCH_MONTHLY", unit, PERIOD)
    reports.set_values(report, values, acting_user=tree.township_officer)
    if approve:
        reports.submit_report(
            report, acting_user=tree.township_reviewer, today=REPORT_DAY, warning_notes={"MV01": "核实无误"}
        )
        reports.approve_report(report, acting_user=tree.county_mch)
    return report


def test_seed_examples_that_reconcile(tree):
    typed_mch(tree, tree.town_a, {"M01": 272, "M02": 257, "M03": 268, "M04": 2, "M08": 140, "M09": 132})
    values = compute(tree.county, [tree.county, tree.town_a], parse_period(PERIOD))
    assert values[(tree.town_a.pk, "MCH_SYSTEM_MANAGEMENT")].value == 94.48
    assert values[(tree.town_a.pk, "MCH_HOSPITAL_DELIVERY")].value == 98.52
    assert values[(tree.town_a.pk, "MCH_INFANT_MORTALITY")].value == 7.35
    assert values[(tree.town_a.pk, "MCH_INFANT_MORTALITY")].display == "7.35‰"
    assert values[(tree.county.pk, "MCH_SYSTEM_MANAGEMENT")].value == 94.48  # the county = its one township
    # no denominator → no value, never 0%
    assert values[(tree.town_a.pk, "MCH_HIGH_RISK_MANAGEMENT")].value is None


def test_official_figures_need_approval_working_figures_do_not(tree):
    typed_mch(tree, tree.town_a, {"M01": 100, "M02": 90, "M08": 50, "M09": 50}, approve=False)
    period = parse_period(PERIOD)
    official = compute(tree.county, [tree.town_a], period)[(tree.town_a.pk, "MCH_SYSTEM_MANAGEMENT")]
    working = compute(tree.county, [tree.town_a], period, official=False)[(tree.town_a.pk, "MCH_SYSTEM_MANAGEMENT")]
    assert official.value is None and working.value == 90.0


def test_a_township_is_the_sum_of_its_villages_never_an_average(tree, registers, make_child):
    from jiceng.nutrition import actions as nutrition

    # village a2 gets a child who does not collect: a2's coverage is 1/2, a1's is 3/3
    make_child(village=tree.village_a2, name="未领", birth_date=dt.date(2025, 5, 3))
    del nutrition
    period = parse_period(PERIOD)
    values = compute(tree.town_a, [tree.town_a, tree.village_a1, tree.village_a2], period, official=False)
    a1, a2, town = (values[(u.pk, "NUT_COVERAGE")] for u in (tree.village_a1, tree.village_a2, tree.town_a))
    assert (a1.numerator, a1.denominator, a2.numerator, a2.denominator) == (3, 3, 1, 2)
    assert town.numerator == a1.numerator + a2.numerator and town.denominator == a1.denominator + a2.denominator
    assert town.value == 80.0  # 4/5, not the average of 100% and 50%


def test_year_on_year_in_points_for_rates_and_percent_for_counts(tree):
    for period, values in (("2025-10", {"M01": 200, "M02": 180}), (PERIOD, {"M01": 220, "M02": 209})):
        report = reports.get_report("MCH_MONTHLY", tree.town_a, period)
        reports.set_values(report, values, acting_user=tree.township_officer)
    now = compute(tree.county, [tree.town_a], parse_period(PERIOD), official=False)
    rate = now[(tree.town_a.pk, "MCH_SYSTEM_MANAGEMENT")]
    assert (rate.value, rate.last_year.value, rate.change, rate.change_unit) == (95.0, 90.0, 5.0, "个百分点")


def test_targets_are_inherited_and_impossible_ones_refused(tree):
    actions.set_target("NUT_COVERAGE", tree.county, 2026, "85", acting_user=tree.county_bureau)
    actions.set_target("NUT_COVERAGE", tree.town_b, 2026, "90", acting_user=tree.county_bureau)
    values = compute(tree.county, [tree.village_a1, tree.village_b1], parse_period("2026Q3"))
    assert values[(tree.village_a1.pk, "NUT_COVERAGE")].target == Decimal("85")
    assert values[(tree.village_b1.pk, "NUT_COVERAGE")].target == Decimal("90")
    with pytest.raises(ValidationError, match="不可能超过100"):
        actions.set_target("NUT_COVERAGE", tree.county, 2026, "105", acting_user=tree.county_bureau)
    with pytest.raises(Exception, match="只有县卫健局"):
        actions.set_target("NUT_COVERAGE", tree.county, 2026, "80", acting_user=tree.township_reviewer)
    from jiceng.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="target.set").count() == 2


@pytest.mark.parametrize("bad", ["2026-13", "2026Q5", "26年", "2026H3", ""])
def test_periods_that_do_not_parse(bad):
    with pytest.raises(PeriodError, match="无法识别"):
        parse_period(bad)


def test_periods():
    assert parse_period("2026Q1").months == ["2026-01", "2026-02", "2026-03"]
    assert parse_period("2026H2").label == "2026年下半年"
    assert parse_period("2026YTD03").months == ["2026-01", "2026-02", "2026-03"]
    assert parse_period("2026-03").same_period_last_year().code == "2025-03"
    assert parse_period("2026Q1").previous().code == "2025Q4"


def test_an_indicator_naming_an_unknown_element_is_refused_at_load(tmp_path):
    pack = tmp_path / "broken"
    pack.mkdir()
    (pack / "report.yaml").write_text(
        "dataset: {code: X, name: 测试, deadlines: {village: 1, township: 3}}\nelements:\n  - {code: A1, name: 甲}\n",
        encoding="utf-8",
    )
    (pack / "indicators.yaml").write_text(
        "indicators:\n  - code: I1\n    name: 测试率\n    dataset: X\n    numerator: A1\n    denominator: A9\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match=r"indicators.yaml 第2行.*未定义的数据元或参数 A9"):
        load_pack(pack)


def test_stated_changes_are_checked_against_the_values():
    # 04-indicators.md: investment 10.56 vs 4.0325 (+161.9%, ✓) and 0.87 vs 0.206 stated as +61.8% and +39.32%
    assert quality.stated_change_problem(10.56, 4.0325, 161.9) is None
    assert "322.3%" in quality.stated_change_problem(0.87, 0.206, 61.8)
    assert quality.stated_change_problem(0.87, 0.206, 39.32) is not None
    assert quality.stated_completion_problem(10.56, 18.8, 56.2) is None
    assert quality.stated_completion_problem(10.56, 18.8, 65.2) is not None


def test_rounding_follows_the_pack():
    from jiceng.indicators.compute import indicator_value
    from jiceng.reporting.packs import all_indicators

    coverage, managed = all_indicators()["NUT_COVERAGE"], all_indicators()["MCH_SYSTEM_MANAGEMENT"]
    assert indicator_value(coverage, 257, 272) == 94.49  # 四舍五入
    assert indicator_value(managed, 257, 272) == 94.48  # 舍去, as the county's MCH reports write it
    assert indicator_value(coverage, 224, 225) == 99.56
    assert indicator_value(coverage, 5, 0) is None and indicator_value(coverage, None, 10) is None


def test_no_year_on_year_when_last_year_is_incomplete(tree):
    typed_mch(tree, tree.town_a, {"M01": 100, "M02": 90, "M08": 50, "M09": 50})  # only this year approved
    report = reports.get_report("MCH_MONTHLY", tree.town_a, "2025-10")
    reports.set_values(report, {"M01": 10, "M02": 5}, acting_user=tree.township_officer)  # last year: not approved
    value = compute(tree.county, [tree.town_a], parse_period(PERIOD))[(tree.town_a.pk, "MCH_SYSTEM_MANAGEMENT")]
    assert value.value == 90.0 and value.last_year.value is None and value.change is None
