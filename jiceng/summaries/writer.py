"""Writes the work summary (工作总结) and the quarterly analysis (季度分析) from the data.

Every number comes from the indicator module (``jiceng.indicators.compute``), the reporting queries,
the activity and stock queries — none is computed here. Each figure used is recorded under a key, so
an edited text can later be checked against the data (``jiceng.summaries.checks``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from jiceng.indicators import compute
from jiceng.indicators.compute import IndicatorValue
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.orgunits.queries import child_units
from jiceng.periods import Period, parse_period

SECTIONS = (
    ("results", "一、主要工作及成效"),
    ("practice", "二、主要做法"),
    ("problems", "三、存在的问题"),
    ("next_steps", "四、下一步工作计划"),
)
RATE_CODES = ("NUT_COVERAGE", "NUT_EFFECTIVE_USE", "NUT_COUNSELLING", "NUT_ANAEMIA", "NUT_STUNTING")


@dataclass
class Draft:
    unit: OrgUnit
    period: Period
    official: bool
    title: str
    opening: str
    sections: dict[str, str]
    figures: dict[str, str] = field(default_factory=dict)  # key → the figure as written
    problems: list[str] = field(default_factory=list)  # problem kinds, in order
    provisional: bool = False
    has_data: bool = True


def period_words(period: Period) -> str:
    return {
        "year": f"{period.start.year}年",
        "half": period.label,
        "quarter": period.label,
        "month": period.label,
        "ytd": period.label,
    }[period.kind]


def rate_text(value: float, unit: str = "%") -> str:
    return f"{value:.2f}{unit}"


def change_text(v: IndicatorValue) -> str | None:
    change = v.change
    if change is None:
        return None
    if v.is_count:
        if change == 0:
            return "与上年同期持平"
        return f"较上年同期{'增长' if change > 0 else '下降'}{abs(change):.2f}%"
    if change == 0:
        return "与上年同期持平"
    return f"较上年同期{'提高' if change > 0 else '降低'}{abs(change):.2f}个百分点"


def target_text(v: IndicatorValue) -> str | None:
    if v.target is None or v.value is None:
        return None
    target = f"{float(v.target):g}{v.indicator.unit_label}"
    if v.indicator.direction == "higher":
        return f"{'达到' if v.status == 'met' else '未达到'}项目目标（{target}以上）"
    return f"{'达到' if v.status == 'met' else '未达到'}目标（低于{target}）"


def _who(unit: OrgUnit) -> tuple[str, str]:
    """(we, guided by) as a township health centre or a county writes them."""
    if unit.level == Level.TOWNSHIP:
        county = unit.parent
        return "我院", f"{county.name}卫生健康局和{county.name}妇幼保健中心"
    if unit.level == Level.VILLAGE:
        return "我室", f"{unit.parent.display_name}"
    return "我县", "上级卫生健康部门"


def write(unit: OrgUnit, period: Period, *, official: bool = True, today: dt.date | None = None) -> Draft:
    today = today or compute.today()
    children = child_units(unit)
    values = compute.compute(unit, [unit, *children], period, official=official)
    own = {code: values[(unit.pk, code)] for (uid, code) in values if uid == unit.pk}
    words = period_words(period)
    we, guided_by = _who(unit)
    draft = Draft(
        unit,
        period,
        official,
        title=f"{unit.display_name}{words}儿童营养改善项目工作总结",
        opening=f"{words}，在{guided_by}的指导下，{we}认真落实儿童营养改善项目实施方案，"
        f"扎实开展营养包发放、随访和健康教育等工作。现将{words}工作总结如下：",
        sections={},
        provisional=not period.is_closed(today),
    )
    sections = programme_sections(unit, period, official=official)
    if sections and len(sections) + (own["NUT_PACKS"].value is not None) > 1:
        draft.title = f"{unit.display_name}{words}卫生健康项目工作总结"
        draft.opening = (
            f"{words}，在{guided_by}的指导下，{we}认真落实儿童营养改善、妇幼健康和基本公共卫生服务等项目，"
            f"扎实开展各项工作。现将{words}工作总结如下："
        )
    if own["NUT_PACKS"].value is None and own["NUT_COVERAGE"].value is None and not sections:
        draft.has_data = False
        return draft
    results = _results(draft, own, unit, period) if own["NUT_PACKS"].value is not None else ""
    for section in sections:
        results += ("\n" if results else "") + _programme_text(draft, section)
    draft.sections["results"] = results
    draft.sections["practice"] = _practice(draft, unit, period)
    problems = _problems(draft, own, values, children, unit, period, today)
    for section in sections:
        for v in section.values:
            if v.status == "not_met" and not v.is_count:
                problems.append(
                    (
                        "below_target",
                        f"{v.indicator.name}为{rate_text(v.value, v.indicator.unit_label)}，{target_text(v)}。",
                    )
                )
    draft.sections["problems"] = "\n".join(text for _kind, text in problems) or "本期数据未发现突出问题。"
    draft.problems = [kind for kind, _text in problems]
    draft.sections["next_steps"] = (
        numbered([NEXT_STEPS[kind] for kind in dict.fromkeys(draft.problems)])
        or "继续做好营养包发放、随访和健康教育工作，巩固项目成效。"
    )
    return draft


@dataclass
class ProgrammeSection:
    """One programme's part of the summary (妇幼健康工作, 基本公共卫生服务工作), as its pack declares it."""

    programme: str
    heading: str
    counts: list[IndicatorValue]
    values: list[IndicatorValue]


def programme_sections(unit: OrgUnit, period: Period, *, official: bool) -> list[ProgrammeSection]:
    """The sections of the programmes whose packs declare a ``summary`` and that have figures for the unit
    and period; every figure from the indicator module."""
    from jiceng.reporting.packs import all_packs

    sections = []
    for programme, pack in all_packs().items():
        if pack.summary is None:
            continue
        codes = [*pack.summary.counts, *pack.summary.indicators]
        values = compute.compute(unit, [unit], period, official=official, codes=codes)
        counts = [values[(unit.pk, c)] for c in pack.summary.counts]
        rates = [values[(unit.pk, c)] for c in pack.summary.indicators]
        if any(v.value is not None for v in counts + rates):
            sections.append(ProgrammeSection(programme, pack.summary.heading, counts, rates))
    return sections


def _programme_text(draft: Draft, section: ProgrammeSection) -> str:
    """「妇幼健康工作。全年活产272人；孕产妇系统管理率为94.48%，较上年同期提高…，达到目标（90%以上）；…」"""
    parts = []
    for v in section.counts:
        if v.value is not None:
            text = _figure(draft, f"{v.indicator.code}.value", f"{v.value:.0f}")
            sentence = f"{v.indicator.name}{text}{v.indicator.unit_label}"
            if v.change is not None:
                _figure(draft, f"{v.indicator.code}.change", f"{abs(v.change):.2f}")
                sentence += f"，{change_text(v)}"
            parts.append(sentence)
    for v in section.values:
        if v.value is None:
            continue  # no denominator: left out, never written as 0
        sentence = f"{v.indicator.name}为{_figure(draft, f'{v.indicator.code}.value', v.display)}"
        change = change_text(v)
        if change:
            _figure(draft, f"{v.indicator.code}.change", f"{abs(v.change):.2f}")
            sentence += f"，{change}"
        target = target_text(v)
        if target:
            _figure(draft, f"{v.indicator.code}.target", f"{float(v.target):g}{v.indicator.unit_label}")
            sentence += f"，{target}"
        parts.append(sentence)
    return f"{section.heading}：" + "；".join(parts) + "。"


def _figure(draft: Draft, key: str, text: str) -> str:
    draft.figures[key] = text
    return text


def _results(draft: Draft, own: dict[str, IndicatorValue], unit: OrgUnit, period: Period) -> str:
    lines = []
    packs, children = own["NUT_PACKS"], own["NUT_CHILDREN_COLLECTED"]
    if packs.value is not None:
        sentence = (
            f"{period_words(period)}共发放营养包{_figure(draft, 'NUT_PACKS.value', f'{packs.value:.0f}')}包，"
            f"儿童领取{_figure(draft, 'NUT_CHILDREN_COLLECTED.value', f'{children.value:.0f}')}人次"
        )
        if packs.completion is not None:
            sentence += f"，完成年度计划的{_figure(draft, 'NUT_PACKS.completion', f'{packs.completion:.2f}%')}"
        if packs.change is not None:
            _figure(draft, "NUT_PACKS.change", f"{abs(packs.change):.2f}")
            sentence += f"，发放包数{change_text(packs)}"
        lines.append(sentence + "。")
    for code in RATE_CODES:
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


def _practice(draft: Draft, unit: OrgUnit, period: Period) -> str:
    from jiceng.activities.queries import activity_totals

    totals = activity_totals(unit, period.start, period.end)
    lines = []
    if totals["trainings"]:
        lines.append(
            f"加强人员培训。共举办培训{_figure(draft, 'trainings', str(totals['trainings']))}期，"
            f"培训{_figure(draft, 'training_attendances', str(totals['training_attendances']))}人次，"
            "提高了村医营养包发放、随访和咨询指导的能力。"
        )
    if totals["events"]:
        lines.append(
            f"广泛开展健康教育和宣传。共开展健康教育和宣传活动{_figure(draft, 'events', str(totals['events']))}场次，"
            f"覆盖{_figure(draft, 'reach', str(totals['reach']))}人次，提高了看护人对项目的知晓率。"
        )
    parts = []
    for index, (ds, level, rates) in enumerate(_report_rates(unit, period)):
        due = sum(r.due for r in rates)
        if not due:
            continue
        on_time, approved = sum(r.on_time for r in rates), sum(r.approved for r in rates)
        key = "" if index == 0 else f".{ds.code}.{level}"
        who = {"village": "村级", "township": "乡镇"}[level]
        parts.append(
            f"{who}{ds.short_name}应报{due}份，按时上报{on_time}份，及时率"
            f"{_figure(draft, f'timeliness{key}', f'{on_time / due * 100:.2f}%')}；审核通过{approved}份，完整率"
            f"{_figure(draft, f'completeness{key}', f'{approved / due * 100:.2f}%')}"
        )
    if parts:
        lines.append("落实“先审核、后上报”。" + "；".join(parts) + "。")
    return numbered(lines) or "本期未登记培训和宣传活动。"


def _report_rates(unit: OrgUnit, period: Period):
    """(data set, level, [timeliness per report period]) for every form the units under ``unit`` (or the
    unit itself) report for review, in pack order — the reporting queries' own 及时率 and 完整率."""
    from jiceng.reporting import queries as report_queries
    from jiceng.reporting.aggregate import report_periods
    from jiceng.reporting.packs import all_datasets

    begun = set(compute.months_so_far(period))
    order = ("village", "township", "county")
    found = []
    for ds in all_datasets().values():
        periods = [p for p in report_periods(ds, period) if all(m in begun for m in parse_period(p).months)]
        for level in report_queries.review_levels(ds):
            if unit.level in order and order.index(level) > order.index(unit.level):
                continue  # a level above the unit: not its work
            if not report_queries.reporting_units(unit, level, ds):
                continue
            found.append((ds, level, [report_queries.timeliness(ds, unit, level, parse_period(p)) for p in periods]))
    return found


CHINESE_NUMERALS = "一二三四五六七八九十"


def numbered(items: list[str]) -> str:
    """（一）… （二）… — second-level items numbered in the order written."""
    return "\n".join(f"（{CHINESE_NUMERALS[i]}）{text}" for i, text in enumerate(items))


def _closed_months(period: Period) -> list[Period]:
    from jiceng.periods import parse_period

    return [parse_period(m) for m in compute.months_so_far(period)]


def _problems(draft, own, values, children, unit, period, today) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    below = [own[c] for c in RATE_CODES if own[c].status == "not_met"]
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
    late, returned = _late_and_returned(unit, period)
    if late or returned:
        found.append(("reports", f"报表质量有待提高：{period_words(period)}报表迟报{late}份、被退回修改{returned}份。"))
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
        from jiceng.nutrition.queries import follow_up_worklist
        from jiceng.nutrition.rules.adherence import min_packs_per_week

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


def _late_and_returned(unit: OrgUnit, period: Period) -> tuple[int, int]:
    from jiceng.audit.models import AuditEntry
    from jiceng.orgunits.models import subtree_q
    from jiceng.reporting.models import Report

    late = sum(r.submitted - r.on_time for _ds, _level, rates in _report_rates(unit, period) for r in rates)
    report_ids = [
        str(pk)
        for pk in Report.objects.filter(
            subtree_q(unit.path, "unit__path"), period__in=[*period.months, *_quarters(period)]
        ).values_list("pk", flat=True)
    ]
    returned = (
        AuditEntry.objects.filter(action="report.return", object_type="reporting.report", object_id__in=report_ids)
        .values("object_id")
        .distinct()
        .count()
    )
    return late, returned


def _quarters(period: Period) -> list[str]:
    return sorted({f"{m[:4]}Q{(int(m[5:7]) - 1) // 3 + 1}" for m in period.months})


def _stock_problems(unit: OrgUnit, today: dt.date) -> list[tuple[str, str]]:
    from jiceng.stock.queries import alerts_under

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


NEXT_STEPS = {
    "below_target": "针对未达标指标，逐村分析原因，加强入户动员和发放组织，确保年底前达到项目目标。",
    "lagging": "对发放率排名靠后的村开展专项督导，约谈村医，限期整改并跟踪通报。",
    "reports": "严格执行“先审核、后上报”，加强报表培训，确保月报按时、准确上报。",
    "stopped": "对停服儿童逐一电话或入户随访，了解原因，动员符合条件的儿童续服。",
    "stock_out": "加强库存管理，按月核对需求，及时申领调拨，杜绝断货。",
    "expiring": "落实先进先出，临期批次优先发放或调剂，过期营养包按规定报损销毁。",
    "adherence": "对服用依从性差的儿童增加随访次数，开展个案分析和喂养指导。",
    "followup": "落实每月随访制度，按时填写个案随访卡。",
}
