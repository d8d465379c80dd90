"""Benchmark: the distribution page (本月发放) of a 300-child village, server time p50/p95.

Builds a temporary SQLite database with one village of 300 children and two years of history
(the demo history generator), then requests the page 60 times through Django's test client.

    .venv/bin/python bench/bench_distribution.py [--children 300] [--requests 60]
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
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--requests", type=int, default=60)
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
    from jiceng.nutrition.models import Child, Collection
    from jiceng.orgunits.models import OrgUnit

    started = time.perf_counter()
    load_counties([generate_county(children=options.children, townships=1, villages_per_township=(1, 1))])
    load_register_history(OrgUnit.objects.get(level="county", kind="admin"))
    doctor = User.objects.get(username="cunyi")
    village = doctor.unit
    print(
        f"setup: {Child.objects.filter(village=village).count()} children, "
        f"{Collection.objects.filter(unit=village).count()} collections in {time.perf_counter() - started:.1f} s"
    )
    client = Client()
    client.force_login(doctor)
    url = f"/distribution/{village.code}/"
    assert client.get(url).status_code == 200
    times = []
    for _ in range(options.requests):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"distribution page, {options.children}-child village: p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms over {options.requests} requests; peak RSS {rss:.0f} MB"
    )


if __name__ == "__main__":
    main()
