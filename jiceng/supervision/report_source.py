"""The figures of inspections and rectification for many units and months at once (the supervision pack's
``figure_sources``: ``supervision`` → :func:`supervision_figures`). They feed the figures-only data set
``SUP_FIGURES`` (``jiceng/packs/supervision/figures.yaml``) and through it the indicators 检查覆盖率, 问题数,
整改率, 按期整改率, 逾期未整改数, 立案数, 结案率 and 罚款金额 — the dashboard, targets, rankings, the
assessment and the work summary read them through the one aggregation like any other figure.

Per unit (a village clinic) and month:

- ``clinics`` 1; ``inspected_ytd`` 1 if it was inspected (a record not withdrawn) from 1 January to the end
  of the month — both taken at the latest month of a longer period, so a quarter or a year gives the
  year's coverage so far, never a sum of months;
- ``inspections`` records that month; ``findings`` found that month and ``closed`` of them closed by now;
- ``due`` findings whose deadline falls in the month and ``closed_on_time`` of them closed by the deadline;
- ``overdue`` findings past their deadline and not closed at the end of the month (today for this month);
- ``cases`` escalated to a case that month and ``cases_closed`` of them closed; ``penalty`` the amounts of
  the penalties imposed that month.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from jiceng.orgunits.models import OrgUnit
from jiceng.periods import Period
from jiceng.supervision.models import Escalation, Finding, InspectionRecord, State

CHUNK = 2000
FIGURES = (
    "clinics",
    "inspected_ytd",
    "inspections",
    "findings",
    "closed",
    "due",
    "closed_on_time",
    "overdue",
    "cases",
    "cases_closed",
    "penalty",
)


def supervision_figures(units: list[OrgUnit], periods: list[Period]) -> dict[str, dict[int, dict[str, object]]]:
    today = timezone.localdate()
    out: dict[str, dict[int, dict[str, object]]] = {p.code: {} for p in periods}
    if not units or not periods:
        return out
    ids = [u.pk for u in units]
    first = min(dt.date(p.start.year, 1, 1) for p in periods)
    last = max(p.end for p in periods)
    inspected: dict[int, list[dt.date]] = defaultdict(list)
    findings = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = InspectionRecord.objects.filter(
            unit_id__in=chunk, withdrawn=False, inspected_on__gte=first, inspected_on__lte=last
        ).values_list("unit_id", "inspected_on")
        for unit_id, day in rows:
            inspected[unit_id].append(day)
        findings += list(
            Finding.objects.filter(unit_id__in=chunk, withdrawn=False, found_on__lte=last).values_list(
                "unit_id",
                "found_on",
                "deadline",
                "state",
                "closed_on",
                "escalation",
                "escalated_on",
                "case_closed_on",
                "penalty_amount",
            )
        )
    by_unit: dict[int, list[tuple]] = defaultdict(list)
    for row in findings:
        by_unit[row[0]].append(row)
    for period in periods:
        start, end = period.start, period.end
        as_of = min(end, today)
        year_start = dt.date(end.year, 1, 1)
        for unit in units:
            days = inspected.get(unit.pk, ())
            figures: dict[str, object] = dict.fromkeys(FIGURES, 0)
            figures["penalty"] = Decimal(0)
            figures["clinics"] = 1
            figures["inspected_ytd"] = int(any(year_start <= d <= end for d in days))
            figures["inspections"] = sum(1 for d in days if start <= d <= end)
            for _u, found, deadline, state, closed_on, escalation, escalated_on, case_closed, amount in by_unit.get(
                unit.pk, ()
            ):
                if start <= found <= end:
                    figures["findings"] += 1
                    figures["closed"] += state == State.CLOSED
                if deadline is not None and start <= deadline <= end:
                    figures["due"] += 1
                    figures["closed_on_time"] += closed_on is not None and closed_on <= deadline
                if deadline is not None and deadline < as_of and (closed_on is None or closed_on > as_of):
                    figures["overdue"] += 1
                if escalated_on is not None and start <= escalated_on <= end:
                    if escalation == Escalation.CASE:
                        figures["cases"] += 1
                        figures["cases_closed"] += case_closed is not None
                    elif escalation == Escalation.PENALTY and amount is not None:
                        figures["penalty"] += amount
            out[period.code][unit.pk] = figures
    return out
