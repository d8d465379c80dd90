"""A job's folder under ``JICENG_DATA_DIR/jobs/<id>/``: the uploaded file (kept until the job ends
well, so a failed job can be retried), the result to download, and ``progress.json``.

Progress lives in a file, not in the database: an import runs in one transaction (all or nothing),
so nothing it writes to the database is visible before it ends, and on SQLite it holds the only
write lock. The worker rewrites the file at most a few times a second, and a heartbeat thread
touches it every few seconds, so a page can tell a job that is working from a worker that died.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from pathlib import Path

from django.conf import settings

HEARTBEAT_SECONDS = 5.0
WRITE_EVERY_SECONDS = 0.3


def job_dir(job_id) -> Path:
    return Path(settings.DATA_DIR) / "jobs" / str(job_id)


def input_path(job_id) -> Path:
    return job_dir(job_id) / "input"


def result_path(job_id) -> Path:
    return job_dir(job_id) / "result"


def progress_path(job_id) -> Path:
    return job_dir(job_id) / "progress.json"


def save_input(job_id, content: bytes) -> None:
    folder = job_dir(job_id)
    folder.mkdir(parents=True, exist_ok=True)
    _write_atomically(input_path(job_id), content)


def save_result(job_id, content: bytes) -> None:
    job_dir(job_id).mkdir(parents=True, exist_ok=True)
    _write_atomically(result_path(job_id), content)


def drop_input(job_id) -> None:
    input_path(job_id).unlink(missing_ok=True)


def remove(job_id) -> None:
    shutil.rmtree(job_dir(job_id), ignore_errors=True)


def _write_atomically(path: Path, content: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)


def read_progress(job_id) -> dict | None:
    """{"label", "done", "total", "fraction", "beat"} as last written by the worker, or None."""
    try:
        return json.loads(progress_path(job_id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class FileReporter:
    """A :mod:`jiceng.progress` reporter writing ``progress.json``, with a heartbeat thread."""

    def __init__(self, job_id):
        self.job_id = job_id
        self.label, self.total, self.done, self.span = "开始处理", None, 0, (0.0, 0.0)
        self._lock = threading.Lock()
        self._written = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"job-heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> FileReporter:
        job_dir(self.job_id).mkdir(parents=True, exist_ok=True)
        self.write(force=True)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=HEARTBEAT_SECONDS + 1)

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            self.write(force=True)

    def phase(self, label: str, total: int | None, span: tuple[float, float]) -> None:
        with self._lock:
            self.label, self.total, self.done, self.span = label, total, 0, span
        self.write(force=True)

    def advance(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self._written >= WRITE_EVERY_SECONDS:
            self.write()

    def finish(self) -> None:
        with self._lock:
            self.label, self.total, self.done, self.span = "完成", None, 0, (1.0, 1.0)
        self.write(force=True)

    def fraction(self) -> float:
        start, end = self.span
        if self.total:
            return start + (end - start) * min(self.done / self.total, 1.0)
        return start

    def write(self, *, force: bool = False) -> None:
        with self._lock:
            if not force and time.monotonic() - self._written < WRITE_EVERY_SECONDS:
                return
            state = {
                "label": self.label,
                "done": self.done,
                "total": self.total,
                "fraction": round(self.fraction(), 4),
                "beat": time.time(),
            }
            try:
                _write_atomically(progress_path(self.job_id), json.dumps(state, ensure_ascii=False).encode())
            except OSError:
                return
            self._written = time.monotonic()
