"""Aggregate reports: one Report per data set, unit and period, its DataValues, and the review trail."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    OPEN = "open", _("未上报")
    SUBMITTED = "submitted", _("已提交")
    APPROVED = "approved", _("已审核")
    RETURNED = "returned", _("已退回")


LOCKED_STATES = (State.SUBMITTED, State.APPROVED)


class Report(models.Model):
    dataset = models.CharField(_("报表"), max_length=40)
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="reports")
    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("报告期"), max_length=7)  # YYYY-MM
    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.OPEN)
    version = models.PositiveIntegerField(default=0)  # bumped by every state change (optimistic concurrency)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("填报人"),
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("审核人"),
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    returned_at = models.DateTimeField(null=True, blank=True)
    return_reason = models.TextField(_("退回原因"), blank=True)
    missing = models.BooleanField(_("缺报"), default=False)
    missing_reason = models.CharField(_("缺报原因"), max_length=200, blank=True)
    first_submitted_at = models.DateTimeField(null=True, blank=True)  # for timeliness: the first submission

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "unit", "period"], name="one_report_per_period")]
        indexes = [models.Index(fields=["dataset", "period", "state"], name="report_period_state")]

    def __str__(self) -> str:
        from jiceng.reporting.packs import find_dataset

        form = find_dataset(self.dataset)
        return f"{self.unit.name} {self.period} {form.short_name if form else self.dataset}"

    @property
    def locked(self) -> bool:
        return self.state in LOCKED_STATES


class DataValue(models.Model):
    """One number of a report. Computed values are frozen when the report is submitted; an override of a
    computed value keeps the computed one and a reason."""

    class Origin(models.TextChoices):
        COMPUTED = "computed", _("台账计算")
        TYPED = "typed", _("手工填报")
        OVERRIDE = "override", _("修正")

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="values")
    element = models.CharField(max_length=20)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    computed_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    origin = models.CharField(max_length=10, choices=Origin.choices, default=Origin.COMPUTED)
    reason = models.CharField(_("修正原因"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["report", "element"], name="one_value_per_element")]

    def __str__(self) -> str:
        return f"{self.element}={self.value}"


class ValueComment(models.Model):
    """A reviewer's comment on a specific value (e.g. when returning a report)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="comments")
    element = models.CharField(max_length=20)
    text = models.CharField(_("意见"), max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.element}: {self.text}"


class WarningNote(models.Model):
    """The submitter's explanation of a validation warning (warnings need a comment to submit)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="warning_notes")
    rule = models.CharField(max_length=20)
    text = models.CharField(_("说明"), max_length=300)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.rule}: {self.text}"
