"""Writes to the activity records. Each runs in a transaction, checks access, validates with a
Chinese message naming the field, and writes an audit row. A record is withdrawn, never deleted."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.activities.models import AttendeeType, EducationForm, HealthEducation, Training, TrainingLevel
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record, snapshot
from jiceng.orgunits.models import Level, OrgUnit

EARLIEST = dt.date(2015, 1, 1)  # older dates are almost always typing errors (e.g. 2205 → 2005)
TRAINING_FIELDS = ("unit_id", "held_on", "level", "topic", "attendees", "attendee_type", "notes")
EDUCATION_FIELDS = ("unit_id", "held_on", "form", "topic", "reach", "notes")


def today() -> dt.date:
    return timezone.localdate()


@dataclass
class TrainingData:
    held_on: dt.date
    topic: str
    attendees: int
    level: str = ""  # empty: 县级 for a county unit, 乡级 otherwise
    attendee_type: str = AttendeeType.VILLAGE_DOCTOR
    notes: str = ""


@dataclass
class EducationData:
    held_on: dt.date
    form: str
    topic: str
    reach: int
    notes: str = ""


def _check_date(held_on, errors: dict[str, str]) -> None:
    if not isinstance(held_on, dt.date):
        errors["held_on"] = _("日期：请填写有效日期（如 2025-03-08）")
    elif held_on > today():
        errors["held_on"] = _("日期：%(d)s 晚于今天，只能登记已开展的活动") % {"d": held_on.isoformat()}
    elif held_on < EARLIEST:
        errors["held_on"] = _("日期：%(d)s 早于 %(e)s，请核对年份") % {
            "d": held_on.isoformat(),
            "e": EARLIEST.isoformat(),
        }


def _check_count(value, field: str, label: str, errors: dict[str, str], maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        errors[field] = _("%(label)s：应为大于0的整数") % {"label": label}
    elif value > maximum:
        errors[field] = _("%(label)s：%(n)d 人超过上限 %(max)d，请核对") % {"label": label, "n": value, "max": maximum}


def _check_topic(topic: str, errors: dict[str, str]) -> str:
    topic = (topic or "").strip()
    if not topic:
        errors["topic"] = _("主题：不能为空")
    elif len(topic) > 200:
        errors["topic"] = _("主题：不能超过200个字")
    return topic


def _organiser(unit: OrgUnit, acting_user, *, training: bool) -> None:
    access.require(acting_user, "activities.edit")
    access.require_unit_in_scope(acting_user, unit)
    if training and unit.level == Level.VILLAGE:
        raise ValidationError({"unit": _("组织单位：培训由县级或乡级单位组织，请选择乡镇卫生院或县级机构")})


def _county_of(unit: OrgUnit) -> OrgUnit:
    codes = unit.ancestor_codes()
    return OrgUnit.objects.get(code=codes[2]) if len(codes) > 2 else unit


def validate_training(data: TrainingData, unit: OrgUnit) -> TrainingData:
    errors: dict[str, str] = {}
    _check_date(data.held_on, errors)
    data.topic = _check_topic(data.topic, errors)
    _check_count(data.attendees, "attendees", _("参训人数"), errors, maximum=5000)
    data.level = data.level or (TrainingLevel.COUNTY if unit.level == Level.COUNTY else TrainingLevel.TOWNSHIP)
    if data.level not in TrainingLevel.values:
        errors["level"] = _("级别：请选择县级或乡级")
    elif data.level == TrainingLevel.COUNTY and unit.level != Level.COUNTY:
        errors["level"] = _("级别：县级培训应由县级单位组织")
    if data.attendee_type not in AttendeeType.values:
        errors["attendee_type"] = _("参训人员类别：无效的选项")
    data.notes = (data.notes or "").strip()
    if errors:
        raise ValidationError(errors)
    return data


def validate_education(data: EducationData) -> EducationData:
    errors: dict[str, str] = {}
    _check_date(data.held_on, errors)
    if data.form not in EducationForm.values:
        errors["form"] = _("形式：请选择讲座、义诊、入户宣传、发放宣传资料、广播或其他")
    data.topic = _check_topic(data.topic, errors)
    _check_count(data.reach, "reach", _("受众人数"), errors, maximum=1_000_000)
    data.notes = (data.notes or "").strip()
    if errors:
        raise ValidationError(errors)
    return data


@transaction.atomic
def record_training(data: TrainingData, *, unit: OrgUnit, acting_user) -> Training:
    _organiser(unit, acting_user, training=True)
    data = validate_training(data, unit)
    training = Training.objects.create(unit=unit, county=_county_of(unit), recorded_by=acting_user, **asdict(data))
    record(
        actor=acting_user,
        action=actions_catalog.TRAINING_CREATE,
        obj=training,
        unit=unit,
        after=snapshot(training, TRAINING_FIELDS),
    )
    return training


@transaction.atomic
def update_training(training: Training, data: TrainingData, *, unit: OrgUnit, acting_user) -> Training:
    training = _for_update(acting_user, Training, training)
    _organiser(unit, acting_user, training=True)
    data = validate_training(data, unit)
    before = snapshot(training, TRAINING_FIELDS)
    training.unit, training.county = unit, _county_of(unit)
    for field, value in asdict(data).items():
        setattr(training, field, value)
    training.save(update_fields=["unit", "county", *asdict(data)])
    record(
        actor=acting_user,
        action=actions_catalog.TRAINING_UPDATE,
        obj=training,
        unit=unit,
        before=before,
        after=snapshot(training, TRAINING_FIELDS),
    )
    return training


@transaction.atomic
def record_education(data: EducationData, *, unit: OrgUnit, acting_user) -> HealthEducation:
    _organiser(unit, acting_user, training=False)
    data = validate_education(data)
    event = HealthEducation.objects.create(unit=unit, county=_county_of(unit), recorded_by=acting_user, **asdict(data))
    record(
        actor=acting_user,
        action=actions_catalog.EDUCATION_CREATE,
        obj=event,
        unit=unit,
        after=snapshot(event, EDUCATION_FIELDS),
    )
    return event


@transaction.atomic
def update_education(event: HealthEducation, data: EducationData, *, unit: OrgUnit, acting_user) -> HealthEducation:
    event = _for_update(acting_user, HealthEducation, event)
    _organiser(unit, acting_user, training=False)
    data = validate_education(data)
    before = snapshot(event, EDUCATION_FIELDS)
    event.unit, event.county = unit, _county_of(unit)
    for field, value in asdict(data).items():
        setattr(event, field, value)
    event.save(update_fields=["unit", "county", *asdict(data)])
    record(
        actor=acting_user,
        action=actions_catalog.EDUCATION_UPDATE,
        obj=event,
        unit=unit,
        before=before,
        after=snapshot(event, EDUCATION_FIELDS),
    )
    return event


def _for_update(acting_user, model, obj):
    access.require(acting_user, "activities.edit")
    found = access.object_in_scope_or_404(acting_user, model.objects.select_for_update(), pk=obj.pk)
    if found.withdrawn:
        raise ValidationError({"__all__": [_("该记录已撤销，不能修改")]})
    return found


@transaction.atomic
def withdraw(obj: Training | HealthEducation, *, reason: str, acting_user) -> Training | HealthEducation:
    """撤销: the record stays, marked withdrawn with the reason; it counts nowhere afterwards."""
    obj = _for_update(acting_user, type(obj), obj)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("撤销原因：请写明原因（如 重复登记、日期填错）")})
    obj.withdrawn, obj.withdrawn_reason = True, reason[:200]
    obj.withdrawn_by, obj.withdrawn_at = acting_user, timezone.now()
    obj.save(update_fields=["withdrawn", "withdrawn_reason", "withdrawn_by", "withdrawn_at"])
    record(
        actor=acting_user,
        action=actions_catalog.TRAINING_WITHDRAW if isinstance(obj, Training) else actions_catalog.EDUCATION_WITHDRAW,
        obj=obj,
        unit=obj.unit,
        before={"withdrawn": False},
        after={"withdrawn": True},
        reason=reason,
    )
    return obj
