"""Every write of supervision and rectification. Each runs in a transaction, checks access (a unit or
record outside the user's subtree is a 404), refuses bad input with a Chinese :class:`DomainError` naming
the field before anything is saved, and writes an audit row; a finding's steps also go to its timeline.

Who may do what:

- 检查 (plans, records, findings from the data, notices, re-checks, 销号, 升级): ``supervision.inspect``,
  on units *below* one's own (a township over its villages, the county over townships and villages).
- 反馈 (reply) and confirming a notice's receipt: ``supervision.reply``, by the unit that must rectify.
- A re-check is made by the issuer's level or above, never by the person who wrote the reply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record, snapshot
from jiceng.documents.upload import control_characters
from jiceng.errors import Conflict, DomainError
from jiceng.orgunits.models import OrgUnit
from jiceng.supervision import files
from jiceng.supervision.checklists import Checklist, find_checklist
from jiceng.supervision.models import (
    Attachment,
    Escalation,
    Finding,
    FindingEvent,
    InspectionPlan,
    InspectionRecord,
    ItemResult,
    Notice,
    Source,
    State,
)

EARLIEST = dt.date(2015, 1, 1)
MAX_DEADLINE_DAYS = 366  # a deadline more than a year after the notice is a typing error
MAX_PENALTY = Decimal("10000000")  # 罚款金额: ten million yuan is far above any clinic penalty


def today() -> dt.date:
    return timezone.localdate()


def _county_of(unit: OrgUnit) -> OrgUnit:
    codes = unit.ancestor_codes()
    return OrgUnit.objects.get(code=codes[2]) if len(codes) > 2 else unit


def _text(value, label: str, field_name: str, errors: dict, *, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[field_name] = _("%(label)s：不能为空") % {"label": label}
    elif len(text) > max_length:
        errors[field_name] = _("%(label)s：不能超过%(n)d个字") % {"label": label, "n": max_length}
    elif control_characters(text.replace("\r\n", "\n").replace("\n", "")):
        errors[field_name] = _("%(label)s：含有不可见的控制字符，请删除后重新填写") % {"label": label}
    return text


def _date(value, label: str, field_name: str, errors: dict, *, not_after: dt.date | None = None) -> dt.date | None:
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            value = None
    if not isinstance(value, dt.date):
        errors[field_name] = _("%(label)s：请填写有效日期（如 2026-03-08）") % {"label": label}
        return None
    if value < EARLIEST:
        errors[field_name] = _("%(label)s：%(d)s 早于 %(e)s，请核对年份") % {
            "label": label,
            "d": value.isoformat(),
            "e": EARLIEST.isoformat(),
        }
    elif not_after is not None and value > not_after:
        errors[field_name] = _("%(label)s：%(d)s 晚于今天") % {"label": label, "d": value.isoformat()}
    return value


MAX_ID = 2**31 - 1  # a record id from a form: larger numbers exist nowhere and SQLite cannot even compare them


def id_or_none(value) -> int | None:
    """A record id typed or posted by a user, or None when it is not one (letters, NUL, 10**30)."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 0 < number <= MAX_ID else None


def _raise(errors: dict) -> None:
    if errors:
        raise DomainError({k: [v] for k, v in errors.items()})


def is_below(user, unit: OrgUnit) -> bool:
    """Whether ``unit`` lies strictly inside the user's subtree (the units the user supervises)."""
    root = access.scope_root(user)
    return (
        root is not None
        and unit.path.startswith(root.path)
        and unit.path != root.path
        and not (unit.is_institution and unit.parent_id == root.pk)
    )


def _require_inspector_over(user, unit: OrgUnit) -> OrgUnit:
    """The inspecting unit (the user's scope root) of a check of ``unit``."""
    access.require(user, "supervision.inspect")
    access.require_unit_in_scope(user, unit)
    if not is_below(user, unit):
        raise DomainError({"unit": [_("只能督导检查本单位的下级单位")]})
    return access.scope_root(user)


# --- inspection plans ----------------------------------------------------------------------------------


@dataclass
class PlanData:
    name: str
    checklist: str
    starts_on: dt.date | str
    ends_on: dt.date | str
    inspectors: str
    unit_codes: list[str] = field(default_factory=list)  # empty with every_unit: all units the checklist is for
    every_unit: bool = False


@transaction.atomic
def create_plan(data: PlanData, *, acting_user) -> InspectionPlan:
    access.require(acting_user, "supervision.inspect")
    owner = access.scope_root(acting_user)
    errors: dict[str, str] = {}
    name = _text(data.name, _("方案名称"), "name", errors, max_length=200)
    inspectors = _text(data.inspectors, _("检查人员"), "inspectors", errors, max_length=200)
    checklist = find_checklist(data.checklist)
    if checklist is None:
        errors["checklist"] = _("检查表：请选择检查表")
    starts = _date(data.starts_on, _("开始日期"), "starts_on", errors)
    ends = _date(data.ends_on, _("结束日期"), "ends_on", errors)
    if starts and ends and "starts_on" not in errors and "ends_on" not in errors and ends < starts:
        errors["ends_on"] = _("结束日期：不能早于开始日期")
    units: list[OrgUnit] = []
    if checklist is not None:
        candidates = access.visible_units(acting_user).filter(level=checklist.inspected_level, active=True)
        if data.every_unit:
            units = list(candidates.order_by("path"))
        else:
            codes = [str(c).strip() for c in data.unit_codes if str(c).strip()]
            if any("\x00" in c or len(c) > 20 for c in codes):
                raise DomainError({"units": [_("被检查单位：单位代码有误")]})
            units = list(candidates.filter(code__in=codes[:5000]).order_by("path"))
            if len(units) != len(set(codes)):
                errors["units"] = _("被检查单位：有单位不在本辖区或不是该检查表适用的单位")
        units = [u for u in units if is_below(acting_user, u)]
        if not units and "units" not in errors:
            errors["units"] = _("被检查单位：请至少选择一个单位")
    _raise(errors)
    plan = InspectionPlan.objects.create(
        name=name,
        checklist=checklist.code,
        owner=owner,
        county=_county_of(owner),
        starts_on=starts,
        ends_on=ends,
        inspectors=inspectors,
        created_by=acting_user,
    )
    plan.units.set(units)
    record(
        actor=acting_user,
        action=actions_catalog.INSPECTION_PLAN_CREATE,
        obj=plan,
        unit=owner,
        after={**snapshot(plan, ("name", "checklist", "starts_on", "ends_on", "inspectors")), "units": len(units)},
    )
    return plan


# --- inspection records --------------------------------------------------------------------------------


@dataclass
class ItemInput:
    score: str | Decimal | int | float | None
    met: bool = True
    remark: str = ""


@dataclass
class RecordData:
    checklist: str
    inspected_on: dt.date | str
    inspectors: str
    representative: str
    items: dict[str, ItemInput]
    remarks: str = ""
    plan_id: int | None = None


def _score(raw, item, errors: dict) -> Decimal | None:
    key = f"score_{item.code}"
    label = _("%(code)s 得分") % {"code": item.code}
    if raw is None or str(raw).strip() == "":
        errors[key] = _("%(label)s：请填写得分（满分 %(max)s）") % {"label": label, "max": item.score}
        return None
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        value = None
    if value is None or not value.is_finite():
        errors[key] = _("%(label)s：应为数字") % {"label": label}
        return None
    if value < 0:
        errors[key] = _("%(label)s：不能为负数") % {"label": label}
    elif value > item.score:
        errors[key] = _("%(label)s：%(v)s 分超过该项满分 %(max)s 分") % {"label": label, "v": value, "max": item.score}
    elif value != value.quantize(Decimal("0.1")):
        errors[key] = _("%(label)s：最多一位小数") % {"label": label}
    return value


def validate_record(data: RecordData, checklist: Checklist | None) -> tuple[dict, list]:
    errors: dict[str, str] = {}
    if checklist is None:
        raise DomainError({"checklist": [_("检查表：未找到该检查表")]})
    cleaned = {
        "inspected_on": _date(data.inspected_on, _("检查日期"), "inspected_on", errors, not_after=today()),
        "inspectors": _text(data.inspectors, _("检查人员"), "inspectors", errors, max_length=200),
        "representative": _text(data.representative, _("被检查单位负责人"), "representative", errors, max_length=50),
        "remarks": _text(data.remarks, _("备注"), "remarks", errors, max_length=2000, required=False),
    }
    unknown = sorted(set(data.items) - {i.code for i in checklist.items})
    if unknown:
        errors["items"] = _("检查项：检查表中没有 %(codes)s") % {"codes": "、".join(unknown[:5])}
    rows = []
    for item in checklist.items:
        given = data.items.get(item.code)
        if given is None:
            errors[f"score_{item.code}"] = _("%(code)s：请填写检查结果") % {"code": item.code}
            continue
        score = _score(given.score, item, errors)
        remark = _text(
            given.remark,
            _("%(code)s 情况说明") % {"code": item.code},
            f"remark_{item.code}",
            errors,
            max_length=500,
            required=False,
        )
        rows.append((item, score, bool(given.met), remark))
    _raise(errors)
    return cleaned, rows


@transaction.atomic
def record_inspection(data: RecordData, *, unit: OrgUnit, acting_user, photos=()) -> InspectionRecord:
    """Save one inspection with its items; every item not met becomes a finding of the unit (待整改)."""
    inspector_unit = _require_inspector_over(acting_user, unit)
    plan = None
    if data.plan_id:
        plan = access.object_in_scope_or_404(
            acting_user, InspectionPlan.objects.all(), unit_field="owner", pk=data.plan_id
        )
        if not plan.units.filter(pk=unit.pk).exists():
            raise DomainError({"unit": [_("该单位不在检查方案「%(p)s」的被检查单位中") % {"p": plan.name}]})
        data.checklist = plan.checklist
    checklist = find_checklist(data.checklist)
    cleaned, rows = validate_record(data, checklist)
    if unit.level != checklist.inspected_level:
        raise DomainError({"unit": [_("检查表「%(c)s」不适用于%(u)s") % {"c": checklist.name, "u": unit.display_name}]})
    prepared = files.prepare_all(photos)
    county = _county_of(unit)
    rec = InspectionRecord.objects.create(
        plan=plan,
        checklist=checklist.code,
        unit=unit,
        inspector_unit=inspector_unit,
        county=county,
        score=sum((r[1] for r in rows), Decimal(0)),
        max_score=checklist.max_score,
        recorded_by=acting_user,
        **cleaned,
    )
    ItemResult.objects.bulk_create(
        ItemResult(
            record=rec,
            item_code=item.code,
            topic=item.topic[:100],
            text=item.text[:300],
            max_score=item.score,
            score=score,
            met=met,
            remark=remark,
        )
        for item, score, met, remark in rows
    )
    for p in prepared:
        Attachment.objects.create(
            record=rec,
            kind=p.kind,
            path=files.store(p, county.code),
            name=p.name,
            content_type=p.content_type,
            size=len(p.content),
            uploaded_by=acting_user,
        )
    record(
        actor=acting_user,
        action=actions_catalog.INSPECTION_RECORD,
        obj=rec,
        unit=unit,
        after={
            **snapshot(rec, ("checklist", "inspected_on", "inspectors", "representative", "score", "max_score")),
            "not_met": [item.code for item, _s, met, _r in rows if not met],
            "photos": len(prepared),
        },
    )
    for item, _s, met, remark in rows:
        if not met:
            description = item.finding + (f"：{remark}" if remark else "")
            _new_finding(
                unit=unit,
                inspector_unit=inspector_unit,
                county=county,
                source=Source.INSPECTION,
                description=description,
                found_on=rec.inspected_on,
                acting_user=acting_user,
                record_=rec,
                item_code=item.code,
            )
    return rec


@transaction.atomic
def withdraw_record(rec: InspectionRecord, *, reason: str, acting_user) -> InspectionRecord:
    rec = access.object_in_scope_or_404(acting_user, InspectionRecord.objects.select_for_update(), pk=rec.pk)
    _require_inspector_over(acting_user, rec.unit)
    if rec.withdrawn:
        raise Conflict(_("该检查记录已撤销"))
    errors: dict[str, str] = {}
    reason = _text(reason, _("撤销原因"), "reason", errors, max_length=200)
    _raise(errors)
    if rec.findings.exclude(state=State.OPEN).exists() or rec.findings.filter(notice__isnull=False).exists():
        raise DomainError({"reason": [_("该记录的问题已下发整改通知书或已反馈，不能撤销")]})
    rec.withdrawn, rec.withdrawn_reason, rec.withdrawn_by, rec.withdrawn_at = True, reason, acting_user, timezone.now()
    rec.save(update_fields=["withdrawn", "withdrawn_reason", "withdrawn_by", "withdrawn_at"])
    rec.findings.update(withdrawn=True)
    record(
        actor=acting_user,
        action=actions_catalog.INSPECTION_WITHDRAW,
        obj=rec,
        unit=rec.unit,
        before={"withdrawn": False},
        after={"withdrawn": True},
        reason=reason,
    )
    return rec


# --- findings ------------------------------------------------------------------------------------------


def _new_finding(
    *,
    unit,
    inspector_unit,
    county,
    source,
    description,
    found_on,
    acting_user,
    record_=None,
    item_code="",
    source_key="",
) -> Finding:
    finding = Finding.objects.create(
        unit=unit,
        inspector_unit=inspector_unit,
        county=county,
        source=source,
        source_key=source_key,
        record=record_,
        item_code=item_code,
        description=description,
        found_on=found_on,
        created_by=acting_user,
    )
    _event(finding, FindingEvent.Kind.CREATE, description, acting_user)
    record(
        actor=acting_user,
        action=actions_catalog.FINDING_CREATE,
        obj=finding,
        unit=unit,
        after=snapshot(finding, ("source", "source_key", "description", "found_on", "item_code")),
    )
    return finding


def _event(finding: Finding, kind: str, text: str, acting_user) -> FindingEvent:
    return FindingEvent.objects.create(
        finding=finding, kind=kind, text=text, actor=acting_user, actor_unit=access.scope_root(acting_user)
    )


@transaction.atomic
def finding_from_data(*, unit: OrgUnit, source: str, source_key: str, description: str, acting_user) -> Finding:
    """One action turning an alert, a late or returned report or a stock discrepancy into a finding.
    The same alert is turned into one finding only (while that finding is not closed)."""
    inspector_unit = _require_inspector_over(acting_user, unit)
    errors: dict[str, str] = {}
    if source not in (Source.ALERT, Source.REPORT, Source.STOCK):
        errors["source"] = _("来源：无效的选项")
    description = _text(description, _("问题描述"), "description", errors, max_length=1000)
    source_key = _text(source_key, _("来源"), "source_key", errors, max_length=120)
    _raise(errors)
    existing = Finding.objects.filter(unit=unit, source_key=source_key, withdrawn=False).exclude(state=State.CLOSED)
    if existing.exists():
        raise Conflict(_("该问题已列入整改（%(d)s），不必重复") % {"d": existing.first().description[:40]})
    return _new_finding(
        unit=unit,
        inspector_unit=inspector_unit,
        county=_county_of(unit),
        source=source,
        description=description,
        found_on=today(),
        acting_user=acting_user,
        source_key=source_key,
    )


def _finding_for_update(acting_user, finding: Finding | int) -> Finding:
    pk = finding.pk if isinstance(finding, Finding) else finding
    found = access.object_in_scope_or_404(acting_user, Finding.objects.select_for_update(), pk=pk)
    if found.withdrawn:
        raise Conflict(_("该问题所在的检查记录已撤销"))
    return found


# --- the notice ----------------------------------------------------------------------------------------


def notice_prefix(issuer: OrgUnit) -> str:
    """The 发文机关代字 of the notice number: 上坝乡卫生院 → 上坝卫整, 清溪县 → 清溪卫整."""
    name = issuer.name
    for suffix in ("乡卫生院", "镇卫生院", "卫生院", "街道", "乡", "镇", "县", "市", "区"):
        if name.endswith(suffix) and len(name) > len(suffix):
            name = name[: -len(suffix)]
            break
    return f"{name[:4]}卫整"


@transaction.atomic
def issue_notice(finding_ids: list[int], *, deadline, acting_user, issued_on=None) -> Notice:
    """整改通知书 for findings of one unit that have none yet: numbered 〔year〕n号 per issuing unit and year."""
    access.require(acting_user, "supervision.inspect")
    ids = sorted({pk for pk in map(id_or_none, finding_ids) if pk is not None})[:500]
    findings = list(access.scoped(acting_user, Finding.objects.select_for_update()).filter(pk__in=ids, withdrawn=False))
    if not findings or len(findings) != len(ids):
        raise DomainError({"findings": [_("请选择本辖区内要下发整改通知书的问题")]})
    units = {f.unit_id for f in findings}
    if len(units) != 1:
        raise DomainError({"findings": [_("一份整改通知书只发给一个单位，请分别下发")]})
    unit = findings[0].unit
    issuer = _require_inspector_over(acting_user, unit)
    already = [f for f in findings if f.notice_id or f.state != State.OPEN]
    if already:
        raise Conflict(_("问题「%(d)s」已下发过整改通知书") % {"d": already[0].description[:30]})
    errors: dict[str, str] = {}
    issued_on = _date(issued_on or today(), _("下发日期"), "issued_on", errors, not_after=today())
    deadline = _date(deadline, _("整改期限"), "deadline", errors)
    if issued_on and deadline and not errors:
        if deadline < issued_on:
            errors["deadline"] = _("整改期限：%(d)s 早于通知书下发日期 %(i)s") % {
                "d": deadline.isoformat(),
                "i": issued_on.isoformat(),
            }
        elif (deadline - issued_on).days > MAX_DEADLINE_DAYS:
            errors["deadline"] = _("整改期限：距下发日期超过一年，请核对")
    _raise(errors)
    year = issued_on.year
    last = Notice.objects.select_for_update().filter(issuer_unit=issuer, year=year).aggregate(n=Max("number"))["n"]
    notice = Notice.objects.create(
        issuer_unit=issuer,
        unit=unit,
        county=_county_of(unit),
        year=year,
        number=(last or 0) + 1,
        prefix=notice_prefix(issuer),
        issued_on=issued_on,
        deadline=deadline,
        issued_by=acting_user,
        issuer_name=(acting_user.display_name or acting_user.username)[:50],
    )
    for finding in findings:
        finding.notice, finding.deadline = notice, deadline
        finding.save(update_fields=["notice", "deadline"])
        _event(
            finding,
            FindingEvent.Kind.NOTICE,
            _("%(n)s，限%(d)s前整改") % {"n": notice.number_text, "d": deadline.isoformat()},
            acting_user,
        )
    record(
        actor=acting_user,
        action=actions_catalog.NOTICE_ISSUE,
        obj=notice,
        unit=unit,
        after={"number": notice.number_text, "deadline": deadline.isoformat(), "findings": ids},
    )
    return notice


@transaction.atomic
def confirm_receipt(notice: Notice, *, acting_user) -> Notice:
    notice = access.object_in_scope_or_404(acting_user, Notice.objects.select_for_update(), pk=notice.pk)
    access.require(acting_user, "supervision.reply")
    if access.scope_root(acting_user) != notice.unit:
        raise DomainError({"notice": [_("只有被通知单位可以确认收到")]})
    if notice.received_at:
        raise Conflict(
            _("已于 %(t)s 确认收到") % {"t": timezone.localtime(notice.received_at).strftime("%Y-%m-%d %H:%M")}
        )
    notice.received_at, notice.received_by = timezone.now(), acting_user
    notice.save(update_fields=["received_at", "received_by"])
    for finding in notice.findings.all():
        _event(finding, FindingEvent.Kind.RECEIPT, notice.number_text, acting_user)
    record(
        actor=acting_user,
        action=actions_catalog.NOTICE_RECEIPT,
        obj=notice,
        unit=notice.unit,
        after={"number": notice.number_text},
    )
    return notice


# --- the loop ------------------------------------------------------------------------------------------


@transaction.atomic
def reply(finding: Finding | int, *, text: str, acting_user, uploads=()) -> FindingEvent:
    """反馈: the unit says what it did, with photos or files; 待整改 → 已反馈."""
    finding = _finding_for_update(acting_user, finding)
    access.require(acting_user, "supervision.reply")
    if access.scope_root(acting_user) != finding.unit:
        raise DomainError({"text": [_("只有整改单位可以反馈整改情况")]})
    if finding.state != State.OPEN:
        raise Conflict(
            _("该问题当前为「%(s)s」，不能再反馈") % {"s": finding.get_state_display()},
            details={"state": finding.state},
        )
    errors: dict[str, str] = {}
    text = _text(text, _("整改情况"), "text", errors, max_length=2000)
    _raise(errors)
    prepared = files.prepare_all(uploads)
    finding.state = State.REPLIED
    finding.save(update_fields=["state"])
    event = _event(finding, FindingEvent.Kind.REPLY, text, acting_user)
    for p in prepared:
        Attachment.objects.create(
            event=event,
            kind=p.kind,
            path=files.store(p, finding.county.code),
            name=p.name,
            content_type=p.content_type,
            size=len(p.content),
            uploaded_by=acting_user,
        )
    record(
        actor=acting_user,
        action=actions_catalog.FINDING_REPLY,
        obj=finding,
        unit=finding.unit,
        before={"state": State.OPEN},
        after={"state": State.REPLIED, "text": text, "files": len(prepared)},
    )
    return event


def _require_rechecker(acting_user, finding: Finding) -> None:
    _require_inspector_over(acting_user, finding.unit)
    if not finding.inspector_unit.path.startswith(access.scope_root(acting_user).path):
        raise DomainError({"detail": [_("由下发问题的单位或其上级复查")]})


@transaction.atomic
def recheck(finding: Finding | int, *, passed: bool, note: str = "", acting_user, close: bool = True) -> Finding:
    """复查: passed → 已复查 (and 已销号 with ``close``); not passed → back to 待整改 with the reason."""
    finding = _finding_for_update(acting_user, finding)
    _require_rechecker(acting_user, finding)
    if finding.state != State.REPLIED:
        raise Conflict(
            _("该问题当前为「%(s)s」，只有已反馈的问题可以复查") % {"s": finding.get_state_display()},
            details={"state": finding.state},
        )
    last_reply = finding.events.filter(kind=FindingEvent.Kind.REPLY).order_by("-at", "-id").first()
    if last_reply is not None and last_reply.actor_id == acting_user.pk:
        raise DomainError({"detail": [_("反馈人不能复查自己的反馈")]})
    errors: dict[str, str] = {}
    note = _text(
        note, _("退回原因") if not passed else _("复查意见"), "note", errors, max_length=1000, required=not passed
    )
    _raise(errors)
    before = finding.state
    if passed:
        finding.state = State.RECHECKED
        finding.save(update_fields=["state"])
        _event(finding, FindingEvent.Kind.RECHECK, note, acting_user)
        record(
            actor=acting_user,
            action=actions_catalog.FINDING_RECHECK,
            obj=finding,
            unit=finding.unit,
            before={"state": before},
            after={"state": finding.state, "note": note},
        )
        if close:
            _close(finding, acting_user)
    else:
        finding.state = State.OPEN
        finding.save(update_fields=["state"])
        _event(finding, FindingEvent.Kind.RETURN, note, acting_user)
        record(
            actor=acting_user,
            action=actions_catalog.FINDING_RETURN,
            obj=finding,
            unit=finding.unit,
            before={"state": before},
            after={"state": finding.state},
            reason=note,
        )
    return finding


def _close(finding: Finding, acting_user) -> None:
    finding.state, finding.closed_on = State.CLOSED, today()
    finding.save(update_fields=["state", "closed_on"])
    _event(finding, FindingEvent.Kind.CLOSE, "", acting_user)
    record(
        actor=acting_user,
        action=actions_catalog.FINDING_CLOSE,
        obj=finding,
        unit=finding.unit,
        before={"state": State.RECHECKED},
        after={"state": State.CLOSED, "closed_on": finding.closed_on.isoformat()},
    )


@transaction.atomic
def close(finding: Finding | int, *, acting_user) -> Finding:
    """销号 of a re-checked finding."""
    finding = _finding_for_update(acting_user, finding)
    _require_rechecker(acting_user, finding)
    if finding.state != State.RECHECKED:
        raise Conflict(_("只有已复查的问题可以销号"), details={"state": finding.state})
    _close(finding, acting_user)
    return finding


@transaction.atomic
def escalate(finding: Finding | int, *, kind: str, note: str, acting_user, amount=None) -> Finding:
    """升级: 立案查处 (a case with its own outcome) or 经济处罚 with its amount. Rectification goes on."""
    finding = _finding_for_update(acting_user, finding)
    _require_rechecker(acting_user, finding)
    if finding.escalation:
        raise Conflict(_("该问题已升级为「%(k)s」") % {"k": finding.get_escalation_display()})
    errors: dict[str, str] = {}
    if kind not in (Escalation.CASE, Escalation.PENALTY):
        errors["kind"] = _("升级方式：请选择立案查处或经济处罚")
    note = _text(note, _("升级理由"), "note", errors, max_length=1000)
    value = None
    if kind == Escalation.PENALTY:
        try:
            value = Decimal(str(amount).strip())
        except (InvalidOperation, ValueError):
            value = None
        if value is None or not value.is_finite() or value <= 0:
            errors["amount"] = _("罚款金额：应为大于0的金额（元）")
        elif value > MAX_PENALTY or value != value.quantize(Decimal("0.01")):
            errors["amount"] = _("罚款金额：不超过1000万元，最多两位小数")
    _raise(errors)
    finding.escalation, finding.escalated_on, finding.penalty_amount = kind, today(), value
    finding.save(update_fields=["escalation", "escalated_on", "penalty_amount"])
    label = Escalation(kind).label
    _event(
        finding,
        FindingEvent.Kind.ESCALATE,
        f"{label}" + (f"，罚款{value}元" if value else "") + f"：{note}",
        acting_user,
    )
    record(
        actor=acting_user,
        action=actions_catalog.FINDING_ESCALATE,
        obj=finding,
        unit=finding.unit,
        after={"escalation": kind, "penalty_amount": str(value) if value is not None else None},
        reason=note,
    )
    return finding


@transaction.atomic
def close_case(finding: Finding | int, *, outcome: str, acting_user) -> Finding:
    """结案 of an escalated finding, with its outcome."""
    finding = _finding_for_update(acting_user, finding)
    _require_rechecker(acting_user, finding)
    if not finding.escalation:
        raise DomainError({"outcome": [_("该问题未升级，无需结案")]})
    if finding.case_closed_on:
        raise Conflict(_("该案已于 %(d)s 结案") % {"d": finding.case_closed_on.isoformat()})
    errors: dict[str, str] = {}
    outcome = _text(outcome, _("处理结果"), "outcome", errors, max_length=500)
    _raise(errors)
    finding.case_outcome, finding.case_closed_on = outcome, today()
    finding.save(update_fields=["case_outcome", "case_closed_on"])
    _event(finding, FindingEvent.Kind.CASE_CLOSE, outcome, acting_user)
    record(
        actor=acting_user,
        action=actions_catalog.FINDING_CASE_CLOSE,
        obj=finding,
        unit=finding.unit,
        after={"case_outcome": outcome, "case_closed_on": finding.case_closed_on.isoformat()},
    )
    return finding
