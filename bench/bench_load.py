"""Load run: the demo served by `jiceng demo` (waitress, 8 threads) under 8 concurrent users.

2,000 requests in all, spread over the village doctor's distribution page, the children API and the
county dashboard, each user logged in with its own session. Prints p50 and p95 per page, errors, and the
server's RSS before and after (peak, VmHWM). A worker must stay under 300 MB.

    .venv/bin/python bench/bench_load.py [--requests 2000] [--users 8] [--data DIR]

With --data an existing demo data directory is served (no reload); otherwise a fresh demo is built.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

PASSWORD = "Jiceng@2026demo"
PORT = 8766


def rss(pid: int, field: str) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def session(base: str, username: str) -> urllib.request.OpenerDirector:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login/", timeout=30).read().decode()
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    data = urllib.parse.urlencode({"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token})
    request = urllib.request.Request(base + "/login/", data=data.encode(), headers={"Referer": base + "/login/"})
    opener.open(request, timeout=60).read()
    return opener


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--data", help="an existing demo data directory")
    options = parser.parse_args()
    data = options.data or tempfile.mkdtemp(prefix="jiceng-load-")
    env = {**os.environ, "JICENG_DATA_DIR": data}
    env.pop("DATABASE_URL", None)
    jiceng = os.path.join(os.path.dirname(sys.executable), "jiceng")
    base = f"http://127.0.0.1:{PORT}"
    server = subprocess.Popen(
        [jiceng, "demo", "--port", str(PORT)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 400
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(base + "/login/", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        doctor, county = session(base, "cunyi"), session(base, "wjj")
        village = doctor.open(base + "/api/me/", timeout=30).read().decode()
        code = village.split('"code":"', 1)[1].split('"', 1)[0] if '"code":"' in village else ""
        pages = {
            "distribution page (village doctor)": (doctor, f"/distribution/{code}/" if code else "/distribution/"),
            "children API (village doctor)": (doctor, "/api/children/?limit=100"),
            "county dashboard (health bureau)": (county, "/indicators/"),
        }
        # every user logs in at once, as a township's staff do at nine in the morning (password hashing peak)
        with ThreadPoolExecutor(options.users) as pool:
            logins = list(
                pool.map(
                    lambda _i: {name: session(base, "cunyi" if "doctor" in name else "wjj") for name in pages},
                    range(options.users),
                )
            )
        users = logins
        before = rss(server.pid, "VmRSS")
        times: dict[str, list[float]] = {name: [] for name in pages}
        errors: dict[str, int] = dict.fromkeys(pages, 0)
        lock = threading.Lock()
        names = list(pages)

        def hit(i: int) -> None:
            name = names[i % len(names)]
            opener = users[i % options.users][name]
            started = time.perf_counter()
            try:
                with opener.open(base + pages[name][1], timeout=120) as response:
                    response.read()
                    ok = response.status == 200
            except OSError:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                times[name].append(elapsed)
                errors[name] += not ok

        started = time.perf_counter()
        with ThreadPoolExecutor(options.users) as pool:
            list(pool.map(hit, range(options.requests)))
        wall = time.perf_counter() - started
        print(
            f"{options.requests} requests, {options.users} concurrent users, {wall:.1f} s ({options.requests / wall:.0f}/s)"
        )
        for name in names:
            sample = sorted(times[name])
            p95 = sample[int(len(sample) * 0.95) - 1]
            print(
                f"  {name}: p50 {statistics.median(sample) * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, "
                f"{errors[name]} errors of {len(sample)}"
            )
        print(f"server RSS: {before:.0f} MB before the run, peak {rss(server.pid, 'VmHWM'):.0f} MB (limit 300 MB)")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
