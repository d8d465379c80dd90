"""The one task the worker runs: a job by its id (``jiceng db_worker`` picks it up)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> None:
    from jiceng.jobs.actions import run

    run(job_id)
