"""Starting, running, retrying and giving up on jobs. Every step is in the audit trail.

:func:`start_job` saves the uploaded file, creates the job and enqueues its task in one transaction;
the worker calls :func:`run`; a page calls :func:`check_alive`, which marks a running job failed when
its worker has stopped sending heartbeats (the import's own transaction was rolled back with the
worker, so nothing is half-saved); :func:`retry_job` starts the same work again from the kept file.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from jiceng import progress
from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.errors import Conflict, DomainError
from jiceng.jobs import files
from jiceng.jobs.kinds import KINDS, Outcome
from jiceng.jobs.models import Job

logger = logging.getLogger(__name__)

ERRORS_KEPT = 1000  # a longer error table helps nobody: the count says how many more
CRASHED = "处理时发生意外错误，没有保存任何数据。上传的文件已保留，可以点“重试”；如仍失败，请联系系统管理员并告知任务编号 {id}。"
LOST = "后台处理程序在处理中途停止了（服务器重启或内存不足），没有保存任何数据。上传的文件已保留，可以点“重试”。"
INPUT_GONE = "上传的文件已不在服务器上，无法重试：请重新上传。"


def stale_after() -> float:
    """Seconds without a heartbeat after which a running job's worker is taken as gone."""
    return float(getattr(settings, "JICENG_JOB_STALE_SECONDS", 60))


def start_job(
    user, kind: str, *, title: str, params: dict | None = None, content: bytes | None = None, input_name: str = ""
) -> Job:
    """Queue ``kind`` for ``user``. A file being imported already (same kind, same bytes, not finished)
    is refused, whoever started it."""
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    digest = hashlib.sha256(content).hexdigest() if content is not None else ""
    unit = access.scope_root(user)
    with transaction.atomic():
        if digest:
            running = (
                Job.objects.filter(kind=kind, input_sha256=digest, status__in=[Job.Status.QUEUED, Job.Status.RUNNING])
                .order_by("created_at")
                .first()
            )
            if running is not None and not check_alive(running).finished:
                at = timezone.localtime(running.created_at)
                raise Conflict(
                    f"同一个文件已在导入中（{at:%H:%M} 提交，{running.get_status_display()}）：请等它完成后再看结果，不要重复导入"
                )
        job = Job.objects.create(
            owner=user,
            kind=kind,
            title=title[:200],
            unit=unit,
            params=params or {},
            input_name=input_name[:200],
            input_sha256=digest,
        )
        if content is not None:
            files.save_input(job.id, content)
        _enqueue(job)
        record(
            actor=user,
            action=actions_catalog.JOB_START,
            obj=job,
            object_repr=job.title,
            unit=unit,
            after={"kind": kind, "file": job.input_name, **(params or {})},
        )
    return job


def _enqueue(job: Job) -> None:
    from jiceng.jobs.tasks import run_job

    result = run_job.enqueue(str(job.id))
    job.task_id = str(result.id)[:64]
    job.save(update_fields=["task_id"])


def retry_job(user, job: Job) -> Job:
    """The same work again, from the kept file, as a new job (the failed one stays in the list)."""
    if job.owner_id != user.pk:
        raise Http404("未找到该任务")
    if job.status != Job.Status.FAILED:
        raise Conflict("只有失败的任务可以重试")
    content = None
    if KINDS[job.kind].needs_input:
        try:
            content = files.input_path(job.id).read_bytes()
        except OSError:
            raise DomainError(INPUT_GONE) from None
    with transaction.atomic():
        again = start_job(
            user, job.kind, title=job.title, params=job.params, content=content, input_name=job.input_name
        )
        again.retry_of = job
        again.save(update_fields=["retry_of"])
        record(
            actor=user,
            action=actions_catalog.JOB_RETRY,
            obj=job,
            object_repr=job.title,
            unit=job.unit,
            after={"retry": str(again.id)},
        )
    files.drop_input(job.id)
    return again


def check_alive(job: Job) -> Job:
    """A running job whose worker stopped beating for :func:`stale_after` seconds is marked failed."""
    if job.status != Job.Status.RUNNING:
        return job
    state = files.read_progress(job.id) or {}
    beat = state.get("beat") or (job.started_at.timestamp() if job.started_at else 0)
    if time.time() - beat < stale_after():
        return job
    changed = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING).update(
        status=Job.Status.FAILED, failure=LOST, finished_at=timezone.now()
    )
    if changed:
        record(
            actor=None,
            action=actions_catalog.JOB_FAIL,
            obj=job,
            object_repr=job.title,
            unit=job.unit,
            after={"failure": LOST},
        )
    job.refresh_from_db()
    return job


def run(job_id: str) -> None:
    """Do the job (called by the worker's task). Never raises: a failure is written on the job."""
    job = Job.objects.select_related("owner", "unit").filter(pk=job_id).first()
    if job is None or job.status != Job.Status.QUEUED:
        return
    if not Job.objects.filter(pk=job.pk, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    ):
        return
    kind = KINDS[job.kind]
    outcome: Outcome | None = None
    failure = ""
    with files.FileReporter(job.id) as reporter:
        try:
            source = files.input_path(job.id).read_bytes() if kind.needs_input else None
            with progress.watching(reporter):
                outcome = kind.run(job, source)
        except OSError:
            failure = INPUT_GONE
        except (DomainError, access.AccessDenied, Http404) as exc:
            failure = _message(exc)
        except ValidationError as exc:
            failure = _message(exc)
        except Exception:
            logger.exception("job %s (%s) failed", job.id, job.kind)
            failure = CRASHED.format(id=job.short_id)
        reporter.finish()
    _finish(job, outcome, failure)


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return str(exc) or "没有权限"


def _finish(job: Job, outcome: Outcome | None, failure: str) -> None:
    job.finished_at = timezone.now()
    if outcome is None:
        job.status, job.failure = Job.Status.FAILED, failure
    else:
        job.status = Job.Status.DONE
        job.outcome = {
            "ok": outcome.ok,
            "summary": outcome.summary,
            "error_count": len(outcome.errors),
            "errors": [
                {"row": e.row, "letter": e.letter, "header": e.header, "message": e.message}
                for e in outcome.errors[:ERRORS_KEPT]
            ],
            "links": [list(link) for link in outcome.links],
        }
        if outcome.result is not None:
            files.save_result(job.id, outcome.result.content)
            job.result_name = outcome.result.filename[:200]
            job.result_mimetype = outcome.result.mimetype[:120]
            job.result_personal = outcome.result.personal_data
    job.save()
    record(
        actor=job.owner,
        action=actions_catalog.JOB_FINISH if outcome is not None else actions_catalog.JOB_FAIL,
        obj=job,
        object_repr=job.title,
        unit=job.unit,
        after={"ok": outcome.ok, "summary": outcome.summary} if outcome is not None else {"failure": failure},
    )
    if outcome is not None:
        files.drop_input(job.id)  # kept only while the job may still need it (a failed job can be retried)
