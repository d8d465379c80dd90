"""Figures about trainings and health education. The activity pages, the API, the monthly report
and the work summary all call these; none computes a count of its own.

Withdrawn records count nowhere. A unit's figures cover its whole subtree (a county's include
its township health centres, its villages and the county MCH centre); periods are inclusive dates.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet, Sum

from jiceng.activities.models import HealthEducation, Training
from jiceng.orgunits.models import OrgUnit, subtree_q

TOTAL_KEYS = ("trainings", "training_attendances", "events", "reach")


def trainings_in(unit: OrgUnit, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[Training]:
    return _in(Training, unit, start, end)


def events_in(unit: OrgUnit, start: dt.date | None = None, end: dt.date | None = None) -> QuerySet[HealthEducation]:
    return _in(HealthEducation, unit, start, end)


def _in(model, unit: OrgUnit, start, end) -> QuerySet:
    rows = model.objects.filter(subtree_q(unit.path, "unit__path"), withdrawn=False)
    if start is not None:
        rows = rows.filter(held_on__gte=start)
    if end is not None:
        rows = rows.filter(held_on__lte=end)
    return rows


def activity_totals(unit: OrgUnit, start: dt.date, end: dt.date) -> dict[str, int]:
    """Counts for the unit's subtree between ``start`` and ``end`` (inclusive):

    - ``trainings``: number of trainings (培训次数)
    - ``training_attendances``: attendee-times (培训人次), the sum of attendees over trainings
    - ``events``: number of health-education and publicity events (健康教育/宣传次数)
    - ``reach``: people reached (受众人次), the sum over events
    """
    t = trainings_in(unit, start, end).aggregate(n=Count("id"), people=Sum("attendees"))
    e = events_in(unit, start, end).aggregate(n=Count("id"), people=Sum("reach"))
    return {
        "trainings": t["n"],
        "training_attendances": t["people"] or 0,
        "events": e["n"],
        "reach": e["people"] or 0,
    }


def activity_totals_by_form(unit: OrgUnit, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """Events and reach per form (讲座, 义诊…), for the work summary's breakdown."""
    rows = events_in(unit, start, end).values("form").annotate(n=Count("id"), people=Sum("reach")).order_by("form")
    return {row["form"]: {"events": row["n"], "reach": row["people"] or 0} for row in rows}


def activity_totals_by_unit(units: list[OrgUnit], start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """:func:`activity_totals` for several units (e.g. every township of a county), keyed by code.

    Two queries whatever the number of units: counts are grouped by the organising unit's path
    and added to every listed unit whose subtree holds that path."""
    totals = {u.code: dict.fromkeys(TOTAL_KEYS, 0) for u in units}
    if not units:
        return totals
    anywhere = Q(pk__in=[])
    for unit in units:
        anywhere |= subtree_q(unit.path, "unit__path")
    for model, count_key, people_key, people_field in (
        (Training, "trainings", "training_attendances", "attendees"),
        (HealthEducation, "events", "reach", "reach"),
    ):
        rows = model.objects.filter(anywhere, withdrawn=False, held_on__gte=start, held_on__lte=end)
        grouped = rows.values("unit__path").annotate(n=Count("id"), people=Sum(people_field)).order_by()
        for row in grouped:
            for unit in units:
                if row["unit__path"].startswith(unit.path):
                    totals[unit.code][count_key] += row["n"]
                    totals[unit.code][people_key] += row["people"] or 0
    return totals
