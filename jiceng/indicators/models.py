"""Targets (目标责任书): per indicator, unit and year, set by the county; lower units inherit them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Target(models.Model):
    indicator = models.CharField(_("指标"), max_length=40)
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.CASCADE, related_name="targets")
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("目标值"), max_digits=14, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    set_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["indicator", "unit", "year"], name="one_target_per_unit_year")]

    def __str__(self) -> str:
        return f"{self.indicator} {self.year} {self.value}"
