"""Work summaries: the generated draft, the author's edited text, and every saved version."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Summary(models.Model):
    class Kind(models.TextChoices):
        SUMMARY = "summary", _("工作总结")
        QUARTERLY = "quarterly", _("季度分析")

    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=12)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SUMMARY)
    official = models.BooleanField(_("正式数"), default=True)
    title = models.CharField(_("标题"), max_length=200)
    opening = models.TextField(_("开头"), blank=True)
    sections = models.JSONField(default=dict)  # the text as the author has it now
    generated = models.JSONField(default=dict)  # the text as last generated from the data
    figures = models.JSONField(default=dict)  # figure key → figure as written when generated
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # 审定: the director (township reviewer / county bureau) approves the drafter's text; an approved summary
    # is not edited until the approver reopens it (退回修改)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("审定时间"), null=True, blank=True)
    approved_version = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return self.title

    @property
    def approved(self) -> bool:
        return self.approved_at is not None


class SummaryVersion(models.Model):
    summary = models.ForeignKey(Summary, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    opening = models.TextField(blank=True)
    sections = models.JSONField(default=dict)
    note = models.CharField(max_length=200, blank=True)
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    saved_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        constraints = [models.UniqueConstraint(fields=["summary", "version"], name="one_summary_version")]

    def __str__(self) -> str:
        return f"{self.summary_id} v{self.version}"
