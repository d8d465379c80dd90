"""Allocation plans speak the one period grammar (jiceng.periods); migration 0002 rewrote the old quarter codes."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from jiceng.periods import add_months, month_code
from jiceng.stock import actions
from jiceng.stock.models import AllocationPlan
from tests.stock.conftest import today

migration = importlib.import_module("jiceng.stock.migrations.0002_allocation_period_codes")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("2026-Q4", "2026Q4"),
        ("2026-q1", "2026Q1"),
        (" 2025-Q2 ", "2025Q2"),
        ("2026-12", "2026-12"),
        ("2026-3", "2026-03"),
        ("2026Q4", "2026Q4"),  # already new: unchanged
        ("2026-Q5", "2026-Q5"),  # never valid: left for a person to look at
        ("", ""),
    ],
)
def test_the_conversion_function(old, new):
    assert migration.new_period_code(old) == new


def test_the_conversion_round_trips():
    for code in ("2026-Q4", "2026-12"):
        assert migration.old_period_code(migration.new_period_code(code)) == code


def _plan(tree, township, period):
    return AllocationPlan.objects.create(county=tree.county, township=township, period=period, planned_packs=90)


def test_the_migration_rewrites_stored_plans(tree):
    quarter, month = _plan(tree, tree.town_a, "2026-Q4"), _plan(tree, tree.town_b, "2026-12")
    migration.forwards(apps, None)
    quarter.refresh_from_db(), month.refresh_from_db()
    assert (quarter.period, month.period) == ("2026Q4", "2026-12")
    migration.backwards(apps, None)
    quarter.refresh_from_db()
    assert quarter.period == "2026-Q4"


def test_the_migration_refuses_to_merge_two_plans_silently(tree):
    _plan(tree, tree.town_a, "2026-Q4")
    _plan(tree, tree.town_a, "2026Q4")
    with pytest.raises(RuntimeError, match="已有期间 2026Q4"):
        migration.forwards(apps, None)


def test_the_allocation_page_takes_periods_codes(client, tree):
    client.force_login(tree.county_mch)
    month = add_months(today(), 1)
    quarter = f"{month.year}q{(month.month - 1) // 3 + 1}"  # lower case is read, stored upper case
    response = client.post("/stock/allocation/", {"period": quarter, "action": "propose"})
    assert response.status_code == 302 and response["Location"].endswith(f"?period={quarter.upper()}")
    assert set(AllocationPlan.objects.values_list("period", flat=True)) == {quarter.upper()}
    page = client.get(f"/stock/allocation/?period={quarter.upper()}")
    assert page.status_code == 200 and page.context["period"] == quarter.upper()
    assert all(r.plan for r in page.context["rows"])
    half = f"{month.year}H{1 if month.month <= 6 else 2}"
    client.post("/stock/allocation/", {"period": half, "action": "propose"})
    assert AllocationPlan.objects.filter(period=half).count() == 2
    typed = client.get(f"/stock/allocation/?period={month.year}-Q1")  # as people type it (issue 18)
    assert typed.context["period"] == f"{month.year}Q1"
    old = client.get(f"/stock/allocation/?period={month.year}-Q5", follow=True)
    assert "期间：格式应为 2026-12（月）、2026Q4（季度）" in old.content.decode()
    assert old.context["period"] == month_code(month)  # the default: next month


def test_actions_store_the_code_of_the_period(tree):
    month = add_months(today(), 1)
    plans = actions.propose_allocation(tree.county, period=f"{month.year}-{month.month}", acting_user=tree.county_mch)
    assert {p.period for p in plans} == {month_code(month)}
    year = actions.propose_allocation(tree.county, period=str(month.year), acting_user=tree.county_mch)
    assert {p.period for p in year} == {str(month.year)}


def test_the_allocation_api_takes_periods_codes(client, tree):
    from tests.stock.test_write_api import get, post

    month = add_months(today(), 1)
    quarter = f"{month.year}Q{(month.month - 1) // 3 + 1}"
    proposed = post(client, tree.county_mch, "/api/stock/allocation/propose/", {"period": quarter})
    assert proposed.status_code == 200 and {p["period"] for p in proposed.json()} == {quarter}
    listed = get(client, tree.county_mch, f"/api/stock/allocation/?period={quarter}")
    assert listed.status_code == 200 and len(listed.json()) == 2
    lower = get(client, tree.county_mch, f"/api/stock/allocation/?period={quarter.lower()}")
    assert lower.status_code == 200 and len(lower.json()) == 2  # 2026q4 is the same quarter, not an empty list
    old = post(client, tree.county_mch, "/api/stock/allocation/propose/", {"period": f"{month.year}-Q5"})
    assert old.status_code == 400 and "2026Q4（季度）" in old.content.decode()
