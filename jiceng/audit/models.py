"""Audit trail: who did what, when, to which object, with the values before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiceng.audit.actions_catalog import ACTION_LABELS, label_of
from jiceng.audit.masking import mask_text, mask_value

__all__ = ["ACTION_LABELS", "AuditEntry"]


class AuditEntry(models.Model):
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(_("操作人"), max_length=100, blank=True)
    action = models.CharField(_("操作"), max_length=60)
    object_type = models.CharField(_("对象类型"), max_length=60)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # The unit the change belongs to, denormalised as its path so a subtree filter is one range query.
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    unit_path = models.CharField(max_length=255, blank=True, db_index=True)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        indexes = [models.Index(fields=["actor", "at"], name="audit_actor_at")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    @classmethod
    def from_db(cls, db, field_names, values):
        """Rows read back are masked for every reader (the audit page, report histories, any export or
        API): ID, phone and bank-account numbers in before/after, the object and the reason. The table
        keeps what was written; PIPL: no role needs a full number in the audit trail."""
        entry = super().from_db(db, field_names, values)
        entry.mask_identity(set(field_names))
        return entry

    def mask_identity(self, fields: set[str] | None = None) -> AuditEntry:
        """Mask identity numbers in place (only ``fields`` if given: a deferred field stays unloaded)."""
        for name, mask in (
            ("before", mask_value),
            ("after", mask_value),
            ("object_repr", mask_text),
            ("reason", mask_text),
        ):
            if fields is None or name in fields:
                setattr(self, name, mask(getattr(self, name)))
        return self

    @property
    def label(self) -> str:
        """The action in words (Chinese), falling back to its code."""
        return label_of(self.action)

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]
