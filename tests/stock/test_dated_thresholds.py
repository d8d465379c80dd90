"""The stock thresholds and the adherence threshold are dated parameters: a value with a later effective
date changes the result from that date on, and only from that date."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from jiceng.nutrition.rules import adherence
from jiceng.nutrition.rules.parameters import load_parameters, parameter
from jiceng.stock import actions, queries
from jiceng.stock import parameters as P
from jiceng.stock.models import Batch, StorageCheck
from tests.stock.conftest import make_collection, receive, stock_village, today

D = dt.date


@pytest.fixture
def dated(monkeypatch):
    """``dated(name, on, value)``: the parameter gets a new value from ``on`` (undone after the test)."""
    loaded = load_parameters()

    def change(name: str, on: dt.date, value):
        old = loaded[name]
        assert on > old.dates[-1]
        monkeypatch.setitem(loaded, name, dataclasses.replace(old, dates=(*old.dates, on), values=(*old.values, value)))

    return change


def test_every_stock_threshold_is_a_dated_parameter_quoting_a_clause():
    names = [n for n in load_parameters() if n.startswith("stock_")]
    assert len(names) == 8
    for name in names:
        assert "「" in load_parameters()[name].reference, name
    assert P.thresholds(D(2026, 6, 1)) == P.Thresholds(
        D(2026, 6, 1),
        Decimal("1"),
        3,
        60,
        7,
        P.StorageLimits(Decimal("0"), Decimal("30"), Decimal("35"), Decimal("75")),
    )
    assert "「近一周服用≥4包」" in load_parameters()["adherence_min_packs_per_week"].reference


def test_adherence_threshold_changes_from_its_date_only(dated):
    dated("adherence_min_packs_per_week", D(2027, 1, 1), 5)
    assert not adherence.needs_extra_follow_up(4, D(2026, 12, 31))
    assert adherence.needs_extra_follow_up(4, D(2027, 1, 1))
    assert parameter("adherence_min_packs_per_week", D(2026, 12, 31)) == 4


def test_report_effective_use_and_worklist_follow_the_card_date(tree, make_child, dated, monkeypatch):
    from jiceng.nutrition import actions as register
    from jiceng.nutrition import queries as register_queries
    from jiceng.nutrition.report_figures import figures_for
    from jiceng.periods import parse_period

    child = make_child(birth_date=D(2025, 1, 10))
    make_collection(child, on=D(2025, 9, 2))  # a child who collected: the card counts for effective use
    register.record_followup(
        child,
        visited_on=D(2025, 9, 20),
        length_cm=Decimal("76.0"),
        position="lying",
        weight_kg=Decimal("9.4"),
        packs_last_7d=4,
        acting_user=tree.village_doctor,
    )
    month = parse_period("2025-09")
    dated("adherence_min_packs_per_week", D(2025, 9, 21), 5)  # the day after the card: no effect on it
    assert figures_for([tree.village_a1.pk], month)[tree.village_a1.pk]["effective_use"] == 1
    assert register_queries.follow_up_worklist(tree.village_a1, D(2025, 9, 30))["low_adherence"] == []

    moved = dataclasses.replace(
        load_parameters()["adherence_min_packs_per_week"], dates=(D(2018, 1, 1), D(2025, 9, 20))
    )
    monkeypatch.setitem(load_parameters(), "adherence_min_packs_per_week", moved)  # from the card's own day
    assert figures_for([tree.village_a1.pk], month)[tree.village_a1.pk]["effective_use"] == 0
    [low] = register_queries.follow_up_worklist(tree.village_a1, D(2025, 9, 30))["low_adherence"]
    assert "少于5包" in low.why


def test_near_expiry_window_changes_from_its_date_only(dated):
    change = D(2026, 7, 1)
    dated("stock_expiry_warning_days", change, 90)
    batch = Batch(number="B1", expires_on=change + dt.timedelta(days=80))
    assert not queries.BatchBalance(batch, 10, change - dt.timedelta(days=1)).expiring_soon  # 81 days > 60
    assert queries.BatchBalance(batch, 10, change).expiring_soon  # 80 days ≤ 90


def test_storage_limits_follow_the_date_of_the_reading(dated):
    dated("stock_temperature_max_c", D(2026, 7, 1), 32)
    warm = {"temperature": Decimal("31"), "humidity": Decimal("50")}
    before = StorageCheck(checked_on=D(2026, 6, 30), **warm)
    after = StorageCheck(checked_on=D(2026, 7, 1), **warm)
    assert queries.storage_problems(before)[0] == "温度 31℃ 超出 0–30℃"
    assert not [p for p in queries.storage_problems(after) if "温度" in p]


def test_low_stock_and_transfer_thresholds_change_from_their_date_only(tree, make_child, dated):
    stock_village(tree, 200, on=today() - dt.timedelta(days=130))
    children = [make_child(birth_date=today() - dt.timedelta(days=400)) for _ in range(2)]
    from jiceng.periods import add_months

    for n in (1, 2, 3):
        for c in children:
            day = add_months(today(), -n) + dt.timedelta(days=4)
            actions.issue_for_collection(make_collection(c, 30, on=day), acting_user=tree.village_doctor)
    receive(tree, 300, number="YYB2026B")
    actions.send_transfer(  # sent today, not yet confirmed by 上坝乡
        tree.mch,
        tree.town_a,
        quantity=100,
        sent_on=today(),
        batch=Batch.objects.get(number="YYB2026B"),
        acting_user=tree.county_mch,
    )
    # 大寨村 has 20 packs and needs 60 a month → 0.3 months
    tomorrow = today() + dt.timedelta(days=1)
    dated("stock_low_months", tomorrow, Decimal("0.2"))
    dated("stock_transfer_confirm_days", tomorrow, 0)
    assert [a.kind for a in queries.unit_stock(tree.village_a1).alerts] == ["low_stock"]
    assert [a.kind for a in queries.unit_stock(tree.village_a1, tomorrow).alerts] == []  # 0.3 ≥ 0.2
    assert not [a for a in queries.unit_stock(tree.town_a).alerts if a.kind == "transfer_unconfirmed"]
    late = [a for a in queries.unit_stock(tree.town_a, tomorrow).alerts if a.kind == "transfer_unconfirmed"]
    assert len(late) == 1
