"""Work summary pages: list, generate, edit sections, refresh figures, download .docx / PDF."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.accounts import access
from jiceng.documents.responses import file_response
from jiceng.orgunits.models import Level
from jiceng.periods import PeriodError, parse_period, picker_periods, quarter_code
from jiceng.summaries import actions, checks, writer
from jiceng.summaries.models import Summary
from jiceng.summaries.render import render_summary
from jiceng.web.forms_keep import login_required_keep_form, pop_preserved_form


@login_required
def summary_list(request):
    if not access.can(request.user, "analysis.view"):
        raise Http404(_("未找到该页面"))
    summaries = access.scoped(request.user, Summary.objects.select_related("unit", "created_by"), "unit")
    units = (
        access.visible_units(request.user)
        .filter(level__in=[Level.TOWNSHIP, Level.COUNTY])
        .exclude(kind__in=["health_bureau", "mch_centre"])
        .order_by("path")
    )
    if request.method == "POST":
        unit = access.unit_in_scope_or_404(request.user, request.POST.get("unit", ""))
        try:
            summary = actions.create_summary(
                unit,
                request.POST.get("period", ""),
                official=request.POST.get("figures") != "working",
                acting_user=request.user,
            )
        except access.AccessDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            return redirect("summary_edit", pk=summary.pk)
    return render(
        request,
        "summaries/list.html",
        {
            "summaries": summaries.order_by("-updated_at")[:100],
            "units": units,
            "can_edit": access.can(request.user, "summaries.edit"),
            "default_period": str(writer.compute.today().year),
            "default_quarter": quarter_code(writer.compute.today()),
            "summary_periods": picker_periods(writer.compute.today(), 3, ("year", "half", "quarter")),
            "quarters": picker_periods(writer.compute.today(), 3, ("quarter",)),
        },
    )


@login_required
def quarterly_pick(request):
    """The 季度分析 form: a unit and a quarter picked from lists, sent to the analysis's own address."""
    unit = access.unit_in_scope_or_404(request.user, request.GET.get("unit", ""))
    try:
        period = parse_period(request.GET.get("period", ""))
    except PeriodError as exc:
        raise Http404(str(exc)) from None
    query = {k: v for k, v in request.GET.items() if k == "figures" and v == "working"}
    target = reverse("quarterly", kwargs={"code": unit.code, "period": period.code})
    return redirect(f"{target}?{urlencode(query)}" if query else target)


@login_required_keep_form
def summary_edit(request, pk: int):
    summary = access.object_in_scope_or_404(request.user, Summary.objects.select_related("unit"), pk=pk)
    restored = pop_preserved_form(request)
    data = request.POST if request.method == "POST" else restored
    if request.method == "POST":
        try:
            action = request.POST.get("action")
            if action == "approve":
                actions.approve_summary(summary, acting_user=request.user)
                messages.success(request, _("已审定"))
            elif action == "reopen":
                actions.reopen_summary(summary, reason=request.POST.get("reason", ""), acting_user=request.user)
                messages.success(request, _("已退回起草人修改"))
            elif action == "refresh":
                summary, changes = actions.refresh_figures(summary, acting_user=request.user)
                messages.success(request, _("已按最新数据更新"))
                for change in changes:
                    messages.warning(request, _("数据有变化：") + change)
            else:
                actions.save_summary(
                    summary,
                    title=data.get("title", ""),
                    opening=data.get("opening", ""),
                    sections={k: data.get(f"section_{k}", "") for k, _h in writer.SECTIONS},
                    acting_user=request.user,
                )
                messages.success(request, _("已保存为第 %(v)d 版") % {"v": summary.version + 1})
            return redirect("summary_edit", pk=summary.pk)
        except access.AccessDenied as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    shown = summary.sections if data is None else {k: data.get(f"section_{k}", "") for k, _h in writer.SECTIONS}
    current = writer.write(summary.unit, parse_period(summary.period), official=summary.official)
    flags = checks.unsupported_figures(shown, current.figures, summary.figures)
    return render(
        request,
        "summaries/edit.html",
        {
            "summary": summary,
            "sections": [(k, h, shown.get(k, "")) for k, h in writer.SECTIONS],
            "title": data.get("title", summary.title) if data is not None else summary.title,
            "opening": data.get("opening", summary.opening) if data is not None else summary.opening,
            "flags": flags,
            "versions": summary.versions.select_related("saved_by")[:20],
            "can_edit": access.can(request.user, "summaries.edit") and not summary.approved,
            "can_approve": access.can(request.user, "summaries.approve"),
            "provisional": current.provisional,
        },
    )


@login_required
def summary_download(request, pk: int, fmt: str):
    summary = access.object_in_scope_or_404(request.user, Summary.objects.select_related("unit"), pk=pk)
    if fmt not in ("docx", "pdf"):
        raise Http404(_("未找到该页面"))
    result = render_summary(summary, acting_user=request.user, fmt=fmt)
    if result is None:
        messages.error(request, _("本机未安装 LibreOffice，无法生成 PDF；请下载 Word 文件"))
        return redirect("summary_edit", pk=summary.pk)
    return file_response(request, result)


@login_required
@require_POST
def summary_pdf_job(request, pk: int):
    """The PDF (LibreOffice takes seconds) is made by the background worker; the job's page offers it."""
    from jiceng.jobs.actions import start_job

    summary = access.object_in_scope_or_404(request.user, Summary.objects.select_related("unit"), pk=pk)
    job = start_job(
        request.user,
        "summary_document",
        title=_("生成 PDF：%(t)s") % {"t": summary.title},
        params={"summary": summary.pk, "format": "pdf"},
    )
    return redirect("job_detail", pk=job.pk)


@login_required
def quarterly(request, code: str, period: str):
    from jiceng.summaries.quarterly import analyse, render_docx

    unit = access.unit_in_scope_or_404(request.user, code)
    if not access.can(request.user, "analysis.view"):
        raise Http404(_("未找到该页面"))
    try:
        typed = parse_period(period).code
    except PeriodError:
        typed = period
    if typed != period:  # 2026-Q3 or 2026年第三季度 typed into the address: the one address of the quarter
        target = reverse("quarterly", kwargs={"code": unit.code, "period": typed})
        return redirect(f"{target}?{request.GET.urlencode()}" if request.GET else target)
    try:
        analysis = analyse(
            unit,
            period,
            official=request.GET.get("figures") != "working",
            programme=request.GET.get("programme") or None,
            indicator=request.GET.get("indicator") or None,
        )
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from None
    if request.GET.get("format") == "docx":
        return file_response(request, render_docx(analysis, acting_user=request.user))
    from jiceng.reporting.packs import all_packs
    from jiceng.summaries.quarterly import rate_codes

    programmes = [(k, p.name) for k, p in all_packs().items() if p.indicators]
    indicators = [all_packs()[analysis.programme].indicators[c] for c in rate_codes(analysis.programme)]
    return render(
        request,
        "summaries/quarterly.html",
        {
            "a": analysis,
            "query": request.GET.urlencode(),
            "programmes": programmes,
            "indicators": indicators,
            "quarters": picker_periods(writer.compute.today(), 3, ("quarter",)),
        },
    )
