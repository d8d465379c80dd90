"""Supervision pages: thin views (access → action → render). Phone first: one column of cards; a
record is filled item by item in the clinic, with photos taken on the phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.documents.responses import file_response
from jiceng.errors import DomainError, messages_of
from jiceng.supervision import actions, files, queries
from jiceng.supervision.bulletins import unread_for
from jiceng.supervision.checklists import all_checklists, find_checklist
from jiceng.supervision.models import Attachment, Bulletin, Escalation, State


def _require_view(user) -> None:
    if not queries.can_view(user):
        raise Http404(_("未找到该页面"))


def _require_inspect(user) -> None:
    if not access.can(user, "supervision.inspect"):
        raise Http404(_("未找到该页面"))


def _flat(exc: DomainError) -> dict[str, str]:
    return {field: " ".join(msgs) for field, msgs in messages_of(exc).items()}


@login_required
def index(request):
    _require_view(request.user)
    today = actions.today()
    return render(
        request,
        "supervision/index.html",
        {
            "counts": queries.counts(request.user, today),
            "can_inspect": access.can(request.user, "supervision.inspect"),
            "to_rectify": queries.to_rectify(request.user)[:20],
            "to_recheck": queries.awaiting_recheck(request.user).order_by("deadline", "id")[:20],
            "notices": queries.unconfirmed_notices(request.user),
            "unread": unread_for(request.user),
            "records": queries.records_for(request.user).filter(withdrawn=False)[:10],
            "today": today,
            "lists": queries.LISTS,
        },
    )


@login_required
def inspect_choose(request):
    """Pick the unit and the checklist (units below the user at the checklist's level)."""
    _require_inspect(request.user)
    checklists = list(all_checklists().values())
    checklist = find_checklist(request.GET.get("checklist")) or (checklists[0] if checklists else None)
    units = []
    if checklist is not None:
        units = [
            u
            for u in access.visible_units(request.user)
            .filter(level=checklist.inspected_level, active=True)
            .order_by("path")
            if actions.is_below(request.user, u)
        ]
    return render(
        request, "supervision/inspect_choose.html", {"checklists": checklists, "checklist": checklist, "units": units}
    )


def _posted_items(post, checklist) -> dict[str, actions.ItemInput]:
    items = {}
    for item in checklist.items:
        if f"score_{item.code}" in post or f"met_{item.code}" in post:
            items[item.code] = actions.ItemInput(
                score=post.get(f"score_{item.code}", ""),
                met=post.get(f"met_{item.code}", "1") != "0",
                remark=post.get(f"remark_{item.code}", ""),
            )
    return items


@login_required
def inspect_unit(request, code: str):
    """The inspection form of one unit: every item with its score, 符合/不符合, a remark; photos."""
    _require_inspect(request.user)
    unit = access.unit_in_scope_or_404(request.user, code)
    checklist = find_checklist(request.POST.get("checklist") or request.GET.get("checklist"))
    if checklist is None:
        raise Http404(_("未找到该检查表"))
    errors: dict[str, str] = {}
    values = request.POST if request.method == "POST" else None
    if request.method == "POST":
        data = actions.RecordData(
            checklist=checklist.code,
            inspected_on=request.POST.get("inspected_on", ""),
            inspectors=request.POST.get("inspectors", ""),
            representative=request.POST.get("representative", ""),
            remarks=request.POST.get("remarks", ""),
            items=_posted_items(request.POST, checklist),
            plan_id=actions.id_or_none(request.POST.get("plan", "")),
        )
        try:
            rec = actions.record_inspection(
                data, unit=unit, acting_user=request.user, photos=request.FILES.getlist("photos")
            )
        except DomainError as exc:
            errors = _flat(exc)
        else:
            messages.success(
                request,
                _("已保存检查记录：得分 %(s)s / %(m)s，发现问题 %(n)d 个")
                % {"s": rec.score, "m": rec.max_score, "n": rec.findings.count()},
            )
            return redirect("supervision_record", pk=rec.pk)
    rows = []
    for topic, items in checklist.topics:
        rows.append(
            (
                topic,
                [
                    {
                        "item": item,
                        "score": values.get(f"score_{item.code}", item.score) if values else item.score,
                        "met": (values.get(f"met_{item.code}", "1") != "0") if values else True,
                        "remark": values.get(f"remark_{item.code}", "") if values else "",
                        "error": errors.get(f"score_{item.code}") or errors.get(f"remark_{item.code}"),
                    }
                    for item in items
                ],
            )
        )
    plans = queries.plans_for(request.user).filter(units=unit, checklist=checklist.code).order_by("-starts_on")[:10]
    return render(
        request,
        "supervision/inspect_form.html",
        {
            "unit": unit,
            "checklist": checklist,
            "rows": rows,
            "errors": errors,
            "values": values or {},
            "today": actions.today(),
            "plans": plans,
            "default_inspectors": request.user.display_name,
            "inspected_on": (values or {}).get("inspected_on") or actions.today().isoformat(),
        },
        status=400 if errors else 200,
    )


@login_required
def record_list(request):
    _require_view(request.user)
    rows = queries.records_for(request.user).order_by("-inspected_on", "-id")
    unit = access.unit_in_scope_or_404(request.user, request.GET["unit"]) if request.GET.get("unit") else None
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "supervision/record_list.html", {"page": page, "unit": unit})


@login_required
def record_detail(request, pk: int):
    _require_view(request.user)
    rec = access.object_in_scope_or_404(request.user, queries.records_for(request.user), pk=pk)
    checklist = find_checklist(rec.checklist)
    findings = list(rec.findings.filter(withdrawn=False).select_related("notice"))
    can_issue = (
        access.can(request.user, "supervision.inspect")
        and actions.is_below(request.user, rec.unit)
        and not rec.withdrawn
    )
    unnoticed = [f for f in findings if f.notice_id is None and f.state == State.OPEN]
    return render(
        request,
        "supervision/record_detail.html",
        {
            "rec": rec,
            "checklist": checklist,
            "results": rec.results.all(),
            "findings": findings,
            "photos": rec.attachments.all(),
            "can_issue": can_issue and unnoticed,
            "unnoticed": unnoticed,
            "can_withdraw": can_issue,
            "today": actions.today(),
        },
    )


@login_required
@require_POST
def record_withdraw(request, pk: int):
    _require_inspect(request.user)
    rec = access.object_in_scope_or_404(request.user, queries.records_for(request.user), pk=pk)
    actions.withdraw_record(rec, reason=request.POST.get("reason", ""), acting_user=request.user)
    messages.success(request, _("已撤销该检查记录"))
    return redirect("supervision_record", pk=rec.pk)


@login_required
@require_POST
def notice_issue(request):
    _require_inspect(request.user)
    notice = actions.issue_notice(
        request.POST.getlist("finding"), deadline=request.POST.get("deadline", ""), acting_user=request.user
    )
    messages.success(request, _("已下发整改通知书 %(n)s") % {"n": notice.number_text})
    return redirect("supervision_notice", pk=notice.pk)


@login_required
def notice_detail(request, pk: int):
    _require_view(request.user)
    notice = access.object_in_scope_or_404(request.user, queries.notices_for(request.user), pk=pk)
    can_confirm = (
        access.can(request.user, "supervision.reply")
        and access.scope_root(request.user) == notice.unit
        and notice.received_at is None
    )
    return render(
        request,
        "supervision/notice_detail.html",
        {
            "notice": notice,
            "findings": notice.findings.select_related("unit", "notice"),
            "can_confirm": can_confirm,
            "today": actions.today(),
        },
    )


@login_required
def notice_docx(request, pk: int):
    from jiceng.supervision.documents import render_notice

    _require_view(request.user)
    notice = access.object_in_scope_or_404(request.user, queries.notices_for(request.user), pk=pk)
    return file_response(
        request,
        render_notice(notice),
        audit_action=actions_catalog.EXPORT_NOTICE,
        unit=notice.unit,
        audit_details={"number": notice.number_text},
    )


@login_required
@require_POST
def notice_receipt(request, pk: int):
    _require_view(request.user)
    notice = access.object_in_scope_or_404(request.user, queries.notices_for(request.user), pk=pk)
    actions.confirm_receipt(notice, acting_user=request.user)
    messages.success(request, _("已确认收到 %(n)s") % {"n": notice.number_text})
    return redirect("supervision_notice", pk=notice.pk)


@login_required
def finding_list(request):
    _require_view(request.user)
    which = request.GET.get("list", "problems")
    if which not in queries.LISTS:
        which = "problems"
    today = actions.today()
    unit = access.unit_in_scope_or_404(request.user, request.GET["unit"]) if request.GET.get("unit") else None
    state = request.GET.get("state", "")
    overdue = request.GET.get("overdue") == "1"
    rows = queries.list_rows(request.user, which, today, unit=unit, state=state, overdue=overdue)
    if request.GET.get("format") == "xlsx":
        from jiceng.supervision.export import render_list

        rendered = render_list(which, list(rows[:20000]), today)
        return file_response(
            request,
            rendered,
            audit_action=actions_catalog.EXPORT_RECTIFICATION,
            unit=unit or access.scope_root(request.user),
            audit_details={"list": which},
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "supervision/finding_list.html",
        {
            "which": which,
            "title": queries.LISTS[which],
            "lists": queries.LISTS,
            "page": Paginator(rows, 50).get_page(request.GET.get("page")),
            "today": today,
            "state": state,
            "overdue": overdue,
            "states": State.choices,
            "unit": unit,
            "query": query.urlencode(),
        },
    )


@login_required
def finding_detail(request, pk: int):
    _require_view(request.user)
    finding = access.object_in_scope_or_404(request.user, queries.findings_for(request.user), pk=pk)
    user = request.user
    root = access.scope_root(user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        op = request.POST.get("op", "")
        try:
            if op == "reply":
                actions.reply(
                    finding,
                    text=request.POST.get("text", ""),
                    acting_user=user,
                    uploads=request.FILES.getlist("photos"),
                )
                messages.success(request, _("已提交整改反馈"))
            elif op in ("pass", "return"):
                actions.recheck(
                    finding,
                    passed=op == "pass",
                    note=request.POST.get("note", ""),
                    acting_user=user,
                    close=request.POST.get("close", "1") == "1",
                )
                messages.success(request, _("复查通过") if op == "pass" else _("已退回整改"))
            elif op == "close":
                actions.close(finding, acting_user=user)
                messages.success(request, _("已销号"))
            elif op == "escalate":
                actions.escalate(
                    finding,
                    kind=request.POST.get("kind", ""),
                    note=request.POST.get("note", ""),
                    amount=request.POST.get("amount", ""),
                    acting_user=user,
                )
                messages.success(request, _("已升级处理"))
            elif op == "case_close":
                actions.close_case(finding, outcome=request.POST.get("outcome", ""), acting_user=user)
                messages.success(request, _("已结案"))
            else:
                raise Http404(_("未找到该操作"))
        except DomainError as exc:
            errors = _flat(exc)
        else:
            return redirect("supervision_finding", pk=finding.pk)
        finding.refresh_from_db()
    today = actions.today()
    below = (  # the issuing level or above: re-check, 销号, 升级 (actions._require_rechecker decides the same)
        access.can(user, "supervision.inspect")
        and actions.is_below(user, finding.unit)
        and finding.inspector_unit.path.startswith(root.path)
    )
    events = finding.events.select_related("actor", "actor_unit").prefetch_related("attachments")
    return render(
        request,
        "supervision/finding_detail.html",
        {
            "finding": finding,
            "events": events,
            "today": today,
            "errors": errors,
            "post": request.POST,
            "overdue": finding.is_overdue(today),
            "can_reply": access.can(user, "supervision.reply") and root == finding.unit and finding.state == State.OPEN,
            "can_recheck": below and finding.state == State.REPLIED,
            "can_close": below and finding.state == State.RECHECKED,
            "can_escalate": below and not finding.escalation and finding.state != State.CLOSED,
            "can_close_case": below and finding.escalation and not finding.case_closed_on,
            "escalations": [(v, label) for v, label in Escalation.choices if v],
            "record_photos": finding.record.attachments.all() if finding.record_id else [],
        },
        status=400 if errors else 200,
    )


@login_required
def from_data(request):
    """The alerts, late or returned reports and stock gaps below the user, each turned into a finding in one
    action (列入整改)."""
    from jiceng.supervision.from_data import candidates

    _require_inspect(request.user)
    if request.method == "POST":
        unit = access.unit_in_scope_or_404(request.user, request.POST.get("unit", ""))
        finding = actions.finding_from_data(
            unit=unit,
            source=request.POST.get("source", ""),
            source_key=request.POST.get("key", ""),
            description=request.POST.get("description", ""),
            acting_user=request.user,
        )
        messages.success(request, _("已列入整改：%(d)s") % {"d": finding.description[:40]})
        return redirect("supervision_finding", pk=finding.pk)
    today = actions.today()
    return render(request, "supervision/from_data.html", {"rows": candidates(request.user, today), "today": today})


@login_required
def attachment(request, pk: int):
    """A stored photo or file, to someone who may see the record or finding it belongs to."""
    _require_view(request.user)
    try:
        item = Attachment.objects.select_related("record__unit", "event__finding__unit").get(pk=pk)
    except Attachment.DoesNotExist:
        raise Http404(_("未找到该文件")) from None
    unit = item.record.unit if item.record_id else item.event.finding.unit
    access.require_unit_in_scope(request.user, unit)
    try:
        path = files.absolute(item.path)
        handle = path.open("rb")
    except OSError:
        raise Http404(_("未找到该文件")) from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if item.kind == Attachment.Kind.FILE:
        response["Content-Disposition"] = "attachment"
    return response


def _require_assessment(user) -> None:
    if not (access.can(user, "analysis.view") or access.can(user, "supervision.inspect")):
        raise Http404(_("未找到该页面"))


@login_required
def ranking(request):
    """考核排名: every unit's points per item, the change since the last period, the lagging units, and a
    link from each point to the figures behind it."""
    from jiceng.periods import PeriodError, parse_period, picker_periods
    from jiceng.supervision.assessment import all_schemes, scores

    _require_assessment(request.user)
    schemes = all_schemes()
    root = access.scope_root(request.user)
    if request.GET.get("unit"):
        root = access.unit_in_scope_or_404(request.user, request.GET["unit"])
    usable = [s for s in schemes.values() if _scheme_fits(s, root)]
    if not usable:
        raise Http404(_("本单位没有适用的考核方案"))
    scheme = schemes.get(request.GET.get("scheme", "")) or usable[0]
    if scheme not in usable:
        raise Http404(_("未找到该考核方案"))
    today = actions.today()
    try:
        period = parse_period(
            request.GET.get("period") or (f"{today.year}YTD{today.month:02d}" if today.month > 1 else str(today.year))
        )
    except PeriodError as exc:
        raise DomainError({"period": [str(exc)]}) from None
    ranked = scores(scheme, root, period)
    return render(
        request,
        "supervision/ranking.html",
        {
            "scheme": scheme,
            "schemes": usable,
            "root": root,
            "period": period,
            "ranked": ranked,
            "periods": picker_periods(today),
            "lagging": [s for s in ranked if s.lagging],
            "can_issue": access.can(request.user, "supervision.inspect"),
            "bulletins": Bulletin.objects.filter(root=root, scheme=scheme.code).order_by("-issued_on")[:10],
        },
    )


def _scheme_fits(scheme, root) -> bool:
    from jiceng.orgunits.models import Level

    above = {Level.TOWNSHIP: (Level.COUNTY,), Level.VILLAGE: (Level.TOWNSHIP,)}
    return root is not None and root.level in above.get(scheme.level, ())


@login_required
@require_POST
def bulletin_issue(request):
    from jiceng.periods import PeriodError, parse_period
    from jiceng.supervision.assessment import all_schemes
    from jiceng.supervision.bulletins import issue_bulletin

    _require_inspect(request.user)
    scheme = all_schemes().get(request.POST.get("scheme", ""))
    if scheme is None:
        raise Http404(_("未找到该考核方案"))
    root = access.unit_in_scope_or_404(request.user, request.POST.get("unit", ""))
    try:
        period = parse_period(request.POST.get("period", ""))
    except PeriodError as exc:
        raise DomainError({"period": [str(exc)]}) from None
    bulletin = issue_bulletin(
        scheme, period, root=root, deadline=request.POST.get("deadline", ""), acting_user=request.user
    )
    messages.success(request, _("已下发考核通报 %(n)s") % {"n": bulletin.number_text})
    return redirect("supervision_bulletin", pk=bulletin.pk)


def _bulletin_or_404(user, pk):
    from jiceng.supervision.bulletins import visible
    from jiceng.supervision.models import Bulletin

    bulletin = Bulletin.objects.select_related("root", "issuer_unit").filter(pk=pk).first()
    if bulletin is None or not visible(user, bulletin):
        raise Http404(_("未找到该通报"))
    return bulletin


@login_required
def bulletin_detail(request, pk: int):
    from jiceng.periods import parse_period
    from jiceng.supervision.assessment import all_schemes
    from jiceng.supervision.bulletins import confirm_read, render_bulletin

    _require_view(request.user)
    bulletin = _bulletin_or_404(request.user, pk)
    scheme = all_schemes()[bulletin.scheme]
    period = parse_period(bulletin.period)
    if request.method == "POST":
        confirm_read(bulletin, acting_user=request.user)
        messages.success(request, _("已确认已阅"))
        return redirect("supervision_bulletin", pk=bulletin.pk)
    if request.GET.get("format") == "docx":
        return file_response(
            request,
            render_bulletin(bulletin, scheme, period),
            audit_action=actions_catalog.EXPORT_BULLETIN,
            unit=bulletin.root,
            audit_details={"number": bulletin.number_text},
        )
    root = access.scope_root(request.user)
    reads = {r.unit.code: r for r in bulletin.reads.select_related("unit", "read_by")}
    return render(
        request,
        "supervision/bulletin_detail.html",
        {
            "bulletin": bulletin,
            "scheme": scheme,
            "period": period,
            "reads": reads,
            "findings": bulletin.findings.select_related("unit", "notice"),
            "today": actions.today(),
            "can_read": root is not None
            and root.code in {r["unit"] for r in bulletin.ranking}
            and root.code not in reads,
        },
    )


@login_required
def dispatch_list(request):
    """调度任务: the tasks in scope (overdue flagged); the inspecting level adds a task, the responsible unit
    reports its weekly progress."""
    from jiceng.supervision import dispatch

    _require_view(request.user)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            if request.POST.get("op") == "progress":
                task = access.object_in_scope_or_404(
                    request.user, dispatch.tasks_for(request.user), pk=actions.id_or_none(request.POST.get("task"))
                )
                dispatch.report_progress(
                    task,
                    text=request.POST.get("text", ""),
                    percent=request.POST.get("percent", ""),
                    acting_user=request.user,
                )
                messages.success(request, _("已报告本周进展"))
            else:
                _require_inspect(request.user)
                unit = access.unit_in_scope_or_404(request.user, request.POST.get("unit", ""))
                dispatch.create_task(
                    title=request.POST.get("title", ""),
                    unit=unit,
                    owner_name=request.POST.get("owner_name", ""),
                    deadline=request.POST.get("deadline", ""),
                    acting_user=request.user,
                )
                messages.success(request, _("已布置调度任务"))
        except DomainError as exc:
            errors = _flat(exc)
        else:
            return redirect("supervision_dispatch")
    today = actions.today()
    tasks = list(dispatch.tasks_for(request.user).prefetch_related("progress"))
    root = access.scope_root(request.user)
    can_inspect = access.can(request.user, "supervision.inspect")
    units = (
        [
            u
            for u in access.visible_units(request.user)
            .exclude(kind__in=["health_bureau", "mch_centre"])
            .order_by("path")[:2000]
            if actions.is_below(request.user, u)
        ]
        if can_inspect
        else []
    )
    return render(
        request,
        "supervision/dispatch.html",
        {
            "tasks": tasks,
            "today": today,
            "week": dispatch.week_of(today),
            "root": root,
            "units": units,
            "can_inspect": can_inspect,
            "errors": errors,
            "post": request.POST,
            "can_report": access.can(request.user, "supervision.reply"),
        },
        status=400 if errors else 200,
    )


@login_required
def plan_list(request):
    """检查方案: the plans in scope with how many of their units were inspected; a new plan names the
    checklist, the units (chosen, or every unit the checklist is for), the inspectors and the period."""
    _require_view(request.user)
    errors: dict[str, str] = {}
    checklists = list(all_checklists().values())
    if request.method == "POST":
        _require_inspect(request.user)
        data = actions.PlanData(
            name=request.POST.get("name", ""),
            checklist=request.POST.get("checklist", ""),
            starts_on=request.POST.get("starts_on", ""),
            ends_on=request.POST.get("ends_on", ""),
            inspectors=request.POST.get("inspectors", ""),
            unit_codes=request.POST.getlist("units"),
            every_unit=request.POST.get("every_unit") == "1",
        )
        try:
            plan = actions.create_plan(data, acting_user=request.user)
        except DomainError as exc:
            errors = _flat(exc)
        else:
            messages.success(request, _("已制定检查方案：%(n)s") % {"n": plan.name})
            return redirect("supervision_plans")
    plans = list(queries.plans_for(request.user).prefetch_related("units")[:50])
    done = {}
    for plan in plans:
        done[plan.pk] = plan.records.filter(withdrawn=False).values("unit").distinct().count()
    rows = [(plan, done[plan.pk], len(plan.units.all()), find_checklist(plan.checklist)) for plan in plans]
    can_inspect = access.can(request.user, "supervision.inspect")
    units = []
    if can_inspect:
        levels = {c.inspected_level for c in checklists}
        units = [
            u
            for u in access.visible_units(request.user).filter(level__in=levels, active=True).order_by("path")[:500]
            if actions.is_below(request.user, u)
        ]
    return render(
        request,
        "supervision/plan_list.html",
        {
            "rows": rows,
            "checklists": checklists,
            "units": units,
            "can_inspect": can_inspect,
            "errors": errors,
            "post": request.POST,
            "today": actions.today(),
        },
        status=400 if errors else 200,
    )
