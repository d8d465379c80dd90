"""Reporting figures: deadlines, timeliness (及时率), completeness (完整率), overdue lists, to-do counts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.orgunits.models import Level, OrgUnit, subtree_q
from jiceng.periods import Period, parse_period, quarter_of
from jiceng.reporting.models import LOCKED_STATES, Report, State
from jiceng.reporting.packs import DataSet
from jiceng.reporting.values import level_of

SHANGHAI = ZoneInfo("Asia/Shanghai")
REPORTING_LEVELS = (Level.VILLAGE, Level.TOWNSHIP)  # levels whose reports go up for review


def deadline(ds: DataSet, level: str, period: Period) -> dt.datetime:
    """The end of the deadline day in the following month (Asia/Shanghai); the day is a pack parameter."""
    day = ds.deadlines[level_of_name(level)]
    following = period.end + dt.timedelta(days=1)
    return dt.datetime.combine(following.replace(day=day), dt.time.max, tzinfo=SHANGHAI)


def level_of_name(level: str) -> str:
    return {Level.VILLAGE: "village", Level.TOWNSHIP: "township", Level.COUNTY: "county"}.get(level, level)


def reporting_units(root: OrgUnit, level: str, ds: DataSet | None = None) -> list[OrgUnit]:
    """Active units of ``level`` under ``root`` (those that fill ``ds`` when given)."""
    units = list(
        OrgUnit.objects.filter(subtree_q(root.path), level=level, active=True)
        .exclude(kind__in=["health_bureau", "mch_centre"])
        .order_by("path")
    )
    return [u for u in units if ds is None or ds.is_reported_by(u)]


def review_levels(ds: DataSet) -> list[str]:
    """The levels whose reports of ``ds`` go up for review (village and township for a village form)."""
    return [level for level in REPORTING_LEVELS if level in ds.levels]


@dataclass
class UnitStatus:
    unit: OrgUnit
    report: Report | None
    deadline: dt.datetime

    @property
    def state(self) -> str:
        return self.report.state if self.report else State.OPEN

    @property
    def state_label(self) -> str:
        if self.report and self.report.missing and self.state not in (State.SUBMITTED, State.APPROVED):
            return "缺报"
        return State(self.state).label

    @property
    def submitted(self) -> bool:
        return bool(self.report and self.report.first_submitted_at)

    @property
    def on_time(self) -> bool:
        return self.submitted and self.report.first_submitted_at <= self.deadline

    @property
    def approved(self) -> bool:
        return self.state == State.APPROVED

    def overdue(self, now: dt.datetime) -> bool:
        return not self.submitted and now > self.deadline


def unit_statuses(ds: DataSet, root: OrgUnit, level: str, period: Period) -> list[UnitStatus]:
    units = reporting_units(root, level, ds)
    reports = {
        r.unit_id: r
        for r in Report.objects.filter(dataset=ds.code, period=period.code, unit__in=units).select_related(
            "submitted_by", "reviewed_by", "returned_by"
        )
    }
    due = deadline(ds, level, period)
    return [UnitStatus(u, reports.get(u.pk), due) for u in units]


@dataclass
class Timeliness:
    level: str
    period: Period
    due: int
    on_time: int
    submitted: int
    approved: int
    missing: int

    @property
    def timeliness(self) -> float | None:
        return round(self.on_time / self.due * 100, 2) if self.due else None

    @property
    def completeness(self) -> float | None:
        return round(self.approved / self.due * 100, 2) if self.due else None


def timeliness(ds: DataSet, root: OrgUnit, level: str, period: Period) -> Timeliness:
    """及时率 = reports submitted by the deadline ÷ reports due; 完整率 = reports approved ÷ reports due."""
    return _timeliness_of(level, period, unit_statuses(ds, root, level, period))


def _timeliness_of(level: str, period: Period, statuses: list[UnitStatus]) -> Timeliness:
    return Timeliness(
        level,
        period,
        len(statuses),
        sum(s.on_time for s in statuses),
        sum(s.submitted for s in statuses),
        sum(s.approved for s in statuses),
        sum(1 for s in statuses if s.report and s.report.missing and not s.submitted),
    )


def timeliness_many(
    ds: DataSet, roots: list[OrgUnit], level: str, periods: list[Period]
) -> dict[tuple[int, str], Timeliness]:
    """:func:`timeliness` of many subtrees and report periods at once, in two queries (an assessment ranks
    every township over a year): ``{(root id, period code): Timeliness}``."""
    if not roots or not periods:
        return {}
    query = Q()
    for root in roots:
        query |= subtree_q(root.path)
    units = [
        u
        for u in OrgUnit.objects.filter(query, level=level, active=True)
        .exclude(kind__in=["health_bureau", "mch_centre"])
        .order_by("path")
        if ds.is_reported_by(u)
    ]
    reports = {
        (r.unit_id, r.period): r
        for r in Report.objects.filter(dataset=ds.code, period__in=[p.code for p in periods], unit__in=units).only(
            "unit_id", "period", "state", "missing", "first_submitted_at"
        )
    }
    out = {}
    for period in periods:
        due = deadline(ds, level, period)
        for root in roots:
            statuses = [
                UnitStatus(u, reports.get((u.pk, period.code)), due) for u in units if u.path.startswith(root.path)
            ]
            out[(root.pk, period.code)] = _timeliness_of(level, period, statuses)
    return out


def reporting_month(today: dt.date | None = None) -> Period:
    """The month whose reports are being made now: last month (this month's reports start at its end)."""
    today = today or timezone.localdate()
    first = today.replace(day=1)
    return parse_period(f"{(first - dt.timedelta(days=1)):%Y-%m}")


def reporting_period(ds: DataSet, today: dt.date | None = None) -> Period:
    """The period whose reports of ``ds`` are being made now: the latest month (or quarter) that has
    ended before this month began."""
    month = reporting_month(today)
    if ds.period_kind == "month":
        return month
    period = quarter_of(month.start)
    return period if period.end <= month.end else period.previous()


def recent_periods(ds: DataSet, count: int | None = None, today: dt.date | None = None) -> list[Period]:
    """The periods a picker offers for ``ds``, latest first: 24 months or 8 quarters up to the current one."""
    latest = reporting_period(ds, today)
    count = count or (24 if ds.period_kind == "month" else 8)
    periods, period = [], latest
    for _i in range(count):
        periods.append(period)
        period = period.previous()
    return periods


def overdue(ds: DataSet, root: OrgUnit, period: Period, now: dt.datetime | None = None) -> list[UnitStatus]:
    now = now or timezone.now()
    found = []
    for level in review_levels(ds):
        found += [s for s in unit_statuses(ds, root, level, period) if s.overdue(now)]
    return found


def awaiting_review(ds: DataSet, reviewer_root: OrgUnit) -> list[Report]:
    """Reports submitted by the units directly below the reviewer's unit."""
    return list(
        Report.objects.filter(dataset=ds.code, state=State.SUBMITTED, unit__parent=reviewer_root)
        .select_related("unit", "submitted_by")
        .order_by("period", "unit__code")
    )


__all__ = ["deadline", "level_of", "overdue", "timeliness", "unit_statuses"]


def locked_report_for(unit: OrgUnit, source_prefix: str, day: dt.date) -> Report | None:
    """The submitted or approved report of ``unit`` whose figures come from the registers named
    ``source_prefix`` (``nutrition``, ``stock``) for the report period containing ``day``, if any: a register
    entry dated in that period would change figures already passed up (先审核、后上报), so it waits until the
    level above returns or reopens the report."""
    from jiceng.periods import month_code, quarter_code
    from jiceng.reporting.packs import all_datasets

    periods = []
    for ds in all_datasets().values():
        if any(e.source and e.source.split(".", 1)[0] == source_prefix for e in ds.elements):
            periods.append((ds.code, month_code(day) if ds.period_kind == "month" else quarter_code(day)))
    if not periods:
        return None
    query = Q()
    for code, period in periods:
        query |= Q(dataset=code, period=period)
    return Report.objects.filter(query, unit=unit, state__in=LOCKED_STATES).first()


def refuse_if_locked(unit: OrgUnit, source_prefix: str, day: dt.date, field: str, label: str, lookup=None) -> None:
    """Refuse a register entry dated in a report period whose report is submitted or approved. ``lookup``
    stands in for :func:`locked_report_for` (an import asks once per clinic and month, not once per row)."""
    from django.core.exceptions import ValidationError

    report = (lookup or locked_report_for)(unit, source_prefix, day)
    if report is not None:
        raise ValidationError(
            {
                field: _(
                    "%(label)s：%(unit)s %(period)s 的报表%(state)s，该期数据已锁定；如需补登或更正，请上级审核人退回报表后再操作"
                )
                % {
                    "label": label,
                    "unit": unit.name,
                    "period": parse_period(report.period).label,
                    "state": report.get_state_display(),
                }
            }
        )
