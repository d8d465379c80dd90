"""Thin views: check access → validate → call an action or a query → render."""

from __future__ import annotations

import datetime as dt

from axes.models import AccessFailureLog, AccessLog
from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.accounts import access
from jiceng.accounts import actions as account_actions
from jiceng.accounts.hashers import HashingBusy
from jiceng.audit.models import AuditEntry
from jiceng.orgunits import actions as unit_actions
from jiceng.orgunits.models import Level, OrgUnit, UnitDenominator, subtree_q
from jiceng.reporting import queries as report_queries
from jiceng.reporting.packs import datasets_reported_by
from jiceng.web.audit_text import readable_changes
from jiceng.web.forms_keep import login_required_keep_form, pop_preserved_form
from jiceng.web.todo import todo_for


def healthz(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def home(request):
    return render(request, "web/home.html", {"todo": todo_for(request.user), "root": access.scope_root(request.user)})


@login_required
def unit_list(request):
    units = access.visible_units(request.user).select_related("parent")
    level = request.GET.get("level", "")
    if level in Level.values:
        units = units.filter(level=level)
    query = request.GET.get("q", "").strip()
    if query:
        units = units.filter(name__contains=query) | units.filter(code__startswith=query)
    root = access.scope_root(request.user)
    return render(
        request,
        "web/unit_list.html",
        {
            "units": units.order_by("path")[:2000],
            "levels": Level.choices,
            "level": level,
            "q": query,
            "root_depth": root.depth if root else 0,
        },
    )


@login_required
def unit_detail(request, code: str):
    unit = access.unit_in_scope_or_404(request.user, code)
    children = unit.children.order_by("code").annotate(n_children=Count("children"))
    from jiceng.nutrition import queries as nutrition_queries

    return render(
        request,
        "web/unit_detail.html",
        {
            "unit": unit,
            "ancestors": [
                u
                for u in OrgUnit.objects.filter(code__in=unit.ancestor_codes()[:-1]).order_by("depth")
                if access.unit_is_visible(request.user, u)
            ],
            "children": children,
            "denominators": unit.denominators.order_by("-year", "key"),
            "users": access.visible_users(request.user).filter(unit=unit).order_by("role", "username"),
            "registered_children": nutrition_queries.registered_children_count(unit),
            "can_edit": access.can(request.user, "units.manage"),
            "denominator_keys": UnitDenominator.Key,
            "reported_forms": [(ds, report_queries.reporting_period(ds)) for ds in datasets_reported_by(unit)],
        },
    )


class UnitEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("名称"), max_length=100)
    altitude_m = forms.IntegerField(
        label=gettext_lazy("海拔(米)"),
        required=False,
        min_value=0,
        max_value=6000,
        error_messages={
            "invalid": gettext_lazy("海拔：请输入整数"),
            "min_value": gettext_lazy("海拔：不能小于0"),
            "max_value": gettext_lazy("海拔：不能大于6000"),
        },
    )
    resident_population = forms.IntegerField(
        label=gettext_lazy("常住人口"),
        required=False,
        min_value=0,
        error_messages={
            "invalid": gettext_lazy("常住人口：请输入整数"),
            "min_value": gettext_lazy("常住人口：不能为负数"),
        },
    )
    year = forms.IntegerField(label=gettext_lazy("年度"), min_value=2000, max_value=2100)


@login_required_keep_form
def unit_edit(request, code: str):
    unit = access.unit_in_scope_or_404(request.user, code)
    if not access.can(request.user, "units.manage"):
        raise Http404(_("未找到该页面"))
    year = dt.date.today().year
    population = unit.denominators.filter(year=year, key=UnitDenominator.Key.RESIDENT_POPULATION).first()
    initial = {
        "name": unit.name,
        "altitude_m": unit.altitude_m,
        "year": year,
        "resident_population": population.value if population else None,
    }
    restored = pop_preserved_form(request)
    if request.method == "POST":
        form = UnitEditForm(request.POST)
    elif restored is not None:
        form = UnitEditForm(restored)
        messages.warning(request, _("登录已超时，您填写的内容已保留，请核对后再次保存。"))
    else:
        form = UnitEditForm(initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            unit_actions.update_unit(
                unit,
                acting_user=request.user,
                name=form.cleaned_data["name"],
                altitude_m=form.cleaned_data["altitude_m"],
            )
            if form.cleaned_data["resident_population"] is not None:
                unit_actions.set_denominator(
                    unit,
                    year=form.cleaned_data["year"],
                    key=UnitDenominator.Key.RESIDENT_POPULATION,
                    value=form.cleaned_data["resident_population"],
                    acting_user=request.user,
                )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已保存"))
            return redirect("unit_detail", code=unit.code)
    return render(request, "web/unit_edit.html", {"unit": unit, "form": form})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label=gettext_lazy("原密码"), widget=forms.PasswordInput)
    password1 = forms.CharField(label=gettext_lazy("新密码"), widget=forms.PasswordInput)
    password2 = forms.CharField(label=gettext_lazy("确认新密码"), widget=forms.PasswordInput)


@login_required
def change_password(request):
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if _change_password(request, form):
                messages.success(request, _("密码已修改"))
                return redirect("home")
        except HashingBusy as busy:
            form.add_error(None, busy.message)
    return render(request, "web/change_password.html", {"form": form})


def _change_password(request, form) -> bool:
    data = form.cleaned_data
    if not request.user.check_password(data["old_password"]):
        form.add_error("old_password", _("原密码不正确"))
    elif data["password1"] != data["password2"]:
        form.add_error("password2", _("两次输入的新密码不一致"))
    else:
        try:
            account_actions.set_password(request.user, password=data["password1"], acting_user=request.user)
        except ValidationError as exc:
            form.add_error("password1", exc.message_dict.get("password", exc.messages))
        else:
            update_session_auth_hash(request, request.user)
            return True
    return False


def _parse_date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def audit_list(request):
    if not access.can(request.user, "audit.view"):
        raise Http404(_("未找到该页面"))
    entries = AuditEntry.objects.filter(access.in_scope_q(request.user, "unit_path"))
    filters = {
        "unit": request.GET.get("unit", "").strip(),
        "actor": request.GET.get("actor", "").strip(),
        "date_from": request.GET.get("date_from", ""),
        "date_to": request.GET.get("date_to", ""),
    }
    errors = []
    if filters["unit"]:
        unit = access.visible_units(request.user).filter(code=filters["unit"]).first()
        if unit is None:
            errors.append(_("单位代码 %(code)s 不在您的管辖范围内") % {"code": filters["unit"]})
            entries = entries.none()
        else:
            entries = entries.filter(subtree_q(unit.path, "unit_path"))
    if filters["actor"]:
        entries = entries.filter(actor__username=filters["actor"])
    date_from, date_to = _parse_date(filters["date_from"]), _parse_date(filters["date_to"])
    if filters["date_from"] and date_from is None or filters["date_to"] and date_to is None:
        errors.append(_("日期：请选择日期，或写作 2026-03-08"))
    if date_from:
        entries = entries.filter(at__date__gte=date_from)
    if date_to:
        entries = entries.filter(at__date__lte=date_to)
    page = Paginator(entries.select_related("unit"), 50).get_page(request.GET.get("page"))
    actors = access.visible_users(request.user).order_by("username").values_list("username", "full_name")
    for entry in page:  # field names in Chinese, values as people read them
        entry.readable = readable_changes(entry)
    units = access.visible_units(request.user).filter(active=True).order_by("path")  # chosen by name, not code
    return render(
        request,
        "web/audit_list.html",
        {"page": page, "filters": filters, "errors": errors, "actors": actors, "units": units},
    )


@login_required
def login_history(request):
    if not access.can(request.user, "audit.view"):
        raise Http404(_("未找到该页面"))
    usernames = list(access.visible_users(request.user).values_list("username", flat=True))
    successes = AccessLog.objects.filter(username__in=usernames).order_by("-attempt_time")[:200]
    failures = AccessFailureLog.objects.filter(username__in=usernames).order_by("-attempt_time")[:200]
    rows = sorted(
        [
            {"username": s.username, "at": s.attempt_time, "ip": s.ip_address, "ok": True, "logout": s.logout_time}
            for s in successes
        ]
        + [
            {"username": f.username, "at": f.attempt_time, "ip": f.ip_address, "ok": False, "locked": f.locked_out}
            for f in failures
        ],
        key=lambda r: r["at"],
        reverse=True,
    )[:200]
    return render(request, "web/login_history.html", {"rows": rows})
