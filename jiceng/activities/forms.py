"""Forms of the activity pages. Field errors are Chinese and name the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.activities.actions import EducationData, TrainingData
from jiceng.activities.models import AttendeeType, EducationForm, TrainingLevel

DATE_ERRORS = {"invalid": _("请填写有效日期，如 2025-03-08"), "required": _("必填")}
COUNT_ERRORS = {"invalid": _("请填写整数"), "required": _("必填")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class _ActivityForm(forms.Form):
    unit = forms.ChoiceField(label=_("组织单位"))
    held_on = forms.DateField(label=_("日期"), widget=DateInput, error_messages=DATE_ERRORS)
    topic = forms.CharField(label=_("主题"), max_length=200, error_messages={"required": _("主题：不能为空")})

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, u.display_name) for u in units]
        if units and not self.initial.get("unit"):
            self.fields["unit"].initial = units[0].code


class TrainingForm(_ActivityForm):
    level = forms.ChoiceField(label=_("级别"), choices=[("", _("按组织单位"))] + TrainingLevel.choices, required=False)
    attendees = forms.IntegerField(
        label=_("参训人数"), widget=forms.NumberInput(attrs={"inputmode": "numeric"}), error_messages=COUNT_ERRORS
    )
    attendee_type = forms.ChoiceField(
        label=_("参训人员类别"), choices=AttendeeType.choices, initial=AttendeeType.VILLAGE_DOCTOR, required=False
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def data_object(self) -> TrainingData:
        values = {k: v for k, v in self.cleaned_data.items() if k != "unit"}
        values["attendee_type"] = values["attendee_type"] or AttendeeType.VILLAGE_DOCTOR
        return TrainingData(**values)


class EducationActivityForm(_ActivityForm):
    form = forms.ChoiceField(label=_("形式"), choices=EducationForm.choices)
    reach = forms.IntegerField(
        label=_("受众人数"), widget=forms.NumberInput(attrs={"inputmode": "numeric"}), error_messages=COUNT_ERRORS
    )
    notes = forms.CharField(label=_("备注"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = ["unit", "held_on", "form", "topic", "reach", "notes"]

    def data_object(self) -> EducationData:
        return EducationData(**{k: v for k, v in self.cleaned_data.items() if k != "unit"})


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤销原因"), max_length=200, error_messages={"required": _("撤销原因：请写明原因")}
    )
