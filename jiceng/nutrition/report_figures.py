"""The report's figures from the child register, for many village clinics and months at once.

This is the one place that counts them: the report, its Excel export, the API, the dashboard, the work
summary and documents all come here (through ``jiceng.reporting``). Counting rules (spec 02 and 03;
the per-figure table is in docs/figures.md):

- every figure belongs to the unit where it happened: a collection to the clinic that issued it, a
  follow-up card to the clinic that filled it, a target child and a status change to the village the child
  lived in at the time (from the move history), so a move never rewrites the old village's past months;
- **children** figures count each child once in a month; the follow-up figures count each child once
  over a quarter or a year too (``figures_over``: the latest result in the period, at the unit that
  recorded it), while target, collected and counselled children add up over months (child-months, 人次):
  - target children: resident, present in the village during the month, and whose window from the
    6-month date to the upper-age date (36 months; dated parameter) overlaps it;
  - 6–23 months: target children with 6–23 completed months at the end of a month they were targets in;
  - collected children: children with a collection; of them, counselled: those whose caregiver was
    counselled on a card of the period (a subset of the collected children);
  - followed up: children with a card; of them, those who had collected before the card (the baseline card
    服用前 does not count), and of these, effective use: the latest card with packs eaten says ≥ 4;
  - Hb tested / anaemic (by class): the latest card of the period *with an Hb result*;
  - measured / stunted / underweight / wasted: the latest card with a plausible length (flagged z-scores
    are not counted);
- **events** are counted as they happen and add up over months: first enrolments, stops, resumptions,
  terminations and completions (the rules engine's status changes dated in the month), and packs issued.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Q

from jiceng.nutrition import eligibility
from jiceng.nutrition.models import Child, Collection, FollowUp, Move, Residence
from jiceng.nutrition.rules.adherence import is_effective_use
from jiceng.nutrition.rules.engine import completed_months, month_date, parameter
from jiceng.periods import Period

# counted from the follow-up cards, each child once per period at their latest result (distinct over a quarter
# or a year: ``figures_over``)
CARD_FIGURES = (
    "followed_up",
    "followed_up_collected",
    "effective_use",
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
# counted per month (over a quarter or a year they add up: child-months, 人月/人次)
MONTH_FIGURES = ("target_children", "target_children_6_23", "collected_children", "counselled")
CHILD_FIGURES = MONTH_FIGURES + CARD_FIGURES
EVENT_FIGURES = ("newly_enrolled", "packs_issued", "stopped", "resumed", "terminated", "completed")
FIGURES = CHILD_FIGURES + EVENT_FIGURES
Counted = Callable[[list[int]], dict[int, set[str]]]  # unit ids → {unit id: months whose figures count}
ANAEMIA_FIGURE = {"轻度": "anaemic_mild", "中度": "anaemic_moderate", "重度": "anaemic_severe"}


class Card(NamedTuple):
    """The follow-up card fields the report counts."""

    id: int
    child_id: int
    unit_id: int
    month: str
    visited_on: dt.date
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


class ChildRow(NamedTuple):
    """A child as the target-children count needs it."""

    pk: int
    birth_date: dt.date
    village_id: int


class Issue(NamedTuple):
    """A collection as the report counts it."""

    child_id: int
    unit_id: int
    month: str
    collected_on: dt.date
    packs: int


def _empty() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def figures_for(village_ids: Iterable[int], month: Period) -> dict[int, dict[str, int]]:
    """{village id: {figure: count}} for one month."""
    return figures_for_months(village_ids, [month])[month.code]


def figures_for_months(village_ids: Iterable[int], months: list[Period]) -> dict[str, dict[int, dict[str, int]]]:
    """{month: {village id: {figure: count}}} for several months in one pass: the registers are read once
    and the rules engine runs once per child (its replay is causal, so the status changes dated in each
    month are the same as when evaluated at that month's end)."""
    ids = list(village_ids)
    figures = {m.code: {vid: _empty() for vid in ids} for m in months}
    if not ids or not months:
        return figures
    register = _Register(ids, months)
    for month in months:
        by_unit = figures[month.code]
        for unit_id, values in register.children_figures([month]).items():
            by_unit[unit_id].update(values)
        for unit_id, packs in register.packs([month]).items():
            by_unit[unit_id]["packs_issued"] = packs
    _count_status_changes(ids, months, figures)
    return figures


def figures_over(
    village_ids: Iterable[int], months: list[Period], counted: Counted | None = None
) -> dict[int, dict[str, int]]:
    """{village id: {follow-up figure: count}} over several months taken together, each child counted once,
    with their latest result in the period, at the unit that recorded it. ``counted``: for official
    figures, the months whose reports each village has had approved — cards of other months are left out."""
    ids = list(village_ids)
    figures = {vid: dict.fromkeys(CARD_FIGURES, 0) for vid in ids}
    if not ids or not months:
        return figures
    register = _Register(ids, months, with_children=False, cards_only=True)
    for unit_id, values in register.children_figures(months, counted).items():
        figures[unit_id].update({k: values[k] for k in CARD_FIGURES})
    return figures


def register_activity(village_ids: Iterable[int], month: Period) -> dict[int, dict[str, int]]:
    """The month's collection and follow-up figures only (no target children, no rules replay): for
    overviews that show them beside other things. The same counting as the report's."""
    ids = list(village_ids)
    figures = {vid: _empty() for vid in ids}
    if not ids:
        return figures
    register = _Register(ids, [month], with_children=False)
    for unit_id, values in register.children_figures([month]).items():
        figures[unit_id].update(values)
    for unit_id, packs in register.packs([month]).items():
        figures[unit_id]["packs_issued"] = packs
    return figures


# ---------------------------------------------------------------------------------------------
# Where a child lived: the move history as dated stays
# ---------------------------------------------------------------------------------------------


@dataclass
class Stays:
    """A child's residence over time: ``(from day, village id, present)`` in date order. A move out or a
    death ends presence; a move in (迁入) begins it; a transfer (村间转移) changes the village."""

    spans: list[tuple[dt.date, int, bool]] = field(default_factory=list)

    @classmethod
    def of(cls, village_id: int, moves: list[tuple]) -> Stays:
        """``moves``: (day, kind, from village, to village) of one child, in date order."""
        if not moves:
            return cls([(dt.date.min, village_id, True)])
        first_from = moves[0][2] or village_id
        spans = [(dt.date.min, first_from, moves[0][1] != Move.Kind.MOVE_IN)]
        for day, kind, _from, to in moves:
            village, present = spans[-1][1], spans[-1][2]
            if kind == Move.Kind.TRANSFER:
                village = to or village
            elif kind in (Move.Kind.MOVE_OUT, Move.Kind.DEATH):
                present = False
            elif kind == Move.Kind.MOVE_IN:  # back in the village the child is registered in
                present = True
            spans.append((day, village, present))
        return cls(spans)

    def village_in(self, month: Period) -> int | None:
        """The village the child lived in during the month (the last one, if they moved), or None if not
        present at all during it."""
        found = None
        for i, (start, village, present) in enumerate(self.spans):
            end = self.spans[i + 1][0] if i + 1 < len(self.spans) else dt.date.max
            if present and start <= month.end and end > month.start:
                found = village
        return found

    def village_on(self, day: dt.date) -> int:
        village = self.spans[0][1]
        for start, span_village, _present in self.spans:
            if start > day:
                break
            village = span_village
        return village


# ---------------------------------------------------------------------------------------------
# The register, read once for a set of villages and months
# ---------------------------------------------------------------------------------------------


class _Register:
    def __init__(self, ids: list[int], months: list[Period], *, with_children: bool = True, cards_only: bool = False):
        self.ids = ids
        self.id_set = set(ids)
        codes = [m.code for m in months]
        self.first, self.last = min(m.start for m in months), max(m.end for m in months)
        self.children: list[ChildRow] = []
        self.stays: dict[int, Stays] = {}
        self.moved: set[int] = set()
        if with_children:
            self._read_children(months)
        # rows by month, each month's in date order
        self.issues: dict[str, list[Issue]] = defaultdict(list)
        for row in (
            Collection.objects.none()
            if cards_only
            else Collection.objects.filter(unit_id__in=ids, month__in=codes)
            .order_by("collected_on", "id")
            .values_list("child_id", "unit_id", "month", "collected_on", "packs")
        ):
            self.issues[row[2]].append(Issue(*row))
        self.cards: dict[str, list[Card]] = defaultdict(list)
        for row in (
            FollowUp.objects.filter(unit_id__in=ids, month__in=codes)
            .order_by("visited_on", "id")
            .values_list(*Card._fields)
        ):
            entry = Card(*row)
            self.cards[entry.month].append(entry)
        followed = {c.child_id for cards in self.cards.values() for c in cards}
        self._cards_elsewhere(sorted(followed), codes)
        self.first_collected: dict[int, dt.date] = {}
        if followed:  # "had collected": the first collection anywhere, before the period too
            from django.db.models import Min

            followed_ids = sorted(followed)
            for start in range(0, len(followed_ids), eligibility.CHUNK):
                rows = (
                    Collection.objects.filter(child_id__in=followed_ids[start : start + eligibility.CHUNK])
                    .values("child_id")
                    .annotate(first=Min("collected_on"))
                    .values_list("child_id", "first")
                )
                self.first_collected.update(rows)

    def _cards_elsewhere(self, followed: list[int], codes: list[str]) -> None:
        """The same children's cards of the period at other clinics (a child who moved): the latest result
        is the child's latest anywhere, so a figure never depends on which units were asked for."""
        extra = False
        for start in range(0, len(followed), eligibility.CHUNK):
            for row in (
                FollowUp.objects.filter(child_id__in=followed[start : start + eligibility.CHUNK], month__in=codes)
                .exclude(unit_id__in=self.ids)
                .values_list(*Card._fields)
            ):
                entry = Card(*row)
                self.cards[entry.month].append(entry)
                extra = True
        if extra:
            for cards in self.cards.values():
                cards.sort(key=lambda c: (c.visited_on, c.id))

    def _read_children(self, months: list[Period]) -> None:
        """The children who may be target children in these months — living in these villages now, or having
        moved to or from them — as plain rows (no model objects: a province has hundreds of thousands)."""
        self.moved = set(
            Move.objects.filter(Q(from_unit_id__in=self.ids) | Q(to_unit_id__in=self.ids)).values_list(
                "child_id", flat=True
            )
        )
        upper = max(parameter("upper_age_months", m.start) for m in months)
        here = Q(village_id__in=self.ids) | Q(pk__in=sorted(self.moved)) if self.moved else Q(village_id__in=self.ids)
        rows = (
            Child.objects.filter(
                here,
                merged_into__isnull=True,
                birth_date__gt=month_date(self.first, -(upper + 1)),  # older children are past the window
                birth_date__lte=self.last,
            )
            .exclude(residence=Residence.FLOATING)
            .values_list("pk", "birth_date", "village_id")
        )
        self.children = [ChildRow(*row) for row in rows]
        self.stays = stays_for([c for c in self.children if c.pk in self.moved])

    # --- children figures ----------------------------------------------------------------------

    def children_figures(self, months: list[Period], counted: Counted | None = None) -> dict[int, dict[str, int]]:
        """{unit id: {children figure: count}} over ``months`` taken together."""
        out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(CHILD_FIGURES, 0))
        codes = sorted({m.code for m in months})
        allowed = None
        if counted is not None:
            units = {c.unit_id for code in codes for c in self.cards.get(code, ())}  # whose entries may count
            units |= {i.unit_id for code in codes for i in self.issues.get(code, ())}
            if self.children:
                units |= self.id_set
            allowed = counted(sorted(units)) if units else {}

        def kept(unit_id: int, month: str) -> bool:
            return allowed is None or month in allowed.get(unit_id, ())

        self._target_children(months, kept, out)
        collected_at: dict[int, int] = {}
        cards: dict[int, list[Card]] = defaultdict(list)
        for code in codes:  # months in order, each in date order: the latest entry comes last
            for issue in self.issues.get(code, ()):
                if kept(issue.unit_id, code):
                    collected_at[issue.child_id] = issue.unit_id
            for card in self.cards.get(code, ()):
                if kept(card.unit_id, code):
                    cards[card.child_id].append(card)
        for child_id, unit_id in collected_at.items():
            counts = out[unit_id]
            counts["collected_children"] += 1
            # 咨询指导: a caregiver counselled on a card of the period at the clinic where the child collected
            if any(c.counselling_given and c.unit_id == unit_id for c in cards.get(child_id, ())):
                counts["counselled"] += 1
        for child_id, child_cards in cards.items():
            self._count_cards(child_id, child_cards, out)
        return {unit_id: values for unit_id, values in out.items() if unit_id in self.id_set}

    def _target_children(self, months: list[Period], kept, out) -> None:
        limits = {
            m.code: (parameter("lower_age_months", m.start), parameter("upper_age_months", m.start)) for m in months
        }
        for child in self.children:
            stays = self.stays.get(child.pk)  # only children who moved have stays; the others live where they are
            birth = child.birth_date
            target_at = None
            young = False
            for month in months:
                lower, upper = limits[month.code]
                if birth > month.end or month_date(birth, lower) > month.end or month_date(birth, upper) <= month.start:
                    continue
                village = stays.village_in(month) if stays is not None else child.village_id
                if village is None or village not in self.id_set or not kept(village, month.code):
                    continue
                target_at = village
                young = young or 6 <= completed_months(birth, month.end) <= 23
            if target_at is not None:
                out[target_at]["target_children"] += 1
                out[target_at]["target_children_6_23"] += young

    def _count_cards(self, child_id: int, cards: list[Card], out) -> None:
        latest = cards[-1]
        counts = out[latest.unit_id]
        counts["followed_up"] += 1
        first = self.first_collected.get(child_id)
        if first is not None and first <= latest.visited_on:  # the baseline card (服用前) is not counted
            counts["followed_up_collected"] += 1
            judged = [c for c in cards if c.packs_last_7d is not None and c.visited_on >= first]
            # 有效服用 「近一周服用≥4包」: the dated parameter on the day of the card
            if judged and is_effective_use(judged[-1].packs_last_7d, judged[-1].visited_on):
                counts["effective_use"] += 1
        tested = [c for c in cards if c.hb_g_l is not None and c.anaemia]
        if tested:
            card = tested[-1]
            at = out[card.unit_id]
            at["hb_tested"] += 1
            if card.anaemia in ANAEMIA_FIGURE:
                at["anaemic"] += 1
                at[ANAEMIA_FIGURE[card.anaemia]] += 1
        measured = [c for c in cards if c.length_cm is not None and c.haz is not None and not c.haz_flag]
        if measured:
            card = measured[-1]
            at = out[card.unit_id]
            at["length_measured"] += 1
            at["stunted"] += bool(card.stunting)
            at["underweight"] += bool(card.underweight)
            at["wasted"] += bool(card.wasting)

    def packs(self, months: list[Period]) -> dict[int, int]:
        out: dict[int, int] = defaultdict(int)
        for month in months:
            for issue in self.issues.get(month.code, ()):
                out[issue.unit_id] += issue.packs
        return out


# ---------------------------------------------------------------------------------------------
# Status changes: the rules engine's, as stored (status_store), each at the village the child lived in
# ---------------------------------------------------------------------------------------------


def _count_status_changes(ids: list[int], months: list[Period], figures) -> None:
    """N03, N06–N09: one grouped query over the stored status changes (``jiceng.nutrition.status_store``
    keeps them equal to the engine's replay; ``jiceng rules verify`` checks it)."""
    from django.db.models import Count

    from jiceng.nutrition.models import StoredStatusChange

    codes = [m.code for m in months]
    for start in range(0, len(ids), eligibility.CHUNK):
        rows = (
            StoredStatusChange.objects.filter(village_id__in=ids[start : start + eligibility.CHUNK], month__in=codes)
            .exclude(figure="")
            .values_list("month", "village_id", "figure")
            .annotate(n=Count("id"))
        )
        for month, village, figure, n in rows:
            figures[month][village][figure] += n


def stays_for(children: list) -> dict[int, Stays]:
    """Each child's stays (from their moves), in one query per 5,000 children."""
    moves: dict[int, list[tuple]] = defaultdict(list)
    ids = [c.pk for c in children]
    for start in range(0, len(ids), eligibility.CHUNK):
        for row in (
            Move.objects.filter(child_id__in=ids[start : start + eligibility.CHUNK])
            .order_by("happened_on", "id")
            .values_list("child_id", "happened_on", "kind", "from_unit_id", "to_unit_id")
        ):
            moves[row[0]].append(row[1:])
    return {c.pk: Stays.of(c.village_id, moves.get(c.pk, [])) for c in children}
