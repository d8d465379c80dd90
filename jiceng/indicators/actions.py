"""Setting targets (目标责任书): the county bureau, audited; impossible targets refused."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit.recorder import record
from jiceng.indicators.models import Target
from jiceng.orgunits.models import OrgUnit
from jiceng.reporting.packs import all_indicators


@transaction.atomic
def set_target(indicator_code: str, unit: OrgUnit, year: int, value, *, acting_user) -> Target:
    access.require(acting_user, "targets.edit", _("只有县卫健局可以设定目标"))
    access.require_unit_in_scope(acting_user, unit)
    indicator = all_indicators().get(indicator_code)
    if indicator is None:
        raise ValidationError({"indicator": _("指标：未知的指标 %(c)s") % {"c": indicator_code}})
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError({"value": _("目标值：“%(v)s”不是数字") % {"v": value}}) from None
    if not number.is_finite() or number < 0:
        raise ValidationError({"value": _("目标值：不能为负数")})
    if indicator.target_max is not None and number > Decimal(str(indicator.target_max)):
        raise ValidationError(
            {
                "value": _("目标值：%(name)s不可能超过%(max)s%(u)s，收到 %(v)s")
                % {"name": indicator.name, "max": indicator.target_max, "u": indicator.unit_label, "v": number}
            }
        )
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("年度：无效的年度")})
    existing = Target.objects.filter(indicator=indicator_code, unit=unit, year=year).first()
    before = {"value": str(existing.value)} if existing else None
    target, _created = Target.objects.update_or_create(
        indicator=indicator_code, unit=unit, year=year, defaults={"value": number, "set_by": acting_user}
    )
    record(
        actor=acting_user,
        action="target.set",
        obj=target,
        object_repr=f"{unit.name} {year} {indicator.name}",
        unit=unit,
        before=before,
        after={"indicator": indicator_code, "year": year, "value": str(number)},
    )
    return target
