"""The monthly report's figures from the child register, for many village clinics at once.

This is the one place that counts them: the report, its Excel export, the API and documents all come
here (through ``jiceng.reporting.values``). Counting rules (spec 03-reporting.md):

- target children: resident (not non-resident, and not moved out or died before the month began),
  whose window from the 6-month date to the upper-age date (36 months; dated parameter) overlaps the month;
- 6–23 months: of those, completed months 6–23 at the month's end;
- enrolled / stopped / resumed / terminated / completed: the rules engine's status changes dated in the month;
- collections: by the clinic that issued them;
- follow-up figures: each child's latest card in the month (z-scores flagged implausible are not counted).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from django.db.models import Count, Sum

from jiceng.nutrition import eligibility
from jiceng.nutrition.models import Child, Collection, FollowUp, Move, Residence
from jiceng.nutrition.rules.adherence import is_effective_use
from jiceng.nutrition.rules.engine import completed_months, month_date, parameter
from jiceng.nutrition.rules.facts import ACTIVE, COMPLETED, STOPPED, TERMINATED, UNSUITABLE
from jiceng.periods import Period, month_code, months_between

FIGURES = (
    "target_children",
    "target_children_6_23",
    "newly_enrolled",
    "collected_children",
    "packs_issued",
    "stopped",
    "resumed",
    "terminated",
    "completed",
    "followed_up",
    "effective_use",
    "counselled",
    "hb_tested",
    "anaemic",
    "anaemic_mild",
    "anaemic_moderate",
    "anaemic_severe",
    "length_measured",
    "stunted",
    "underweight",
    "wasted",
)
ANAEMIA_FIGURE = {"轻度": "anaemic_mild", "中度": "anaemic_moderate", "重度": "anaemic_severe"}


class Card(NamedTuple):
    """The follow-up card fields the report counts."""

    child_id: int
    unit_id: int
    packs_last_7d: int | None
    counselling_given: bool
    hb_g_l: object
    anaemia: str
    length_cm: object
    haz: float | None
    haz_flag: bool
    stunting: bool | None
    underweight: bool | None
    wasting: bool | None


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def figures_for(village_ids: Iterable[int], month: Period) -> dict[int, dict[str, int]]:
    """{village id: {figure: count}} for one month."""
    return figures_for_months(village_ids, [month])[month.code]


def figures_for_months(village_ids: Iterable[int], months: list[Period]) -> dict[str, dict[int, dict[str, int]]]:
    """{month: {village id: {figure: count}}} for several months in one pass: the rules engine runs once
    per child (its replay is causal, so the status changes dated in each month are the same as when
    evaluated at that month's end)."""
    ids = list(village_ids)
    figures = {m.code: {vid: _empty() for vid in ids} for m in months}
    if not ids or not months:
        return figures
    _count_children(ids, months, figures)
    for month in months:
        _count_collections(ids, month, figures[month.code])
        _count_followups(ids, month, figures[month.code])
    return figures


def register_activity(village_ids: Iterable[int], month: Period) -> dict[int, dict[str, int]]:
    """The month's collection and follow-up figures only (no rules replay): for overviews that show them
    beside other things. The same counting as the report's N04, N05 and N10–N16."""
    ids = list(village_ids)
    figures = {vid: _empty() for vid in ids}
    _count_collections(ids, month, figures)
    _count_followups(ids, month, figures)
    return figures


def _left_on(ids: list[int]) -> dict[int, dt.date]:
    """Children who moved out or died: the day they left."""
    return dict(
        Move.objects.filter(child__village_id__in=ids, kind__in=[Move.Kind.MOVE_OUT, Move.Kind.DEATH]).values_list(
            "child_id", "happened_on"
        )
    )


def _count_children(ids: list[int], months: list[Period], figures) -> None:
    children = list(
        Child.objects.filter(village_id__in=ids, merged_into__isnull=True)
        .exclude(residence=Residence.FLOATING)
        .select_related("village")
    )
    left_on = _left_on(ids)
    windows: dict[tuple[int, int], list[tuple[Child, dt.date, dt.date]]] = {}
    for month in months:
        upper = parameter("upper_age_months", month.start)
        lower = parameter("lower_age_months", month.start)
        if (lower, upper) not in windows:  # each child's window once per distinct pair of age limits
            windows[(lower, upper)] = [
                (c, month_date(c.birth_date, lower), month_date(c.birth_date, upper)) for c in children
            ]
        counts_by_village = figures[month.code]
        for child, opens, closes in windows[(lower, upper)]:
            if opens > month.end or closes <= month.start or child.birth_date > month.end:
                continue
            if child.pk in left_on and left_on[child.pk] < month.start:
                continue
            counts = counts_by_village[child.village_id]
            counts["target_children"] += 1
            if 6 <= completed_months(child.birth_date, month.end) <= 23:
                counts["target_children_6_23"] += 1
    last = max(m.end for m in months)
    first_lower = min(parameter("lower_age_months", m.start) for m in months)
    active = _may_change_status(ids, min(m.start for m in months), last)
    candidates = [c for c in children if c.pk in active and month_date(c.birth_date, first_lower) <= last]
    histories = eligibility.histories_for(c.pk for c in candidates)
    with_events = [c for c in candidates if histories[c.pk].events]
    decisions = eligibility.decisions_for(with_events, last, histories)
    month_of = {m.code: m for m in months}
    for child in with_events:
        enrolled_before = False
        for change in decisions[child.pk].history:
            key = month_code(change.date)
            first_enrolment = change.status == ACTIVE and change.rule_id != "E7" and not enrolled_before
            if change.status == ACTIVE:
                enrolled_before = True
            if key not in month_of:
                continue
            counts = figures[key][child.village_id]
            if change.status == ACTIVE:
                if change.rule_id == "E7":
                    counts["resumed"] += 1
                elif first_enrolment:
                    counts["newly_enrolled"] += 1
            elif change.status == STOPPED:
                counts["stopped"] += 1
            elif change.status in (TERMINATED, UNSUITABLE):
                counts["terminated"] += 1
            elif change.status == COMPLETED:
                counts["completed"] += 1


STATUS_LOOKBACK_MONTHS = 6  # a stop comes 3 months after the last collection; margin for force-majeure months


def _may_change_status(ids: list[int], first: dt.date, last: dt.date) -> set[int]:
    """Children whose status can change between ``first`` and ``last``: every change (enrolment, resumption,
    stop, termination, completion) follows a collection within a few months before it (more when months are
    declared force majeure), and 不适宜 follows an assessment. Other children need no replay."""
    from jiceng.nutrition.models import Assessment, ForceMajeure

    declared = sum(
        len(months_between(f.first_month, f.last_month)) for f in ForceMajeure.objects.filter(withdrawn=False)
    )
    cutoff = month_date(first, -(STATUS_LOOKBACK_MONTHS + declared))
    recent = set(
        Collection.objects.filter(child__village_id__in=ids, collected_on__gte=cutoff, collected_on__lte=last)
        .values_list("child_id", flat=True)
        .distinct()
    )
    assessed = set(
        Assessment.objects.filter(child__village_id__in=ids, assessed_on__gte=first, assessed_on__lte=last).values_list(
            "child_id", flat=True
        )
    )
    return recent | assessed


def _count_collections(ids: list[int], month: Period, figures) -> None:
    rows = (
        Collection.objects.filter(unit_id__in=ids, month=month.code)
        .values("unit_id")
        .annotate(children=Count("child_id", distinct=True), packs=Sum("packs"))
    )
    for row in rows:
        figures[row["unit_id"]]["collected_children"] = row["children"]
        figures[row["unit_id"]]["packs_issued"] = row["packs"] or 0


def _count_followups(ids: list[int], month: Period, figures) -> None:
    latest: dict[int, FollowUp] = {}
    counselled: dict[int, set[int]] = defaultdict(set)
    cards = (
        FollowUp.objects.filter(unit_id__in=ids, month=month.code)
        .order_by("child_id", "visited_on", "id")
        .only(
            "child_id",
            "unit_id",
            "visited_on",
            "packs_last_7d",
            "counselling_given",
            "hb_g_l",
            "anaemia",
            "length_cm",
            "haz",
            "haz_flag",
            "stunting",
            "underweight",
            "wasting",
        )
    )
    for card in cards:
        latest[card.child_id] = card
        if card.counselling_given:
            counselled[card.unit_id].add(card.child_id)
    for card in latest.values():
        counts = figures[card.unit_id]
        counts["followed_up"] += 1
        # 有效服用 「近一周服用≥4包」: the dated parameter adherence_min_packs_per_week on the day of the card
        if card.packs_last_7d is not None and is_effective_use(card.packs_last_7d, card.visited_on):
            counts["effective_use"] += 1
        if card.hb_g_l is not None and card.anaemia:
            counts["hb_tested"] += 1
            if card.anaemia in ANAEMIA_FIGURE:
                counts["anaemic"] += 1
                counts[ANAEMIA_FIGURE[card.anaemia]] += 1
        if card.length_cm is not None and card.haz is not None and not card.haz_flag:
            counts["length_measured"] += 1
            counts["stunted"] += bool(card.stunting)
            counts["underweight"] += bool(card.underweight)
            counts["wasted"] += bool(card.wasting)
    for unit_id, children in counselled.items():
        figures[unit_id]["counselled"] = len(children)
