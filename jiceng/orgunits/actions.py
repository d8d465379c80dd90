"""Writes to org units: each in a transaction, validated, with an audit row."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit.recorder import record, snapshot
from jiceng.orgunits.models import (
    CODE_LENGTH_BY_LEVEL,
    INSTITUTION_KINDS,
    PARENT_LEVELS,
    Kind,
    Level,
    OrgUnit,
    UnitDenominator,
)

LEVEL_NAMES = dict(Level.choices)


def validate_unit_fields(
    *,
    code: str,
    name: str,
    level: str,
    kind: str,
    parent: OrgUnit | None,
    altitude_m: int | None,
    existing: OrgUnit | None = None,
) -> None:
    """Raise ValidationError with a Chinese message per field."""
    errors: dict[str, str] = {}
    if not (name or "").strip():
        errors["name"] = _("名称：不能为空")
    if level not in CODE_LENGTH_BY_LEVEL:
        errors["level"] = _("层级：无效的层级 %(level)s") % {"level": level}
    if kind not in Kind.values:
        errors["kind"] = _("类型：无效的类型 %(kind)s") % {"kind": kind}
    if not code or not code.isdigit():
        errors["code"] = _("代码：只能由数字组成")
    elif level in CODE_LENGTH_BY_LEVEL:
        if kind in INSTITUTION_KINDS:
            # County institutions: the county's 6-digit code followed by a 3-digit institution number.
            if len(code) != 9 or parent is None or not code.startswith(parent.code[:6]):
                errors["code"] = _("代码：县直机构代码应为9位，且以所属县代码开头")
        elif len(code) != CODE_LENGTH_BY_LEVEL[level]:
            errors["code"] = _("代码：%(level)s代码应为%(n)d位，实为%(got)d位") % {
                "level": LEVEL_NAMES[level],
                "n": CODE_LENGTH_BY_LEVEL[level],
                "got": len(code),
            }
        elif parent is not None and level in (Level.TOWNSHIP, Level.VILLAGE) and not code.startswith(parent.code):
            errors["code"] = _("代码：应以上级单位代码 %(p)s 开头") % {"p": parent.code}
    if level in PARENT_LEVELS:
        allowed = PARENT_LEVELS[level]
        if kind in INSTITUTION_KINDS:
            allowed = (Level.COUNTY,)
        if parent is None and allowed:
            errors["parent"] = _("上级单位：%(level)s必须有上级单位") % {"level": LEVEL_NAMES[level]}
        elif parent is not None and (parent.level not in allowed or parent.is_institution):
            errors["parent"] = _("上级单位：%(level)s的上级应为%(allowed)s，而“%(p)s”是%(plevel)s") % {
                "level": LEVEL_NAMES[level],
                "allowed": "或".join(str(LEVEL_NAMES[a]) for a in allowed),
                "p": parent.name,
                "plevel": LEVEL_NAMES.get(parent.level, parent.level),
            }
    if altitude_m is not None and not 0 <= altitude_m <= 6000:
        errors["altitude_m"] = _("海拔：应在0至6000米之间")
    if code and OrgUnit.objects.filter(code=code).exclude(pk=getattr(existing, "pk", None)).exists():
        errors["code"] = _("代码：%(code)s 已被其他单位使用") % {"code": code}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_unit(
    *,
    code: str,
    name: str,
    level: str,
    kind: str = Kind.ADMIN,
    parent: OrgUnit | None,
    altitude_m: int | None = None,
    acting_user,
) -> OrgUnit:
    access.require(acting_user, "units.manage")
    if parent is not None:
        access.require_unit_in_scope(acting_user, parent)
    code, name = (code or "").strip(), (name or "").strip()
    validate_unit_fields(code=code, name=name, level=level, kind=kind, parent=parent, altitude_m=altitude_m)
    unit = OrgUnit(code=code, name=name, level=level, kind=kind, parent=parent, altitude_m=altitude_m)
    unit.path = unit.compute_path()
    unit.depth = unit.path.count("/") - 1
    unit.save()
    record(actor=acting_user, action="unit.create", obj=unit, unit=unit, after=snapshot(unit))
    return unit


EDITABLE_UNIT_FIELDS = ("name", "altitude_m", "active")


@transaction.atomic
def update_unit(unit: OrgUnit, *, acting_user, **changes) -> OrgUnit:
    access.require(acting_user, "units.manage")
    access.require_unit_in_scope(acting_user, unit)
    unknown = set(changes) - set(EDITABLE_UNIT_FIELDS)
    if unknown:
        raise ValidationError(_("不能修改的字段：%(f)s") % {"f": ", ".join(sorted(unknown))})
    unit = OrgUnit.objects.select_for_update().get(pk=unit.pk)
    before = snapshot(unit, EDITABLE_UNIT_FIELDS)
    for field, value in changes.items():
        setattr(unit, field, value.strip() if isinstance(value, str) else value)
    validate_unit_fields(
        code=unit.code,
        name=unit.name,
        level=unit.level,
        kind=unit.kind,
        parent=unit.parent,
        altitude_m=unit.altitude_m,
        existing=unit,
    )
    unit.save(update_fields=list(changes))
    record(
        actor=acting_user,
        action="unit.update",
        obj=unit,
        unit=unit,
        before=before,
        after=snapshot(unit, EDITABLE_UNIT_FIELDS),
    )
    return unit


@transaction.atomic
def set_denominator(unit: OrgUnit, *, year: int, key: str, value: int, acting_user) -> UnitDenominator:
    access.require(acting_user, "units.manage")
    access.require_unit_in_scope(acting_user, unit)
    if key not in UnitDenominator.Key.values:
        raise ValidationError({"key": _("指标：无效的基数类型")})
    if value is None or value < 0:
        raise ValidationError({"value": _("数值：不能为负数")})
    row = UnitDenominator.objects.filter(unit=unit, year=year, key=key).first()
    before = {"value": row.value} if row else None
    row, _created = UnitDenominator.objects.update_or_create(unit=unit, year=year, key=key, defaults={"value": value})
    record(
        actor=acting_user,
        action="unit.denominator",
        obj=row,
        unit=unit,
        before=before,
        after={"year": year, "key": key, "value": value},
    )
    return row
