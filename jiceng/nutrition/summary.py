"""The nutrition programme's section of the work summary (工作总结): packs issued and children reached, the
programme's rates against its targets, and the problems its registers show — lagging villages, stops,
stock alerts, poor adherence, follow-ups due. The summary writer calls :func:`section` because the pack
names it (``packs/nutrition/programme.yaml``: ``summary.writer``); every figure comes from the indicator
module, the register queries and the stock queries, and is recorded in the draft so an edited text can be
checked against the data later.
"""

from __future__ import annotations

import datetime as dt

from jiceng.indicators import compute
from jiceng.indicators.compute import IndicatorValue
from jiceng.nutrition.queries import follow_up_worklist
from jiceng.nutrition.rules.adherence import min_packs_per_week
from jiceng.orgunits.models import OrgUnit
from jiceng.periods import Period
from jiceng.reporting.packs import all_packs
from jiceng.stock.queries import alerts_under
from jiceng.summaries.writer import (
    Draft,
    SectionText,
    _figure,
    change_text,
    period_words,
    rate_text,
    target_text,
)


def _rate_codes() -> tuple[str, ...]:
    """The rates the section writes: those its pack names (``summary.indicators``)."""
    return all_packs()["nutrition"].summary.indicators


NEXT_STEPS = {
    "lagging": "对发放率排名靠后的村开展专项督导，约谈村医，限期整改并跟踪通报。",
    "stopped": "对停服儿童逐一电话或入户随访，了解原因，动员符合条件的儿童续服。",
    "stock_out": "加强库存管理，按月核对需求，及时申领调拨，杜绝断货。",
    "expiring": "落实先进先出，临期批次优先发放或调剂，过期营养包按规定报损销毁。",
    "adherence": "对服用依从性差的儿童增加随访次数，开展个案分析和喂养指导。",
    "followup": "落实每月随访制度，按时填写个案随访卡。",
}


def section(
    draft: Draft, unit: OrgUnit, period: Period, *, official: bool, today: dt.date, children: list[OrgUnit]
) -> SectionText | None:
    """The section, or None when the unit has no nutrition figures for the period."""
    codes = list(all_packs()["nutrition"].indicators)
    values = compute.compute(unit, [unit, *children], period, official=official, codes=codes)
    own = {code: values[(unit.pk, code)] for code in codes}
    if own["NUT_PACKS"].value is None and own["NUT_COVERAGE"].value is None:
        return None
    results = _results(draft, own, unit, period) if own["NUT_PACKS"].value is not None else ""
    problems = _problems(draft, own, values, children, unit, period, today)
    return SectionText(results, problems, NEXT_STEPS)


def _results(draft: Draft, own: dict[str, IndicatorValue], unit: OrgUnit, period: Period) -> str:
    lines = []
    packs, children = own["NUT_PACKS"], own["NUT_CHILDREN_COLLECTED"]
    if packs.value is not None:
        sentence = f"{period_words(period)}共发放营养包{_figure(draft, 'NUT_PACKS.value', f'{packs.value:.0f}')}包"
        if children.value is not None:  # a clinic without registers may report packs without children
            sentence += f"，儿童领取{_figure(draft, 'NUT_CHILDREN_COLLECTED.value', f'{children.value:.0f}')}人次"
        if packs.completion is not None:
            sentence += f"，完成年度计划的{_figure(draft, 'NUT_PACKS.completion', f'{packs.completion:.2f}%')}"
        if packs.change is not None:
            _figure(draft, "NUT_PACKS.change", f"{abs(packs.change):.2f}")
            sentence += f"，发放包数{change_text(packs)}"
        lines.append(sentence + "。")
    for code in _rate_codes():
        v = own[code]
        if v.value is None:
            continue  # no denominator: left out, never written as 0%
        parts = [f"{v.indicator.name}为{_figure(draft, f'{code}.value', rate_text(v.value, v.indicator.unit_label))}"]
        change = change_text(v)
        if change:
            _figure(draft, f"{code}.change", f"{abs(v.change):.2f}")
            parts.append(change)
        target = target_text(v)
        if target:
            _figure(draft, f"{code}.target", f"{float(v.target):g}{v.indicator.unit_label}")
            parts.append(target)
        lines.append("，".join(parts) + "。")
    return "\n".join(lines)


def _problems(draft, own, values, children, unit, period, today) -> list[tuple[str, str]]:
    """Below target, lagging units, stops, stock alerts, poor adherence and follow-ups due."""
    found: list[tuple[str, str]] = []
    below = [own[c] for c in _rate_codes() if own[c].status == "not_met"]
    for v in below:
        found.append(
            ("below_target", f"{v.indicator.name}为{rate_text(v.value, v.indicator.unit_label)}，{target_text(v)}。")
        )
    lagging = compute.lagging([values[(c.pk, "NUT_COVERAGE")] for c in children])
    if lagging:
        names = "、".join(
            f"{v.unit.name}（{_figure(draft, f'lagging.{v.unit.code}', rate_text(v.value))}）"
            for v in reversed(lagging)
        )
        found.append(("lagging", f"发放工作进展不平衡，营养包发放率较低的是{names}。"))
    stopped = own.get("NUT_STOPPED")
    if stopped and stopped.value:
        found.append(
            (
                "stopped",
                f"部分儿童未能坚持领取，共有{_figure(draft, 'NUT_STOPPED.value', f'{stopped.value:.0f}')}"
                "人次因连续两个月及以上未领取营养包而停服。",
            )
        )
    stock = _stock_problems(unit, today) if period.start <= today <= period.end or not period.is_closed(today) else []
    found += stock
    if period.end >= today.replace(day=1):
        lists = follow_up_worklist(unit, today)
        if lists["low_adherence"]:
            count = _figure(draft, "low_adherence", f"{len(lists['low_adherence'])}名")
            # 「近一周服用≥4包」: the dated parameter in force today
            threshold = _figure(draft, "adherence.threshold", f"{min_packs_per_week(today)}包")
            found.append(("adherence", f"有{count}儿童近7天服用营养包不足{threshold}，服用依从性差。"))
        if lists["due"]:
            count = _figure(draft, "followup_due", f"{len(lists['due'])}名")
            found.append(("followup", f"有{count}近两月领取营养包的儿童本月尚未随访。"))
    return found


def _stock_problems(unit: OrgUnit, today: dt.date) -> list[tuple[str, str]]:
    alerts = alerts_under(unit, today)
    out = []
    stock_out = [a for a in alerts if a.kind == "stock_out"]
    expiring = [a for a in alerts if a.kind in ("expiring", "expired")]
    if stock_out:
        out.append(
            ("stock_out", f"{len(stock_out)}个单位营养包断货：{'、'.join(a.unit.name for a in stock_out[:5])}。")
        )
    if expiring:
        out.append(("expiring", f"{len(expiring)}个批次营养包临近效期或已过期，需及时调剂或报损。"))
    return out
