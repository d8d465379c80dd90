"""The inputs and outputs of the eligibility engine: facts, events, reasons, decisions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from .clauses import CLAUSES

# Statuses (状态) of a child in the programme.
INELIGIBLE = "不符合"  # never enrolled and not eligible now
ELIGIBLE = "可纳入"  # not enrolled, may be enrolled now (or re-included, E3)
ACTIVE = "在服"  # enrolled and taking packs
STOPPED = "停服"  # two months without collection (E5)
TERMINATED = "终止"  # second stop: enrolment ended for good (E7)
COMPLETED = "服满"  # reached the upper age while enrolled (E1)
UNSUITABLE = "不适宜"  # a doctor found the packs not suitable (E8)
MOVED_OUT = "迁出"  # moved away
DEAD = "死亡"  # died

STATUSES = (INELIGIBLE, ELIGIBLE, ACTIVE, STOPPED, TERMINATED, COMPLETED, UNSUITABLE, MOVED_OUT, DEAD)

# Event types (事件类型).
CONSENT = "consent"  # 签订知情同意书
COLLECT = "collect"  # 领取营养包
ASSESSMENT = "assessment"  # 专业医生评估 (suitable: 适宜 / 不适宜)
MOVE_OUT = "move_out"  # 迁出
DEATH = "death"  # 死亡

EVENT_TYPES = (CONSENT, COLLECT, ASSESSMENT, MOVE_OUT, DEATH)


@dataclass(frozen=True, slots=True)
class ChildFacts:
    """What the rules need to know about a child (儿童)."""

    birth_date: date
    resident: bool = True  # 常住
    poor_household: bool = False  # 建档立卡贫困户
    relocation_site: bool = False  # 易地扶贫搬迁安置点
    special_condition: bool = False  # 需专业医生评估的特殊疾病 (e.g. 地中海贫血)


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened to a child on a day."""

    date: date
    type: str  # consent | collect | assessment | move_out | death
    packs: int | None = None  # collect: number of packs (包)
    suitable: bool | None = None  # assessment: 适宜 (True) / 不适宜 (False)


class Reason(NamedTuple):
    """Why: a rule id, a Chinese explanation with its dates and ages, and the quoted clause.

    Immutable; a named tuple because the engine makes several for every child.
    """

    rule_id: str
    text: str
    clause: str = ""

    def __str__(self) -> str:
        return self.text


def reason(rule_id: str, text: str) -> Reason:
    """A :class:`Reason` for rule ``rule_id``; the text ends with the rule id, e.g. "… (E7)"."""
    return Reason(rule_id, f"{text} ({rule_id})", CLAUSES.get(rule_id, ""))


class StatusChange(NamedTuple):
    """One entry of a child's enrolment history (a status change on a day)."""

    date: date
    status: str
    rule_id: str
    text: str


@dataclass(slots=True)
class Decision:
    """The engine's answer for a child on a day, with its reasons."""

    status: str
    can_collect: bool
    max_packs: int
    priority: int | None
    reasons: list[Reason]
    history: list[StatusChange]
    as_of: date
    completed_months: int
    enrolled_on: date | None = None
    last_collection: date | None = None
    stop_count: int = 0
    collected_this_month: bool = False
    blocked_by: Reason | None = None  # why can_collect is False (the first refusal)
    warnings: list[Reason] = field(default_factory=list)  # recorded collections the rules did not allow

    @property
    def rule_ids(self) -> list[str]:
        """Rule ids named in the reasons, in order, without repeats."""
        return list(dict.fromkeys(item.rule_id for item in self.reasons))

    def changes_between(self, start: date, end: date) -> list[StatusChange]:
        """Status changes on ``start`` ≤ day ≤ ``end`` (e.g. one calendar month of a report)."""
        return [change for change in self.history if start <= change.date <= end]

    def explain(self) -> str:
        """The reasons as one Chinese paragraph."""
        return ";".join(item.text for item in self.reasons)
