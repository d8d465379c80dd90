"""Benchmark of the stock ledger (issue 5).

    .venv/bin/python bench/bench_stock.py [--lines 100000] [--repeat 5]

Builds a throwaway SQLite database (JICENG_DATA_DIR = a temporary directory; set
JICENG_BENCH_DATABASE_URL to benchmark PostgreSQL instead), loads the demo county (12 townships,
~150 village clinics, 6,000 children), gives its children two years of monthly collections, loads
the demo stock history from them, and adds one clinic with ``--lines`` ledger lines. Then it times:

* the balance and months of stock (with alerts) of the unit with 100,000 lines;
* the last page of that unit's stock card (running balances);
* the county overview of all its stock units: the query, and the page over HTTP;
* the reconciliation of every clinic over two years;
* one issue (a collection's FEFO issue, row-locked) at the 100,000-line unit.

Prints the median and best of ``--repeat`` runs in milliseconds, and the peak RSS.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OVERVIEW_BUDGET_MS = 300  # the issue's target for the county overview


def _setup_django() -> str:
    tmp = tempfile.mkdtemp(prefix="jiceng-bench-stock-")
    os.environ["JICENG_DATA_DIR"] = tmp
    os.environ["DJANGO_SETTINGS_MODULE"] = "jiceng.settings"
    if os.environ.get("JICENG_BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["JICENG_BENCH_DATABASE_URL"]
    else:
        os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return tmp


def _timed(label: str, fn, repeat: int, results: list) -> object:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = fn()
        times.append((time.perf_counter() - started) * 1000)
    results.append((label, statistics.median(times), min(times)))
    print(f"  {label:<58} median {statistics.median(times):8.1f} ms   best {min(times):8.1f} ms", flush=True)
    return value


def _step(label: str, fn):
    started = time.perf_counter()
    value = fn()
    print(f"  {label:<58} {time.perf_counter() - started:8.1f} s", flush=True)
    return value


def _collections(as_of: dt.date, months: int = 24) -> int:
    """Monthly collections (85 % of the months) for every child aged 6–35 months at the time."""
    from jiceng.nutrition.models import Child, Collection
    from jiceng.periods import add_months

    rng = random.Random(5)
    start = add_months(as_of, -months)
    rows, count = [], 0
    for child_id, birth, village_id, county_id in Child.objects.values_list(
        "pk", "birth_date", "village_id", "county_id"
    ):
        month = start
        while month <= as_of:
            age = (month.year - birth.year) * 12 + month.month - birth.month
            day = month.replace(day=rng.randint(1, 28))
            if 7 <= age <= 35 and day <= as_of and rng.random() < 0.85:
                rows.append(
                    Collection(
                        child_id=child_id,
                        unit_id=village_id,
                        county_id=county_id,
                        collected_on=day,
                        month=f"{day:%Y-%m}",
                        packs=30,
                    )
                )
            month = add_months(month, 1)
        if len(rows) >= 5000:
            Collection.objects.bulk_create(rows)
            count, rows = count + len(rows), []
    Collection.objects.bulk_create(rows)
    return count + len(rows)


def _big_unit(county, as_of: dt.date, n_lines: int):
    """A village clinic with ``n_lines`` ledger lines: a receipt every 50 lines, issues of 30 packs between,
    spread evenly over the years before ``as_of``; the last receipts keep it in stock."""
    from jiceng.orgunits.models import Kind, Level, OrgUnit
    from jiceng.stock.models import Batch, Reason, StockBalance, StockLine

    township = OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP).order_by("path").first()
    unit = OrgUnit(
        code=township.code + "999", name="压测村", level=Level.VILLAGE, kind=Kind.VILLAGE_CLINIC, parent=township
    )
    unit.path = unit.compute_path()
    unit.depth = unit.path.count("/") - 1
    unit.save()
    days = max(n_lines // 55, 365)  # ~55 lines a day
    first = as_of - dt.timedelta(days=days)
    batches = [
        Batch(number=f"BENCH{i:03d}", expires_on=first + dt.timedelta(days=180 * (i + 1) + 500))
        for i in range(days // 180 + 2)
    ]
    Batch.objects.bulk_create(batches)
    balances: dict[int, int] = {}
    rows = []
    batch = batches[0]
    for i in range(n_lines):
        day = first + dt.timedelta(days=i * days // n_lines)
        if i % 50 == 0:  # a receipt every 50 lines, of the batch current at that time; issues draw on it
            batch = batches[min((day - first).days // 180, len(batches) - 1)]
            quantity, reason = 1500, Reason.RECEIPT
        else:
            quantity, reason = -30, Reason.ISSUE
        balances[batch.pk] = balances.get(batch.pk, 0) + quantity
        rows.append(
            StockLine(
                county=county,
                unit=unit,
                batch=batch,
                occurred_on=day,
                reason=reason,
                quantity=quantity,
                balance=balances[batch.pk],
                other_party="压测",
            )
        )
        if len(rows) == 5000:
            StockLine.objects.bulk_create(rows)
            rows = []
    StockLine.objects.bulk_create(rows)
    StockBalance.objects.bulk_create(
        [StockBalance(county=county, unit=unit, batch_id=pk, quantity=q) for pk, q in balances.items()]
    )
    return unit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    tmp = _setup_django()
    try:
        run(args)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run(args) -> None:
    from django.db import connection, transaction
    from django.test import Client

    from jiceng.accounts.models import User
    from jiceng.demo.generator import AS_OF, demo_county
    from jiceng.demo.load import load_counties
    from jiceng.demo.stock import load_stock_history
    from jiceng.nutrition.models import Child, Collection
    from jiceng.orgunits.models import Kind, OrgUnit
    from jiceng.periods import add_months
    from jiceng.stock import actions, queries
    from jiceng.stock.models import StockLine

    print(f"Jiceng stock ledger benchmark on {connection.vendor} (as of {AS_OF})")
    print("setup")
    _step("demo county: units, children, users", lambda: load_counties([demo_county()]))
    data = demo_county()
    county = OrgUnit.objects.get(code=data.county_code)
    n_collections = _step("two years of collections", lambda: _collections(AS_OF))
    totals = _step("demo stock history (load_stock_history)", lambda: load_stock_history(county.code, AS_OF))
    big = _step(f"one clinic with {args.lines:,} ledger lines", lambda: _big_unit(county, AS_OF, args.lines))
    units = list(queries.stock_units_under(county))
    print(
        f"  data: {len(units)} stock units, {Child.objects.count():,} children, {n_collections:,} collections, "
        f"{StockLine.objects.count():,} ledger lines ({totals.get('lines', 0):,} from the demo history)"
    )

    results: list = []
    print("timings")
    stock = _timed(
        f"balance + months of stock + alerts, unit of {args.lines:,} lines",
        lambda: queries.unit_stock(big, AS_OF),
        args.repeat,
        results,
    )
    print(f"    → balance {stock.balance}, months of stock {stock.months_of_stock}, {len(stock.alerts)} alerts")
    _timed(
        "issuable balance (what the distribution page asks)",
        lambda: queries.issuable_balance(big, AS_OF),
        args.repeat,
        results,
    )

    _timed("stock card, last page of 50 with running balances", lambda: queries.card_page(big), args.repeat, results)
    rows = _timed(
        f"county overview query ({len(units)} units)",
        lambda: queries.stock_overview(list(queries.stock_units_under(county)), AS_OF),
        args.repeat,
        results,
    )
    print(f"    → {sum(1 for r in rows if r.alerts)} units with alerts")

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username="fybj"))
    assert client.get("/stock/").status_code == 200
    _timed("county overview page over HTTP (GET /stock/)", lambda: client.get("/stock/"), args.repeat, results)
    villages = list(OrgUnit.objects.filter(path__startswith=county.path, kind=Kind.VILLAGE_CLINIC))
    recon = _timed(
        f"reconciliation of {len(villages)} clinics over two years",
        lambda: queries.reconciliation(villages, add_months(AS_OF, -24), AS_OF),
        args.repeat,
        results,
    )
    mismatched = [r.unit.name for r in recon if not r.matches]
    print(f"    → {len(mismatched)} mismatches {mismatched} (the synthetic 压测村 has issues without collections)")

    user = User.objects.filter(role="county_mch").first()
    children = list(Child.objects.filter(village__parent=big.parent)[: args.repeat])

    pending = iter(children)

    def one_issue():
        c = next(pending)
        with transaction.atomic():
            # a month no child has collected in, so the register's one-per-month constraint holds
            collection = Collection.objects.create(
                child=c, unit=big, county=county, collected_on=AS_OF, month="2099-01", packs=30
            )
            return actions.issue_for_collection(collection, acting_user=user)

    _timed("one issue (FEFO, row-locked) at the 100,000-line unit", one_issue, min(args.repeat, len(children)), results)

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MiB")
    overview_ms = next(m for label, m, _ in results if label.startswith("county overview query"))
    verdict = "OK" if overview_ms < OVERVIEW_BUDGET_MS else "OVER BUDGET"
    print(f"county overview {overview_ms:.0f} ms (budget {OVERVIEW_BUDGET_MS} ms): {verdict}")


if __name__ == "__main__":
    main()
