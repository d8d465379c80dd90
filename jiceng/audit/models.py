"""Audit trail: who did what, when, to which object, with the values before and after."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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

    @property
    def label(self) -> str:
        """The action in words (Chinese), falling back to its code."""
        return ACTION_LABELS.get(self.action, self.action)

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


ACTION_LABELS = {
    "unit.create": "新增单位",
    "unit.update": "修改单位",
    "unit.denominator": "修改年度基数",
    "user.create": "新增用户",
    "user.set_password": "修改密码",
    "user.activate": "启用用户",
    "user.deactivate": "停用用户",
    "user.unlock": "解除登录锁定",
    "child.register": "登记儿童",
    "child.update": "修改儿童信息",
    "child.consent": "签订知情同意书",
    "child.assessment": "医生评估",
    "child.merge": "合并重复登记",
    "child.transfer": "村间转移",
    "child.move_out": "迁出",
    "child.move_in": "迁入",
    "child.death": "死亡",
    "collection.create": "发放营养包",
    "followup.create": "填写随访卡",
    "force_majeure.declare": "认定不可抗力",
    "report.value": "修改报表数值",
    "report.submit": "提交",
    "report.approve": "审核通过",
    "report.return": "退回",
    "report.missing": "标记缺报",
    "export.report": "导出报表",
    "target.set": "设定目标",
    "summary.create": "生成工作总结",
    "summary.save": "修改工作总结",
    "summary.refresh": "更新工作总结数据",
    "export.summary": "导出工作总结",
    "export.quarterly": "导出季度分析",
    "export.indicators": "导出指标表",
    "report.import": "导入月报表",
    "demo.reports": "加载演示月报",
    "demo.load": "加载演示数据",
    "demo.history": "加载演示台账",
}
