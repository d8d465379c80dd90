"""A background job: who started it, what it does, where it has got to and what came out."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("处理中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=60)
    title = models.CharField(_("任务"), max_length=200)
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    params = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    input_name = models.CharField(_("文件"), max_length=200, blank=True)
    input_sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    # what came out: {"ok", "summary", "errors": [{row, letter, header, message}], "error_count", "links"}
    outcome = models.JSONField(null=True, blank=True)
    failure = models.TextField(_("失败原因"), blank=True)  # Chinese, for the user; never a stack trace
    result_name = models.CharField(max_length=200, blank=True)
    result_mimetype = models.CharField(max_length=120, blank=True)
    result_personal = models.BooleanField(default=False)
    task_id = models.CharField(max_length=64, blank=True)
    retry_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "created_at"], name="job_owner_created")]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def short_id(self) -> str:
        return str(self.id)[:8]
