"""Benchmark: import a 50,000-row collections (发放登记) Excel file into a fresh SQLite database.

    .venv/bin/python bench/bench_import.py [--rows 50000] [--profile]

Children and their consent forms are created first with bulk_create (that is set-up, not what
is measured); then the file is written, and ``import_collections`` runs as a township officer
would run it: header and cell checks, child look-up, duplicate checks, then ``record_collection``
(the real action: rules E1–E9, audit row) for every row, all in one transaction.
Prints rows per second for the whole import and for each phase, and the peak RSS.
``--profile`` also prints the functions that dominate (cProfile, cumulative time). ``--worker`` runs the
import as a background job in a real worker process (``jiceng db_worker --batch``) and prints that
process's time and peak RSS (a worker must stay under 300 MB).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(data_dir: str) -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ["JICENG_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _month(day: dt.date, back: int) -> dt.date:
    """The first day of the month ``back`` months before ``day``'s (negative: after)."""
    index = day.year * 12 + day.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def _units():
    from jiceng.orgunits.models import OrgUnit

    def unit(code, name, level, kind, parent):
        u = OrgUnit(code=code, name=name, level=level, kind=kind, parent=parent, altitude_m=1200)
        u.path = u.compute_path()
        u.depth = u.path.count("/") - 1
        u.save()
        return u

    province = unit("520000", "贵州省", "province", "admin", None)
    city = unit("522700", "黔南州", "city", "admin", province)
    county = unit("522799", "清溪县", "county", "admin", city)
    town = unit("522799100", "上坝乡", "township", "township_hc", county)
    villages = [unit(f"522799100{200 + i:03d}", f"测试{i + 1}村", "village", "village_clinic", town) for i in range(20)]
    return county, town, villages


def _children(county, villages, months: int, rows: int, today: dt.date):
    """Children of 7–18 months at the first month, each collecting once a month for ``months`` months."""
    from jiceng.nutrition.models import Child, Consent

    first = _month(today, months)
    n = -(-rows // months)
    children = []
    for i in range(n):
        birth = _month(first, 7 + i % 12) + dt.timedelta(days=i % 27)
        children.append(
            Child(
                name=f"儿童{i:05d}",
                sex="F" if i % 2 else "M",
                birth_date=birth,
                village=villages[i % len(villages)],
                county=county,
                caregiver_name="看护人",
                caregiver_relation="母亲",
            )
        )
    Child.objects.bulk_create(children, batch_size=2000)
    children = list(Child.objects.select_related("village").order_by("id"))
    consents = [
        Consent(child=c, signed_on=first - dt.timedelta(days=5), signed_by="看护人", relation="母亲") for c in children
    ]
    Consent.objects.bulk_create(consents, batch_size=2000)
    return children, first


def _file(children, first: dt.date, months: int, rows: int) -> bytes:
    from openpyxl import Workbook

    from jiceng.nutrition.excel import COLLECTIONS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(COLLECTIONS.title)
    sheet.append(COLLECTIONS.headers)
    written = 0
    for child in children:
        for m in range(months):
            if written == rows:
                break
            day = _month(first, -m) + dt.timedelta(days=(child.pk + m) % 20)
            sheet.append([child.village.name, child.name, child.birth_date, None, day, 30, "看护人"])
            written += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _through_the_worker(officer, data: bytes, rows: int) -> None:
    """Queue the import as a job, run the real worker process once (`db_worker --batch`), read its peak RSS."""
    import subprocess

    from jiceng.audit.models import AuditEntry
    from jiceng.jobs.actions import start_job
    from jiceng.jobs.models import Job
    from jiceng.nutrition.models import Collection

    job = start_job(
        officer, "register_import", title="导入营养包发放登记", params={"register": "collections"}, content=data
    )
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "jiceng.cli", "db_worker", "--batch", "--no-startup-delay", "--no-reload", "-v0"],
        check=True,
        cwd=ROOT,
    )
    total_s = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    job.refresh_from_db()
    saved = Collection.objects.count()
    assert job.status == Job.Status.DONE and job.outcome["ok"] and saved == rows, (job.status, job.failure, saved)
    print(f"worker: {saved} collections saved, {AuditEntry.objects.count()} audit rows")
    print(f"worker process (start, import, finish): {total_s:.1f} s = {saved / total_s:,.0f} rows/s")
    print(f"worker peak RSS: {peak_mb:.0f} MB")


class PhaseClock:
    """A progress reporter (jiceng.progress) that times each phase of the import."""

    def __init__(self):
        self.times: list[tuple[str, float]] = []
        self._label, self._started = None, time.perf_counter()

    def phase(self, label, total, span):
        now = time.perf_counter()
        if self._label is not None:
            self.times.append((self._label, now - self._started))
        self._label, self._started = label, now

    def advance(self, n):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="import as the pages do for a large file: a background job run by `jiceng db_worker` in its own "
        "process; prints the worker's time and peak RSS",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="jiceng-bench-") as data_dir:
        _setup(data_dir)
        from jiceng import progress
        from jiceng.accounts.models import Role, User
        from jiceng.audit.models import AuditEntry
        from jiceng.documents.excel import read_sheet
        from jiceng.nutrition.excel import COLLECTIONS, import_collections
        from jiceng.nutrition.models import Collection

        today = dt.date.today()
        county, town, villages = _units()
        officer = User.objects.create(username="xz_officer", role=Role.TOWNSHIP_OFFICER, unit=town)
        started = time.perf_counter()
        children, first = _children(county, villages, args.months, args.rows, today)
        data = _file(children, first, args.months, args.rows)
        setup_s = time.perf_counter() - started
        print(f"set-up: {len(children)} children with consent, file {len(data) / 1e6:.1f} MB, {setup_s:.1f} s")

        started = time.perf_counter()
        read = read_sheet(COLLECTIONS, data)
        read_s = time.perf_counter() - started
        print(f"read and check cells: {len(read.rows)} rows in {read_s:.1f} s ({len(read.rows) / read_s:,.0f} rows/s)")

        if args.worker:
            _through_the_worker(officer, data, args.rows)
            return
        profiler = cProfile.Profile() if args.profile else None
        phases = PhaseClock()
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        with progress.watching(phases):
            report = import_collections(officer, data, filename="bench.xlsx")
        if profiler:
            profiler.disable()
        total_s = time.perf_counter() - started
        phases.phase("", None, (1.0, 1.0))
        if not report.ok:
            print("import refused:", *[str(e) for e in report.errors[:10]], sep="\n  ")
            sys.exit(1)
        saved = Collection.objects.count()
        assert saved == args.rows == report.saved, (saved, report.saved)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"import: {saved} collections saved, {AuditEntry.objects.count()} audit rows")
        print(f"import_collections: {total_s:.1f} s = {saved / total_s:,.0f} rows/s (whole import, incl. reading)")
        for label, seconds in phases.times:
            print(f"  {label}: {seconds:.1f} s")
        print(f"peak RSS: {peak_mb:.0f} MB")
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative")).print_stats(35)


if __name__ == "__main__":
    main()
