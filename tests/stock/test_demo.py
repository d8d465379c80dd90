"""The demo county's stock history: consistent with its collections, with the situations to show."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from django.db.models import Sum

from jiceng.demo.stock import load_stock_history
from jiceng.periods import add_months
from jiceng.stock import actions, queries
from jiceng.stock.models import StockBalance, StockLine, Transfer
from tests.stock.conftest import make_collection

AS_OF = dt.date(2026, 11, 22)


def _collections(tree, make_child):
    rng = random.Random(7)
    villages = [tree.village_a1, tree.village_a2, tree.village_b1, tree.village_b2]
    start = add_months(AS_OF, -26)
    for i in range(24):
        village = villages[i % 4]
        child = make_child(village=village, birth_date=start - dt.timedelta(days=200 + 10 * i))
        month = start
        while month <= AS_OF:
            day = month.replace(day=rng.randint(2, 25))
            if village == tree.village_a1 and month.month == AS_OF.month and month.year == AS_OF.year:
                day = month.replace(day=10)  # 大寨村 collects early this month, then runs dry
            if day <= AS_OF and rng.random() < 0.85:
                make_collection(child, rng.choice([30, 30, 30, 25]), on=day)
            month = add_months(month, 1)


def test_demo_history_reconciles_and_shows_the_situations(tree, make_child):
    _collections(tree, make_child)
    totals = load_stock_history(tree.county.code, AS_OF)
    assert totals["lines"] > 500 and totals["collections"] > 300
    assert load_stock_history(tree.county.code, AS_OF) == {}, "loading twice does nothing"

    # every balance row equals its lines, every stored running balance replays
    sums = {
        (r["unit_id"], r["batch_id"]): r["s"]
        for r in StockLine.objects.values("unit_id", "batch_id").annotate(s=Sum("quantity"))
    }
    assert {(b.unit_id, b.batch_id): b.quantity for b in StockBalance.objects.all()} == sums
    running = defaultdict(int)
    for unit_id, batch_id, quantity, balance in StockLine.objects.order_by("id").values_list(
        "unit_id", "batch_id", "quantity", "balance"
    ):
        running[(unit_id, batch_id)] += quantity
        assert running[(unit_id, batch_id)] == balance >= 0

    villages = [tree.village_a1, tree.village_a2, tree.village_b1, tree.village_b2]
    rows = queries.reconciliation(villages, add_months(AS_OF, -24), AS_OF)
    assert all(r.matches for r in rows), [(r.unit.code, r.difference) for r in rows]
    assert sum(r.ledger_issued for r in rows) > 0

    overview = {s.unit.code: s for s in queries.stock_overview(list(queries.stock_units_under(tree.county)), AS_OF)}
    kinds = {code: {a.kind for a in s.alerts} for code, s in overview.items()}
    assert "stock_out" in kinds[tree.village_a1.code]
    assert "expiring" in kinds[tree.mch.code]
    assert "transfer_unconfirmed" in kinds[tree.town_b.code]
    assert any("storage" in k for k in kinds.values())
    assert overview[tree.village_a1.code].balance == 0
    assert Transfer.objects.filter(receiver=tree.village_a1, status=Transfer.Status.PENDING).exists()


def test_after_the_demo_a_clinic_on_the_ledger_must_cover_collections(tree, make_child):
    _collections(tree, make_child)
    load_stock_history(tree.county.code, AS_OF)
    balance = queries.unit_stock(tree.village_a2, AS_OF).balance
    assert balance > 0
    child = make_child(village=tree.village_a2, birth_date=AS_OF - dt.timedelta(days=300))
    collection = make_collection(child, 30, on=AS_OF)
    lines = actions.issue_for_collection(collection, acting_user=tree.township_officer)
    assert -sum(line.quantity for line in lines) == 30
