"""The village doctor's month: distribution (本月发放), follow-up cards (个案随访卡), adherence list."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from jiceng.accounts import access
from jiceng.documents.responses import file_response
from jiceng.nutrition import actions, queries
from jiceng.nutrition.forms import FollowUpForm
from jiceng.nutrition.growth_chart import zscore_chart_svg
from jiceng.nutrition.models import Child
from jiceng.nutrition.rules.adherence import min_packs_per_week
from jiceng.nutrition.search import search
from jiceng.nutrition.worklist_export import render_worklist_export
from jiceng.orgunits.models import Level
from jiceng.web.forms_keep import login_required_keep_form, pop_preserved_form
from jiceng.web.list_filters import unit_groups


@login_required
def distribution_index(request):
    """A village doctor goes straight to the village; township and county staff pick a village."""
    root = access.scope_root(request.user)
    if root is None:
        raise Http404(_("未找到该页面"))
    if root.level == Level.VILLAGE:
        return redirect("distribution", code=root.code)
    overview = queries.distribution_overview(root, actions.today())
    return render(request, "nutrition/distribution_index.html", {"overview": overview, "root": root})


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


@login_required
def distribution(request, code: str):
    village = access.unit_in_scope_or_404(request.user, code)
    if village.level != Level.VILLAGE:
        raise Http404(_("未找到该页面"))
    today = actions.today()
    dist = queries.distribution(village, today)
    query = request.GET.get("q", "").strip()[:50]
    rows = dist.rows
    if query:  # 搜索: name, pinyin initials, last 4 digits of the ID number or phone
        found = set(search(queries.children_in(village), query).values_list("pk", flat=True))
        rows = [r for r in rows if r.child.pk in found]
    return render(
        request,
        "nutrition/distribution.html",
        {
            "village": village,
            "dist": dist,
            "rows": rows,
            "q": query,
            "today": today,
            "can_edit": access.can(request.user, "registers.edit"),
            "tap_key": uuid.uuid4().hex,  # + child id: one key per tap, kept by the form across retries
        },
    )


@login_required
def distribution_collect(request, code: str, pk: int):
    """Record one collection from the distribution page, following the E4 plan when stock is short."""
    village = access.unit_in_scope_or_404(request.user, code)
    child = access.object_in_scope_or_404(
        request.user, Child.objects.select_related("village"), unit_field="village", pk=pk
    )
    if request.method != "POST" or child.village_id != village.pk:
        raise Http404(_("未找到该页面"))
    today = actions.today()
    error = None
    try:
        packs = int(request.POST.get("packs", ""))
    except ValueError:
        error = _("包数：请输入整数")
    if error is None:
        dist = queries.distribution(village, today)
        row = next((r for r in dist.rows if r.child.pk == child.pk), None)
        if dist.shortage and row is not None and row.planned_packs is not None and packs > row.planned_packs:
            error = _("库存不足，按优先顺序本次应发 %(n)d 包：%(why)s") % {
                "n": row.planned_packs,
                "why": row.plan_reason,
            }
        else:
            try:
                actions.record_collection(
                    child,
                    collected_on=today,
                    packs=packs,
                    collected_by=request.POST.get("collected_by", child.caregiver_name),
                    acting_user=request.user,
                    idempotency_key=request.POST.get("idempotency_key") or None,
                )
            except ValidationError as exc:
                error = "；".join(exc.messages)
    if _is_htmx(request):
        dist = queries.distribution(village, today)
        row = next((r for r in dist.rows if r.child.pk == child.pk), None)
        return render(
            request,
            "nutrition/_distribution_row.html",
            {
                "row": row,
                "village": village,
                "error": error,
                "can_edit": True,
                "dist": dist,
                "oob": True,
                "tap_key": uuid.uuid4().hex,
            },
        )
    if error:
        messages.error(request, f"{child.name}：{error}")
    else:
        messages.success(request, _("%(name)s 已领取 %(n)d 包") % {"name": child.name, "n": packs})
    return redirect("distribution", code=village.code)


@login_required_keep_form
def followup_new(request, pk: int):
    child = access.object_in_scope_or_404(
        request.user, Child.objects.select_related("village"), unit_field="village", pk=pk
    )
    if not access.can(request.user, "registers.edit"):
        raise Http404(_("未找到该页面"))
    restored = pop_preserved_form(request)
    data = request.POST if request.method == "POST" else restored
    form = FollowUpForm(data) if data is not None else FollowUpForm(initial={"visited_on": actions.today()})
    if request.method == "POST" and form.is_valid():
        try:
            card = actions.record_followup(child, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存随访卡"))
            for warning in card.warnings:
                messages.warning(request, warning)
            return redirect("child_detail", pk=child.pk)
    return render(request, "nutrition/followup_form.html", {"child": child, "form": form})


@login_required
def adherence(request):
    """Children to visit again: fewer than 4 packs in the last 7 days, or due a follow-up this month; narrowed
    to a township or village, one list at a time, 50 to a page, or the whole list to Excel."""
    root = access.scope_root(request.user)
    if root is None:
        raise Http404(_("未找到该页面"))
    code = request.GET.get("unit", "").strip()
    unit = access.unit_in_scope_or_404(request.user, code) if code else root
    lists = queries.follow_up_worklist(unit, actions.today())
    query = request.GET.get("q", "").strip()[:50]
    if query:  # 搜索
        found = set(search(queries.children_in(unit), query).values_list("pk", flat=True))
        lists = {key: [e for e in entries if e.child.pk in found] for key, entries in lists.items()}
    which = request.GET.get("list") if request.GET.get("list") in WORKLISTS else "low_adherence"
    if request.GET.get("format") == "xlsx":
        shown = (which,) if request.GET.get("list") else tuple(WORKLISTS)
        return file_response(request, render_worklist_export(request.user, unit, lists, shown))
    page = Paginator(lists[which], WORKLIST_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "nutrition/adherence.html",
        {
            "unit": unit,
            "which": which,
            "tabs": [(key, label, len(lists[key])) for key, label in WORKLISTS.items()],
            "page": page,
            "least": min_packs_per_week(actions.today()),
            "unit_groups": unit_groups(request.user),
            "selected_unit": code,
            "q": query,
            "can_edit": access.can(request.user, "registers.edit"),
        },
    )


WORKLISTS = {"low_adherence": _lazy("服用依从性差"), "due": _lazy("本月应随访")}
WORKLIST_PAGE = 50


def growth_chart(child) -> str:
    return zscore_chart_svg(list(child.followups.all()))


VILLAGE_LIST_SHOWN = 50


@login_required
def village_actions(request, code: str):
    """From the dashboard to action (从数据到行动), below the village: its doctor and phone, its distribution
    page, its reports of the period, and the children who have not collected this month or are due a
    follow-up — the same lists as the distribution page and the worklist."""
    from jiceng.accounts.models import Role, User
    from jiceng.periods import PeriodError, parse_period
    from jiceng.reporting import queries as report_queries
    from jiceng.reporting.packs import all_datasets

    village = access.unit_in_scope_or_404(request.user, code)
    if village.level != Level.VILLAGE or not access.can(request.user, "registers.view"):
        raise Http404(_("未找到该页面"))
    try:
        period = parse_period(request.GET.get("period", "")) if request.GET.get("period") else None
    except PeriodError:
        period = None
    todo = queries.village_to_do(village, actions.today())
    reports = []
    for ds in all_datasets().values():
        if not ds.is_reported_by(village):
            continue
        recent = report_queries.recent_periods(ds)
        inside = [p for p in recent if period and period.start <= p.start and p.end <= period.end]
        shown = inside[0] if inside else recent[0]  # the period's last report, or the one due now
        reports.append((ds, shown))
    return render(
        request,
        "nutrition/village_actions.html",
        {
            "village": village,
            "doctors": User.objects.filter(unit=village, role=Role.VILLAGE_DOCTOR, is_active=True).order_by("username"),
            "not_collected": todo.not_collected[:VILLAGE_LIST_SHOWN],
            "not_collected_count": len(todo.not_collected),
            "follow_up": todo.follow_up[:VILLAGE_LIST_SHOWN],
            "follow_up_count": len(todo.follow_up),
            "reports": reports,
            "query": request.GET.urlencode(),
        },
    )
