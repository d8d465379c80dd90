"""Pages of the monthly report and its review chain (thin: access → action or query → render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.accounts import access
from jiceng.audit.models import AuditEntry
from jiceng.documents.responses import file_response
from jiceng.orgunits.models import Level
from jiceng.periods import PeriodError, parse_period
from jiceng.reporting import actions, queries, validation
from jiceng.reporting.export import render_report_xlsx
from jiceng.reporting.models import Report, State
from jiceng.reporting.packs import all_datasets, find_dataset
from jiceng.reporting.values import current_cells
from jiceng.web.forms_keep import login_required_keep_form


def _dataset_or_404(code: str):
    ds = find_dataset(code)
    if ds is None:
        raise Http404(_("未找到该报表"))
    return ds


def _period(request, ds):
    code = request.GET.get("period") or queries.reporting_period(ds).code
    try:
        return actions.check_period(code, ds)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from None


def datasets_under(root) -> list:
    """The data sets reported in ``root``'s subtree (by the root itself or the units below)."""
    return [
        ds
        for ds in all_datasets().values()
        if ds.is_reported_by(root) or queries.reporting_units(root, ds.reporting_level, ds)
    ]


@login_required
def report_index(request):
    root = access.scope_root(request.user)
    if root is None:
        raise Http404(_("未找到该页面"))
    available = datasets_under(root)
    if not available:
        raise Http404(_("本单位不填报任何报表"))
    asked = request.GET.get("dataset")
    ds = find_dataset(asked) if asked else available[0]
    if ds is None or ds not in available:
        raise Http404(_("未找到该报表"))
    period = _period(request, ds)
    if request.GET.get("unit"):  # the period picker of a report page: that unit's report of the period picked
        unit = access.unit_in_scope_or_404(request.user, request.GET["unit"])
        return redirect("report_detail", dataset=ds.code, code=unit.code, period=period.code)
    if root.level == ds.reporting_level:
        return redirect("report_detail", dataset=ds.code, code=root.code, period=period.code)
    levels = queries.review_levels(ds)
    rates = [queries.timeliness(ds, root, lvl, period) for lvl in levels if queries.reporting_units(root, lvl, ds)]
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
            "overdue": queries.overdue(ds, root, period),
            "ds": ds,
            "datasets": available,
            "periods": queries.recent_periods(ds),
            "root_reports": ds.is_reported_by(root),
        },
    )


def _report_or_404(request, dataset, code, period):
    ds = _dataset_or_404(dataset)
    unit = access.unit_in_scope_or_404(request.user, code)
    try:
        return actions.get_report(ds.code, unit, period)
    except ValidationError as exc:
        raise Http404(" ".join(exc.messages)) from None


@login_required
def report_detail(request, dataset: str, code: str, period: str):
    try:
        typed = parse_period(period).code
    except PeriodError:
        typed = period
    if typed != period:  # 2026-Q3, 2026/10 or 2026年10月 typed into the address: the report's one address
        return redirect("report_detail", dataset=dataset, code=code, period=typed)
    report = _report_or_404(request, dataset, code, period)
    ds = find_dataset(report.dataset)
    cells = current_cells(ds, report)
    violations = validation.validate(
        ds, cells, actions.previous_cells(ds, report), level=report.unit.level, on=parse_period(report.period).end
    )
    user = request.user
    root = access.scope_root(user)
    is_reviewer = access.can(user, "reports.review") and report.unit.parent_id == getattr(root, "pk", None)
    editable = not report.locked and access.can(user, "reports.fill")
    comments = {}
    for comment in report.comments.select_related("author").order_by("at"):
        comments.setdefault(comment.element, []).append(comment)
    kept = request.session.pop(f"report_form_{report.pk}", {})  # what a failed save sent back
    before = actions.previous_cells(ds, report) or {}  # last month's (quarter's) submitted values, for the reviewer
    rows = [
        {
            "previous": _value(before.get(e.code)),
            "change": _change(_value(cells.get(e.code)), _value(before.get(e.code))),
            "kept": kept.get(f"v_{e.code}"),
            "kept_reason": kept.get(f"reason_{e.code}", ""),
            "error": kept.get("errors", {}).get(e.code, ""),
            "element": e,
            "cell": cells.get(e.code),
            "comments": comments.get(e.code, []),
            "origin": _origin_label(ds, report, e),
        }
        for e in ds.elements
    ]
    children = []
    if report.unit.level != ds.reporting_level and report.unit.level in (Level.TOWNSHIP, Level.COUNTY):
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
            "periods": queries.recent_periods(ds),
            "other_datasets": [d for d in all_datasets().values() if d.is_reported_by(report.unit) and d != ds],
            "violations": violations,
            "errors": validation.errors(violations),
            "warnings": validation.warnings(violations),
            "state_text": actions.describe_state(report),
            "editable": editable,
            "can_submit": not report.locked and actions.may_submit(user, report.unit),
            "reviewer_submits": not report.locked and editable and not actions.may_submit(user, report.unit),
            "is_reviewer": is_reviewer,
            "children": children,
            "history": history,
            "can_review_children": access.can(user, "reports.review") and report.unit.pk == getattr(root, "pk", None),
            "deadline": queries.deadline(ds, report.unit.level, parse_period(report.period))
            if report.unit.level in queries.review_levels(ds)
            else None,
            "kept_reason": kept.get("reason", ""),
            "needs_reason": any(row["origin"] != _("手工填报") for row in rows),
            "manual_label": _("手工填报"),
            "previous_label": parse_period(report.period).previous().label,
            "past_reports": _past_reports(ds, report),
        },
    )


def _value(cell):
    return None if cell is None else cell.value


def _change(now, before):
    return None if now is None or before is None else now - before


def _past_reports(ds, report) -> list[tuple]:
    """历史: the unit's report of each recent period of the form — (period, report or None)."""
    periods = queries.recent_periods(ds)[:12]
    found = {
        r.period: r
        for r in Report.objects.filter(dataset=ds.code, unit=report.unit, period__in=[p.code for p in periods])
    }
    return [(p, found.get(p.code)) for p in periods]


def _next_to_review(user, report):
    """After approving or returning: the next report waiting for this reviewer (oldest submitted first)."""
    root = access.scope_root(user)
    if root is None:
        return None
    waiting = (
        Report.objects.filter(unit__parent=root, state=State.SUBMITTED)
        .exclude(pk=report.pk)
        .select_related("unit")
        .order_by("dataset", "period", "submitted_at", "unit__code")
    )
    same = waiting.filter(dataset=report.dataset, period=report.period).first()
    return same or waiting.first()


def _origin_label(ds, report, element) -> str:
    if report.unit.level != ds.reporting_level and element.aggregation == "sum":
        return _("下级汇总")
    if element.source is None or not report.unit.keeps_registers:
        return _("手工填报")
    return _("台账计算")


@login_required_keep_form
def report_action(request, dataset: str, code: str, period: str):
    report = _report_or_404(request, dataset, code, period)
    back = {"dataset": report.dataset, "code": code, "period": report.period}
    if request.method != "POST":
        return redirect("report_detail", **back)
    action = request.POST.get("action")
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    user, post = request.user, request.POST
    try:
        reasons = {k[7:]: v for k, v in post.items() if k.startswith("reason_")}  # each beside its cell
        if action == "save":
            values = {k[2:]: v for k, v in post.items() if k.startswith("v_")}
            actions.set_values(
                report,
                values,
                reason=post.get("reason", ""),
                reasons=reasons,
                acting_user=user,
                expected_version=version,
            )
            messages.success(request, _("已保存"))
        elif action == "submit":
            values = {k[2:]: v for k, v in post.items() if k.startswith("v_")}
            if values and access.can(user, "reports.fill"):  # what was typed and not yet saved is saved first
                report = actions.set_values(
                    report,
                    values,
                    reason=post.get("reason", ""),
                    reasons=reasons,
                    acting_user=user,
                    expected_version=version,
                )
                version = report.version
            notes = {k[5:]: v for k, v in post.items() if k.startswith("note_")}
            actions.submit_report(report, acting_user=user, warning_notes=notes, expected_version=version)
            messages.success(request, _("已提交，等待上级审核"))
        elif action in ("approve", "return"):
            if action == "approve":
                actions.approve_report(report, acting_user=user, expected_version=version)
                messages.success(request, _("已审核通过"))
            else:
                comments = {k[8:]: v for k, v in post.items() if k.startswith("comment_")}
                actions.return_report(
                    report, reason=post.get("reason", ""), comments=comments, acting_user=user, expected_version=version
                )
                messages.success(request, _("已退回"))
            following = _next_to_review(user, report)  # 下一份待审核: straight on to it
            if following is not None:
                messages.info(
                    request,
                    _("下一份待审核：%(u)s %(p)s")
                    % {"u": following.unit.display_name, "p": parse_period(following.period).label},
                )
                return redirect(
                    "report_detail", dataset=following.dataset, code=following.unit.code, period=following.period
                )
            messages.info(request, _("没有其他待审核的报表了"))
        elif action == "missing":
            child = _report_or_404(request, report.dataset, post.get("unit", ""), period)
            actions.mark_missing(child, reason=post.get("reason", ""), acting_user=user)
            messages.success(request, _("已标记缺报"))
        else:
            raise Http404(_("未找到该页面"))
    except access.AccessDenied as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        if action in ("save", "submit"):  # nothing typed is lost: the form comes back with the values and reasons
            kept = {k: v for k, v in post.items() if k.startswith(("v_", "reason_")) or k == "reason"}
            if hasattr(exc, "error_dict"):  # each message shown again on its own row
                kept["errors"] = {code: " ".join(msgs) for code, msgs in exc.message_dict.items()}
            request.session[f"report_form_{report.pk}"] = kept
    return redirect("report_detail", **back)


@login_required
@require_POST
def units_table_job(request, dataset: str, code: str, period: str):
    """Every unit's report under a county or province in one Excel table, made by the background worker."""
    from jiceng.jobs.actions import start_job

    report = _report_or_404(request, dataset, code, period)
    ds = _dataset_or_404(dataset)
    official = request.POST.get("official") == "1"
    job = start_job(
        request.user,
        "units_report",
        title=_("%(u)s %(p)s %(d)s 各单位汇总表")
        % {"u": report.unit.name, "p": parse_period(report.period).label, "d": ds.short_name},
        params={"dataset": ds.code, "unit": report.unit.code, "period": report.period, "official": official},
    )
    return redirect("job_detail", pk=job.pk)


@login_required
def report_export(request, dataset: str, code: str, period: str):
    report = _report_or_404(request, dataset, code, period)
    return file_response(request, render_report_xlsx(report, acting_user=request.user))
