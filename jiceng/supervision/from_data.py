"""Findings that come from the data (spec 08: 「Findings can also come from the data itself」): the
indicator alerts of the dashboard, reports that are late or were returned, and stock alerts (stock-out,
stocktake gaps, unconfirmed transfers) of the units below the user. Each is offered with the key that
makes it one finding only (``Finding.source_key``); the page turns it into a finding in one action."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from jiceng.accounts import access
from jiceng.indicators import quality
from jiceng.orgunits.models import OrgUnit
from jiceng.orgunits.queries import child_units
from jiceng.periods import Period
from jiceng.reporting import queries as reporting_queries
from jiceng.reporting.models import Report
from jiceng.reporting.models import State as ReportState
from jiceng.reporting.packs import all_datasets
from jiceng.stock import queries as stock_queries
from jiceng.supervision.actions import is_below
from jiceng.supervision.models import Finding, Source, State


@dataclass(frozen=True)
class Candidate:
    unit: OrgUnit
    source: str  # Source value
    key: str  # unique per unit while its finding is open
    text: str
    existing: Finding | None = None


def candidates(user, today: dt.date, period: Period | None = None) -> list[Candidate]:
    root = access.scope_root(user)
    if root is None or not access.can(user, "supervision.inspect"):
        return []
    period = period or reporting_queries.reporting_month(today)
    found: list[Candidate] = []
    for alert in quality.alerts(root, child_units(root), period):
        if alert.unit is not None and is_below(user, alert.unit):
            found.append(
                Candidate(
                    alert.unit,
                    Source.ALERT,
                    f"alert:{alert.kind}:{alert.indicator}:{period.code}",
                    f"{period.label}：{alert.message}",
                )
            )
    now = timezone.now()
    for ds in all_datasets().values():
        ds_period = period if ds.period_kind == "month" else reporting_queries.reporting_period(ds, today)
        for status in reporting_queries.overdue(ds, root, ds_period, now):
            if is_below(user, status.unit):
                found.append(
                    Candidate(
                        status.unit,
                        Source.REPORT,
                        f"report:{ds.code}:{ds_period.code}:late",
                        f"{ds_period.label}{ds.short_name or ds.name}逾期未报（截止"
                        f"{timezone.localtime(status.deadline):%Y-%m-%d}）",
                    )
                )
        returned = Report.objects.filter(
            dataset=ds.code, period=ds_period.code, state=ReportState.RETURNED, unit__path__startswith=root.path
        ).select_related("unit")
        for report in returned:
            if is_below(user, report.unit):
                found.append(
                    Candidate(
                        report.unit,
                        Source.REPORT,
                        f"report:{ds.code}:{ds_period.code}:returned",
                        f"{ds_period.label}{ds.short_name or ds.name}被退回：{report.return_reason}"[:1000],
                    )
                )
    for alert in stock_queries.alerts_under(root, today):
        if is_below(user, alert.unit):
            found.append(Candidate(alert.unit, Source.STOCK, f"stock:{alert.kind}:{today:%Y-%m}", alert.text))
    open_findings = {
        (f.unit_id, f.source_key): f
        for f in Finding.objects.filter(unit__path__startswith=root.path, withdrawn=False)
        .exclude(source_key="")
        .exclude(state=State.CLOSED)
    }
    return [
        Candidate(c.unit, c.source, c.key[:120], c.text, open_findings.get((c.unit.pk, c.key[:120]))) for c in found
    ]
