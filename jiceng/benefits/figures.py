"""The benefit figures of a year for any unit's subtree — the one query module the roster page, the CLI and
the work-summary sentence read: roster by scheme, 新增, 退出 (死亡/迁出/不再符合), persons paid, amount paid
and 兑现率 (persons paid ÷ persons on the approved roster).

:func:`sentence` writes them in the words of seed 004: 「2021年农村部分计划生育家庭奖励扶助新增100人、死亡17人,
完成218人78.528万元的奖励金发放;…四项制度奖励金全部通过"一卡通"发放」.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from jiceng.benefits.models import Enrolment, Exit, Payment
from jiceng.benefits.rules import schemes
from jiceng.orgunits.models import OrgUnit, subtree_q

ON_ROSTER = (Enrolment.State.APPROVED, Enrolment.State.EXITED)


@dataclass(frozen=True)
class SchemeFigures:
    scheme: str
    roster: int  # approved for the year (including those who exited during it)
    new: int  # 新增
    died: int
    moved_out: int
    ended: int
    paid_people: int
    paid_amount: Decimal

    @property
    def exits(self) -> int:
        return self.died + self.moved_out + self.ended

    @property
    def fulfilment(self) -> Decimal | None:
        """兑现率 (%): persons paid ÷ persons on the roster."""
        if not self.roster:
            return None
        return (Decimal(self.paid_people) * 100 / self.roster).quantize(Decimal("0.01"))


def year_figures(unit: OrgUnit, year: int) -> list[SchemeFigures]:
    """Every scheme's figures for ``year`` in ``unit``'s subtree (one query per kind of figure)."""
    where = subtree_q(unit.path, "village__path")
    enrolments = Enrolment.objects.filter(where, year=year, state__in=ON_ROSTER)
    roster, new = {}, {}
    for row in (
        enrolments.order_by().values("scheme").annotate(n=Count("id"), new=Count("id", filter=Q(new_entrant=True)))
    ):
        roster[row["scheme"]], new[row["scheme"]] = row["n"], row["new"]
    exits: dict[tuple, int] = {}
    rows = (
        Exit.objects.filter(subtree_q(unit.path, "enrolment__village__path"), enrolment__year=year)
        .order_by()
        .values("enrolment__scheme", "reason")
        .annotate(n=Count("id"))
    )
    for row in rows:
        exits[(row["enrolment__scheme"], row["reason"])] = row["n"]
    paid = {
        row["batch__scheme"]: (row["people"], row["amount"] or Decimal(0))
        for row in Payment.objects.filter(
            subtree_q(unit.path, "enrolment__village__path"), batch__year=year, status=Payment.Status.PAID
        )
        .order_by()
        .values("batch__scheme")
        .annotate(people=Count("enrolment", distinct=True), amount=Sum("amount"))
    }
    return [
        SchemeFigures(
            scheme,
            roster.get(scheme, 0),
            new.get(scheme, 0),
            exits.get((scheme, Exit.Reason.DEATH), 0),
            exits.get((scheme, Exit.Reason.MOVED_OUT), 0),
            exits.get((scheme, Exit.Reason.ENDED), 0),
            *paid.get(scheme, (0, Decimal(0))),
        )
        for scheme in schemes.SCHEMES
    ]


def wan(amount: Decimal) -> str:
    """元 → 万元 without trailing zeros: 785280 → 78.528."""
    value = (Decimal(amount) / 10000).quantize(Decimal("0.0001")).normalize()
    return f"{value:f}"


def sentence(unit: OrgUnit, year: int) -> str:
    """The work-summary sentence of seed 004 for ``unit``'s subtree and ``year`` ('' when nothing was paid)."""
    by_scheme = {f.scheme: f for f in year_figures(unit, year)}
    parts = []
    for scheme, title in ((schemes.JIANGFU, "农村部分计划生育家庭奖励扶助"), (schemes.TEFU, "特别扶助")):
        f = by_scheme[scheme]
        if f.roster or f.paid_people:
            parts.append(
                f"{year}年{title}新增{f.new}人、死亡{f.died}人,完成{f.paid_people}人{wan(f.paid_amount)}万元的奖励金发放"
            )
    f = by_scheme[schemes.ONLY_CHILD]
    if f.paid_people:
        parts.append(f"完成{year}年独生子女{f.paid_people}人、{wan(f.paid_amount)}万元的奖励金发放")
    f = by_scheme[schemes.SSKF]
    if f.paid_people:
        parts.append(f"少生快富{f.paid_people}人{wan(f.paid_amount)}万元")
    if not parts:
        return ""
    return ";".join(parts) + ",四项制度奖励金全部通过\u201c一卡通\u201d发放。"
