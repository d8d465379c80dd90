"""Trainings (培训) and health-education or publicity events (健康教育/宣传).

The township health centre trains village doctors 2–4 times a year and runs health education;
the county MCH centre trains township staff. A record is never deleted: a mistaken one is
withdrawn (撤销) with a reason, and withdrawn rows count nowhere.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingLevel(models.TextChoices):
    COUNTY = "county", _("县级")
    TOWNSHIP = "township", _("乡级")


class AttendeeType(models.TextChoices):
    VILLAGE_DOCTOR = "village_doctor", _("村医")
    TOWNSHIP_STAFF = "township_staff", _("乡镇卫生院人员")
    CAREGIVER = "caregiver", _("看护人")
    OTHER = "other", _("其他")


class EducationForm(models.TextChoices):
    LECTURE = "lecture", _("讲座")
    FREE_CLINIC = "free_clinic", _("义诊")
    HOME_VISIT = "home_visit", _("入户宣传")
    MATERIALS = "materials", _("发放宣传资料")
    BROADCAST = "broadcast", _("广播")
    OTHER = "other", _("其他")


class Activity(models.Model):
    """What a training and an event share: where, when, who recorded it, and withdrawal."""

    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("组织单位"))
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField(_("日期"))
    topic = models.CharField(_("主题"), max_length=200)
    notes = models.TextField(_("备注"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    withdrawn = models.BooleanField(_("已撤销"), default=False)
    withdrawn_reason = models.CharField(_("撤销原因"), max_length=200, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-held_on", "-id"]


class Training(Activity):
    """培训: date, organising unit, level, topic, number and kind of attendees."""

    level = models.CharField(_("级别"), max_length=10, choices=TrainingLevel.choices)
    attendees = models.PositiveIntegerField(_("参训人数"))
    attendee_type = models.CharField(
        _("参训人员类别"), max_length=20, choices=AttendeeType.choices, default=AttendeeType.VILLAGE_DOCTOR
    )

    class Meta(Activity.Meta):
        verbose_name = _("培训")
        verbose_name_plural = _("培训")
        indexes = [models.Index(fields=["county", "held_on"], name="training_county_held")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.topic}"


class HealthEducation(Activity):
    """健康教育/宣传: date, unit, form (讲座、义诊…), topic and how many people it reached."""

    form = models.CharField(_("形式"), max_length=20, choices=EducationForm.choices)
    reach = models.PositiveIntegerField(_("受众人数"))

    class Meta(Activity.Meta):
        verbose_name = _("健康教育/宣传")
        verbose_name_plural = _("健康教育/宣传")
        indexes = [models.Index(fields=["county", "held_on"], name="education_county_held")]

    def __str__(self) -> str:
        return f"{self.held_on:%Y-%m-%d} {self.get_form_display()} {self.topic}"
