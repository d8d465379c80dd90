"""Pages of the stock ledger: thin views (access → form → action → render). Figures come from
:mod:`jiceng.stock.queries`; out of scope is 404, never 403."""

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
from jiceng.audit import actions_catalog
from jiceng.documents.responses import file_response
from jiceng.orgunits.models import Kind, Level
from jiceng.periods import add_months, month_code, month_of, picker_periods
from jiceng.stock import actions, export, queries
from jiceng.stock.forms import (
    AllocationForm,
    ConfirmForm,
    LossForm,
    ReceiptForm,
    ReverseForm,
    StorageForm,
    TransferForm,
)
from jiceng.stock.models import (
    REVERSIBLE_REASONS,
    AllocationPlan,
    Batch,
    StockBalance,
    StockLine,
    StorageCheck,
    Transfer,
)
from jiceng.web.forms_keep import login_required_keep_form

CARD_PAGE_SIZE = 50


def _require_view(request) -> None:
    if not access.can(request.user, "stock.view"):
        raise Http404(_("未找到该页面"))


def _require_edit(request) -> None:
    if not access.can(request.user, "stock.edit"):
        raise Http404(_("未找到该页面"))


def _stock_unit_or_404(request, code: str):
    _require_view(request)
    unit = access.unit_in_scope_or_404(request.user, code)
    if not queries.keeps_stock(unit):
        raise Http404(_("该单位没有出入库登记"))
    return unit


def _apply_errors(form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


def _date_param(request, name: str) -> dt.date | None:
    value = request.GET.get(name, "").strip()
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def own_stock_unit(user):
    """The unit whose stock the user keeps: a clinic, a health centre or the county MCH centre."""
    unit = getattr(user, "unit", None)
    return unit if unit is not None and queries.keeps_stock(unit) else None


# ---------------------------------------------------------------------------------------------
# Overview and stock card
# ---------------------------------------------------------------------------------------------


@login_required
def overview(request):
    """库存总览: every stock unit of the user's subtree with balance, months of stock and alerts."""
    _require_view(request)
    root = access.scope_root(request.user)
    if root.level == Level.VILLAGE:
        return redirect("stock_card", code=root.code)
    under_code = request.GET.get("under", "").strip()
    under = access.unit_in_scope_or_404(request.user, under_code) if under_code else root
    units = list(queries.stock_units_under(under))
    rows = queries.stock_overview(units)
    alerts_only = request.GET.get("alerts") == "1"
    shown = [r for r in rows if r.alerts] if alerts_only else rows
    townships = list(access.visible_units(request.user).filter(level=Level.TOWNSHIP).order_by("path"))
    own = own_stock_unit(request.user)
    incoming = 0
    if own is not None:
        incoming = Transfer.objects.filter(receiver=own, status=Transfer.Status.PENDING).count()
    return render(
        request,
        "stock/overview.html",
        {
            "root": under,
            "rows": shown,
            "alert_count": sum(len(r.alerts) for r in rows),
            "units_with_alerts": sum(1 for r in rows if r.alerts),
            "total_balance": sum(r.balance for r in rows),
            "alerts_only": alerts_only,
            "townships": townships if root.level == Level.COUNTY else [],
            "under": under_code,
            "own": own,
            "incoming": incoming,
            "can_allocate": access.can(request.user, "allocation.edit"),
            "low_months": queries.P.low_stock_months(actions.today()),
            "window": queries.P.need_window_months(actions.today()),
        },
    )


@login_required
def card(request, code: str):
    """出入库登记: the stock card of one unit, with running balance per batch and for the unit."""
    unit = _stock_unit_or_404(request, code)
    first_day, last_day = _date_param(request, "from"), _date_param(request, "to")
    page, card_lines = queries.card_page(unit, first_day, last_day, request.GET.get("page"), CARD_PAGE_SIZE)
    can_edit = access.can(request.user, "stock.edit")
    return render(
        request,
        "stock/card.html",
        {
            "unit": unit,
            "stock": queries.unit_stock(unit),
            "page": page,
            "lines": card_lines,
            "first_day": first_day,
            "last_day": last_day,
            "can_edit": can_edit,
            "can_confirm": can_edit and request.user.unit_id == unit.pk,
            "can_receive": can_edit and unit.kind == Kind.MCH_CENTRE,
            "can_send": can_edit and queries.stock_children(unit).exists(),
            "is_clinic": unit.kind == Kind.VILLAGE_CLINIC,
            "pending_in": Transfer.objects.filter(receiver=unit, status=Transfer.Status.PENDING)
            .select_related("sender", "batch")
            .order_by("sent_on", "id"),
            "window": queries.P.need_window_months(actions.today()),
            "reversible": {str(r) for r in REVERSIBLE_REASONS},
        },
    )


@login_required
def export_card(request, code: str):
    """The stock card as an Excel file in the layout of the paper ledger; the export is audited."""
    unit = _stock_unit_or_404(request, code)
    first_day, last_day = _date_param(request, "from"), _date_param(request, "to")
    return file_response(
        request,
        export.render_card(unit, first_day, last_day),
        audit_action=actions_catalog.STOCK_EXPORT,
        unit=unit,
        audit_details={
            "from": first_day.isoformat() if first_day else None,
            "to": last_day.isoformat() if last_day else None,
        },
    )


# ---------------------------------------------------------------------------------------------
# Writes
# ---------------------------------------------------------------------------------------------


def _form_page(request, unit, title: str, form, template: str = "stock/form.html", **extra):
    return render(request, template, {"unit": unit, "title": title, "form": form, **extra})


@login_required_keep_form
def receipt(request, code: str):
    unit = _stock_unit_or_404(request, code)
    _require_edit(request)
    if unit.kind != Kind.MCH_CENTRE:
        raise Http404(_("未找到该页面"))
    form = ReceiptForm(request.POST or None, initial={"received_on": actions.today()})
    if request.method == "POST" and form.is_valid():
        try:
            line = actions.receive_stock(unit, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("已入库：批号 %(b)s %(n)d 包") % {"b": line.batch.number, "n": line.quantity})
            return redirect("stock_card", code=unit.code)
    return _form_page(request, unit, _("供应商到货入库"), form)


@login_required_keep_form
def transfer_new(request, code: str):
    unit = _stock_unit_or_404(request, code)
    _require_edit(request)
    receivers = [u for u in queries.stock_children(unit).order_by("path") if access.unit_is_visible(request.user, u)]
    if not receivers:
        raise Http404(_("该单位没有可调拨的下级单位"))
    batches = [b for b in queries.unit_stock(unit).batches if not b.expired]
    initial = {"sent_on": actions.today(), "receiver": request.GET.get("to", "")}
    form = TransferForm(request.POST or None, receivers=receivers, batches=batches, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        receiver = access.unit_in_scope_or_404(request.user, data.pop("receiver"))
        batch_pk = data.pop("batch")
        batch = Batch.objects.filter(pk=batch_pk).first() if batch_pk else None
        try:
            transfers = actions.send_transfer(unit, receiver, batch=batch, acting_user=request.user, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("已调出 %(n)d 包给 %(r)s（单号 %(doc)s），待对方确认收货")
                % {
                    "n": sum(t.quantity for t in transfers),
                    "r": receiver.display_name,
                    "doc": transfers[0].document_number,
                },
            )
            return redirect("stock_card", code=unit.code)
    return _form_page(request, unit, _("调拨给下级单位"), form)


@login_required
def transfers(request):
    """调拨收货: transfers to or from units in the user's subtree; pending receipts first."""
    _require_view(request)
    user = request.user
    visible = Transfer.objects.filter(
        access.in_scope_q(user, "receiver__path") | access.in_scope_q(user, "sender__path")
    )
    visible = visible.select_related("sender", "receiver", "batch", "received_by", "sent_by")
    pending = visible.filter(status=Transfer.Status.PENDING).order_by("sent_on", "id")
    can_edit = access.can(user, "stock.edit")
    days = queries.P.transfer_confirm_days(actions.today())
    pending_rows = [
        {
            "transfer": t,
            "can_confirm": can_edit and user.unit_id == t.receiver_id,
            "overdue": (actions.today() - t.sent_on).days > days,
        }
        for t in pending
    ]
    recent = Paginator(visible.filter(status=Transfer.Status.CONFIRMED).order_by("-received_on", "-id"), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stock/transfers.html",
        {"pending": pending_rows, "page": recent, "today": actions.today(), "days": days},
    )


@login_required_keep_form
def transfer_confirm(request, pk: int):
    _require_edit(request)
    transfer = access.object_in_scope_or_404(
        request.user, Transfer.objects.select_related("sender", "receiver", "batch"), unit_field="receiver", pk=pk
    )
    form = ConfirmForm(
        request.POST or None, initial={"received_quantity": transfer.quantity, "received_on": actions.today()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.confirm_transfer(transfer, acting_user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("已确认收货：%(n)d 包（批号 %(b)s）")
                % {"n": form.cleaned_data["received_quantity"], "b": transfer.batch.number},
            )
            return redirect("stock_card", code=transfer.receiver.code)
    return render(
        request,
        "stock/confirm.html",
        {
            "transfer": transfer,
            "form": form,
            "unit": transfer.receiver,
            "can_confirm": request.user.unit_id == transfer.receiver_id,
        },
    )


@login_required_keep_form
def loss(request, code: str):
    unit = _stock_unit_or_404(request, code)
    _require_edit(request)
    batches = queries.unit_stock(unit).batches
    form = LossForm(request.POST or None, batches=batches, initial={"occurred_on": actions.today()})
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        batch = Batch.objects.get(pk=data.pop("batch"))
        try:
            line = actions.record_loss(unit, batch=batch, acting_user=request.user, **data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, _("已报损：%(r)s %(n)d 包") % {"r": line.get_reason_display(), "n": -line.quantity}
            )
            return redirect("stock_card", code=unit.code)
    return _form_page(request, unit, _("报损"), form)


@login_required_keep_form
def stocktake(request, code: str):
    """盘点: one counted quantity per batch the unit holds or has held."""
    unit = _stock_unit_or_404(request, code)
    _require_edit(request)
    rows = list(
        StockBalance.objects.filter(unit=unit).select_related("batch").order_by("batch__expires_on", "batch__number")
    )
    rows = [r for r in rows if r.quantity > 0 or request.GET.get("all") == "1"] or rows
    errors: list[str] = []
    values = {}
    counted_on = request.POST.get("counted_on") or actions.today().isoformat()
    reason = request.POST.get("reason", "")
    if request.method == "POST":
        counts = {}
        for row in rows:
            raw = request.POST.get(f"count_{row.batch_id}", "").strip()
            values[row.batch_id] = raw
            if raw == "":
                continue
            try:
                counts[row.batch] = int(raw)
            except ValueError:
                errors.append(_("实盘数：批号 %(b)s 请输入整数") % {"b": row.batch.number})
        try:
            day = dt.date.fromisoformat(counted_on)
        except ValueError:
            errors.append(_("盘点日期：请填写有效日期，如 2026-03-08"))
            day = None
        if not errors:
            try:
                actions.record_stocktake(unit, counted_on=day, counts=counts, reason=reason, acting_user=request.user)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(request, _("已保存盘点"))
                return redirect("stock_card", code=unit.code)
    items = [{"row": r, "value": values.get(r.batch_id, str(r.quantity))} for r in rows]
    return render(
        request,
        "stock/stocktake.html",
        {"unit": unit, "items": items, "errors": errors, "counted_on": counted_on, "reason": reason},
    )


@login_required_keep_form
def storage(request, code: str):
    """温湿度登记: the storage log of a unit, and a new reading."""
    unit = _stock_unit_or_404(request, code)
    can_edit = access.can(request.user, "stock.edit")
    now = dt.datetime.now().astimezone()
    form = StorageForm(
        request.POST or None,
        initial={
            "checked_on": actions.today(),
            "checked_at": now.strftime("%H:%M"),
            "checker": request.user.display_name,
        },
    )
    if request.method == "POST":
        _require_edit(request)
        if form.is_valid():
            try:
                check = actions.record_storage_check(unit, acting_user=request.user, **form.cleaned_data)
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                if check.out_of_range:
                    messages.warning(request, _("已登记，储存条件异常：%(p)s") % {"p": check.problems})
                else:
                    messages.success(request, _("已登记温湿度"))
                return redirect("stock_storage", code=unit.code)
    page = Paginator(StorageCheck.objects.filter(unit=unit).select_related("entered_by"), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stock/storage.html",
        {
            "unit": unit,
            "form": form,
            "page": page,
            "can_edit": can_edit,
            "limits": queries.P.storage_limits(actions.today()),
        },
    )


@login_required_keep_form
def reverse(request, pk: int):
    _require_edit(request)
    line = access.object_in_scope_or_404(request.user, StockLine.objects.select_related("unit", "batch"), pk=pk)
    if request.method == "POST":
        form = ReverseForm(request.POST)
        if form.is_valid():
            try:
                actions.reverse_line(line, reason=form.cleaned_data["reason"], acting_user=request.user)
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(request, _("已冲正"))
        else:
            messages.error(request, _("冲正原因：不能为空"))
    return redirect("stock_card", code=line.unit.code)


# ---------------------------------------------------------------------------------------------
# Allocation plan and reconciliation
# ---------------------------------------------------------------------------------------------


def _default_period() -> str:
    return month_code(add_months(actions.today(), 1))


@login_required_keep_form
def allocation(request):
    """分配计划: packs per township per period (month, quarter, half or year: jiceng.periods codes),
    proposed from due children, editable."""
    _require_view(request)
    county = access.scope_root(request.user)
    if county.level != Level.COUNTY:
        raise Http404(_("未找到该页面"))
    can_edit = access.can(request.user, "allocation.edit")
    found = queries.allocation_period(request.POST.get("period") or request.GET.get("period") or _default_period())
    if found is None:
        messages.error(request, queries.allocation_period_message())
        found = queries.allocation_period(_default_period())
    period = found.code
    if request.method == "POST":
        if not can_edit:
            raise Http404(_("未找到该页面"))
        try:
            if request.POST.get("action") == "propose":
                plans = actions.propose_allocation(county, period=period, acting_user=request.user)
                messages.success(
                    request,
                    _("已按应服儿童生成建议：%(n)d 个乡镇，共 %(p)d 包")
                    % {"n": len(plans), "p": sum(p.proposed_packs for p in plans)},
                )
            else:
                plan = access.object_in_scope_or_404(
                    request.user, AllocationPlan.objects.all(), unit_field="township", pk=request.POST.get("plan")
                )
                form = AllocationForm(request.POST)
                if form.is_valid():
                    actions.update_allocation(plan, acting_user=request.user, **form.cleaned_data)
                    messages.success(request, _("已保存 %(t)s 的计划") % {"t": plan.township.display_name})
                else:
                    for errors in form.errors.values():
                        for error in errors:
                            messages.error(request, error)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect(f"{request.path}?period={period}")
    rows = queries.allocation_table(county, period)
    mch = county.children.filter(kind=Kind.MCH_CENTRE).first()
    return render(
        request,
        "stock/allocation.html",
        {
            "county": county,
            "period": period,
            "period_groups": picker_periods(actions.today(), 2, queries.ALLOCATION_PERIOD_KINDS, ahead=3),
            "rows": rows,
            "can_edit": can_edit,
            "mch": mch,
            "totals": {
                "due": sum(r.plan.due_children for r in rows if r.plan),
                "proposed": sum(r.plan.proposed_packs for r in rows if r.plan),
                "planned": sum(r.plan.planned_packs for r in rows if r.plan),
                "sent": sum(r.sent for r in rows),
                "on_hand": sum(r.on_hand for r in rows),
            },
            "mch_stock": queries.unit_stock(mch) if mch else None,
        },
    )


@login_required
def reconcile(request):
    """对账: issues to children on the ledger against the packs on the collections."""
    _require_view(request)
    root = access.scope_root(request.user)
    today = actions.today()
    last_month = month_of(add_months(today, -1))
    first_day = _date_param(request, "from") or last_month.start
    last_day = _date_param(request, "to") or last_month.end
    villages = list(access.visible_units(request.user).filter(kind=Kind.VILLAGE_CLINIC).order_by("path"))
    rows = queries.reconciliation(villages, first_day, last_day)
    only_problems = request.GET.get("problems") == "1"
    shown = [r for r in rows if not r.matches] if only_problems else rows
    return render(
        request,
        "stock/reconcile.html",
        {
            "root": root,
            "rows": shown,
            "first_day": first_day,
            "last_day": last_day,
            "mismatches": sum(1 for r in rows if not r.matches),
            "checked": sum(1 for r in rows if r.on_ledger_since),
            "only_problems": only_problems,
        },
    )
