"""Benchmark: the county follow-up worklist (随访提醒) of a 6,000-child county, server time p50/p95.

Builds a temporary SQLite database with the demo county (12 townships, 6,000 children, two years of
collections and follow-up cards), then requests the county MCH centre's worklist pages through Django's test
client: the first page of each list, a later page, one township, and the whole list to Excel. Target: every
page under 1 s (before issue 18 it was 4–6 s and one page of 4,100 links).

    .venv/bin/python bench/bench_worklist.py [--children 6000] [--requests 20]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=6000)
    parser.add_argument("--requests", type=int, default=20)
    options = parser.parse_args()
    os.environ["JICENG_DATA_DIR"] = tempfile.mkdtemp(prefix="jiceng-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    from jiceng.accounts.models import User
    from jiceng.demo.generator import generate_county
    from jiceng.demo.history import load_register_history
    from jiceng.demo.load import load_counties
    from jiceng.nutrition.models import Child, FollowUp
    from jiceng.orgunits.models import OrgUnit

    started = time.perf_counter()
    load_counties([generate_county(children=options.children)])
    county = OrgUnit.objects.get(level="county", kind="admin")
    load_register_history(county)
    print(
        f"setup: {Child.objects.count()} children, {FollowUp.objects.count()} follow-up cards "
        f"in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(User.objects.get(username="fybj"))
    township = OrgUnit.objects.filter(parent=county, level="township").order_by("code").first()
    pages = {
        "county, 服用依从性差, page 1": "/followups/worklist/",
        "county, 本月应随访, page 1": "/followups/worklist/?list=due",
        "county, 本月应随访, page 10": "/followups/worklist/?list=due&page=10",
        "one township": f"/followups/worklist/?unit={township.code}&list=due",
        "county, both lists to Excel": "/followups/worklist/?format=xlsx",
    }
    worst = 0.0
    for label, url in pages.items():
        first = client.get(url)
        assert first.status_code == 200, (url, first.status_code)
        times = []
        for _ in range(options.requests):
            t0 = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200
        times.sort()
        p95 = times[max(0, int(len(times) * 0.95) - 1)]
        if not url.endswith("xlsx"):
            worst = max(worst, p95)
        links = response.content.count(b"<a ") if not url.endswith("xlsx") else 0
        print(
            f"{label}: p50 {statistics.median(times):.0f} ms, p95 {p95:.0f} ms over {options.requests} requests"
            + (
                f"; {len(response.content) // 1024} KB, {links} links"
                if links
                else f"; {len(response.content) // 1024} KB"
            )
        )
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"worst page p95 {worst:.0f} ms ({'under' if worst < 1000 else 'OVER'} 1 s); peak RSS {rss:.0f} MB")


if __name__ == "__main__":
    main()
