"""Reports as plain dicts: the one shape the CLI (``jiceng report show --json``) and the API
(``GET /api/reports/<dataset>/<code>/<period>/``, ``GET /api/reports/?dataset=&period=``) both print.

Numbers are JSON numbers (integers when whole); times are ISO 8601 in Asia/Shanghai.
"""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone

from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import Period, parse_period
from jiceng.reporting import actions, queries, validation
from jiceng.reporting.models import Report
from jiceng.reporting.packs import DataSet, dataset
from jiceng.reporting.queries import SHANGHAI
from jiceng.reporting.values import current_cells

LEVEL_LABELS = {Level.VILLAGE: "村卫生室", Level.TOWNSHIP: "乡镇卫生院", Level.COUNTY: "县"}


def number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def when(moment) -> str | None:
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds") if moment else None


def person(user) -> dict | None:
    if user is None:
        return None
    return {"username": user.username, "name": user.display_name}


def unit_dict(unit: OrgUnit) -> dict:
    return {
        "code": unit.code,
        "name": unit.name,
        "display_name": unit.display_name,
        "level": unit.level,
        "parent_code": unit.parent.code if unit.parent_id else None,
        "keeps_registers": unit.keeps_registers,
    }


def report_dict(report: Report) -> dict:
    """Everything one report says: state and who did what when, every value, validation results."""
    report = (
        Report.objects.select_related("unit", "unit__parent", "submitted_by", "reviewed_by", "returned_by")
        .prefetch_related("values", "comments__author", "warning_notes__author")
        .get(pk=report.pk)
    )
    ds = dataset(report.dataset)
    period = parse_period(report.period)
    cells = current_cells(ds, report)
    violations = validation.validate(
        ds, cells, actions.previous_cells(ds, report), level=report.unit.level, on=parse_period(report.period).end
    )
    comments: dict[str, list[dict]] = {}
    for comment in sorted(report.comments.all(), key=lambda c: (c.at, c.pk)):
        comments.setdefault(comment.element, []).append(
            {"text": comment.text, "author": person(comment.author), "at": when(comment.at)}
        )
    values = []
    for element in ds.elements:
        cell = cells.get(element.code)
        overridden = bool(cell and cell.overridden)
        values.append(
            {
                "code": element.code,
                "name": element.name,
                "group": element.group,
                "value": number(cell.value) if cell else None,
                "origin": cell.origin if cell else None,
                "overridden": overridden,
                "computed": number(cell.computed) if overridden else None,
                "computed_from": (
                    "下级汇总"
                    if report.unit.level != ds.reporting_level and element.aggregation == "sum"
                    else "台账计算"
                )
                if overridden
                else None,
                "difference": number(cell.difference) if overridden else None,
                "reason": cell.reason if overridden else "",
                "comments": comments.get(element.code, []),
            }
        )
    due = queries.deadline(ds, report.unit.level, period) if report.unit.level in queries.review_levels(ds) else None
    status = queries.UnitStatus(report.unit, report, due)  # the state label and timeliness the pages show
    return {
        "dataset": ds.code,
        "dataset_name": ds.name,
        "programme": ds.programme,
        "period_type": ds.period_type,
        "unit": unit_dict(report.unit),
        "period": period.code,
        "period_label": period.label,
        "state": report.state,
        "state_label": str(status.state_label),
        "state_text": actions.describe_state(report),
        "locked": report.locked,
        "version": report.version,
        "missing": report.missing,
        "missing_reason": report.missing_reason,
        "deadline": when(due),
        "on_time": status.on_time if (due and report.first_submitted_at) else None,
        "first_submitted_at": when(report.first_submitted_at),
        "submitted_by": person(report.submitted_by),
        "submitted_at": when(report.submitted_at),
        "reviewed_by": person(report.reviewed_by),
        "reviewed_at": when(report.reviewed_at),
        "returned_by": person(report.returned_by),
        "returned_at": when(report.returned_at),
        "return_reason": report.return_reason,
        "values": values,
        "validation": [
            {"rule": v.rule.code, "severity": v.severity, "message": v.message}
            for v in sorted(violations, key=lambda v: (v.severity != "error", v.rule.code))
        ],
        "warning_notes": [
            {"rule": n.rule, "text": n.text, "author": person(n.author), "at": when(n.at)}
            for n in sorted(report.warning_notes.all(), key=lambda n: n.rule)
        ],
    }


def statuses_dict(ds: DataSet, root: OrgUnit, period: Period) -> dict:
    """The reporting status of every unit under ``root`` for one month, with timeliness (及时率) and
    completeness (完整率) per level."""
    levels, units = [], []
    now = timezone.now()
    for level in queries.review_levels(ds):
        statuses = queries.unit_statuses(ds, root, level, period)
        if not statuses:
            continue
        rates = queries.timeliness(ds, root, level, period)
        levels.append(
            {
                "level": level,
                "level_label": LEVEL_LABELS[level],
                "deadline": when(queries.deadline(ds, level, period)),
                "due": rates.due,
                "submitted": rates.submitted,
                "on_time": rates.on_time,
                "approved": rates.approved,
                "missing": rates.missing,
                "timeliness": rates.timeliness,
                "completeness": rates.completeness,
            }
        )
        for status in statuses:
            report = status.report
            units.append(
                {
                    "code": status.unit.code,
                    "name": status.unit.display_name,
                    "level": level,
                    "parent_code": _parent_code(status.unit),
                    "state": status.state,
                    "state_label": str(status.state_label),
                    "missing": bool(report and report.missing),
                    "first_submitted_at": when(report.first_submitted_at) if report else None,
                    "on_time": status.on_time if status.submitted else None,
                    "overdue": status.overdue(now),
                    "submitted_by": person(report.submitted_by) if report else None,
                    "reviewed_by": person(report.reviewed_by) if report else None,
                    "reviewed_at": when(report.reviewed_at) if report else None,
                    "version": report.version if report else 0,
                }
            )
    return {
        "dataset": ds.code,
        "dataset_name": ds.name,
        "period": period.code,
        "period_label": period.label,
        "root": root.code,
        "levels": levels,
        "units": units,
    }


def _parent_code(unit: OrgUnit) -> str | None:
    codes = unit.ancestor_codes()
    return codes[-2] if len(codes) > 1 else None


def find_report(user, code: str, period_code: str, dataset_code: str) -> Report:
    """The report of a data set, a unit in the user's subtree (else Http404 "未找到该单位") and a period (an
    unknown data set, a bad, future or wrong-kind period raises ValidationError with a Chinese message)."""
    from jiceng.accounts import access

    ds = actions.check_dataset(dataset_code)
    period = actions.check_period(period_code, ds)
    unit = access.unit_in_scope_or_404(user, code)
    return actions.get_report(ds.code, unit, period.code)
