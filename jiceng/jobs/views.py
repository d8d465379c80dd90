"""The pages of a user's own jobs: the list, one job with its progress bar (polled with htmx), the
result to download and retry. Another user's job is a 404, whatever the role."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from jiceng.documents.files import RenderedFile
from jiceng.documents.responses import file_response
from jiceng.jobs import actions, files
from jiceng.jobs.models import Job

POLL_SECONDS = 1
WAITING_HINT_AFTER = dt.timedelta(minutes=2)


def own_job_or_404(user, pk) -> Job:
    job = Job.objects.filter(pk=pk, owner=user).select_related("unit").first()
    if job is None:
        raise Http404("未找到该任务")
    return actions.check_alive(job)


def _context(job: Job) -> dict:
    state = files.read_progress(job.id) if job.status == Job.Status.RUNNING else None
    percent = 100 if job.finished else int(round(100 * (state or {}).get("fraction", 0)))
    outcome = job.outcome or {}
    return {
        "job": job,
        "state": state,
        "percent": percent,
        "poll": POLL_SECONDS,
        "outcome": outcome,
        "hidden_errors": max(0, outcome.get("error_count", 0) - len(outcome.get("errors", []))),
        "waiting_long": job.status == Job.Status.QUEUED and timezone.now() - job.created_at > WAITING_HINT_AFTER,
        "can_retry": job.status == Job.Status.FAILED and not Job.objects.filter(retry_of=job).exists(),
        "retried_as": Job.objects.filter(retry_of=job).first() if job.status == Job.Status.FAILED else None,
    }


@never_cache
@login_required
def job_list(request):
    jobs = list(Job.objects.filter(owner=request.user).order_by("-created_at")[:50])
    return render(request, "jobs/list.html", {"jobs": [actions.check_alive(j) for j in jobs]})


@never_cache
@login_required
def job_detail(request, pk):
    job = own_job_or_404(request.user, pk)
    return render(request, "jobs/job.html", _context(job))


@never_cache
@login_required
def job_progress(request, pk):
    """The progress card alone (htmx polls it; it stops polling once the job has finished)."""
    job = own_job_or_404(request.user, pk)
    return render(request, "jobs/_progress.html", _context(job))


@login_required
def job_result(request, pk):
    job = own_job_or_404(request.user, pk)
    if job.status != Job.Status.DONE or not job.result_name:
        raise Http404("该任务没有可下载的文件")
    try:
        content = files.result_path(job.id).read_bytes()
    except OSError:
        raise Http404("文件已不在服务器上，请重新生成") from None
    # the renderer wrote the export's audit row when the worker made the file
    rendered = RenderedFile(
        job.result_name, job.result_mimetype, content, personal_data=job.result_personal, audited=True
    )
    return file_response(request, rendered)


@login_required
@require_POST
def job_retry(request, pk):
    job = own_job_or_404(request.user, pk)
    again = actions.retry_job(request.user, job)
    return redirect("job_detail", pk=again.pk)
