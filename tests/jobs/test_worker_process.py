"""The worker as a real process beside the real web server's database: an 8,000-row import is watched
from outside through its progress file, the worker is killed (SIGKILL) halfway through saving, and then
nothing of the file is in the database, the job is shown as failed with a retry (no heartbeat), and the
retry, run by a new worker, saves every row."""

import json
import signal
import time

import pytest

from tests.jobs.stack import Stack

ROWS = 8_000


@pytest.fixture
def stack(tmp_path):
    running = Stack(tmp_path)
    yield running
    running.close()


def start_import(stack, path) -> str:
    return stack.python(
        "from pathlib import Path\n"
        "from jiceng.accounts.models import User\n"
        "from jiceng.jobs.actions import start_job\n"
        f"job = start_job(User.objects.get(username='xz_officer'), 'register_import', title='导入营养包发放登记', "
        f"params={{'register': 'collections'}}, content=Path({str(path)!r}).read_bytes(), input_name='发放.xlsx')\n"
        "print(job.pk)"
    )


def job_state(stack, job_id) -> tuple[str, str, int]:
    out = stack.python(
        "from jiceng.jobs.actions import check_alive\n"
        "from jiceng.jobs.models import Job\n"
        "from jiceng.nutrition.models import Collection\n"
        f"job = check_alive(Job.objects.get(pk={job_id!r}))\n"
        "print(job.status); print(job.failure.replace(chr(10), ' ')); print(Collection.objects.count())"
    )
    status, failure, count = out.splitlines()
    return status, failure, int(count)


def test_a_worker_killed_midway_saves_nothing_and_the_retry_saves_everything(stack, tmp_path):
    data = stack.seed(ROWS)
    job_id = start_import(stack, data)
    progress_file = tmp_path / "jobs" / job_id / "progress.json"
    worker = stack.worker()
    seen: list[tuple[str, float]] = []
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            state = json.loads(progress_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            time.sleep(0.05)
            continue
        if not seen or seen[-1] != (state["label"], state["fraction"]):
            seen.append((state["label"], state["fraction"]))
        if state["label"] == "逐行检查并保存" and state["done"] > ROWS // 2:
            break  # past several flushes of rows into the import's transaction
        assert state["label"] != "完成", seen
        time.sleep(0.05)
    else:
        raise AssertionError(f"the import never got halfway: {seen}")
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=10)

    labels = [label for label, _ in seen]
    assert "读取文件" in labels and "逐行检查并保存" in labels
    fractions = [f for _, f in seen]
    assert fractions == sorted(fractions) and 0.25 < fractions[-1] < 0.92  # the bar moved, only forward

    status, failure, saved = job_state(stack, job_id)
    assert saved == 0  # the transaction died with the worker
    assert status == "running"  # until its heartbeat is overdue
    time.sleep(5)
    status, failure, saved = job_state(stack, job_id)
    assert status == "failed" and failure.startswith("后台处理程序在处理中途停止了") and saved == 0

    again = stack.python(
        "from jiceng.jobs.actions import retry_job\n"
        "from jiceng.jobs.models import Job\n"
        f"job = Job.objects.select_related('owner').get(pk={job_id!r})\n"
        "print(retry_job(job.owner, job).pk)"
    )
    stack.worker()
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status, failure, saved = job_state(stack, again)
        if status in ("done", "failed"):
            break
        time.sleep(2)
    assert (status, failure, saved) == ("done", "", ROWS)
