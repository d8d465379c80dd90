"""Benchmark: indicators and the work summary at province scale.

Builds 10 counties / 1,800 villages (the demo generator's province), then two years of approved
village reports (frozen values for every element, 24 months × 1,800 villages), and times:
- the province-level yearly table (every county × every indicator, official figures) — aim < 2 s;
- a county dashboard (county + its townships, all indicators, plus the 12-month trend) — aim < 300 ms;
- a county's annual work summary: draft + .docx — aim < 5 s.

    .venv/bin/python bench/bench_indicators.py [--postgres] [--counties 10] [--villages 1800]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true", help="run on a throwaway PostgreSQL cluster")
    parser.add_argument("--counties", type=int, default=10)
    parser.add_argument("--villages", type=int, default=1800)
    options = parser.parse_args()
    cluster = None
    if options.postgres:
        out = subprocess.run(
            ["bash", os.path.join(ROOT, "scripts/pg_cluster.sh"), "start"], capture_output=True, text=True, check=True
        ).stdout
        for line in out.splitlines():
            key, value = line.removeprefix("export ").split("=", 1)
            os.environ[key] = value
        cluster = os.environ["PG_TMP"]
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["JICENG_DATA_DIR"] = tempfile.mkdtemp(prefix="jiceng-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, ROOT)
    try:
        run(options)
    finally:
        if cluster:
            subprocess.run(["bash", os.path.join(ROOT, "scripts/pg_cluster.sh"), "stop", cluster], check=False)


def run(options) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from jiceng.accounts.models import User
    from jiceng.demo.generator import generate_province
    from jiceng.demo.load import load_counties
    from jiceng.indicators import compute
    from jiceng.orgunits.models import Level, OrgUnit
    from jiceng.orgunits.queries import child_units
    from jiceng.periods import month_period, parse_period
    from jiceng.reporting.models import DataValue, Report, State
    from jiceng.reporting.packs import dataset
    from jiceng.summaries import actions as summaries
    from jiceng.summaries.render import render_summary

    started = time.perf_counter()
    load_counties(
        generate_province(counties=options.counties, villages=options.villages, children=options.villages * 10)
    )
    ds = dataset("NUT_MONTHLY")
    rng = random.Random(7)
    villages = list(OrgUnit.objects.filter(level=Level.VILLAGE).select_related("parent__parent"))
    reviewer = User.objects.filter(role="township_reviewer").first()
    months = [month_period(y, m) for y in (2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 10)]
    reports = [
        Report(
            dataset=ds.code,
            unit=v,
            county=v.parent.parent,
            period=p.code,
            state=State.APPROVED,
            submitted_by=reviewer,
            reviewed_by=reviewer,
        )
        for v in villages
        for p in months
    ]
    Report.objects.bulk_create(reports, batch_size=5000)
    values = []
    for report in Report.objects.filter(dataset=ds.code).values_list("pk", flat=True).iterator():
        target = rng.randint(20, 60)
        collected = int(target * rng.uniform(0.7, 0.98))
        followed = int(collected * rng.uniform(0.5, 0.9))
        figures = {
            "N01": target,
            "N02": int(target * 0.6),
            "N03": rng.randint(0, 3),
            "N04": collected,
            "N05": collected * 30,
            "N06": rng.randint(0, 2),
            "N07": rng.randint(0, 1),
            "N08": 0,
            "N09": 1,
            "N10": followed,
            "N11": int(followed * 0.85),
            "N12": int(collected * 0.8),
            "N13": followed,
            "N14": int(followed * 0.12),
            "N14A": int(followed * 0.08),
            "N14B": int(followed * 0.04),
            "N14C": 0,
            "N15": followed,
            "N16A": int(followed * 0.07),
            "N16B": int(followed * 0.05),
            "N16C": int(followed * 0.02),
        }
        values += [DataValue(report_id=report, element=k, value=v, computed_value=v) for k, v in figures.items()]
        if len(values) > 50000:
            DataValue.objects.bulk_create(values)
            values = []
    DataValue.objects.bulk_create(values)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # as autovacuum does after a bulk load; plans need statistics
    print(
        f"setup ({connection.vendor}): {len(villages)} villages, {Report.objects.count():,} reports, "
        f"{DataValue.objects.count():,} values in {time.perf_counter() - started:.0f} s"
    )

    province = OrgUnit.objects.get(level=Level.PROVINCE)
    counties = list(OrgUnit.objects.filter(level=Level.COUNTY, kind="admin").order_by("code"))
    year = parse_period("2026")

    def timed(label, fn, repeat=3):
        best = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = fn()
            elapsed = (time.perf_counter() - t0) * 1000
            best = elapsed if best is None else min(best, elapsed)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{label}: {best:.0f} ms (best of {repeat}; peak RSS so far {peak:.0f} MB)")
        return result

    if os.environ.get("BENCH_PROFILE"):  # where the province table's time goes
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.runcall(compute.compute, province, counties, year)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)
    table = timed(
        "province yearly table (10 counties × all indicators, official)",
        lambda: compute.compute(province, counties, year),
    )
    nutrition_codes = [c for c in compute.all_indicators() if c.startswith("NUT_")]
    timed(
        "  of which the nutrition indicators alone (10 counties, official, year)",
        lambda: compute.compute(province, counties, year, codes=nutrition_codes),
    )
    county = counties[0]
    print(f"  e.g. {county.name} 营养包发放率 {table[(county.pk, 'NUT_COVERAGE')].display}")
    townships = child_units(county)
    timed(
        f"county dashboard figures ({len(townships)} townships × all indicators)",
        lambda: compute.compute(county, [county, *townships], year),
    )
    timed("county 12-month trend vs last year", lambda: compute.monthly_series(county, "NUT_COVERAGE", 2026))

    # the fair comparator: one hand-written SQL statement summing the approved village values of the year
    # per township and element (what the dashboard's official figures need), then the rates in a plain loop
    from django.db import connection as conn

    sql = """
        SELECT t.id, v.element, SUM(v.value)
        FROM reporting_datavalue v
        JOIN reporting_report r ON r.id = v.report_id
        JOIN orgunits_orgunit u ON u.id = r.unit_id
        JOIN orgunits_orgunit t ON t.id = u.parent_id
        WHERE r.dataset = %s AND r.state = 'approved' AND r.period >= %s AND r.period <= %s AND t.parent_id = %s
        GROUP BY t.id, v.element
    """

    def hand_written():
        with conn.cursor() as cursor:
            cursor.execute(sql, ["NUT_MONTHLY", "2026-01", "2026-10", county.pk])
            sums = {}
            for township, element, total in cursor.fetchall():
                sums.setdefault(township, {})[element] = float(total)
        return {t: s.get("N04", 0) / s["N01"] * 100 for t, s in sums.items() if s.get("N01")}

    rates = timed("  comparator: one hand-written SQL over the same rows (townships, year, NUT)", hand_written)
    ours = compute.compute(county, townships, year, codes=["NUT_COVERAGE"])
    assert all(abs(ours[(t.pk, "NUT_COVERAGE")].value - round(rates[t.pk], 2)) < 0.011 for t in townships), "differ"
    timed(
        "  the same through the one aggregation (townships, year, NUT_COVERAGE only)",
        lambda: compute.compute(county, townships, year, codes=["NUT_COVERAGE"], with_last_year=False),
    )
    bureau = User.objects.get(role="county_bureau", unit__parent=county)

    def summary():
        made = summaries.create_summary(county, "2026", acting_user=bureau)
        return render_summary(made, acting_user=bureau)

    result = timed("county annual work summary: draft + .docx with charts", summary, repeat=1)
    print(f"  .docx {len(result.content):,} bytes")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
