"""Org units (组织机构): province → city → county → township → village, plus county institutions.

A subtree is one indexed range query on the materialised ``path`` (codes joined by "/"),
never recursion in Python: see :func:`subtree_q`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市/州")
    COUNTY = "county", _("县/区")
    TOWNSHIP = "township", _("乡/镇/街道")
    VILLAGE = "village", _("村/社区")


class Kind(models.TextChoices):
    ADMIN = "admin", _("行政区划")
    HEALTH_BUREAU = "health_bureau", _("县卫生健康局")
    MCH_CENTRE = "mch_centre", _("县妇幼保健中心")
    TOWNSHIP_HC = "township_hc", _("乡镇卫生院")
    VILLAGE_CLINIC = "village_clinic", _("村卫生室")


# County institutions sit under the county in the tree but work for the whole county.
INSTITUTION_KINDS = frozenset({Kind.HEALTH_BUREAU, Kind.MCH_CENTRE})

# GB/T 2260 (6 digits) and 统计用区划代码 (9 digits township, 12 digits village).
CODE_LENGTH_BY_LEVEL = {
    Level.PROVINCE: 6,
    Level.CITY: 6,
    Level.COUNTY: 6,
    Level.TOWNSHIP: 9,
    Level.VILLAGE: 12,
}
PARENT_LEVELS = {
    Level.PROVINCE: (),
    Level.CITY: (Level.PROVINCE,),
    Level.COUNTY: (Level.CITY, Level.PROVINCE),
    Level.TOWNSHIP: (Level.COUNTY,),
    Level.VILLAGE: (Level.TOWNSHIP,),
}
PATH_SEPARATOR = "/"
PATH_UPPER_BOUND = "~"  # sorts after digits and "/": [path, path~) is the whole subtree


def subtree_q(path: str, field: str = "path") -> Q:
    """Rows whose ``field`` lies in the subtree rooted at ``path`` (inclusive), as a B-tree range."""
    return Q(**{f"{field}__gte": path, f"{field}__lt": path + PATH_UPPER_BOUND})


class OrgUnit(models.Model):
    code = models.CharField(_("代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, default=Kind.ADMIN)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    path = models.CharField(max_length=255, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=0)
    altitude_m = models.PositiveIntegerField(_("海拔(米)"), null=True, blank=True)
    active = models.BooleanField(_("启用"), default=True)
    # False for a unit whose registers are not in the system: its monthly reports are typed in.
    keeps_registers = models.BooleanField(_("使用系统台账"), default=True)

    class Meta:
        ordering = ["path"]
        verbose_name = _("组织机构")
        verbose_name_plural = _("组织机构")
        indexes = [
            models.Index(fields=["path"], name="orgunit_path_pattern", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["level", "path"], name="orgunit_level_path"),
        ]

    def __str__(self) -> str:
        return f"{self.name}({self.code})"

    @property
    def is_institution(self) -> bool:
        return self.kind in INSTITUTION_KINDS

    @property
    def display_name(self) -> str:
        """The name of the health facility at this unit, as staff write it."""
        if self.kind == Kind.TOWNSHIP_HC and not self.name.endswith(("卫生院", "服务中心")):
            return f"{self.name}社区卫生服务中心" if self.name.endswith("街道") else f"{self.name}卫生院"
        if self.kind == Kind.VILLAGE_CLINIC and not self.name.endswith(("卫生室", "服务站")):
            return f"{self.name}卫生服务站" if self.name.endswith("社区") else f"{self.name}卫生室"
        return self.name

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}{PATH_SEPARATOR}"

    def ancestor_codes(self) -> list[str]:
        return [c for c in self.path.split(PATH_SEPARATOR) if c]

    def subtree(self):
        return OrgUnit.objects.filter(subtree_q(self.path))


class UnitDenominator(models.Model):
    """Yearly denominators of a unit (常住人口, estimated target groups)."""

    class Key(models.TextChoices):
        RESIDENT_POPULATION = "resident_population", _("常住人口")
        CHILDREN_6_36_MONTHS = "children_6_36_months", _("6-36月龄儿童估计数")
        LIVE_BIRTHS = "live_births", _("活产数")

    unit = models.ForeignKey(OrgUnit, on_delete=models.CASCADE, related_name="denominators")
    year = models.PositiveSmallIntegerField(_("年度"))
    key = models.CharField(_("指标"), max_length=40, choices=Key.choices)
    value = models.PositiveIntegerField(_("数值"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit", "year", "key"], name="unique_unit_year_denominator")]
        verbose_name = _("年度基数")

    def __str__(self) -> str:
        return f"{self.unit_id} {self.year} {self.key}={self.value}"
