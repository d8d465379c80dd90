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
from jiceng.supervision.checklists import all_checklists, find_checklist
from jiceng.supervision.models import Attachment, Escalation, State


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
            plan_id=int(request.POST["plan"]) if request.POST.get("plan", "").isdigit() else None,
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
    return render(
        request, "supervision/record_list.html", {"page": Paginator(rows, 50).get_page(request.GET.get("page"))}
    )


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
    below = access.can(user, "supervision.inspect") and actions.is_below(user, finding.unit)
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
