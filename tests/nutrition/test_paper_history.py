"""History entered from paper: a county moving to Jiceng types last months' registers in any order.

Each back-dated entry is checked by the rules against the whole history and by the stock ledger against
the balance on its own date; it is refused only when the rules or the stock refuse it — saying which later
record conflicts — or when the month's report has already gone up."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from jiceng.nutrition import actions, eligibility
from jiceng.nutrition.models import Collection
from jiceng.reporting.models import Report, State
from jiceng.stock import queries as stock_queries
from jiceng.stock.models import StockLine
from tests.stock.conftest import stock_village

D = dt.date


@pytest.fixture
def toddler(tree, make_child):
    child = make_child(birth_date=D(2025, 3, 1))  # 12 months in March 2026
    actions.record_consent(
        child, signed_on=D(2026, 3, 1), signed_by="母亲甲", relation="母亲", acting_user=tree.village_doctor
    )
    return child


def collect(tree, child, day, packs=30):
    return actions.record_collection(child, collected_on=day, packs=packs, acting_user=tree.village_doctor)


def test_collections_entered_in_reverse_order_make_the_same_history(tree, toddler):
    stock_village(tree, 300, on=D(2026, 2, 1))
    for day in (D(2026, 6, 10), D(2026, 4, 10), D(2026, 5, 10), D(2026, 3, 10)):
        collect(tree, toddler, day)
    assert sorted(Collection.objects.filter(child=toddler).values_list("month", flat=True)) == [
        "2026-03",
        "2026-04",
        "2026-05",
        "2026-06",
    ]
    decision = eligibility.decide(toddler, D(2026, 6, 30))
    assert decision.history[0].date == D(2026, 3, 10), "enrolled with the first collection, whenever it was typed"
    assert not any(c.rule_id == "E7" for c in decision.history), "no stop and resumption: the months are filled"
    assert stock_queries.unit_stock(tree.village_a1).balance == 300 - 4 * 30


def test_a_back_dated_collection_that_breaks_a_later_one_names_it_and_saves_nothing(tree, toddler):
    stock_village(tree, 300, on=D(2026, 2, 1))
    collect(tree, toddler, D(2026, 4, 20))
    with pytest.raises(ValidationError) as refused:
        collect(tree, toddler, D(2026, 4, 5))
    text = refused.value.message_dict["packs"][0]
    assert "2026-04-20" in text and "一月一领" in text
    assert Collection.objects.filter(child=toddler).count() == 1


def test_a_back_dated_issue_needs_the_stock_the_clinic_had_on_that_day(tree, toddler):
    """The packs arrived on 05-01: a collection on 04-10 cannot have come from them."""
    stock_village(tree, 300, on=D(2026, 5, 1))
    with pytest.raises(ValidationError) as refused:
        collect(tree, toddler, D(2026, 4, 10))
    assert (
        "2026-04-10" in refused.value.message_dict["packs"][0] and "结余 0 包" in refused.value.message_dict["packs"][0]
    )
    assert not Collection.objects.exists()
    collect(tree, toddler, D(2026, 5, 10))  # after the receipt: fine


def test_a_back_dated_issue_cannot_take_packs_a_later_issue_already_took(tree, toddler, make_child):
    """30 packs on 03-01, all issued on 04-10: on 03-20 the clinic held 30, but issuing them then would
    leave the 04-10 issue without stock."""
    other = make_child(birth_date=D(2025, 3, 1))
    actions.record_consent(
        other, signed_on=D(2026, 3, 1), signed_by="母亲乙", relation="母亲", acting_user=tree.village_doctor
    )
    stock_village(tree, 30, on=D(2026, 3, 1))
    collect(tree, other, D(2026, 4, 10))
    lines = StockLine.objects.count()
    with pytest.raises(ValidationError) as refused:
        collect(tree, toddler, D(2026, 3, 20))
    assert "结余 0 包" in refused.value.message_dict["packs"][0]
    assert StockLine.objects.count() == lines and Collection.objects.filter(child=toddler).count() == 0


@pytest.mark.parametrize("state", [State.SUBMITTED, State.APPROVED])
def test_an_entry_in_a_month_whose_report_went_up_is_refused_until_it_is_returned(tree, toddler, state):
    stock_village(tree, 300, on=D(2026, 2, 1))
    report = Report.objects.create(
        dataset="NUT_MONTHLY", unit=tree.village_a1, county=tree.county, period="2026-04", state=state
    )
    with pytest.raises(ValidationError) as refused:
        collect(tree, toddler, D(2026, 4, 10))
    text = refused.value.message_dict["collected_on"][0]
    assert "大寨村" in text and "已锁定" in text and "2026年4月" in text
    with pytest.raises(ValidationError):
        actions.record_followup(toddler, visited_on=D(2026, 4, 12), hb_g_l=112, acting_user=tree.village_doctor)
    assert not Collection.objects.exists()
    report.state = State.RETURNED
    report.save()
    collect(tree, toddler, D(2026, 4, 10))
    collect(tree, toddler, D(2026, 5, 10))  # another month was never locked


def test_a_back_dated_loss_needs_the_batch_held_on_that_day(tree):
    """Received on 05-01: a loss dated 04-20 cannot have lost those packs."""
    from jiceng.stock import actions as stock_actions

    batch = stock_village(tree, 100, on=D(2026, 5, 1))
    with pytest.raises(ValidationError) as refused:
        stock_actions.record_loss(
            tree.village_a1,
            batch=batch,
            quantity=10,
            reason="loss_damaged",
            occurred_on=D(2026, 4, 20),
            acting_user=tree.village_doctor,
        )
    assert "2026-04-20" in refused.value.message_dict["quantity"][0]
    stock_actions.record_loss(
        tree.village_a1,
        batch=batch,
        quantity=10,
        reason="loss_damaged",
        occurred_on=D(2026, 5, 2),
        acting_user=tree.village_doctor,
    )
    assert stock_queries.unit_stock(tree.village_a1).balance == 90
