"""Alerts and data-quality checks on indicators (预警与数据质量).

- indicators below target, and the lagging units (``compute.lagging``: the bottom three child units);
- sudden jumps from last month (more than 20 percentage points);
- rates above 100% where a share cannot exceed it (typed-in data);
- totals that are not the sum of their parts (the packs' validation rules, on typed reports);
- a stated year-on-year change inconsistent with the values (the seeds contain such contradictions:
  "增长61.8%" for 0.87 vs 0.206, which is +322%).
"""

from __future__ import annotations

from dataclasses import dataclass

from jiceng.indicators.compute import IndicatorValue, compute, lagging
from jiceng.orgunits.models import OrgUnit
from jiceng.periods import Period

JUMP_POINTS = 20
STATED_CHANGE_TOLERANCE = 0.1  # percentage points of rounding allowed in a stated change


@dataclass(frozen=True)
class Alert:
    kind: str  # below_target | lagging | jump | impossible_rate | inconsistent_total | stated_change
    unit: OrgUnit | None
    indicator: str
    message: str


def stated_change_problem(this: float, last: float, stated_percent: float) -> str | None:
    """None when a stated year-on-year change (e.g. "增长161.9%") agrees with the two values."""
    if not last:
        return "上年数值为0，无法计算同比"
    actual = (this - last) / last * 100
    if abs(actual - stated_percent) <= STATED_CHANGE_TOLERANCE:
        return None
    return (
        f"所述同比{'增长' if stated_percent >= 0 else '下降'}{abs(stated_percent):g}%与数值不符："
        f"({this:g} − {last:g}) ÷ {last:g} = {actual:.1f}%"
    )


def stated_completion_problem(done: float, planned: float, stated_percent: float) -> str | None:
    """None when a stated completion of plan (完成年度计划的X%) agrees with the values."""
    if not planned:
        return "计划数为0，无法计算完成率"
    actual = done / planned * 100
    if abs(actual - stated_percent) <= STATED_CHANGE_TOLERANCE:
        return None
    return f"所述完成年度计划{stated_percent:g}%与数值不符：{done:g} ÷ {planned:g} = {actual:.1f}%"


def impossible_rate(value: IndicatorValue) -> bool:
    limit = value.indicator.target_max
    return limit is not None and value.value is not None and value.value > limit


def alerts(
    root: OrgUnit, children: list[OrgUnit], period: Period, values=None, *, official: bool = True
) -> list[Alert]:
    values = values or compute(root, [root, *children], period, official=official)
    found: list[Alert] = []
    codes = sorted({code for _unit, code in values})
    for code in codes:
        own = values[(root.pk, code)]
        if own.status == "not_met":
            found.append(
                Alert(
                    "below_target",
                    root,
                    code,
                    f"{own.indicator.name}{own.display}，未达到目标{float(own.target):g}{own.indicator.unit_label}",
                )
            )
        for value in [own, *(values[(c.pk, code)] for c in children)]:
            if impossible_rate(value):
                found.append(
                    Alert(
                        "impossible_rate",
                        value.unit,
                        code,
                        f"{value.unit.name}{value.indicator.name}{value.display}，超过100%，数据有误",
                    )
                )
        if own.target is not None:
            for value in lagging([values[(c.pk, code)] for c in children]):
                if value.status in ("not_met", "close"):
                    found.append(
                        Alert(
                            "lagging",
                            value.unit,
                            code,
                            f"{value.unit.name}{value.indicator.name}{value.display}，排名靠后",
                        )
                    )
    if period.kind == "month":
        previous = compute(root, [root, *children], period.previous(), official=official, with_last_year=False)
        for (unit_id, code), value in values.items():
            before = previous.get((unit_id, code))
            if value.is_count or before is None or value.value is None or before.value is None:
                continue
            if abs(value.value - before.value) > JUMP_POINTS:
                found.append(
                    Alert(
                        "jump",
                        value.unit,
                        code,
                        f"{value.unit.name}{value.indicator.name}由上月{before.display}变为{value.display}，请核实",
                    )
                )
    return found
