"""Pages of the child register: thin views (access → form → action → render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.nutrition import actions, amend, eligibility, queries
from jiceng.nutrition.api import full_identity_shown
from jiceng.nutrition.forms import (
    AssessmentForm,
    ChildForm,
    CollectionForm,
    ConsentForm,
    FollowUpForm,
    ForceMajeureForm,
    MoveForm,
)
from jiceng.nutrition.growth_chart import zscore_chart_svg
from jiceng.nutrition.models import Child, Move
from jiceng.nutrition.search import search
from jiceng.nutrition.timeline import child_timeline
from jiceng.orgunits.models import Level
from jiceng.standards.idnumber import mask_id_number, mask_phone
from jiceng.web.forms_keep import login_required_keep_form, pop_preserved_form
from jiceng.web.list_filters import unit_groups

STATUS_STYLE = {
    "在服": "ok",
    "可纳入": "info",
    "停服": "warn",
    "终止": "bad",
    "不适宜": "bad",
    "服满": "muted",
    "不符合": "muted",
    "迁出": "muted",
    "死亡": "muted",
}


def _visible_villages(user):
    return list(access.visible_units(user).filter(level=Level.VILLAGE).order_by("path"))


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@login_required
def child_list(request):
    """儿童登记: the register of the user's scope, narrowed to a township or village (``unit``; ``village`` is
    the older name), searched (搜索) by name, pinyin initials or the last 4 digits of the ID or phone number."""
    children = access.scoped(request.user, Child.objects.filter(merged_into__isnull=True), "village")
    query = request.GET.get("q", "").strip()[:50]
    village_code = (request.GET.get("unit") or request.GET.get("village") or "").strip()
    if village_code:
        children = queries.children_in(access.unit_in_scope_or_404(request.user, village_code))
    children = search(children, query)
    page = Paginator(children.order_by("village__path", "name", "id"), 50).get_page(request.GET.get("page"))
    listed = list(Child.objects.select_related("village").filter(pk__in=[c.pk for c in page]))
    decisions = eligibility.decisions_for(listed, actions.today())
    by_pk = {c.pk: c for c in listed}
    rows = []
    for c in page:
        child, decision = by_pk[c.pk], decisions[c.pk]
        rows.append(
            {
                "child": child,
                "decision": decision,
                "style": STATUS_STYLE.get(decision.status, ""),
                "id_masked": mask_id_number(child.id_number),
                "phone_masked": mask_phone(child.caregiver_phone),
            }
        )
    return render(
        request,
        "nutrition/child_list.html",
        {
            "page": page,
            "rows": rows,
            "q": query,
            "selected_unit": village_code,
            "unit_groups": unit_groups(request.user),
            "can_edit": access.can(request.user, "registers.edit"),
        },
    )


@login_required_keep_form
def child_new(request):
    if not access.can(request.user, "registers.edit"):
        raise Http404(_("未找到该页面"))
    villages = _visible_villages(request.user)
    restored = pop_preserved_form(request)
    data = request.POST if request.method == "POST" else restored
    form = ChildForm(data, villages=villages) if data is not None else ChildForm(villages=villages)
    duplicate = None
    if request.method == "POST" and form.is_valid():
        village = access.unit_in_scope_or_404(request.user, form.cleaned_data["village"])
        try:
            child = actions.register_child(form.child_data(), village=village, acting_user=request.user)
        except actions.DuplicateChild as exc:
            duplicate = exc.existing if access.unit_is_visible(request.user, exc.existing.village) else None
            _apply_errors(form, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已登记：%(name)s") % {"name": child.name})
            return redirect("child_detail", pk=child.pk)
    return render(request, "nutrition/child_form.html", {"form": form, "duplicate": duplicate})


def _child_or_404(request, pk):
    return access.object_in_scope_or_404(
        request.user, Child.objects.select_related("village", "merged_into"), unit_field="village", pk=pk
    )


@login_required
def child_detail(request, pk: int):
    child = _child_or_404(request, pk)
    try:  # full numbers: the village doctor by default, a township role on ?reveal=1 (audited), else masked
        full = full_identity_shown(request, child, via="page")
    except access.AccessDenied as exc:
        messages.error(request, str(exc))
        full = False
    decision = eligibility.decide(child, actions.today())
    baseline, latest = queries.baseline_and_latest(child)
    return render(
        request,
        "nutrition/child_detail.html",
        {
            "child": child,
            "baseline": baseline,
            "latest": latest,
            "growth_chart": zscore_chart_svg(list(child.followups.all())),
            "decision": decision,
            "style": STATUS_STYLE.get(decision.status, ""),
            "timeline": child_timeline(child, decision),
            "id_number": child.id_number if full else mask_id_number(child.id_number),
            "phone": child.caregiver_phone if full else mask_phone(child.caregiver_phone),
            "can_reveal": not full and access.can(request.user, "registers.reveal_identity"),
            "can_edit": access.can(request.user, "registers.edit") and child.merged_into_id is None,
            "consent_form": ConsentForm(
                initial={
                    "signed_on": actions.today(),
                    "signed_by": child.caregiver_name,
                    "relation": child.caregiver_relation,
                }
            ),
            "assessment_form": AssessmentForm(initial={"assessed_on": actions.today()}),
            "collection_form": CollectionForm(
                initial={
                    "collected_on": actions.today(),
                    "packs": decision.max_packs,
                    "collected_by": child.caregiver_name,
                }
            ),
            "move_form": MoveForm(villages=_visible_villages(request.user), initial={"happened_on": actions.today()}),
        },
    )


EVENT_FORMS = {
    "consent": (ConsentForm, actions.record_consent, _("已记录知情同意书")),
    "assessment": (AssessmentForm, actions.record_assessment, _("已记录医生评估")),
    "collection": (CollectionForm, actions.record_collection, _("已记录领取")),
}


@login_required_keep_form
def child_event(request, pk: int, kind: str):
    """Record a consent, an assessment, a collection or a move from the child page."""
    child = _child_or_404(request, pk)
    if request.method != "POST" or not access.can(request.user, "registers.edit"):
        return redirect("child_detail", pk=child.pk)
    villages = _visible_villages(request.user)
    if kind == "move":
        form = MoveForm(request.POST, villages=villages)
    elif kind in EVENT_FORMS:
        form = EVENT_FORMS[kind][0](request.POST)
    else:
        raise Http404(_("未找到该页面"))
    if form.is_valid():
        try:
            if kind == "move":
                data = dict(form.cleaned_data)
                code = data.pop("to_village")
                to_village = access.unit_in_scope_or_404(request.user, code) if code else None
                actions.move_child(child, to_village=to_village, acting_user=request.user, **data)
                messages.success(request, _("已记录：%(kind)s") % {"kind": Move.Kind(data["kind"]).label})
            else:
                _form_class, action, done = EVENT_FORMS[kind]
                action(child, acting_user=request.user, **form.cleaned_data)
                messages.success(request, done)
            return redirect("child_detail", pk=child.pk)
        except ValidationError as exc:
            _apply_errors(form, exc)
    for error in [e for errors in form.errors.values() for e in errors]:
        messages.error(request, error)
    return redirect(reverse("child_detail", kwargs={"pk": child.pk}) + f"#{kind}")


@login_required
def child_merge(request, pk: int):
    keep = _child_or_404(request, pk)
    if not access.can(request.user, "registers.edit"):
        raise Http404(_("未找到该页面"))
    other_pk = request.POST.get("duplicate") or request.GET.get("duplicate")
    duplicate = _child_or_404(request, other_pk) if other_pk else None
    if request.method == "POST" and duplicate is not None:
        try:
            actions.merge_children(keep, duplicate, acting_user=request.user)
        except ValidationError as exc:
            for error in exc.messages:
                messages.error(request, error)
        else:
            messages.success(request, _("已合并，两条记录的全部历史均保留在本记录中"))
            return redirect("child_detail", pk=keep.pk)
    candidates = queries.possible_duplicates(keep, access.scoped(request.user, Child.objects.all(), "village"))
    return render(
        request, "nutrition/child_merge.html", {"keep": keep, "duplicate": duplicate, "candidates": candidates}
    )


@login_required
def force_majeure(request):
    if not access.can(request.user, "registers.view"):
        raise Http404(_("未找到该页面"))
    can_declare = access.can(request.user, "force_majeure.declare")
    units = list(
        access.visible_units(request.user)
        .filter(level__in=[Level.COUNTY, Level.TOWNSHIP])
        .exclude(kind__in=["health_bureau", "mch_centre"])
        .order_by("path")
    )
    form = ForceMajeureForm(request.POST or None, units=units)
    if request.method == "POST" and can_declare and form.is_valid():
        unit = access.unit_in_scope_or_404(request.user, form.cleaned_data["unit"])
        try:
            actions.declare_force_majeure(
                unit,
                acting_user=request.user,
                first_month=form.cleaned_data["first_month"],
                last_month=form.cleaned_data["last_month"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已认定不可抗力"))
            return redirect("force_majeure")
    root = access.scope_root(request.user)
    declarations = queries.force_majeure_for(root)
    return render(
        request,
        "nutrition/force_majeure.html",
        {"form": form, "declarations": declarations, "can_declare": can_declare},
    )


AMEND_FORMS = {
    "collection": CollectionForm,
    "consent": ConsentForm,
    "assessment": AssessmentForm,
    "followup": FollowUpForm,
    "move": MoveForm,
}


def _amend_form(kind: str, request, entry, data=None):
    form_class = AMEND_FORMS[kind]
    initial = amend.current_values(kind, entry)
    if kind == "move":
        initial["to_village"] = initial["to_village"].code if initial["to_village"] else ""
        return form_class(data, villages=_visible_villages(request.user), initial=initial, prefix="fix")
    return form_class(data, initial=initial, prefix="fix")


@login_required_keep_form
def child_entry(request, pk: int, kind: str, entry: int):
    """更正 / 撤销 one register entry of a child (collection, consent, assessment, follow-up card, move)."""
    child = _child_or_404(request, pk)
    amend.kind_of(kind)
    item = amend.entry_or_404(request.user, kind, entry)
    if item.child_id != child.pk:
        raise Http404(_("未找到该记录"))
    form = _amend_form(kind, request, item)
    reason = ""
    problems: list[str] = []
    if request.method == "POST":
        action = request.POST.get("action")
        reason = request.POST.get("reason", "")
        try:
            if action == "cancel":
                amend.cancel_entry(kind, item.pk, reason=reason, acting_user=request.user)
                messages.success(request, _("已撤销%(what)s") % {"what": amend.KINDS[kind].label})
                return redirect("child_detail", pk=child.pk)
            if action == "correct":
                form = _amend_form(kind, request, item, request.POST)
                if form.is_valid():
                    values = dict(form.cleaned_data)
                    if kind == "move":
                        code = values.pop("to_village")
                        values["to_village"] = access.unit_in_scope_or_404(request.user, code) if code else None
                    amend.correct_entry(kind, item.pk, values=values, reason=reason, acting_user=request.user)
                    messages.success(request, _("已更正%(what)s") % {"what": amend.KINDS[kind].label})
                    return redirect("child_detail", pk=child.pk)
            else:
                raise Http404(_("未找到该页面"))
        except ValidationError as exc:  # what was typed stays in the form
            problems = exc.messages
        item = amend.entry_or_404(request.user, kind, entry)
    return render(
        request,
        "nutrition/child_entry.html",
        {
            "child": child,
            "kind": kind,
            "label": amend.KINDS[kind].label,
            "entry": item,
            "date": amend.entry_date(kind, item),
            "form": form,
            "reason": reason,
            "problems": problems,
            "refusal": amend.refusal(request.user, kind, item),
        },
    )
