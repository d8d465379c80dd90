"""Activity pages: thin views (access → form → action → render). Phone-friendly: one column."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.activities import actions, queries
from jiceng.activities.forms import EducationActivityForm, TrainingForm, WithdrawForm
from jiceng.activities.models import HealthEducation, Training
from jiceng.orgunits.models import Level
from jiceng.web.forms_keep import login_required_keep_form, pop_preserved_form

KINDS = {
    "training": (Training, TrainingForm, actions.record_training, actions.update_training),
    "education": (HealthEducation, EducationActivityForm, actions.record_education, actions.update_education),
}


def can_view(user) -> bool:
    return access.can(user, "activities.edit") or access.can(user, "analysis.view")


def _require_view(user) -> None:
    if not can_view(user):
        raise Http404(_("未找到该页面"))


def _require_edit(user) -> None:
    if not access.can(user, "activities.edit"):
        raise Http404(_("未找到该页面"))


def organiser_units(user, kind: str) -> list:
    levels = [Level.COUNTY, Level.TOWNSHIP] + ([Level.VILLAGE] if kind == "education" else [])
    units = list(access.visible_units(user).filter(level__in=levels).order_by("path"))
    own = [u for u in units if u.pk == user.unit_id]
    return own + [u for u in units if u.pk != user.unit_id]


def _parse_date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def activity_list(request):
    _require_view(request.user)
    root = access.scope_root(request.user)
    code = request.GET.get("unit", "").strip()
    unit = access.unit_in_scope_or_404(request.user, code) if code else root
    today = actions.today()
    start = _parse_date(request.GET.get("start")) or dt.date(today.year, 1, 1)
    end = _parse_date(request.GET.get("end")) or today
    if end < start:
        start, end = end, start
    totals = queries.activity_totals(unit, start, end)
    parts = list(unit.children.filter(active=True).order_by("path"))
    by_unit = queries.activity_totals_by_unit(parts, start, end)
    breakdown = [(u, by_unit[u.code]) for u in parts]
    kind = request.GET.get("kind", "")
    trainings = queries.trainings_in(unit, start, end).select_related("unit").order_by("-held_on", "-id")
    events = queries.events_in(unit, start, end).select_related("unit").order_by("-held_on", "-id")
    return render(
        request,
        "activities/activity_list.html",
        {
            "unit": unit,
            "start": start,
            "end": end,
            "kind": kind,
            "totals": totals,
            "breakdown": breakdown,
            "trainings": Paginator(trainings, 50).get_page(request.GET.get("page")) if kind != "education" else None,
            "events": Paginator(events, 50).get_page(request.GET.get("page")) if kind != "training" else None,
            "can_edit": access.can(request.user, "activities.edit"),
        },
    )


@login_required_keep_form
def activity_new(request, kind: str):
    if kind not in KINDS:
        raise Http404(_("未找到该页面"))
    _require_edit(request.user)
    _model, form_class, record, _update = KINDS[kind]
    units = organiser_units(request.user, kind)
    restored = pop_preserved_form(request)
    data = request.POST if request.method == "POST" else restored
    form = form_class(data, units=units) if data is not None else form_class(units=units)
    if data is None:
        form.initial["held_on"] = actions.today()
    if request.method == "POST" and form.is_valid():
        unit = access.unit_in_scope_or_404(request.user, form.cleaned_data["unit"])
        try:
            obj = record(form.data_object(), unit=unit, acting_user=request.user)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已登记：%(what)s") % {"what": obj})
            return redirect("activities")
    title = _("登记培训") if kind == "training" else _("登记健康教育/宣传活动")
    return render(request, "activities/activity_form.html", {"form": form, "title": title, "kind": kind})


@login_required_keep_form
def activity_detail(request, kind: str, pk: int):
    if kind not in KINDS:
        raise Http404(_("未找到该页面"))
    _require_view(request.user)
    model, form_class, _record, update = KINDS[kind]
    obj = access.object_in_scope_or_404(request.user, model.objects.select_related("unit", "recorded_by"), pk=pk)
    can_edit = access.can(request.user, "activities.edit") and not obj.withdrawn
    units = organiser_units(request.user, kind) if can_edit else []
    initial = {f: getattr(obj, f) for f in form_class.base_fields if f != "unit"} | {"unit": obj.unit.code}
    form = form_class(initial=initial, units=units)
    withdraw_form = WithdrawForm()
    if request.method == "POST" and can_edit:
        if request.POST.get("op") == "withdraw":
            withdraw_form = WithdrawForm(request.POST)
            if withdraw_form.is_valid():
                try:
                    actions.withdraw(obj, reason=withdraw_form.cleaned_data["reason"], acting_user=request.user)
                except ValidationError as exc:
                    _apply_errors(withdraw_form, exc)
                else:
                    messages.success(request, _("已撤销"))
                    return redirect("activities")
        else:
            form = form_class(request.POST, units=units)
            if form.is_valid():
                unit = access.unit_in_scope_or_404(request.user, form.cleaned_data["unit"])
                try:
                    update(obj, form.data_object(), unit=unit, acting_user=request.user)
                except ValidationError as exc:
                    _apply_errors(form, exc)
                else:
                    messages.success(request, _("已保存修改"))
                    return redirect("activity_detail", kind=kind, pk=obj.pk)
    return render(
        request,
        "activities/activity_detail.html",
        {"obj": obj, "kind": kind, "form": form, "withdraw_form": withdraw_form, "can_edit": can_edit},
    )
