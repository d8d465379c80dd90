"""Forms of the benefit pages. Field errors are Chinese and name the field; the actions check everything
again (a form only shapes the input)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _

from jiceng.benefits.models import Exit
from jiceng.benefits.rules import schemes

DATE_ERRORS = {"invalid": _("请填写有效日期,如 1972-04-01"), "required": _("必填")}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def year_choices(today: dt.date | None = None) -> list[tuple[int, str]]:
    today = today or dt.date.today()
    return [(y, f"{y}年") for y in range(today.year + 1, today.year - 4, -1)]


SEX = [("F", _("女")), ("M", _("男"))]
CHILD_STATUS = [(schemes.ALIVE, _("存活")), (schemes.DIED, _("死亡"))]


class FamilyForm(forms.Form):
    """登记一户并申报: the mother, the father (optional), up to two children, the only-child certificate, and
    the scheme both parents are declared for."""

    village = forms.ChoiceField(label=_("所属村"))
    address = forms.CharField(label=_("住址"), max_length=100, required=False)
    scheme = forms.ChoiceField(label=_("申报项目"), choices=[(s, s) for s in schemes.SCHEMES])
    category = forms.ChoiceField(
        label=_("特扶类别"),
        required=False,
        choices=[("", _("按家庭情况判断"))] + [(c, c) for c in schemes.TEFU_CATEGORIES],
    )
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    rural = forms.BooleanField(label=_("农业户口"), required=False, initial=True)
    mother_name = forms.CharField(label=_("母亲姓名"), max_length=50)
    mother_birth_date = forms.DateField(label=_("母亲出生日期"), widget=DateInput, error_messages=DATE_ERRORS)
    mother_id_number = forms.CharField(label=_("母亲身份证号"), max_length=18)
    mother_bank_name = forms.CharField(label=_("母亲开户银行"), max_length=50, required=False)
    mother_bank_account = forms.CharField(label=_("母亲一卡通账号"), max_length=30, required=False)
    father_name = forms.CharField(label=_("父亲姓名"), max_length=50, required=False)
    father_birth_date = forms.DateField(
        label=_("父亲出生日期"), widget=DateInput, error_messages=DATE_ERRORS, required=False
    )
    father_id_number = forms.CharField(label=_("父亲身份证号"), max_length=18, required=False)
    father_bank_name = forms.CharField(label=_("父亲开户银行"), max_length=50, required=False)
    father_bank_account = forms.CharField(label=_("父亲一卡通账号"), max_length=30, required=False)
    child_name = forms.CharField(label=_("子女姓名"), max_length=50, required=False)
    child_sex = forms.ChoiceField(label=_("子女性别"), choices=SEX, required=False)
    child_birth_date = forms.DateField(
        label=_("子女出生日期"), widget=DateInput, error_messages=DATE_ERRORS, required=False
    )
    child_status = forms.ChoiceField(label=_("子女状态"), choices=CHILD_STATUS, required=False)
    child_died_on = forms.DateField(
        label=_("子女死亡日期"), widget=DateInput, error_messages=DATE_ERRORS, required=False
    )
    child_disability_grade = forms.TypedChoiceField(
        label=_("子女伤病残等级"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", _("无"))] + [(g, f"{g}级") for g in range(1, 11)],
    )
    certificate_number = forms.CharField(label=_("独生子女父母光荣证编号"), max_length=40, required=False)
    certificate_issued_on = forms.DateField(
        label=_("光荣证发证日期"), widget=DateInput, error_messages=DATE_ERRORS, required=False
    )

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, v.display_name) for v in villages]
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = dt.date.today().year
        for name in ("mother_id_number", "father_id_number", "mother_bank_account", "father_bank_account"):
            self.fields[name].widget.attrs.update({"autocomplete": "off", "inputmode": "text"})

    def clean(self):
        data = super().clean()
        father = [data.get(k) for k in ("father_name", "father_birth_date", "father_id_number")]
        if any(father) and not all(father):
            self.add_error("father_name", _("登记父亲时须填写姓名、出生日期和身份证号"))
        child = [data.get(k) for k in ("child_name", "child_birth_date", "child_sex")]
        if any(v for v in child[:2]) and not all(child):
            self.add_error("child_name", _("登记子女时须填写姓名、性别和出生日期"))
        if data.get("certificate_number") and not data.get("certificate_issued_on"):
            self.add_error("certificate_issued_on", _("填写光荣证编号时须填写发证日期"))
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ObjectionForm(forms.Form):
    objector = forms.CharField(label=_("反映人"), max_length=50)
    raised_on = forms.DateField(label=_("提出日期"), widget=DateInput, error_messages=DATE_ERRORS)
    content = forms.CharField(label=_("异议内容"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("核实结果"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    upheld = forms.TypedChoiceField(
        label=_("异议是否成立"),
        coerce=lambda v: v == "yes",
        choices=[("no", _("不成立,照常发放")), ("yes", _("成立,退回不予发放"))],
    )


class ExitForm(forms.Form):
    reason = forms.ChoiceField(label=_("退出原因"), choices=Exit.Reason.choices)
    event_date = forms.DateField(label=_("发生日期"), widget=DateInput, error_messages=DATE_ERRORS)
    note = forms.CharField(label=_("说明"), max_length=500, required=False)


class NoticeForm(forms.Form):
    village = forms.ChoiceField(label=_("村"))
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    published_on = forms.DateField(label=_("公示开始"), widget=DateInput, error_messages=DATE_ERRORS)
    ends_on = forms.DateField(label=_("公示截止"), widget=DateInput, error_messages=DATE_ERRORS)

    def __init__(self, *args, villages=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [(v.code, v.display_name) for v in villages]
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = dt.date.today().year


MONTHS = [(m, f"{m}月") for m in range(1, 13)]


class BatchForm(forms.Form):
    scheme = forms.ChoiceField(label=_("项目"), choices=[(s, s) for s in schemes.SCHEMES])
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    first_month = forms.TypedChoiceField(label=_("起始月(按月发放的项目)"), coerce=int, choices=MONTHS)
    last_month = forms.TypedChoiceField(label=_("截止月"), coerce=int, choices=MONTHS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = year_choices()
        self.fields["year"].initial = dt.date.today().year


class ReturnFileForm(forms.Form):
    file = forms.FileField(label=_("银行回盘文件(.xlsx)"))


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("跟进情况"), max_length=500)


class ListImportForm(forms.Form):
    source = forms.ChoiceField(label=_("名单来源"))
    file = forms.FileField(label=_("名单文件(.xlsx)"))

    def __init__(self, *args, sources=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = [(s.code, s.name) for s in sources]


class ResolveItemForm(forms.Form):
    note = forms.CharField(label=_("处理情况"), max_length=500)
