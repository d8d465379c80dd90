"""Figures: months of stock, alerts, reconciliation, storage log, allocation plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jiceng.periods import add_months, month_code
from jiceng.stock import actions, queries
from jiceng.stock.models import AllocationPlan, Transfer
from tests.stock.conftest import make_collection, pass_down, receive, stock_village, today


def kinds(stock):
    return sorted(a.kind for a in stock.alerts)


def months_ago(n: int) -> dt.date:
    return add_months(today(), -n) + dt.timedelta(days=4)


def test_need_window_is_the_three_complete_months_before(tree):
    assert queries.need_window(dt.date(2026, 11, 22)) == (dt.date(2026, 8, 1), dt.date(2026, 10, 31))
    assert queries.need_window(dt.date(2026, 2, 1)) == (dt.date(2025, 11, 1), dt.date(2026, 1, 31))


def test_months_of_stock_and_low_stock_alert(tree, make_child):
    stock_village(tree, 200, on=months_ago(4))
    children = [make_child(birth_date=today() - dt.timedelta(days=400)) for _ in range(2)]
    for n in (1, 2, 3):
        for c in children:
            actions.issue_for_collection(make_collection(c, 30, on=months_ago(n)), acting_user=tree.village_doctor)
    stock = queries.unit_stock(tree.village_a1)
    assert stock.balance == 20 and stock.monthly_need == Decimal("60.0")
    assert stock.months_of_stock == Decimal("0.3")
    assert kinds(stock) == ["low_stock"]
    assert "约可用 0.3 个月" in stock.alerts[0].text
    # the township passed 200 packs down four months ago: nothing in the window, no need, no months figure
    assert queries.unit_stock(tree.town_a).months_of_stock is None


def test_stock_out_alert(tree, child):
    stock_village(tree, 30)
    actions.issue_for_collection(make_collection(child, 30), acting_user=tree.village_doctor)
    stock = queries.unit_stock(tree.village_a1)
    assert stock.balance == 0 and kinds(stock) == ["stock_out"] and stock.alerts[0].severity == "bad"


def test_expiring_and_expired_batch_alerts(tree):
    receive(tree, 10, number="SOON", expires=today() + dt.timedelta(days=60))
    receive(tree, 10, number="LATER", expires=today() + dt.timedelta(days=61))
    receive(tree, 5, number="GONE", expires=today() - dt.timedelta(days=1), on=today() - dt.timedelta(days=9))
    stock = queries.unit_stock(tree.mch)
    assert kinds(stock) == ["expired", "expiring"]
    assert stock.balance == 20 and stock.expired_quantity == 5
    expiring = next(a for a in stock.alerts if a.kind == "expiring")
    assert "SOON" in expiring.text and "还有 60 天" in expiring.text


def test_transfer_not_confirmed_after_seven_days_alerts_the_receiver(tree):
    receive(tree, 100, on=today() - dt.timedelta(days=20))
    actions.send_transfer(
        tree.mch, tree.town_a, quantity=10, sent_on=today() - dt.timedelta(days=8), acting_user=tree.county_mch
    )
    actions.send_transfer(
        tree.mch, tree.town_a, quantity=10, sent_on=today() - dt.timedelta(days=7), acting_user=tree.county_mch
    )
    stock = queries.unit_stock(tree.town_a)
    assert kinds(stock) == ["transfer_unconfirmed"]
    assert "已 8 天未确认收货" in stock.alerts[0].text
    # the county sees the township's alert in its overview (alerts go to the unit and its parent)
    assert any(a.kind == "transfer_unconfirmed" and a.unit == tree.town_a for a in queries.alerts_under(tree.county))
    # the township's village doctor does not
    assert queries.alerts_under(tree.village_a1) == []


def test_storage_out_of_range_alerts_until_a_normal_reading(tree):
    receive(tree, 100)

    def check(temperature, humidity, **checklist):
        values = {
            "off_floor_and_wall": True,
            "pest_protection": True,
            "out_of_light": True,
            "apart_from_medicines": True,
        }
        values.update(checklist)
        return actions.record_storage_check(
            tree.mch,
            checked_on=today(),
            checked_at=dt.time(9, 0),
            temperature=temperature,
            humidity=humidity,
            checker="杨主任",
            acting_user=tree.county_mch,
            **values,
        )

    first = check("31.5", "60")
    assert first.out_of_range and "温度 31.5℃ 超出 0–30℃" in first.problems
    assert kinds(queries.unit_stock(tree.mch)) == ["storage"]
    second = check("22", "80", apart_from_medicines=False)
    assert "相对湿度 80.0% 超出 35–75%" in second.problems and "与药品或有毒有害物质混放" in second.problems
    third = check("22", "60")
    assert not third.out_of_range
    assert kinds(queries.unit_stock(tree.mch)) == []
    with pytest.raises(ValidationError) as exc:
        check("abc", "60")
    assert "温度：请填写数字" in exc.value.message_dict["temperature"][0]
    with pytest.raises(ValidationError) as exc:
        actions.record_storage_check(
            tree.mch,
            checked_on=today(),
            checked_at=dt.time(9, 0),
            temperature="20",
            humidity="50",
            checker="  ",
            off_floor_and_wall=True,
            pest_protection=True,
            out_of_light=True,
            apart_from_medicines=True,
            acting_user=tree.county_mch,
        )
    assert "检查人：不能为空" in exc.value.message_dict["checker"][0]


def test_reconciliation_of_issues_and_collections(tree, make_child):
    # a collection before the clinic went on the ledger is shown apart, not checked
    early = make_child(birth_date=today() - dt.timedelta(days=500))
    make_collection(early, 30, on=today() - dt.timedelta(days=40))
    stock_village(tree, 200, on=today() - dt.timedelta(days=35))
    children = [make_child(birth_date=today() - dt.timedelta(days=400)) for _ in range(3)]
    for c in children:
        actions.issue_for_collection(
            make_collection(c, 30, on=today() - dt.timedelta(days=1)), acting_user=tree.village_doctor
        )
    first, last = today() - dt.timedelta(days=60), today()
    [row_a1, row_a2] = queries.reconciliation([tree.village_a1, tree.village_a2], first, last)
    assert (row_a1.collection_packs, row_a1.ledger_issued, row_a1.before_ledger_packs) == (90, 90, 30)
    assert row_a1.matches and row_a1.on_ledger_since == today() - dt.timedelta(days=35)
    assert row_a2.on_ledger_since is None and row_a2.matches
    # a collection written without its issue (e.g. before the hook) is a mismatch, and listed
    stray = make_collection(make_child(birth_date=today() - dt.timedelta(days=300)), 20)
    [row] = queries.reconciliation([tree.village_a1], first, last)
    assert (row.collection_packs, row.ledger_issued, row.difference) == (110, 90, -20)
    assert list(queries.unmatched_collections(tree.village_a1, first, last)) == [stray]


@pytest.fixture
def no_acting_user_scope(monkeypatch):
    """issue_for_collection(acting_user=tree.village_doctor) in the reconciliation test: the demo loader's case."""


def test_allocation_periods_are_jiceng_periods_codes():
    assert queries.allocation_period("2026-12").month_starts == [dt.date(2026, 12, 1)]
    quarter = queries.allocation_period("2026q4")
    assert quarter.code == "2026Q4"
    assert quarter.month_starts == [dt.date(2026, 10, 1), dt.date(2026, 11, 1), dt.date(2026, 12, 1)]
    assert (
        queries.allocation_period("2026H2").months[0] == "2026-07"
        and len(queries.allocation_period("2026").months) == 12
    )
    assert queries.allocation_period("2026-Q4").code == "2026Q4"  # as people type it (issue 18)
    for bad in ("2026-13", "2026Q5", "2026-Q5", "2026YTD03", "", None):
        assert queries.allocation_period(bad) is None, bad


def test_allocation_proposed_from_due_children_and_editable(tree, make_child):
    from jiceng.nutrition.models import Consent

    period = month_code(add_months(today(), 1))
    first_day = queries.allocation_period(period).start
    for _ in range(3):  # 8–20 months old on the first day of the period: 可纳入 or 在服
        c = make_child(birth_date=first_day - dt.timedelta(days=300))
        Consent.objects.create(child=c, signed_on=today(), signed_by="母亲", relation="母亲")
    make_child(village=tree.village_b1, birth_date=first_day - dt.timedelta(days=300))
    make_child(birth_date=first_day - dt.timedelta(days=60))  # too young
    plans = actions.propose_allocation(tree.county, period=period, acting_user=tree.county_mch)
    by_town = {p.township: p for p in plans}
    assert (by_town[tree.town_a].due_children, by_town[tree.town_a].proposed_packs) == (3, 90)
    assert (by_town[tree.town_b].due_children, by_town[tree.town_b].planned_packs) == (1, 30)
    actions.update_allocation(by_town[tree.town_a], planned_packs=120, note="含机动", acting_user=tree.county_mch)
    actions.propose_allocation(tree.county, period=period, acting_user=tree.county_mch)
    plan = AllocationPlan.objects.get(township=tree.town_a, period=period)
    assert (plan.proposed_packs, plan.planned_packs, plan.edited) == (90, 120, True)
    quarter = f"{first_day.year}Q{(first_day.month - 1) // 3 + 1}"
    [q_a, _q_b] = actions.propose_allocation(tree.county, period=quarter, acting_user=tree.county_mch)
    assert q_a.proposed_packs == q_a.due_children * 90
    with pytest.raises(ValidationError) as exc:
        actions.propose_allocation(tree.county, period="2026-Q5", acting_user=tree.county_mch)
    assert "期间：格式应为" in exc.value.message_dict["period"][0]
    from jiceng.accounts.access import AccessDenied

    with pytest.raises(AccessDenied):
        actions.propose_allocation(tree.county, period=period, acting_user=tree.township_officer)


def test_allocation_table_shows_what_was_sent(tree):
    receive(tree, 500)
    period = today().strftime("%Y-%m")
    actions.propose_allocation(tree.county, period=period, acting_user=tree.county_mch)
    pass_down(tree, tree.mch, tree.town_a, 120)
    rows = {r.township: r for r in queries.allocation_table(tree.county, period)}
    assert rows[tree.town_a].sent == 120 and rows[tree.town_a].on_hand == 120 and rows[tree.town_b].sent == 0


def test_overview_counts_queries_not_units(tree, django_assert_max_num_queries):
    receive(tree, 100)
    pass_down(tree, tree.mch, tree.town_a, 50)
    pass_down(tree, tree.town_a, tree.village_a1, 20)
    units = list(queries.stock_units_under(tree.county))
    assert [u.code for u in units] == [
        "522799100",
        "522799100201",
        "522799100202",
        "522799101",
        "522799101201",
        "522799101202",
        "522799902",
    ]
    with django_assert_max_num_queries(7):
        rows = queries.stock_overview(units)
    assert {r.unit.code: r.balance for r in rows if r.on_ledger} == {
        "522799100": 30,
        "522799100201": 20,
        "522799902": 50,
    }
    assert not Transfer.objects.filter(status=Transfer.Status.PENDING).exists()


def test_a_reversed_stocktake_adjustment_nets_to_nothing(tree):
    import datetime as dt

    from jiceng.stock import actions
    from jiceng.stock.models import Batch, Reason, StockLine
    from jiceng.stock.queries import period_figures
    from tests.stock.conftest import receive

    day = dt.date.today() - dt.timedelta(days=3)
    receive(tree, 100, on=day)
    batch = Batch.objects.get()
    actions.record_stocktake(
        tree.mch, counted_on=day, counts={batch: 105}, reason="多出5包", acting_user=tree.county_mch
    )
    gain = StockLine.objects.get(reason=Reason.ADJUSTMENT)
    actions.reverse_line(gain, reason="盘点录入错误", acting_user=tree.county_mch)
    figures = period_figures([tree.mch.pk], day, dt.date.today())[tree.mch.pk]
    assert (figures["received"], figures["lost"], figures["closing"]) == (100, 0, 100)
