"""Pages of the monthly report and its review chain (thin: access → action or query → render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit.models import AuditEntry
from jiceng.orgunits.models import Level
from jiceng.periods import PeriodError, parse_period
from jiceng.reporting import actions, queries, validation
from jiceng.reporting.export import render_report_xlsx
from jiceng.reporting.packs import dataset
from jiceng.reporting.values import current_cells
from jiceng.web.forms_keep import login_required_keep_form

DATASET = "NUT_MONTHLY"


def _period(request):
    code = request.GET.get("period") or queries.reporting_month().code
    try:
        return parse_period(code)
    except PeriodError as exc:
        raise Http404(str(exc)) from None


@login_required
def report_index(request):
    root = access.scope_root(request.user)
    if root is None:
        raise Http404(_("未找到该页面"))
    period = _period(request)
    if root.level == Level.VILLAGE:
        return redirect("report_detail", code=root.code, period=period.code)
    ds = dataset(DATASET)
    levels = [lvl for lvl in (Level.VILLAGE, Level.TOWNSHIP) if lvl != root.level or root.level == Level.COUNTY]
    rates = [
        queries.timeliness(ds, root, lvl, period)
        for lvl in (Level.VILLAGE, Level.TOWNSHIP)
        if queries.reporting_units(root, lvl)
    ]
    below_level = Level.VILLAGE if root.level == Level.TOWNSHIP else Level.TOWNSHIP
    statuses = queries.unit_statuses(ds, root, below_level, period)
    return render(
        request,
        "reporting/index.html",
        {
            "root": root,
            "period": period,
            "rates": rates,
            "statuses": statuses,
            "levels": levels,
            "overdue": queries.overdue(ds, root, period),
            "ds": ds,
            "months": [parse_period(f"{period.start.year}-{m:02d}") for m in range(1, 13)],
        },
    )


def _report_or_404(request, code, period):
    unit = access.unit_in_scope_or_404(request.user, code)
    try:
        return actions.get_report(DATASET, unit, period)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from None


@login_required
def report_detail(request, code: str, period: str):
    report = _report_or_404(request, code, period)
    ds = dataset(DATASET)
    cells = current_cells(ds, report)
    violations = validation.validate(ds, cells, actions.previous_cells(ds, report), level=report.unit.level)
    user = request.user
    root = access.scope_root(user)
    is_reviewer = access.can(user, "reports.review") and report.unit.parent_id == getattr(root, "pk", None)
    editable = not report.locked and access.can(user, "reports.fill")
    comments = {}
    for comment in report.comments.select_related("author").order_by("at"):
        comments.setdefault(comment.element, []).append(comment)
    rows = [
        {
            "element": e,
            "cell": cells.get(e.code),
            "comments": comments.get(e.code, []),
            "origin": _origin_label(report, e),
        }
        for e in ds.elements
    ]
    children = []
    if report.unit.level in (Level.TOWNSHIP, Level.COUNTY):
        below = Level.VILLAGE if report.unit.level == Level.TOWNSHIP else Level.TOWNSHIP
        children = queries.unit_statuses(ds, report.unit, below, parse_period(report.period))
    history = AuditEntry.objects.filter(object_type="reporting.report", object_id=str(report.pk)).order_by("at")
    return render(
        request,
        "reporting/detail.html",
        {
            "report": report,
            "ds": ds,
            "rows": rows,
            "violations": violations,
            "errors": validation.errors(violations),
            "warnings": validation.warnings(violations),
            "state_text": actions.describe_state(report),
            "editable": editable,
            "can_submit": not report.locked and access.can(user, "reports.submit"),
            "is_reviewer": is_reviewer,
            "children": children,
            "history": history,
            "can_review_children": access.can(user, "reports.review") and report.unit.pk == getattr(root, "pk", None),
            "deadline": queries.deadline(ds, report.unit.level, parse_period(report.period))
            if report.unit.level in queries.REPORTING_LEVELS
            else None,
        },
    )


def _origin_label(report, element) -> str:
    if report.unit.level != Level.VILLAGE and element.aggregation == "sum":
        return _("下级汇总")
    if element.source is None or not report.unit.keeps_registers:
        return _("手工填报")
    return _("台账计算")


@login_required_keep_form
def report_action(request, code: str, period: str):
    report = _report_or_404(request, code, period)
    if request.method != "POST":
        return redirect("report_detail", code=code, period=period)
    action = request.POST.get("action")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    user, post = request.user, request.POST
    try:
        if action == "save":
            values = {k[2:]: v for k, v in post.items() if k.startswith("v_")}
            actions.set_values(
                report, values, reason=post.get("reason", ""), acting_user=user, expected_version=version
            )
            messages.success(request, _("已保存"))
        elif action == "submit":
            notes = {k[5:]: v for k, v in post.items() if k.startswith("note_")}
            actions.submit_report(report, acting_user=user, warning_notes=notes, expected_version=version)
            messages.success(request, _("已提交，等待上级审核"))
        elif action == "approve":
            actions.approve_report(report, acting_user=user, expected_version=version)
            messages.success(request, _("已审核通过"))
        elif action == "return":
            comments = {k[8:]: v for k, v in post.items() if k.startswith("comment_")}
            actions.return_report(
                report, reason=post.get("reason", ""), comments=comments, acting_user=user, expected_version=version
            )
            messages.success(request, _("已退回"))
        elif action == "missing":
            child = _report_or_404(request, post.get("unit", ""), period)
            actions.mark_missing(child, reason=post.get("reason", ""), acting_user=user)
            messages.success(request, _("已标记缺报"))
        else:
            raise Http404(_("未找到该页面"))
    except access.AccessDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("report_detail", code=code, period=period)


@login_required
def report_export(request, code: str, period: str):
    report = _report_or_404(request, code, period)
    filename, mimetype, content = render_report_xlsx(report, acting_user=request.user)
    response = HttpResponse(content, content_type=mimetype)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response
