"""The review chain (先审核、后上报): fill → submit → approve or return → submit upward → accept.

Every action locks the report row, checks the version the user saw (two reviewers acting at once:
one wins, the other is told what happened), checks access, writes an audit row."""

from __future__ import annotations

import datetime as dt
import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.errors import Conflict
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import PeriodError, parse_period
from jiceng.reporting import validation
from jiceng.reporting.models import DataValue, Report, State, ValueComment, WarningNote
from jiceng.reporting.packs import DataSet, all_datasets, dataset, find_dataset
from jiceng.reporting.values import current_cells, level_of

REVIEWING_LEVEL = {Level.VILLAGE: Level.TOWNSHIP, Level.TOWNSHIP: Level.COUNTY}
LEVEL_NAMES = {Level.VILLAGE: "村卫生室", Level.TOWNSHIP: "乡镇卫生院", Level.COUNTY: "县妇幼保健中心"}
LEVEL_NAMES_PLAIN = {"village": "村卫生室", "township": "乡镇卫生院", "county": "县"}


class ReportConflict(Conflict):
    """Someone else changed the report since the user loaded it (HTTP 409, with its state and version)."""


def _now():
    return timezone.now()


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def describe_state(report: Report) -> str:
    """A Chinese sentence saying who did what to the report, and when."""
    if report.state == State.APPROVED:
        return _("已由 %(who)s 于 %(at)s 审核通过") % {"who": report.reviewed_by, "at": _local(report.reviewed_at)}
    if report.state == State.SUBMITTED:
        return _("已由 %(who)s 于 %(at)s 提交，等待审核") % {
            "who": report.submitted_by,
            "at": _local(report.submitted_at),
        }
    if report.state == State.RETURNED:
        return _("已由 %(who)s 于 %(at)s 退回：%(why)s") % {
            "who": report.returned_by,
            "at": _local(report.returned_at),
            "why": report.return_reason,
        }
    return _("未上报")


def _who_reopens(report: Report) -> str:
    level = REVIEWING_LEVEL.get(report.unit.level)
    parent = report.unit.parent
    if level is None or parent is None:
        return _("系统管理员")
    return _("上级（%(unit)s审核人）") % {"unit": parent.display_name}


def check_period(period_code: str, ds: DataSet | None = None, *, today: dt.date | None = None):
    """The report period of a form: a month for a monthly form, a quarter for a quarterly one (a Chinese
    ``period`` error otherwise), not in the future."""
    try:
        period = parse_period(period_code)
    except PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from None
    kind = ds.period_kind if ds is not None else "month"
    if period.kind != kind:
        if kind == "quarter":
            message = _("报告期：%(name)s是季报，报告期应为季度，如 2026Q1") % {"name": ds.name}
        elif ds is not None:
            message = _("报告期：%(name)s是月报，报告期应为月份，如 2026-03") % {"name": ds.name}
        else:
            message = _("报告期：月报的报告期应为月份，如 2026-03")
        raise ValidationError({"period": message})
    today = today or timezone.localdate()
    if period.start > today:
        raise ValidationError({"period": _("报告期：%(p)s 尚未开始，不能填报未来的报告期") % {"p": period.label}})
    return period


def check_dataset(dataset_code: str | None) -> DataSet:
    """The data set with this code, or a Chinese ``dataset`` error naming the ones that exist."""
    ds = find_dataset(dataset_code)
    if ds is None:
        names = "、".join(f"{d.code}（{d.name}）" for d in all_datasets().values())
        raise ValidationError(
            {"dataset": _("报表：没有代码为“%(c)s”的报表；可选 %(all)s") % {"c": dataset_code, "all": names}}
        )
    return ds


def get_report(dataset_code: str, unit: OrgUnit, period_code: str) -> Report:
    """The report of a unit and period, created empty on first use (no audit row: nothing was decided yet).
    Refused for a unit that does not fill this data set and for a period of the wrong kind."""
    ds = check_dataset(dataset_code)
    period_code = check_period(period_code, ds).code  # 2026-3 and 2026-03 are the same month
    if not ds.is_reported_by(unit):
        raise ValidationError(
            {
                "unit": _("单位：%(u)s不填报%(d)s（该表由%(who)s填报）")
                % {"u": unit.display_name, "d": ds.name, "who": who_fills(ds)}
            }
        )
    county_code = unit.ancestor_codes()[2] if len(unit.ancestor_codes()) > 2 else unit.code
    try:
        with transaction.atomic():
            report, _created = Report.objects.get_or_create(
                dataset=ds.code,
                unit=unit,
                period=period_code,
                defaults={"county": OrgUnit.objects.get(code=county_code)},
            )
    except IntegrityError:
        report = Report.objects.get(dataset=ds.code, unit=unit, period=period_code)
    return report


def who_fills(ds: DataSet) -> str:
    """The units that fill a data set, in words (村卫生室、乡镇卫生院和县 / 乡镇卫生院和县)."""
    return "、".join(LEVEL_NAMES_PLAIN[level] for level in ds.levels)


def _locked_report(report: Report, acting_user, expected_version: int | None) -> Report:
    access.require_unit_in_scope(acting_user, report.unit)
    # The actors are read after the lock, not joined into it: on PostgreSQL a query that waited for the
    # lock sees the winner's row but the joined users of the row it first found (「已由 None 退回」).
    locked = Report.objects.select_for_update(of=("self",)).select_related("unit", "unit__parent").get(pk=report.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ReportConflict(
            _("操作未执行：在您打开页面后，该报表%(what)s。请刷新后查看。") % {"what": describe_state(locked)},
            details={"state": locked.state, "version": locked.version},
        )
    return locked


def refuse_if_locked(report: Report) -> None:
    if report.locked:
        raise ValidationError(
            _("报表%(state)s，已锁定，不能修改。如需修改，请联系%(who)s退回。")
            % {"state": describe_state(report), "who": _who_reopens(report)}
        )


MAX_VALUE = Decimal("999999999999.99")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
REASON_LENGTH = 200  # DataValue.reason and Report.missing_reason
RETURN_REASON_LENGTH = 2000
COMMENT_LENGTH = 300  # ValueComment.text and WarningNote.text


def check_text(text, label: str, max_length: int, field: str | None = None) -> str:
    """A reason, comment or note as typed, stripped; a Chinese error when its column cannot hold it (too long
    for PostgreSQL) or it has control characters (PostgreSQL refuses NUL bytes)."""
    if text is None:
        return ""
    if not isinstance(text, str):
        message = _("%(l)s：应为文字") % {"l": label}
    elif _CONTROL.search(text):
        message = _("%(l)s：含有控制字符（如 NUL），请删除后重新填写") % {"l": label}
    elif len(text.strip()) > max_length:
        message = _("%(l)s：最多 %(n)d 个字（收到 %(got)d 个字）") % {
            "l": label,
            "n": max_length,
            "got": len(text.strip()),
        }
    else:
        return text.strip()
    raise ValidationError({field: message} if field else message)


def _parse_value(raw, element_name: str) -> Decimal | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    shown = "".join(ch for ch in text[:30] if ch.isprintable())  # never echo control characters
    if len(text) > 30 or isinstance(raw, bool | list | dict):
        raise ValidationError(_("%(e)s：“%(v)s”不是数字") % {"e": element_name, "v": shown})
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(_("%(e)s：“%(v)s”不是数字") % {"e": element_name, "v": shown}) from None
    if not value.is_finite():
        raise ValidationError(_("%(e)s：“%(v)s”不是数字") % {"e": element_name, "v": shown})
    if value < 0:
        raise ValidationError(_("%(e)s：不能为负数") % {"e": element_name})
    if value > MAX_VALUE:  # DataValue holds 14 digits, 2 after the point: PostgreSQL would refuse more
        raise ValidationError(_("%(e)s：数值过大（%(v)s），最大为 999999999999.99") % {"e": element_name, "v": shown})
    if value != value.quantize(Decimal("0.01"), rounding=ROUND_DOWN):
        raise ValidationError(_("%(e)s：最多两位小数（收到 %(v)s）") % {"e": element_name, "v": shown})
    return value


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral_value() else f"{value:f}"


@transaction.atomic
def set_values(
    report: Report,
    values: dict[str, object],
    *,
    reason: str = "",
    reasons: dict[str, str] | None = None,
    acting_user,
    expected_version: int | None = None,
) -> Report:
    """Type values (a unit without registers, or an element without a source) or override computed ones
    (a reason is required, and the difference stays visible). ``reasons`` gives a cell its own reason (the
    report page asks beside the cell); ``reason`` is for every cell without one."""
    access.require(acting_user, "reports.fill")
    report = _locked_report(report, acting_user, expected_version)
    refuse_if_locked(report)
    reason = check_text(reason, _("修正原因"), REASON_LENGTH, "reason")
    cell_reasons = {
        code: check_text(text, _("修正原因"), REASON_LENGTH, f"reason_{code}")
        for code, text in (reasons or {}).items()
        if (text or "").strip()
    }
    ds = dataset(report.dataset)
    cells = current_cells(ds, report)
    errors, changes = {}, []
    for code, raw in values.items():
        try:
            element = ds.element(code)
        except StopIteration:
            errors[code] = _("未知的数据元 %(c)s") % {"c": code}
            continue
        try:
            value = _parse_value(raw, element.name)
        except ValidationError as exc:
            errors[code] = exc.messages[0]
            continue
        current = cells.get(code)
        if current is not None and current.value == value and current.origin != DataValue.Origin.COMPUTED:
            continue  # unchanged typed value or override: kept as it is, with its reason
        computed = current.computed if current is not None else None
        summed = report.unit.level != ds.reporting_level and element.aggregation == "sum"
        computable = summed or (
            element.source is not None
            and report.unit.keeps_registers
            and (report.unit.level == ds.reporting_level or element.aggregation == "own")
        )
        if computable and value == computed:
            DataValue.objects.filter(report=report, element=code).delete()  # back to the computed value
            continue
        origin = DataValue.Origin.OVERRIDE if computable else DataValue.Origin.TYPED
        if origin == DataValue.Origin.OVERRIDE and not (cell_reasons.get(code) or reason or "").strip():
            what = _("下级汇总") if summed else _("台账计算")
            errors[code] = _("%(e)s：修改%(what)s的数值（%(c)s → %(v)s）须说明原因") % {
                "e": element.name,
                "what": what,
                "c": "—" if computed is None else _plain(computed),
                "v": _plain(value),
            }
            continue
        changes.append((code, value, computed, origin))
    if errors:
        raise ValidationError(errors)
    for code, value, computed, origin in changes:
        why = (cell_reasons.get(code) or reason or "").strip()
        before = DataValue.objects.filter(report=report, element=code).values_list("value", flat=True).first()
        DataValue.objects.update_or_create(
            report=report,
            element=code,
            defaults={
                "value": value,
                "computed_value": computed,
                "origin": origin,
                "reason": why,
                "updated_by": acting_user,
            },
        )
        record(
            actor=acting_user,
            action=actions_catalog.REPORT_OVERRIDE
            if origin == DataValue.Origin.OVERRIDE
            else actions_catalog.REPORT_VALUE,
            obj=report,
            unit=report.unit,
            before={code: str(before) if before is not None else None},
            after={code: str(value) if value is not None else None, "computed": str(computed)},
            reason=why,
        )
    report.version += 1
    report.save(update_fields=["version"])
    return report


def _children_not_ready(report: Report) -> list[str]:
    from jiceng.reporting.values import children_units

    below = children_units(report.unit, dataset(report.dataset))
    states = dict(
        Report.objects.filter(dataset=report.dataset, period=report.period, unit__in=below).values_list(
            "unit_id", "state"
        )
    )
    missing = set(
        Report.objects.filter(dataset=report.dataset, period=report.period, unit__in=below, missing=True).values_list(
            "unit_id", flat=True
        )
    )
    return [u.name for u in below if states.get(u.pk) != State.APPROVED and u.pk not in missing]


@transaction.atomic
def submit_report(
    report: Report,
    *,
    acting_user,
    warning_notes: dict[str, str] | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Report:
    access.require(acting_user, "reports.submit")
    report = _locked_report(report, acting_user, expected_version)
    refuse_if_locked(report)
    if not may_submit(acting_user, report.unit):
        if report.unit.level == Level.VILLAGE:
            raise access.AccessDenied(
                _("村卫生室的报表由村医（或乡镇卫生院项目管理员代报）提交，由乡镇卫生院审核人审核；审核人不能自己提交")
            )
        raise access.AccessDenied(
            _("%(unit)s的报表须由本院审核人审核后上报（先审核、后上报，由审核人承担相应责任）")
            % {"unit": report.unit.display_name}
        )
    period = check_period(report.period, dataset(report.dataset), today=today)
    today = today or timezone.localdate()
    if today < period.end:
        raise ValidationError(_("%(p)s 尚未结束，期末（%(d)s）起才能提交") % {"p": period.label, "d": period.end})
    if report.unit.level != dataset(report.dataset).reporting_level:
        not_ready = _children_not_ready(report)
        if not_ready:
            raise ValidationError(
                _("以下单位的%(form)s尚未审核，也未标记缺报，不能上报汇总：%(u)s")
                % {"form": dataset(report.dataset).short_name, "u": "、".join(not_ready)}
            )
    ds = dataset(report.dataset)
    cells = current_cells(ds, report)
    violations = validation.validate(ds, cells, previous_cells(ds, report), level=report.unit.level, on=period.end)
    too_large = [ds.element(c).name for c, cell in cells.items() if cell.value is not None and cell.value > MAX_VALUE]
    if too_large:  # a sum of the units below can pass what one typed value may be (DataValue: 14 digits)
        raise ValidationError(
            _("以下数值超过 999999999999.99，无法上报，请核对下级单位的数值：%(e)s") % {"e": "、".join(too_large)}
        )
    blocking = validation.errors(violations)
    if blocking:
        raise ValidationError([_("校验未通过（错误须改正后才能提交）：") + v.message for v in blocking])
    notes = {k: check_text(v, _("警告说明"), COMMENT_LENGTH) for k, v in (warning_notes or {}).items()}
    known_rules = {v.rule.code for v in validation.warnings(violations)}
    notes = {k: v for k, v in notes.items() if k in known_rules}  # notes on other rules are not kept
    unexplained = [v for v in validation.warnings(violations) if not notes.get(v.rule.code)]
    if unexplained:
        raise ValidationError([_("警告须填写说明后才能提交：") + v.message for v in unexplained])
    WarningNote.objects.filter(report=report).delete()
    for violation in validation.warnings(violations):
        WarningNote.objects.create(
            report=report, rule=violation.rule.code, text=notes[violation.rule.code], author=acting_user
        )
    for code, cell in cells.items():  # freeze every value as submitted
        DataValue.objects.update_or_create(
            report=report,
            element=code,
            defaults={
                "value": cell.value,
                "computed_value": cell.computed,
                "origin": cell.origin,
                "reason": cell.reason,
            },
        )
    now = _now()
    report.state, report.submitted_by, report.submitted_at = State.SUBMITTED, acting_user, now
    report.missing = False  # submitted late: no longer 缺报 (the reason stays on record in the audit trail)
    report.first_submitted_at = report.first_submitted_at or now
    report.reviewed_by = report.reviewed_at = None
    report.version += 1
    report.save()
    record(
        actor=acting_user,
        action="report.submit",
        obj=report,
        unit=report.unit,
        after={"state": report.state, "values": {c: str(cell.value) for c, cell in cells.items()}},
        reason="；".join(f"{k}: {v}" for k, v in notes.items() if v),
    )
    return report


def may_submit(user, unit: OrgUnit) -> bool:
    """先审核、后上报: a village clinic's report is submitted by its doctor (or the township's officer for it)
    and reviewed by the township; a township health centre's own report is submitted upward by its
    reviewer (院长), who answers for it — the officer fills it, the reviewer checks and submits it."""
    if not access.can(user, "reports.submit"):
        return False
    if unit.level == Level.VILLAGE:
        return not access.can(user, "reports.review")  # the township's reviewer approves village reports
    return access.can(user, "reports.review")


def _require_reviewer(report: Report, acting_user) -> None:
    access.require(acting_user, "reports.review", _("只有上级审核人可以审核或退回报表"))
    root = access.scope_root(acting_user)
    if report.unit.parent_id != getattr(root, "pk", None):
        raise access.AccessDenied(
            _("只有上一级（%(unit)s）的审核人可以审核或退回本报表")
            % {"unit": report.unit.parent.display_name if report.unit.parent else ""}
        )


@transaction.atomic
def approve_report(report: Report, *, acting_user, expected_version: int | None = None) -> Report:
    report = _locked_report(report, acting_user, expected_version)
    _require_reviewer(report, acting_user)
    if report.state != State.SUBMITTED:
        raise ValidationError(_("只能审核已提交的报表；该报表%(s)s") % {"s": describe_state(report)})
    ds = dataset(report.dataset)
    if ds.approver_must_differ and report.submitted_by_id == acting_user.pk:
        raise ValidationError(_("审核人不能审核自己提交的报表（先审核、后上报，须由另一人审核）"))
    parent_report = Report.objects.filter(dataset=report.dataset, period=report.period, unit=report.unit.parent).first()
    if parent_report is not None and parent_report.locked:  # its sum would never include this report
        raise ValidationError(
            _("%(unit)s的汇总报表%(s)s；须先由上级退回汇总报表，才能审核通过本报表")
            % {"unit": report.unit.parent.display_name, "s": describe_state(parent_report)}
        )
    report.state, report.reviewed_by, report.reviewed_at = State.APPROVED, acting_user, _now()
    report.version += 1
    report.save()
    record(actor=acting_user, action="report.approve", obj=report, unit=report.unit, after={"state": report.state})
    return report


@transaction.atomic
def return_report(
    report: Report,
    *,
    reason: str,
    comments: dict[str, str] | None = None,
    acting_user,
    expected_version: int | None = None,
) -> Report:
    """退回 (or reopen an approved report): only the level above, with a reason, and only this unit's report."""
    report = _locked_report(report, acting_user, expected_version)
    _require_reviewer(report, acting_user)
    reason = check_text(reason, _("退回原因"), RETURN_REASON_LENGTH, "reason")
    if not reason:
        raise ValidationError({"reason": _("退回原因：请写明退回原因")})
    ds = dataset(report.dataset)
    comments = {
        code: check_text(text, _("审核意见"), COMMENT_LENGTH, "comments") for code, text in (comments or {}).items()
    }
    comments = {code: text for code, text in comments.items() if text or code in ds.element_codes}
    unknown = [str(code) for code in comments if code not in ds.element_codes]
    if unknown:
        shown = "、".join("".join(ch for ch in code[:20] if ch.isprintable()) for code in unknown[:5])
        raise ValidationError({"comments": _("审核意见：未知的数据元 %(c)s") % {"c": shown}})
    if report.state not in (State.SUBMITTED, State.APPROVED):
        raise ValidationError(_("只能退回已提交或已审核的报表；该报表%(s)s") % {"s": describe_state(report)})
    parent_report = Report.objects.filter(dataset=report.dataset, period=report.period, unit=report.unit.parent).first()
    if parent_report is not None and parent_report.locked:
        raise ValidationError(
            _("%(unit)s的汇总报表%(s)s；须先由上级退回汇总报表，才能退回本报表")
            % {"unit": report.unit.parent.display_name, "s": describe_state(parent_report)}
        )
    before = report.state
    report.state, report.returned_by, report.returned_at = State.RETURNED, acting_user, _now()
    report.return_reason = reason
    report.version += 1
    report.save()
    for code, text in comments.items():
        if text:
            ValueComment.objects.create(report=report, element=code, text=text, author=acting_user)
    record(
        actor=acting_user,
        action="report.return",
        obj=report,
        unit=report.unit,
        before={"state": before},
        after={"state": report.state, "comments": comments},
        reason=reason,
    )
    return report


@transaction.atomic
def mark_missing(report: Report, *, reason: str, acting_user) -> Report:
    """缺报: the level above records that a unit did not report, with a reason, so it can submit upward."""
    report = _locked_report(report, acting_user, None)
    _require_reviewer(report, acting_user)
    if report.state in (State.SUBMITTED, State.APPROVED):
        raise ValidationError(_("该报表%(s)s，不能标记缺报") % {"s": describe_state(report)})
    reason = check_text(reason, _("缺报原因"), REASON_LENGTH, "reason")
    if not reason:
        raise ValidationError({"reason": _("缺报原因：请写明原因")})
    report.missing, report.missing_reason = True, reason
    report.version += 1
    report.save(update_fields=["missing", "missing_reason", "version"])
    record(
        actor=acting_user, action="report.missing", obj=report, unit=report.unit, after={"missing": True}, reason=reason
    )
    return report


def previous_cells(ds: DataSet, report: Report):
    period = parse_period(report.period).previous()
    previous = Report.objects.filter(dataset=report.dataset, unit=report.unit, period=period.code).first()
    if previous is None or not previous.locked:
        return None
    return current_cells(ds, previous)


__all__ = [
    "ReportConflict",
    "approve_report",
    "get_report",
    "level_of",
    "mark_missing",
    "return_report",
    "set_values",
    "submit_report",
]
