"""The public API of the nutrition-pack eligibility rules (pure Python, no Django).

::

    from jiceng.nutrition.rules.engine import ChildFacts, Event, Decision, Reason, evaluate, check_collection

    evaluate(child, events, as_of, force_majeure_months=()) -> Decision
    check_collection(child, events, on_date, packs, force_majeure_months=()) -> Reason | None
    priority_plan(children, stock, on_date, force_majeure_months=(), allow_partial=False) -> PriorityPlan
    completed_months(birth, on) -> int
    month_date(birth, n) -> date

The rules themselves are in :mod:`.eligibility` (one function per concept, E1–E9), the
replay of a child's events in :mod:`.evaluation`, supply priority (E4) in :mod:`.priority`
and the numbers in ``parameters/*.yaml``.
"""

from __future__ import annotations

from .evaluation import check_collection, evaluate
from .facts import (
    EVENT_TYPES,
    STATUSES,
    ChildFacts,
    Decision,
    Event,
    Reason,
    StatusChange,
)
from .months import completed_months, month_date
from .parameters import parameter
from .priority import Allocation, PriorityPlan, priority_plan

__all__ = [
    "EVENT_TYPES",
    "STATUSES",
    "Allocation",
    "ChildFacts",
    "Decision",
    "Event",
    "PriorityPlan",
    "Reason",
    "StatusChange",
    "check_collection",
    "completed_months",
    "evaluate",
    "month_date",
    "parameter",
    "priority_plan",
]
