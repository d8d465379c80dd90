"""Benchmark: the assessment ranking page (考核排名) of a county in a province-scale database.

Builds the demo generator's province (10 counties, 1,800 villages), then for the largest county: approved
nutrition and 妇幼 reports for every village and township from January 2025 to October 2026 (with their
submission times, for 及时率), two inspections a year of every village clinic with their items, a finding
from every second inspection (notices, replies, closures in every state), and times:

- the scores of the county's townships for a quarter and the year (every item, deductions, the previous
  period for the change) — aim < 3 s;
- the ranking page itself (``/supervision/assessment/``) as the county health bureau, full render — aim < 4 s.

    .venv/bin/python bench/bench_supervision.py [--postgres] [--counties 10] [--villages 1800]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

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


def run(options) -> None:  # noqa: PLR0915 (a setup script)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    from jiceng.accounts.models import User
    from jiceng.demo.generator import generate_province
    from jiceng.demo.load import load_counties
    from jiceng.orgunits.models import Level, OrgUnit, subtree_q
    from jiceng.periods import month_period, parse_period
    from jiceng.reporting.models import DataValue, Report, State
    from jiceng.reporting.packs import dataset
    from jiceng.reporting.queries import deadline
    from jiceng.supervision.assessment import all_schemes, scores
    from jiceng.supervision.checklists import find_checklist
    from jiceng.supervision.models import Finding, InspectionRecord, ItemResult, Notice

    started = time.perf_counter()
    load_counties(
        generate_province(counties=options.counties, villages=options.villages, children=options.villages * 2)
    )
    counties = list(OrgUnit.objects.filter(level=Level.COUNTY, kind="admin"))
    county = max(counties, key=lambda c: OrgUnit.objects.filter(subtree_q(c.path), level=Level.VILLAGE).count())
    villages = list(OrgUnit.objects.filter(subtree_q(county.path), level=Level.VILLAGE).select_related("parent"))
    townships = list(OrgUnit.objects.filter(subtree_q(county.path), level=Level.TOWNSHIP))
    reviewer = User.objects.filter(role="township_reviewer").first()
    rng = random.Random(14)
    months = [month_period(y, m) for y in (2025, 2026) for m in range(1, 13) if (y, m) <= (2026, 10)]
    nut, mch = dataset("NUT_MONTHLY"), dataset("MCH_MONTHLY")
    reports = []
    for ds, units, level in ((nut, villages, "village"), (nut, townships, "township"), (mch, townships, "township")):
        for unit in units:
            for p in months:
                due = deadline(ds, level, p)
                late = rng.random() < 0.08
                reports.append(
                    Report(
                        dataset=ds.code,
                        unit=unit,
                        county=county,
                        period=p.code,
                        state=State.APPROVED,
                        submitted_by=reviewer,
                        reviewed_by=reviewer,
                        first_submitted_at=due + dt.timedelta(days=2) if late else due - dt.timedelta(days=1),
                    )
                )
    Report.objects.bulk_create(reports, batch_size=5000)
    values = []
    for report in Report.objects.filter(dataset=nut.code).values_list("pk", flat=True).iterator():
        target = rng.randint(20, 60)
        collected = int(target * rng.uniform(0.7, 0.98))
        followed = int(collected * rng.uniform(0.5, 0.9))
        figures = {
            "N01": target,
            "N04": collected,
            "N05": collected * 30,
            "N10": followed,
            "N11": int(followed * 0.85),
            "N12": int(collected * 0.8),
        }
        values += [DataValue(report_id=report, element=k, value=v, computed_value=v) for k, v in figures.items()]
        if len(values) > 50000:
            DataValue.objects.bulk_create(values)
            values = []
    DataValue.objects.bulk_create(values)
    checklist = find_checklist("NUT_VILLAGE_CLINIC")
    notices: dict[int, int] = {}
    for village in villages:
        for visit in range(2):
            day = dt.date(2026, 1, 10) + dt.timedelta(days=rng.randint(0, 280) if visit else rng.randint(0, 140))
            results = [(i, i.score if rng.random() > 0.08 else i.score / 2) for i in checklist.items]
            rec = InspectionRecord.objects.create(
                checklist=checklist.code,
                unit=village,
                inspector_unit=village.parent,
                county=county,
                inspected_on=day,
                inspectors="张院长",
                representative="王村医",
                score=sum((s for _i, s in results), Decimal(0)),
                max_score=checklist.max_score,
                recorded_by=reviewer,
            )
            ItemResult.objects.bulk_create(
                ItemResult(
                    record=rec,
                    item_code=i.code,
                    topic=i.topic,
                    text=i.text,
                    max_score=i.score,
                    score=s,
                    met=s == i.score,
                )
                for i, s in results
            )
            if visit == 0 or rng.random() < 0.5:
                notices[village.parent_id] = notices.get(village.parent_id, 0) + 1
                notice = Notice.objects.create(
                    issuer_unit=village.parent,
                    unit=village,
                    county=county,
                    year=2026,
                    number=notices[village.parent_id],
                    prefix="卫整",
                    issued_on=day,
                    deadline=day + dt.timedelta(days=15),
                    issued_by=reviewer,
                    issuer_name="张院长",
                )
                closed = rng.random() < 0.8
                Finding.objects.create(
                    unit=village,
                    inspector_unit=village.parent,
                    county=county,
                    source="inspection",
                    record=rec,
                    item_code="B2",
                    description="温湿度记录缺失或不连续",
                    found_on=day,
                    notice=notice,
                    deadline=notice.deadline,
                    state="closed" if closed else "open",
                    closed_on=day + dt.timedelta(days=rng.randint(5, 25)) if closed else None,
                )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"setup ({connection.vendor}): {county.name}: {len(townships)} townships, {len(villages)} villages, "
        f"{Report.objects.count():,} reports, {InspectionRecord.objects.count():,} inspections, "
        f"{Finding.objects.count():,} findings in {time.perf_counter() - started:.0f} s"
    )

    scheme = all_schemes()["TOWNSHIP_TARGETS"]

    def timed(label, fn, repeat=3):
        best = None
        for _ in range(repeat):
            t0 = time.perf_counter()
            result = fn()
            elapsed = (time.perf_counter() - t0) * 1000
            best = elapsed if best is None else min(best, elapsed)
        print(f"{label}: {best:.0f} ms (best of {repeat})")
        return result

    ranked = timed(
        f"scores of {len(townships)} townships, 2026Q3 (+ 2026Q2 for the change)",
        lambda: scores(scheme, county, parse_period("2026Q3")),
    )
    print(f"  first {ranked[0].unit.name} {ranked[0].total}, last {ranked[-1].unit.name} {ranked[-1].total}")
    timed("scores, year 2026 (+ 2025)", lambda: scores(scheme, county, parse_period("2026")))
    bureau = User.objects.get(role="county_bureau", unit__parent=county)
    client = Client()
    client.force_login(bureau)

    def page():
        response = client.get("/supervision/assessment/?period=2026Q3")
        assert response.status_code == 200, response.status_code
        return response

    response = timed("ranking page /supervision/assessment/ (county bureau, full render)", page)
    print(
        f"  page {len(response.content):,} bytes; peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )


if __name__ == "__main__":
    main()
