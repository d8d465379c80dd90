"""Every figure counted as the spec says (issue: "every figure right"): the latest *result* in the month,
denominators that match their numerators, each child once over a quarter, and moves that leave the past
alone. Each test is the example from the issue, small enough to count by hand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from jiceng.indicators import compute
from jiceng.nutrition import actions
from jiceng.nutrition.report_figures import figures_for
from jiceng.periods import parse_period
from jiceng.reporting.models import Report, State
from tests.stock.conftest import make_collection

D = dt.date
# 大寨村 is at 1250 m: Hb is adjusted by −2 g/L (WS/T 441-2013), so 104 → 102 (mild), 115 → 113 (none)


def card(tree, child, day, **fields):
    return actions.record_followup(child, visited_on=day, acting_user=tree.village_doctor, **fields)


def indicator(tree, unit, period, code, *, official=False):
    values = compute.compute(unit, [unit], parse_period(period), official=official, codes=[code], with_last_year=False)
    return values[(unit.pk, code)]


@pytest.fixture
def toddler(make_child):
    return make_child(birth_date=D(2025, 1, 10))  # 12–23 months through 2026


def test_hb_counts_from_the_latest_card_with_a_result_not_the_latest_card(tree, toddler):
    card(tree, toddler, D(2026, 7, 6), hb_g_l=Decimal("104"))
    card(tree, toddler, D(2026, 7, 12), packs_last_7d=5)  # a second card without Hb
    july = figures_for([tree.village_a1.pk], parse_period("2026-07"))[tree.village_a1.pk]
    assert (july["hb_tested"], july["anaemic"], july["anaemic_mild"]) == (1, 1, 1)
    assert july["followed_up"] == 1


def test_length_counts_from_the_latest_card_with_a_measurement(tree, toddler):
    card(tree, toddler, D(2026, 7, 6), length_cm=Decimal("70.0"), position="lying", weight_kg=Decimal("8.0"))
    card(tree, toddler, D(2026, 7, 20), hb_g_l=Decimal("120"))
    july = figures_for([tree.village_a1.pk], parse_period("2026-07"))[tree.village_a1.pk]
    assert (july["length_measured"], july["stunted"]) == (1, 1)  # 70 cm at 18 months: HAZ < −2


def test_effective_use_counts_only_children_who_had_collected(tree, make_child, toddler):
    """The baseline card (服用前, before any collection) is not in the denominator: 1/1, not 1/2."""
    baseline_only = make_child(birth_date=D(2025, 2, 1))
    card(tree, baseline_only, D(2026, 7, 3), packs_last_7d=0)
    make_collection(toddler, on=D(2026, 7, 2))
    card(tree, toddler, D(2026, 7, 9), packs_last_7d=6)
    july = figures_for([tree.village_a1.pk], parse_period("2026-07"))[tree.village_a1.pk]
    assert (july["followed_up"], july["followed_up_collected"], july["effective_use"]) == (2, 1, 1)
    value = indicator(tree, tree.village_a1, "2026-07", "NUT_EFFECTIVE_USE")
    assert (value.numerator, value.denominator, value.display) == (1, 1, "100.00%")


def test_counselling_counts_only_children_who_collected_so_it_never_exceeds_100(tree, make_child, toddler):
    counselled_without_collecting = make_child(birth_date=D(2025, 2, 1))
    card(tree, counselled_without_collecting, D(2026, 7, 3), counselling_given=True)
    make_collection(toddler, on=D(2026, 7, 2))
    card(tree, toddler, D(2026, 7, 9), counselling_given=True)
    july = figures_for([tree.village_a1.pk], parse_period("2026-07"))[tree.village_a1.pk]
    assert (july["collected_children"], july["counselled"]) == (1, 1)
    assert indicator(tree, tree.village_a1, "2026-07", "NUT_COUNSELLING").display == "100.00%"


def test_anaemia_over_a_quarter_counts_each_child_once_with_the_latest_result(tree, make_child, toddler):
    """Tested in January (anaemic), February and March (not): Q1 is 0 of 1, not 1 of 3."""
    card(tree, toddler, D(2026, 1, 10), hb_g_l=Decimal("104"))
    card(tree, toddler, D(2026, 2, 10), hb_g_l=Decimal("104"))
    card(tree, toddler, D(2026, 3, 10), hb_g_l=Decimal("115"))
    other = make_child(birth_date=D(2025, 3, 1))
    card(tree, other, D(2026, 2, 20), hb_g_l=Decimal("95"))  # moderate, once
    value = indicator(tree, tree.village_a1, "2026Q1", "NUT_ANAEMIA")
    assert (value.numerator, value.denominator, value.display) == (1, 2, "50.00%")
    county = indicator(tree, tree.county, "2026Q1", "NUT_ANAEMIA")
    assert (county.numerator, county.denominator) == (1, 2)
    monthly = [
        indicator(tree, tree.village_a1, m, "NUT_ANAEMIA").denominator for m in ("2026-01", "2026-02", "2026-03")
    ]
    assert monthly == [1, 2, 1], "each month on its own still counts its own cards"


def test_official_prevalence_over_a_quarter_uses_only_the_approved_months(tree, toddler):
    card(tree, toddler, D(2026, 1, 10), hb_g_l=Decimal("115"))
    card(tree, toddler, D(2026, 2, 10), hb_g_l=Decimal("104"))
    card(tree, toddler, D(2026, 3, 10), hb_g_l=Decimal("115"))  # March is not approved
    for month in ("2026-01", "2026-02"):
        Report.objects.create(
            dataset="NUT_MONTHLY", unit=tree.village_a1, county=tree.county, period=month, state=State.APPROVED
        )
    official = indicator(tree, tree.county, "2026Q1", "NUT_ANAEMIA", official=True)
    assert (official.numerator, official.denominator) == (1, 1), "February's result is the latest approved one"
    working = indicator(tree, tree.county, "2026Q1", "NUT_ANAEMIA")
    assert (working.numerator, working.denominator) == (0, 1)


def test_a_move_leaves_the_old_villages_past_months_alone(tree, make_child, toddler):
    """Collected in 大寨村 in July and August, moved to 岩脚村 in September: July and August stay with
    大寨村 (target child, collection, enrolment); 岩脚村 gains the child from September only."""
    actions.record_consent(
        toddler, signed_on=D(2026, 7, 1), signed_by="母亲甲", relation="母亲", acting_user=tree.village_doctor
    )
    actions.record_collection(toddler, collected_on=D(2026, 7, 5), packs=30, acting_user=tree.village_doctor)
    actions.record_collection(toddler, collected_on=D(2026, 8, 5), packs=30, acting_user=tree.village_doctor)
    a1, a2 = tree.village_a1.pk, tree.village_a2.pk
    before = {m: figures_for([a1, a2], parse_period(m)) for m in ("2026-07", "2026-08")}
    actions.move_child(
        toddler,
        kind="transfer",
        happened_on=D(2026, 9, 10),
        to_village=tree.village_a2,
        acting_user=tree.township_officer,
    )
    for month in ("2026-07", "2026-08"):
        after = figures_for([a1, a2], parse_period(month))
        assert after == before[month]
        assert (after[a1]["target_children"], after[a1]["collected_children"], after[a2]["target_children"]) == (
            1,
            1,
            0,
        )
    assert figures_for([a1, a2], parse_period("2026-07"))[a1]["newly_enrolled"] == 1
    september = figures_for([a1, a2], parse_period("2026-09"))
    assert (september[a1]["target_children"], september[a2]["target_children"]) == (0, 1)


def test_a_child_who_moved_out_counts_until_the_month_they_left(tree, toddler):
    actions.move_child(toddler, kind="move_out", happened_on=D(2026, 9, 10), acting_user=tree.village_doctor)
    counts = {
        m: figures_for([tree.village_a1.pk], parse_period(m))[tree.village_a1.pk]["target_children"]
        for m in ("2026-08", "2026-09", "2026-10")
    }
    assert counts == {"2026-08": 1, "2026-09": 1, "2026-10": 0}


@pytest.mark.parametrize("official", [False, True])
def test_a_village_that_types_its_figures_adds_its_months_to_the_recount_of_the_others(tree, toddler, official):
    """岩脚村 keeps no register here (it types its report): its months add up; 大寨村's register is
    recounted, each child once. County Q1 Hb tested = 1 (大寨村) + 4 + 6 (岩脚村's two months)."""
    from jiceng.reporting.models import DataValue

    tree.village_a2.keeps_registers = False
    tree.village_a2.save()
    card(tree, toddler, D(2026, 1, 10), hb_g_l=Decimal("104"))
    card(tree, toddler, D(2026, 2, 10), hb_g_l=Decimal("115"))
    state = State.APPROVED if official else State.OPEN
    for month, tested, anaemic in (("2026-01", 4, 1), ("2026-02", 6, 2)):
        report = Report.objects.create(
            dataset="NUT_MONTHLY", unit=tree.village_a2, county=tree.county, period=month, state=state
        )
        for element, value in (("N13", tested), ("N14", anaemic)):
            DataValue.objects.create(report=report, element=element, value=value, origin=DataValue.Origin.TYPED)
        if official:
            Report.objects.create(
                dataset="NUT_MONTHLY", unit=tree.village_a1, county=tree.county, period=month, state=state
            )
    county = indicator(tree, tree.county, "2026Q1", "NUT_ANAEMIA", official=official)
    assert (county.numerator, county.denominator) == (0 + 1 + 2, 1 + 4 + 6)
    town = indicator(tree, tree.town_a, "2026Q1", "NUT_ANAEMIA", official=official)
    assert (town.numerator, town.denominator) == (3, 11)
