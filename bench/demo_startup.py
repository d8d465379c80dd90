"""How long `jiceng demo` takes from an empty data directory to a served login page, and the
server's peak RSS after loading pages."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import urllib.request


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def main() -> None:
    data = tempfile.mkdtemp(prefix="jiceng-demo-")
    env = {**os.environ, "JICENG_DATA_DIR": data}
    jiceng = os.path.join(os.path.dirname(sys.executable), "jiceng")
    started = time.perf_counter()
    server = subprocess.Popen(
        [jiceng, "demo", "--port", "8765"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    try:
        deadline = started + 300
        while time.perf_counter() < deadline:
            try:
                if urllib.request.urlopen("http://127.0.0.1:8765/login/", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        elapsed = time.perf_counter() - started
        print(f"jiceng demo: login page served after {elapsed:.1f} s (fresh database, demo county + history)")
        print(f"server peak RSS after start: {rss_mb(server.pid):.0f} MB")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
