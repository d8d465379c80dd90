"""Benchmark: matching a 200,000-row 公安 list against the benefit rosters and the child register.

Builds a temporary SQLite database with the demo county (6,000 children) and its three years of benefit
rosters, writes a 公安户籍变动 list of ``--rows`` rows (recipients who died, children already registered,
births not registered, and mostly people on no roster — with and without ID numbers), then times:

- the matching alone (:func:`jiceng.benefits.lists.match` over rows already read, with the indexes built),
- the whole import through the page's action (open the file, check every cell, match, save the rows and the
  work items), and reports the peak memory of the process.

    .venv/bin/python bench/bench_list_matching.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import resource
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    options = parser.parse_args()
    os.environ["JICENG_DATA_DIR"] = tempfile.mkdtemp(prefix="jiceng-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.core.management import call_command
    from openpyxl import Workbook

    call_command("migrate", verbosity=0)
    from jiceng.accounts.models import User
    from jiceng.benefits import fieldkeys, lists
    from jiceng.benefits.models import Person
    from jiceng.demo.benefits import load_benefit_history
    from jiceng.demo.generator import AS_OF, demo_county
    from jiceng.demo.load import load_counties
    from jiceng.nutrition.models import Child
    from jiceng.standards.idnumber import make_id_number

    started = time.monotonic()
    load_counties([demo_county()])
    load_benefit_history("522799", AS_OF)
    print(f"demo county and benefit rosters: {time.monotonic() - started:.1f} s")
    user = User.objects.get(username="wjj")
    people = list(Person.objects.filter(died_on__isnull=True)[:40])
    children = list(Child.objects.exclude(id_number="")[:2000])
    villages = list(Child.objects.values_list("village__code", flat=True).distinct()[:50])
    rng = random.Random(20261129)

    book = Workbook(write_only=True)
    sheet = book.create_sheet("公安户籍变动")
    sheet.append(["公民身份号码", "姓名", "出生日期", "变动类型", "变动日期", "户籍地村代码"])
    for n in range(options.rows):
        if n < len(people):
            p = people[n]
            sheet.append([p.id_number, p.name, p.birth_date, "死亡", dt.date(2026, 10, 1), ""])
        elif n < len(people) + len(children):
            c = children[n - len(people)]
            sheet.append(
                [c.id_number, c.name, c.birth_date, "出生", c.birth_date, c.village.code if n % 50 == 0 else ""]
            )
        elif n % 10 == 0:
            birth = dt.date(2026, 1, 1) + dt.timedelta(days=rng.randrange(300))
            sheet.append(["", f"新生儿{n}", birth, "出生", birth, rng.choice(villages)])
        else:
            birth = dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(25000))
            number = make_id_number("522799", birth, rng.randrange(500), rng.choice("MF")) if n % 3 else ""
            sheet.append([number, f"居民{n}", birth, rng.choice(("死亡", "迁出")), dt.date(2026, 9, 9), ""])
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    print(f"list of {options.rows:,} rows: {len(data) / 1e6:.1f} MB")

    t5 = time.monotonic()
    upload = io.BytesIO(data)
    upload.name = "公安.xlsx"
    outcome = lists.import_list(user, "gongan", upload)
    t6 = time.monotonic()
    assert outcome.ok, [str(e) for e in outcome.errors[:5]]
    print(
        f"whole import (read, check, match, save {outcome.department_list.rows:,} rows and {outcome.items:,} items): {t6 - t5:.1f} s"
    )
    print(f"peak RSS after the import {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    from jiceng.documents import excel

    source = lists.sources()["gongan"]
    county = user.unit.parent
    t0 = time.monotonic()
    read = excel.read_sheet(source.spec(), io.BytesIO(data))
    t1 = time.monotonic()
    errors: list = []
    entries = lists._entries(source, read, county, errors)
    t2 = time.monotonic()
    index = lists.build_indexes(county)
    t3 = time.monotonic()
    found, matched = lists.match(entries, index, fieldkeys.current().search_hash, county.pk, source.name)
    t4 = time.monotonic()
    assert not errors, errors[:3]
    print(
        f"read {t1 - t0:.1f} s, check {t2 - t1:.1f} s, indexes {t3 - t2:.2f} s, "
        f"match {t4 - t3:.2f} s ({len(entries) / (t4 - t3):,.0f} rows/s): {matched:,} matched, {len(found):,} items"
    )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
