"""Forms of the stock pages. They only parse what was typed; the actions check everything else
(and name the problem in Chinese)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.stock.models import LOSS_REASONS, Reason

DATE_ERRORS = {"invalid": _("请填写有效日期，如 2026-03-08"), "required": _("必填")}
INT_ERRORS = {"invalid": _("请输入整数"), "required": _("必填")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput, error_messages=DATE_ERRORS)


QUANTITY_LABEL = _("数量（包）")


def quantity_field(label=QUANTITY_LABEL):
    # No min_value here: a zero or negative quantity reaches the action, which refuses it with its message.
    return forms.IntegerField(
        label=label, error_messages=INT_ERRORS, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )


class ReceiptForm(forms.Form):
    received_on = date_field(_("到货日期"))
    supplier = forms.CharField(label=_("供货单位"), max_length=100, initial=_("省级项目办/中标企业"))
    batch_number = forms.CharField(label=_("批号"), max_length=40)
    expires_on = date_field(_("有效期至"))
    manufacturer = forms.CharField(label=_("生产企业"), max_length=100, required=False)
    quantity = quantity_field()
    document_number = forms.CharField(label=_("单据号（发货单/入库单）"), max_length=40, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class TransferForm(forms.Form):
    receiver = forms.ChoiceField(label=_("接收单位"))
    quantity = quantity_field()
    batch = forms.ChoiceField(label=_("批号"), required=False)
    sent_on = date_field(_("调出日期"))
    document_number = forms.CharField(label=_("调拨单号（不填自动生成）"), max_length=40, required=False)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)

    def __init__(self, *args, receivers=(), batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["receiver"].choices = [(u.code, u.display_name) for u in receivers]
        self.fields["batch"].choices = [("", _("先到期先出（自动）"))] + [
            (str(b.batch.pk), f"{b.batch.number}（有效期至{b.batch.expires_on:%Y-%m-%d}，结余{b.quantity}包）")
            for b in batches
        ]


class ConfirmForm(forms.Form):
    received_quantity = forms.IntegerField(label=_("实收数量（包）"), error_messages=INT_ERRORS)
    received_on = date_field(_("收货日期"))
    difference_reason = forms.CharField(label=_("差异原因（实收少于调出时必填）"), max_length=200, required=False)


class LossForm(forms.Form):
    batch = forms.ChoiceField(label=_("批号"))
    reason = forms.ChoiceField(label=_("报损原因"), choices=[(r.value, r.label) for r in LOSS_REASONS])
    quantity = quantity_field()
    occurred_on = date_field(_("报损日期"))
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, batches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].choices = [
            (str(b.batch.pk), f"{b.batch.number}（有效期至{b.batch.expires_on:%Y-%m-%d}，结余{b.quantity}包）")
            for b in batches
        ]


class StorageForm(forms.Form):
    checked_on = date_field(_("日期"))
    checked_at = forms.TimeField(
        label=_("时间"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("请填写有效时间，如 09:30"), "required": _("必填")},
    )
    temperature = forms.DecimalField(
        label=_("温度(℃)"), max_digits=4, decimal_places=1, error_messages={"invalid": _("请输入数字")}
    )
    humidity = forms.DecimalField(
        label=_("相对湿度(%)"), max_digits=4, decimal_places=1, error_messages={"invalid": _("请输入数字")}
    )
    checker = forms.CharField(label=_("检查人"), max_length=50)
    off_floor_and_wall = forms.BooleanField(label=_("离地离墙（离墙30cm、隔地15cm以上）"), required=False, initial=True)
    pest_protection = forms.BooleanField(label=_("防鼠防虫设施完好"), required=False, initial=True)
    out_of_light = forms.BooleanField(label=_("避光、阴凉、通风、干燥"), required=False, initial=True)
    apart_from_medicines = forms.BooleanField(label=_("未与药品及有毒有害物质混放"), required=False, initial=True)
    note = forms.CharField(label=_("备注"), max_length=200, required=False)


class ReverseForm(forms.Form):
    reason = forms.CharField(label=_("冲正原因"), max_length=200)


class AllocationForm(forms.Form):
    planned_packs = forms.IntegerField(label=_("计划分配(包)"), error_messages=INT_ERRORS)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


REASON_CHOICES = [("", _("全部"))] + list(Reason.choices)
