"""Forms of the child register. Field errors are Chinese and name the field."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.documents.hostile import control_message
from jiceng.nutrition.actions import ChildData
from jiceng.nutrition.models import Move, Residence, Sex
from jiceng.period_field import PeriodField
from jiceng.standards.idnumber import IdNumberError, parse_id_number

DATE_ERRORS = {"invalid": _("请填写有效日期，如 2025-03-08"), "required": _("必填")}


class DateInput(forms.DateInput):
    """An HTML date picker; its value must be ISO (YYYY-MM-DD) whatever the interface language."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class PlainTextForm(forms.Form):
    """A form whose text fields refuse C0 control characters (NUL, BEL…) with a Chinese message naming the
    field; a multi-line field (a textarea) keeps tab and line breaks. The actions refuse them as well."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.CharField):
                multiline = isinstance(field.widget, forms.Textarea)
                field.validators.append(_no_control_characters(str(field.label), multiline))


def _no_control_characters(label: str, multiline: bool):
    def check(value):
        message = control_message(label, value, multiline=multiline)
        if message:
            raise forms.ValidationError(message, code="control")

    return check


def date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput, error_messages=DATE_ERRORS)


class ChildForm(PlainTextForm):
    village = forms.ChoiceField(label=_("所属村"))
    name = forms.CharField(
        label=_("姓名"), max_length=50, strip=False, error_messages={"required": _("姓名：不能为空")}
    )
    # the ID number first: a valid one fills in the birth date and sex (on the page as it is typed, and here)
    id_number = forms.CharField(
        label=_("身份证号（可选，填写后自动带出出生日期和性别）"),
        max_length=18,
        required=False,
        widget=forms.TextInput(attrs={"data-fills-birth": "", "inputmode": "text", "autocomplete": "off"}),
    )
    sex = forms.ChoiceField(label=_("性别"), choices=Sex.choices, widget=forms.RadioSelect, required=False)
    birth_date = date_field(_("出生日期"), required=False)
    residence = forms.ChoiceField(label=_("居住状态"), choices=Residence.choices[:2], initial=Residence.RESIDENT)
    poor_household = forms.BooleanField(label=_("建档立卡贫困户"), required=False)
    relocation_site = forms.BooleanField(label=_("易地扶贫搬迁安置点"), required=False)
    special_condition = forms.BooleanField(label=_("患特殊疾病，需专业医生评估（如地中海贫血）"), required=False)
    special_condition_note = forms.CharField(label=_("特殊疾病说明"), max_length=200, required=False)
    caregiver_name = forms.CharField(label=_("看护人姓名"), max_length=50, required=False)
    caregiver_relation = forms.CharField(label=_("与儿童关系"), max_length=20, required=False, initial="母亲")
    caregiver_phone = forms.CharField(label=_("看护人电话"), max_length=20, required=False)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, v.display_name) for v in villages]
        if len(villages) == 1:
            self.fields["village"].initial = villages[0].code

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("姓名：不能为空或只有空格"))
        return name

    def clean(self):
        cleaned = super().clean()
        try:
            parsed = parse_id_number(cleaned.get("id_number") or "") if cleaned.get("id_number") else None
        except IdNumberError:
            parsed = None  # the register action says what is wrong with the number
        if parsed is not None:
            cleaned["birth_date"] = cleaned.get("birth_date") or parsed.birth_date
            cleaned["sex"] = cleaned.get("sex") or parsed.sex
        if not cleaned.get("birth_date") and "birth_date" not in self.errors:
            self.add_error("birth_date", _("出生日期：必填（填写身份证号可自动带出）"))
        if not cleaned.get("sex"):
            self.add_error("sex", _("性别：必填（填写身份证号可自动带出）"))
        return cleaned

    def child_data(self) -> ChildData:
        data = {k: v for k, v in self.cleaned_data.items() if k != "village"}
        return ChildData(**data)


class ConsentForm(PlainTextForm):
    signed_on = date_field(_("签署日期"))
    signed_by = forms.CharField(label=_("签署人"), max_length=50)
    relation = forms.CharField(label=_("与儿童关系"), max_length=20, initial="母亲")


class AssessmentForm(PlainTextForm):
    assessed_on = date_field(_("评估日期"))
    suitable = forms.TypedChoiceField(
        label=_("评估结论"),
        coerce=lambda v: v == "1",
        choices=[("1", _("适宜服用")), ("0", _("不适宜服用"))],
        widget=forms.RadioSelect,
    )
    doctor = forms.CharField(label=_("评估医生"), max_length=50)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)


class CollectionForm(PlainTextForm):
    collected_on = date_field(_("领取日期"))
    packs = forms.IntegerField(
        label=_("包数"),
        min_value=1,
        max_value=30,
        error_messages={
            "invalid": _("包数：请输入整数"),
            "min_value": _("包数：至少1包"),
            "max_value": _("包数：每月最多30包（E6）"),
        },
    )
    collected_by = forms.CharField(label=_("领取人"), max_length=50, required=False)


class MoveForm(PlainTextForm):
    kind = forms.ChoiceField(label=_("类型"), choices=Move.Kind.choices)
    happened_on = date_field(_("日期"))
    to_village = forms.ChoiceField(label=_("迁入村（村间转移时）"), required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_village"].choices = [("", "—")] + [(v.code, v.display_name) for v in villages]


class ForceMajeureForm(PlainTextForm):
    unit = forms.ChoiceField(label=_("认定单位"))
    first_month = PeriodField(label=_("起始月份"), kinds=("month",))
    last_month = PeriodField(label=_("截止月份"), kinds=("month",))
    reason = forms.CharField(label=_("原因"), max_length=200)

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.code, u.display_name) for u in units]


class FollowUpForm(PlainTextForm):
    visited_on = date_field(_("随访日期"))
    hb_g_l = forms.DecimalField(
        label=_("血红蛋白(g/L)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        error_messages={"invalid": _("血红蛋白：请输入数字")},
    )
    length_cm = forms.DecimalField(
        label=_("身长/身高(cm)"),
        required=False,
        max_digits=5,
        decimal_places=1,
        error_messages={"invalid": _("身长/身高：请输入数字")},
    )
    position = forms.ChoiceField(
        label=_("测量体位"),
        required=False,
        choices=[("", "—"), ("lying", _("卧位（身长，2岁以下）")), ("standing", _("立位（身高，2岁及以上）"))],
    )
    weight_kg = forms.DecimalField(
        label=_("体重(kg)"),
        required=False,
        max_digits=5,
        decimal_places=2,
        error_messages={"invalid": _("体重：请输入数字")},
    )
    packs_last_7d = forms.IntegerField(
        label=_("近7天服用包数"), required=False, error_messages={"invalid": _("近7天服用包数：请输入整数")}
    )
    complementary_feeding = forms.BooleanField(label=_("已添加辅食"), required=False)
    counselling_given = forms.BooleanField(label=_("已给予看护人咨询指导"), required=False)
    caregiver_knows = forms.BooleanField(label=_("看护人知晓项目"), required=False)
    notes = forms.CharField(label=_("备注"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))
