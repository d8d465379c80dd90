"""Benefit pages: thin views (access → form → action → render). Lists are cards on a phone (table.list).
ID and bank-account numbers are masked on every page except for the role that pays (the county)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.benefits import actions, payments, queries
from jiceng.benefits.forms import (
    BatchForm,
    ExitForm,
    FamilyForm,
    FollowUpForm,
    NoticeForm,
    ObjectionForm,
    ReasonForm,
    ResolveForm,
    ReturnFileForm,
    year_choices,
)
from jiceng.benefits.models import Enrolment, Notice, Objection, Payment, PaymentBatch
from jiceng.benefits.rules import schemes
from jiceng.orgunits.models import Level


def _require_view(user) -> None:
    if not access.can(user, "benefits.view"):
        raise Http404(_("未找到该页面"))


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _villages(user):
    return list(access.visible_units(user).filter(level=Level.VILLAGE, active=True).order_by("path"))


def _int(raw: str | None, default: int, low: int, high: int) -> int:
    try:
        value = int(raw or "")
    except ValueError:
        return default
    return value if low <= value <= high else default


@login_required
def roster(request):
    """名册: a year's enrolments in the user's subtree, with what each reader can do next."""
    user = request.user
    _require_view(user)
    year = _int(request.GET.get("year"), timezone.localdate().year, 2004, 2100)
    scheme = request.GET.get("scheme", "")
    scheme = scheme if scheme in schemes.SCHEMES else ""
    state = request.GET.get("state", "")
    state = state if state in Enrolment.State.values else ""
    rows = queries.enrolments(user, year=year, scheme=scheme, state=state)
    counts = queries.state_counts(user, year, scheme)
    from jiceng.benefits import figures

    root = access.scope_root(user)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "benefits/roster.html",
        {
            "year": year,
            "scheme": scheme,
            "state": state,
            "years": year_choices(),
            "schemes": schemes.SCHEMES,
            "states": Enrolment.State.choices,
            "counts": counts,
            "page": page,
            "can_declare": access.can(user, "benefits.declare"),
            "can_publish": access.can(user, "benefits.publish"),
            "can_pay": access.can(user, "benefits.pay"),
            "can_approve": access.can(user, "benefits.approve"),
            "next_step": queries.next_step_for(user),
            "figures": figures.year_figures(root, year),
            "sentence": figures.sentence(root, year),
            "root": root,
        },
    )


def _family_input(data) -> actions.FamilyInput:
    people = [
        actions.PersonInput(
            role="mother",
            name=data["mother_name"],
            sex="F",
            birth_date=data["mother_birth_date"],
            id_number=data["mother_id_number"],
            rural=data["rural"],
            bank_name=data["mother_bank_name"],
            bank_account=data["mother_bank_account"],
        )
    ]
    if data.get("father_name"):
        people.append(
            actions.PersonInput(
                role="father",
                name=data["father_name"],
                sex="M",
                birth_date=data["father_birth_date"],
                id_number=data["father_id_number"],
                rural=data["rural"],
                bank_name=data["father_bank_name"],
                bank_account=data["father_bank_account"],
            )
        )
    children = []
    if data.get("child_name"):
        children.append(
            actions.ChildInput(
                name=data["child_name"],
                sex=data["child_sex"],
                birth_date=data["child_birth_date"],
                status=data["child_status"] or schemes.ALIVE,
                died_on=data.get("child_died_on"),
                disability_grade=data.get("child_disability_grade"),
            )
        )
    certificates = []
    if data.get("certificate_number"):
        certificates.append(
            actions.CertificateInput("only_child", data["certificate_number"], data["certificate_issued_on"])
        )
    return actions.FamilyInput(
        village_code=data["village"],
        address=data["address"],
        people=people,
        children=children,
        certificates=certificates,
    )


@login_required
def family_new(request):
    """登记一户并申报: the family and, in one step, both parents' declaration for a scheme and year."""
    user = request.user
    if not access.can(user, "benefits.declare"):
        raise Http404(_("未找到该页面"))
    form = FamilyForm(request.POST or None, villages=_villages(user))
    if request.method == "POST" and form.is_valid():
        try:
            family, declared = actions.register_and_declare(
                user,
                _family_input(form.cleaned_data),
                form.cleaned_data["scheme"],
                form.cleaned_data["year"],
                form.cleaned_data["category"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("已登记并申报:%(what)s") % {"what": " ".join(f"{e.person.name} {e.rules_says}" for e in declared)},
            )
            return redirect("benefit_enrolment", pk=declared[0].pk)
    return render(request, "benefits/family_form.html", {"form": form})


def _enrolment_or_404(user, pk: int) -> Enrolment:
    _require_view(user)
    return access.object_in_scope_or_404(
        user,
        Enrolment.objects.select_related("person", "person__family", "village", "notice"),
        unit_field="village",
        pk=pk,
    )


@login_required
def enrolment_detail(request, pk: int):
    user = request.user
    enrolment = _enrolment_or_404(user, pk)
    person = enrolment.person
    id_number, account = queries.numbers_for(user, person)
    return render(
        request,
        "benefits/enrolment_detail.html",
        {
            "e": enrolment,
            "person": person,
            "id_number": id_number,
            "bank_account": account,
            "family": person.family,
            "children": list(person.family.children.all()),
            "certificates": list(person.family.certificates.all()),
            "objections": list(enrolment.objections.select_related("recorded_by", "resolved_by")),
            "payments": list(enrolment.payments.select_related("batch")),
            "exit": getattr(enrolment, "exit", None),
            "steps": queries.steps_for(user, enrolment),
            "reason_form": ReasonForm(),
            "objection_form": ObjectionForm(initial={"raised_on": timezone.localdate()}),
            "resolve_form": ResolveForm(),
            "exit_form": ExitForm(initial={"event_date": timezone.localdate()}),
        },
    )


STEPS = {
    "village_check": lambda user, e, data: actions.village_check(user, e, data["version"]),
    "township_review": lambda user, e, data: actions.township_review(user, e, data["version"]),
    "approve": lambda user, e, data: actions.approve(user, e, data["version"], data.get("reason", "")),
    "return": lambda user, e, data: actions.return_enrolment(user, e, data.get("reason", ""), data["version"]),
}
STEP_DONE = {
    "village_check": "村初审通过",
    "township_review": "乡镇审核通过",
    "approve": "县审批通过",
    "return": "已退回",
}


@require_POST
@login_required
def enrolment_step(request, pk: int, step: str):
    user = request.user
    enrolment = _enrolment_or_404(user, pk)
    if step not in STEPS:
        raise Http404(_("未找到该页面"))
    version = _int(request.POST.get("version"), enrolment.version, 1, 2**31 - 1)
    STEPS[step](user, enrolment, {"version": version, "reason": request.POST.get("reason", "")})
    messages.success(request, _(STEP_DONE[step]))
    return redirect("benefit_enrolment", pk=enrolment.pk)


@require_POST
@login_required
def objection_new(request, pk: int):
    user = request.user
    enrolment = _enrolment_or_404(user, pk)
    form = ObjectionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(list(form.errors.values())[0])
    actions.record_objection(user, enrolment, **form.cleaned_data)
    messages.success(request, _("已登记公示异议"))
    return redirect("benefit_enrolment", pk=enrolment.pk)


@require_POST
@login_required
def objection_resolve(request, pk: int):
    user = request.user
    _require_view(user)
    objection = access.object_in_scope_or_404(
        user, Objection.objects.select_related("enrolment"), unit_field="enrolment__village", pk=pk
    )
    form = ResolveForm(request.POST)
    if not form.is_valid():
        raise ValidationError(list(form.errors.values())[0])
    actions.resolve_objection(user, objection, form.cleaned_data["resolution"], form.cleaned_data["upheld"])
    messages.success(request, _("已处理异议"))
    return redirect("benefit_enrolment", pk=objection.enrolment_id)


@require_POST
@login_required
def exit_new(request, pk: int):
    user = request.user
    enrolment = _enrolment_or_404(user, pk)
    form = ExitForm(request.POST)
    if not form.is_valid():
        raise ValidationError(list(form.errors.values())[0])
    exits = actions.record_exit(user, enrolment.person, **form.cleaned_data)
    total = sum(e.overpayment for e in exits)
    messages.success(
        request,
        _("已登记退出:%(month)s起停发,应追回 %(amount)s 元")
        % {"month": exits[0].stop_month.strftime("%Y-%m"), "amount": f"{total:.2f}"},
    )
    return redirect("benefit_enrolment", pk=enrolment.pk)


@login_required
def notices(request):
    user = request.user
    _require_view(user)
    can_publish = access.can(user, "benefits.publish")
    form = NoticeForm(request.POST or None, villages=_villages(user)) if can_publish else None
    if request.method == "POST":
        if not can_publish:
            raise Http404(_("未找到该页面"))
        if form.is_valid():
            try:
                notice = actions.publish_notice(
                    user,
                    form.cleaned_data["village"],
                    form.cleaned_data["year"],
                    form.cleaned_data["published_on"],
                    form.cleaned_data["ends_on"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("已发布公示:%(n)s") % {"n": notice})
                return redirect("benefit_notice", pk=notice.pk)
    rows = access.scoped(user, Notice.objects.select_related("village", "published_by"), unit_field="village")
    return render(
        request, "benefits/notices.html", {"form": form, "notices": rows[:200], "today": timezone.localdate()}
    )


@login_required
def notice_print(request, pk: int):
    """The printable list to post in the village: names, masked ID numbers, scheme and amount, the period."""
    user = request.user
    _require_view(user)
    notice = access.object_in_scope_or_404(user, Notice.objects.select_related("village"), unit_field="village", pk=pk)
    entries = list(notice.entries.select_related("person").order_by("scheme", "person__name"))
    rows = [(e, queries.masked_id(e.person)) for e in entries]
    record(
        actor=user,
        action=actions_catalog.EXPORT_BENEFIT_NOTICE,
        obj=notice,
        unit=notice.village,
        after={"rows": len(rows)},
    )
    return render(request, "benefits/notice_print.html", {"notice": notice, "rows": rows})


def _require_pay(user) -> None:
    if not access.can(user, "benefits.pay"):
        raise Http404(_("未找到该页面"))


@login_required
def batches(request):
    user = request.user
    _require_pay(user)
    form = BatchForm(request.POST or None)
    skipped = []
    if request.method == "POST" and form.is_valid():
        try:
            batch, skipped = payments.create_batch(user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已生成:%(b)s") % {"b": batch})
            if skipped:
                messages.info(
                    request,
                    _("未纳入 %(n)d 人:%(who)s")
                    % {
                        "n": len(skipped),
                        "who": ";".join(f"{s.enrolment.person.name}({s.reason})" for s in skipped[:20]),
                    },
                )
            return redirect("benefit_batch", pk=batch.pk)
    rows = access.scoped(user, PaymentBatch.objects.all(), unit_field="county")[:200]
    return render(
        request,
        "benefits/batches.html",
        {"form": form, "batches": [(b, payments.batch_totals(b)) for b in rows]},
    )


def _batch_or_404(user, pk: int) -> PaymentBatch:
    _require_pay(user)
    return access.object_in_scope_or_404(user, PaymentBatch.objects.all(), unit_field="county", pk=pk)


@login_required
def batch_detail(request, pk: int):
    user = request.user
    batch = _batch_or_404(user, pk)
    form = ReturnFileForm(request.POST or None, request.FILES or None)
    outcome = None
    if request.method == "POST" and form.is_valid():
        outcome = payments.read_return_file(user, batch, request.FILES["file"])
        if outcome.ok:
            messages.success(request, outcome.summary())
            return redirect("benefit_batch", pk=batch.pk)
    rows = batch.payments.select_related("enrolment__person", "enrolment__village")
    rows = sorted(rows, key=lambda p: (p.status != Payment.Status.FAILED, p.pk))  # failures first: follow them up
    return render(
        request,
        "benefits/batch_detail.html",
        {
            "batch": batch,
            "totals": payments.batch_totals(batch),
            "rows": [(p, queries.masked_id(p.enrolment.person)) for p in rows],
            "form": form,
            "outcome": outcome,
            "follow_form": FollowUpForm(),
        },
    )


@login_required
def batch_file(request, pk: int):
    user = request.user
    batch = _batch_or_404(user, pk)
    content, name = payments.payment_file(user, batch)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@require_POST
@login_required
def payment_follow_up(request, pk: int):
    user = request.user
    _require_pay(user)
    payment = access.object_in_scope_or_404(
        user, Payment.objects.select_related("batch"), unit_field="batch__county", pk=pk
    )
    payments.follow_up(user, payment, request.POST.get("note", ""))
    messages.success(request, _("已记录跟进情况"))
    return redirect("benefit_batch", pk=payment.batch_id)


@require_POST
@login_required
def carry_forward(request):
    user = request.user
    if not access.can(user, "benefits.approve"):
        raise Http404(_("未找到该页面"))
    year = _int(request.POST.get("year"), 0, 2004, 2099)
    if not year:
        raise ValidationError(_("年度:应为2004至2099年"))
    created = actions.carry_forward(user, year)
    messages.success(
        request,
        _("已由%(y)d年名册生成%(n)d年申报 %(c)d 人,其中规则判断不符合 %(x)d 人")
        % {"y": year, "n": year + 1, "c": len(created), "x": sum(not e.eligible for e in created)},
    )
    return redirect(f"{request.path.rsplit('carry-forward', 1)[0]}?year={year + 1}")


def _list_is_large(source_code: str, upload) -> bool:
    """A department list of thousands of rows is matched in the background (jiceng.jobs)."""
    from django.conf import settings

    from jiceng.benefits import lists
    from jiceng.documents.excel import is_large

    spec = lists.sources()[source_code].spec()
    return is_large(spec, upload, settings.JICENG_BACKGROUND_ROWS, most=spec.max_rows)


@login_required
def list_checks(request):
    """部门信息比对: the county imports a list; everyone in scope sees its work items and their counts."""
    from jiceng.benefits import lists
    from jiceng.benefits.forms import ListImportForm
    from jiceng.benefits.models import DepartmentList

    user = request.user
    _require_view(user)
    can_import = access.can(user, "benefits.lists")
    form = ListImportForm(request.POST or None, request.FILES or None, sources=lists.sources().values())
    outcome = None
    if request.method == "POST":
        if not can_import:
            raise Http404(_("未找到该页面"))
        if form.is_valid():
            upload = request.FILES["file"]
            if _list_is_large(form.cleaned_data["source"], upload):  # matched by the worker, with a progress bar
                from jiceng.jobs.actions import start_job

                source = lists.sources()[form.cleaned_data["source"]]
                job = start_job(
                    user,
                    "list_match",
                    title=_("部门信息比对：%(s)s") % {"s": source.name},
                    params={"source": source.code},
                    content=upload.read(),
                    input_name=upload.name,
                )
                return redirect("job_detail", pk=job.pk)
            outcome = lists.import_list(user, form.cleaned_data["source"], upload, upload.name)
            if outcome.ok:
                messages.success(request, outcome.summary())
                return redirect("benefit_list_checks")
    show = request.GET.get("show", "open")
    items = lists.work_items(user, open_only=show != "all").order_by("resolved_at", "-found_at", "id")
    page = Paginator(items, 50).get_page(request.GET.get("page"))
    imported = access.scoped(user, DepartmentList.objects.all(), unit_field="county")[:20] if can_import else []
    return render(
        request,
        "benefits/list_checks.html",
        {
            "form": form if can_import else None,
            "outcome": outcome,
            "page": page,
            "show": show,
            "counts": lists.counts_by_unit(user),
            "imported": imported,
            "sources": {s.code: s.name for s in lists.sources().values()},
            "retention_days": lists.retention_days(),
            "can_resolve": lists._may_resolve(user),
        },
    )


@require_POST
@login_required
def work_item_resolve(request, pk: int):
    from jiceng.benefits import lists
    from jiceng.benefits.models import WorkItem

    user = request.user
    _require_view(user)
    item = access.object_in_scope_or_404(
        user, WorkItem.objects.select_related("unit", "person"), unit_field="unit", pk=pk
    )
    if request.POST.get("stop") == "1":
        done = lists.stop_payment(user, item)
    else:
        done = lists.resolve(user, item, request.POST.get("note", ""))
    messages.success(request, _("已处理:%(note)s") % {"note": done.note})
    return redirect("benefit_list_checks")
