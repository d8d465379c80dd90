"""E4 supply priority (优先保障): who gets packs when a clinic's stock is short.

「如出现营养包配量供应不充足的情况,则应优先保障建档立卡贫困家庭和易地扶贫搬迁安置点的婴幼儿,
其次优先保障6-24月龄婴幼儿」

*Readings:*

* Due this month = every child who may collect on the day (``Decision.can_collect``), each
  for their ``max_packs``.
* Order: priority group (1 建档立卡/易地扶贫搬迁安置点, 2 completed months 6–23, 3 the rest),
  then earlier enrolment date (a child not yet enrolled comes after the enrolled ones of
  their group), then the lower record id (key).
* Whole allocations only, in that order: the first child whose due no longer fits waits,
  and so does everyone after them (nobody jumps the queue); what is left stays in stock.
  With ``allow_partial=True`` the first child who does not fit gets what is left instead.
  A partial supply still uses the child's one collection of the month (E6).
* The plan is shown to the village doctor before anything is issued; nothing is recorded here.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from .eligibility import PRIORITY_GROUP_NAMES
from .evaluation import evaluate
from .facts import ChildFacts, Event, Reason, reason

ISSUE = "发放"  # gets the full due
PARTIAL = "部分发放"  # gets what is left (allow_partial)
WAIT = "等待"  # waits for the next delivery


@dataclass(frozen=True)
class Allocation:
    """One due child's place in the plan."""

    key: Hashable
    priority: int
    enrolled_on: date | None
    due: int
    packs: int
    outcome: str  # 发放 | 部分发放 | 等待
    reason: Reason

    @property
    def waits(self) -> bool:
        return self.outcome == WAIT


@dataclass
class PriorityPlan:
    """The allocation of ``stock`` packs on ``on_date`` among the children due."""

    on_date: date
    stock: int
    total_due: int
    allocations: list[Allocation] = field(default_factory=list)  # in priority order
    not_due: list[tuple[Hashable, Reason]] = field(default_factory=list)  # children who cannot collect now

    @property
    def shortage(self) -> bool:
        return self.stock < self.total_due

    @property
    def allocated(self) -> int:
        return sum(item.packs for item in self.allocations)

    @property
    def leftover(self) -> int:
        return self.stock - self.allocated

    @property
    def waiting(self) -> list[Allocation]:
        return [item for item in self.allocations if item.waits]

    def packs_for(self, key: Hashable) -> int:
        """Packs planned for the child with this key (0 if waiting or not due)."""
        return next((item.packs for item in self.allocations if item.key == key), 0)


ChildEntry = tuple[Hashable, ChildFacts, Iterable[Event], date | None]


def _queue_position(priority: int, enrolled_on: date | None, key: Hashable) -> tuple:
    """E4 order: group, then earlier enrolment (not yet enrolled last), then lower record id."""
    return (priority, enrolled_on is None, enrolled_on or date.max, key)


def priority_plan(
    children: Sequence[ChildEntry],
    stock: int,
    on_date: date,
    force_majeure_months: Collection[str] = (),
    allow_partial: bool = False,
) -> PriorityPlan:
    """Plan who gets how many packs from ``stock`` on ``on_date``, and who waits and why (E4).

    ``children`` are ``(key, facts, events, enrolled_on)``; ``enrolled_on`` may be None, in which
    case the enrolment date found in the events is used.
    """
    due: list[tuple[tuple, Hashable, int, date | None, int]] = []
    not_due: list[tuple[Hashable, Reason]] = []
    for key, facts, events, enrolled_on in children:
        decision = evaluate(facts, events, on_date, force_majeure_months)
        if not decision.can_collect:
            not_due.append((key, decision.blocked_by or decision.reasons[-1]))
            continue
        enrolled = enrolled_on or decision.enrolled_on
        due.append(
            (_queue_position(decision.priority, enrolled, key), key, decision.priority, enrolled, decision.max_packs)
        )
    due.sort(key=lambda item: item[0])
    total_due = sum(item[4] for item in due)
    plan = PriorityPlan(on_date=on_date, stock=stock, total_due=total_due, not_due=not_due)
    left = stock
    queue_stopped = False
    for place, (_, key, group, enrolled, packs_due) in enumerate(due, start=1):
        if not queue_stopped and packs_due <= left:
            outcome, packs = ISSUE, packs_due
        elif not queue_stopped and allow_partial and left > 0:
            outcome, packs = PARTIAL, left
            queue_stopped = True
        else:
            outcome, packs = WAIT, 0
            queue_stopped = True
        why = _allocation_reason(outcome, place, group, enrolled, packs_due, packs, left, plan.shortage)
        left -= packs
        plan.allocations.append(Allocation(key, group, enrolled, packs_due, packs, outcome, why))
    return plan


def _allocation_reason(
    outcome: str, place: int, group: int, enrolled: date | None, due: int, packs: int, left: int, shortage: bool
) -> Reason:
    enrolled_text = f"纳入日期 {enrolled.isoformat()}" if enrolled else "尚未纳入"
    where = f"{PRIORITY_GROUP_NAMES[group]},{enrolled_text},排第 {place} 位"
    if not shortage:
        return reason("E4", f"库存充足,发放 {packs} 包({where})")
    if outcome == ISSUE:
        return reason("E4", f"库存不足,按优先顺序发放 {packs} 包({where})")
    if outcome == PARTIAL:
        return reason("E4", f"库存不足,仅余 {left} 包,部分发放 {packs} 包(应发 {due} 包;{where})")
    return reason("E4", f"库存不足,轮到时仅余 {max(left, 0)} 包,不足应发的 {due} 包,等待下次到货({where})")
