"""Figures about the child register. Every page, export, API call and document calls these."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet

from jiceng.nutrition.models import Child, Collection, ForceMajeure, Residence
from jiceng.nutrition.rules.engine import Decision, PriorityPlan
from jiceng.orgunits.models import OrgUnit, subtree_q
from jiceng.periods import add_months, month_code


def children_in(unit: OrgUnit) -> QuerySet[Child]:
    """Children registered in the unit's subtree (merged duplicates excluded)."""
    return Child.objects.filter(subtree_q(unit.path, "village__path"), merged_into__isnull=True)


def force_majeure_for(root: OrgUnit) -> list[ForceMajeure]:
    """The force-majeure declarations in force for ``root``: made for a unit in its subtree, or above it;
    latest first. The page and the API list the same rows."""
    return [
        row
        for row in ForceMajeure.objects.filter(withdrawn=False)
        .select_related("unit", "declared_by")
        .order_by("-first_month", "-id")
        if row.unit.path.startswith(root.path) or root.path.startswith(row.unit.path)
    ]


def registered_children_count(unit: OrgUnit) -> int:
    return children_in(unit).count()


def possible_duplicates(child: Child, candidates: QuerySet[Child]) -> QuerySet[Child]:
    """Records that may be the same child: same ID number, or same name and birth date."""
    from django.db.models import Q

    same = Q(name=child.name, birth_date=child.birth_date)
    if child.id_number:
        same |= Q(id_number=child.id_number)
    return candidates.filter(same, merged_into__isnull=True).exclude(pk=child.pk).select_related("village")


# ---------------------------------------------------------------------------------------------
# This month's distribution (本月发放) of one village clinic
# ---------------------------------------------------------------------------------------------

DUE_STATUSES = ("可纳入", "在服", "停服")  # statuses that may be due a collection this month
WAITING_FOR_PAPERWORK = ("E8", "E9")  # due, but the consent form or the doctor's assessment is missing


@dataclass(frozen=True)
class CollectionSummary:
    collected_on: dt.date
    packs: int


@dataclass
class DistributionRow:
    child: Child
    decision: Decision
    last_collection: CollectionSummary | None
    collected_this_month: CollectionSummary | None
    planned_packs: int | None = None  # from the E4 plan when stock is short
    plan_reason: str = ""

    @property
    def waits(self) -> bool:
        return self.planned_packs == 0

    @property
    def needs_paperwork(self) -> bool:
        blocked = self.decision.blocked_by
        return not self.decision.can_collect and blocked is not None and blocked.rule_id in WAITING_FOR_PAPERWORK


@dataclass
class Distribution:
    village: OrgUnit
    on_date: dt.date
    rows: list[DistributionRow]
    stock: int | None  # the clinic's balance; None when the clinic is not on the stock ledger
    plan: PriorityPlan | None

    @property
    def total_due(self) -> int:
        return sum(r.decision.max_packs for r in self.rows if r.decision.can_collect)

    @property
    def collected_count(self) -> int:
        return sum(1 for r in self.rows if r.collected_this_month)

    @property
    def shortage(self) -> bool:
        return self.plan is not None and self.plan.shortage


def clinic_stock(village: OrgUnit, on_date: dt.date | None = None) -> int | None:
    """Packs the clinic may issue (batches not expired), or None when the clinic keeps no stock ledger."""
    from jiceng.stock.queries import issuable_balance

    return issuable_balance(village, on_date)


def distribution(village: OrgUnit, on_date: dt.date) -> Distribution:
    """Every child due this month (可纳入, 在服, stopped children who may resume, and those waiting only for
    a consent form or an assessment), with what the rules allow; and, when stock is short, the E4 plan."""
    from jiceng.nutrition import eligibility
    from jiceng.nutrition.rules.engine import priority_plan

    children = list(
        children_in(village)
        .filter(residence__in=[Residence.RESIDENT, Residence.FLOATING])
        .select_related("village")
        .order_by("name", "id")
    )
    histories = eligibility.histories_for(c.pk for c in children)
    decisions = eligibility.decisions_for(children, on_date, histories)
    month = (on_date.year, on_date.month)
    rows = []
    for child in children:
        decision = decisions[child.pk]
        collections = histories[child.pk].collections
        this_month = next((CollectionSummary(d, p) for d, p in collections if (d.year, d.month) == month), None)
        earlier = [CollectionSummary(d, p) for d, p in collections if (d.year, d.month) < month]
        row = DistributionRow(child, decision, earlier[-1] if earlier else None, this_month)
        if this_month or decision.can_collect or (decision.status in DUE_STATUSES and row.needs_paperwork):
            rows.append(row)
    stock = clinic_stock(village, on_date)
    plan = None
    due_rows = [r for r in rows if r.decision.can_collect]
    if stock is not None and due_rows:
        fm = eligibility.force_majeure_months_for(village)
        plan = priority_plan(
            [
                (
                    r.child.pk,
                    eligibility.child_facts(r.child),
                    histories[r.child.pk].events,
                    r.decision.enrolled_on,
                )
                for r in due_rows
            ],
            stock,
            on_date,
            fm,
        )
        if plan.shortage:
            by_key = {a.key: a for a in plan.allocations}
            for r in due_rows:
                allocation = by_key.get(r.child.pk)
                if allocation is not None:
                    r.planned_packs, r.plan_reason = allocation.packs, allocation.reason.text
    rows.sort(
        key=lambda r: (
            r.collected_this_month is not None,
            not r.decision.can_collect,
            r.decision.priority or 9,
            r.child.name,
        )
    )
    return Distribution(village, on_date, rows, stock, plan)


def distribution_overview(root: OrgUnit, on_date: dt.date) -> list[dict]:
    """Per village of the subtree: registered children, and this month's collections and follow-ups
    (counted by the report's own figures module)."""
    from django.db.models import Count

    from jiceng.nutrition.report_figures import register_activity
    from jiceng.periods import month_period

    villages = list(OrgUnit.objects.filter(subtree_q(root.path), level="village").order_by("path"))
    registered = dict(children_in(root).values("village_id").annotate(n=Count("id")).values_list("village_id", "n"))
    activity = register_activity([v.pk for v in villages], month_period(on_date.year, on_date.month))
    return [
        {
            "village": v,
            "registered": registered.get(v.pk, 0),
            "collected_children": activity[v.pk]["collected_children"],
            "packs": activity[v.pk]["packs_issued"],
            "followed_up": activity[v.pk]["followed_up"],
        }
        for v in villages
    ]


@dataclass
class WorklistEntry:
    child: Child
    why: str
    last_card_on: dt.date | None = None
    packs_last_7d: int | None = None


def follow_up_worklist(unit: OrgUnit, on_date: dt.date) -> dict[str, list[WorklistEntry]]:
    """增加随访: children whose latest card shows fewer than ``adherence_min_packs_per_week`` (4) packs in
    the last 7 days, by the parameter in force on the card's date (个案分析), and
    children who collected this month or last month but have no follow-up card this month.

    A county holds tens of thousands of cards: only three columns of each are read, and only the children
    on the lists are loaded (name, sex, village), so the whole county's lists take well under a second."""
    from jiceng.nutrition.models import FollowUp
    from jiceng.nutrition.rules.adherence import needs_extra_follow_up

    month = month_code(on_date)
    previous = month_code(add_months(on_date, -1))
    latest: dict[int, tuple[dt.date, int | None]] = {}
    cards = FollowUp.objects.filter(subtree_q(unit.path, "unit__path")).order_by("child_id", "visited_on", "id")
    for child_id, visited_on, packs in cards.values_list("child_id", "visited_on", "packs_last_7d").iterator(
        chunk_size=5000
    ):
        latest[child_id] = (visited_on, packs)
    flagged: dict[tuple[int, dt.date], bool] = {}  # one parameter look-up per packs and date, not per card
    low_ids = []
    for cid, (visited_on, packs) in latest.items():
        if packs is None:
            continue
        key = (packs, visited_on)
        if key not in flagged:
            flagged[key] = needs_extra_follow_up(packs, visited_on)
        if flagged[key]:
            low_ids.append(cid)
    active_ids = set(
        Collection.objects.filter(subtree_q(unit.path, "unit__path"), month__in=[month, previous]).values_list(
            "child_id", flat=True
        )
    )
    seen_this_month = set(
        FollowUp.objects.filter(subtree_q(unit.path, "unit__path"), month=month).values_list("child_id", flat=True)
    )
    due_ids = active_ids - seen_this_month
    children = {
        c.pk: c
        for c in children_in(unit)
        .filter(pk__in=set(low_ids) | due_ids)
        .select_related("village")
        .only(
            "id",
            "name",
            "sex",
            "birth_date",
            "caregiver_phone",
            "id_number",
            "village__name",
            "village__path",
            "village__code",
            "village__parent_id",
        )
    }
    low = [
        WorklistEntry(children[cid], _low_adherence_text(*latest[cid]), latest[cid][0], latest[cid][1])
        for cid in low_ids
        if cid in children
    ]
    due = [
        WorklistEntry(children[cid], "本月尚未随访", latest[cid][0] if cid in latest else None)
        for cid in due_ids
        if cid in children
    ]
    low.sort(key=lambda e: (e.child.village.path, e.child.name, e.child.pk))
    due.sort(key=lambda e: (e.child.village.path, e.child.name, e.child.pk))
    return {"low_adherence": low, "due": due}


def _low_adherence_text(visited_on: dt.date, packs_last_7d: int) -> str:
    from jiceng.nutrition.rules.adherence import min_packs_per_week

    least = min_packs_per_week(visited_on)
    return f"近7天仅服用{packs_last_7d}包（少于{least}包），需增加随访次数并做个案分析"


def baseline_and_latest(child: Child):
    """The first follow-up card (基线, 服用前) and the latest one."""
    cards = list(child.followups.all())
    if not cards:
        return None, None
    return cards[0], cards[-1] if len(cards) > 1 else None


@dataclass
class VillageToDo:
    """From the dashboard to action (从数据到行动): a village's children still to reach this month."""

    village: OrgUnit
    not_collected: list[DistributionRow]  # on this month's list, nothing collected yet (with the reason if refused)
    follow_up: list[WorklistEntry]  # poor adherence first, then due a follow-up card this month


def village_to_do(village: OrgUnit, on_date: dt.date) -> VillageToDo:
    """The same lists as the village's distribution page and follow-up worklist, for one village."""
    rows = [r for r in distribution(village, on_date).rows if r.collected_this_month is None]
    lists = follow_up_worklist(village, on_date)
    seen: set[int] = set()
    follow_up = []
    for entry in [*lists["low_adherence"], *lists["due"]]:
        if entry.child.pk not in seen:
            seen.add(entry.child.pk)
            follow_up.append(entry)
    return VillageToDo(village, rows, follow_up)
