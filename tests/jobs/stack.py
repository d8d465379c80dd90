"""The system as it runs in production, in subprocesses: a fresh database (a SQLite file, or a new
database on the test PostgreSQL cluster when ``DATABASE_URL`` is set), the web server (waitress, as the
README runs it) and the worker (``jiceng db_worker``), so a test can watch a job from outside and kill
the worker midway. ``python -m tests.jobs.stack seed ROWS FILE`` loads a township with consented
children and writes a collections file of ROWS rows (the benchmark's own set-up, bench/bench_import.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Test@pass2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Stack:
    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.env = {
            **os.environ,
            "JICENG_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT),
            "JICENG_JOB_STALE_SECONDS": "4",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.database = None
        url = os.environ.get("DATABASE_URL")
        if url:  # PostgreSQL pass: a database of its own on the same cluster
            import psycopg

            self.database = f"jobs_{uuid.uuid4().hex[:12]}"
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute(f'CREATE DATABASE "{self.database}"')
            parts = urlsplit(url)
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + self.database))
        self.processes: list[subprocess.Popen] = []
        self.jiceng(["migrate", "--noinput", "-v0"])

    def jiceng(self, args: list[str]) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "jiceng.cli", *args], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def python(self, code: str) -> str:
        """Run ``code`` in a fresh process with Django set up on the stack's database; its stdout."""
        setup = (
            "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'jiceng.settings'); django.setup()\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", setup + code], env=self.env, cwd=ROOT, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout.strip()

    def seed(self, rows: int) -> Path:
        out = self.tmp / f"发放登记_{rows}行.xlsx"
        done = subprocess.run(
            [sys.executable, "-m", "tests.jobs.stack", "seed", str(rows), str(out)],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return out

    def serve(self) -> str:
        port = _free_port()
        waitress = str(Path(sys.executable).with_name("waitress-serve"))
        process = subprocess.Popen(
            [waitress, "--threads", "4", "--listen", f"127.0.0.1:{port}", "jiceng.wsgi:application"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return f"http://127.0.0.1:{port}"
            except OSError:
                time.sleep(0.2)
        raise AssertionError("the web server did not start")

    def worker(self) -> subprocess.Popen:
        """``jiceng db_worker`` as the README's systemd unit runs it."""
        process = subprocess.Popen(
            [sys.executable, "-m", "jiceng.cli", "db_worker", "--no-reload", "--interval", "0.5", "--no-startup-delay"],
            env=self.env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.processes.append(process)
        return process

    def close(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait(timeout=10)
        if self.database:
            import psycopg

            with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def _seed(rows: int, out: str) -> None:
    import datetime as dt

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    django.setup()
    sys.path.insert(0, str(ROOT))
    from django.contrib.auth.hashers import make_password

    from bench.bench_import import _children, _file, _units
    from jiceng.accounts.models import Role, User

    county, town, villages = _units()
    User.objects.create(
        username="xz_officer",
        role=Role.TOWNSHIP_OFFICER,
        unit=town,
        full_name="李管理员",
        password=make_password(PASSWORD),
    )
    children, first = _children(county, villages, 12, rows, dt.date.today())
    Path(out).write_bytes(_file(children, first, 12, rows))


if __name__ == "__main__":
    if sys.argv[1:2] == ["seed"]:
        _seed(int(sys.argv[2]), sys.argv[3])
