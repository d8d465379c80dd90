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
from jiceng.periods import Period, parse_period, quarter_code

SECTIONS = (
    ("results", "一、主要工作及成效"),
    ("practice", "二、主要做法"),
    ("problems", "三、存在的问题"),
    ("next_steps", "四、下一步工作计划"),
)
CONTINUE = "继续做好各项工作，巩固项目成效。"


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
    word = STATUS_WORDS.get(v.status or "", "未达到")  # the word the dashboard's table shows (达到/接近/未达到)
    if v.indicator.direction == "higher":
        return f"{word}项目目标（{target}以上）"
    return f"{word}目标（低于{target}）"


STATUS_WORDS = {"met": "达到", "close": "接近", "not_met": "未达到"}


def change_words(change: float, unit: str = "个百分点", *, rise: str = "提高", fall: str = "下降") -> str:
    """「提高 4.35 个百分点」/「下降 1.52 个百分点」/「持平」: a change said with its direction, never a signed number."""
    if round(change, 2) == 0:
        return "持平"
    return f"{rise if change > 0 else fall}{abs(change):.2f}{unit}"


def _who(unit: OrgUnit) -> tuple[str, str]:
    """(we, guided by) as a township health centre or a county writes them."""
    if unit.level == Level.TOWNSHIP:
        county = unit.parent
        return "我院", f"{county.name}卫生健康局和{county.name}妇幼保健中心"
    if unit.level == Level.VILLAGE:
        return "我室", f"{unit.parent.display_name}"
    return "我县", "上级卫生健康部门"


@dataclass
class SectionText:
    """What one programme writes into the summary: its results paragraph(s), the problems it found
    (kind, sentence) and the next steps for its own kinds of problem."""

    results: str
    problems: list[tuple[str, str]] = field(default_factory=list)
    next_steps: dict[str, str] = field(default_factory=dict)
    practice: str = ""  # sentences for 主要做法 (a pack's ``summary_notes``)


def write(unit: OrgUnit, period: Period, *, official: bool = True, today: dt.date | None = None) -> Draft:
    """The draft: one section per programme with figures for the unit and period (its pack's ``summary``:
    a section writer of its own, or the indicators it names), the practice, problems and next steps."""
    from jiceng.reporting.packs import all_packs

    today = today or compute.today()
    children = child_units(unit)
    words = period_words(period)
    we, guided_by = _who(unit)
    draft = Draft(unit, period, official, title="", opening="", sections={}, provisional=not period.is_closed(today))
    written: list[tuple[object, SectionText]] = []
    for pack in all_packs().values():
        if pack.summary is None:
            continue
        if pack.summary.writer:
            text = _function(pack.summary.writer)(
                draft, unit, period, official=official, today=today, children=children
            )
        else:
            text = _generic_section(draft, unit, period, official, pack)
        if text is not None:
            written.append((pack, text))
    if len(written) == 1:
        pack = written[0][0]
        draft.title = f"{unit.display_name}{words}{pack.name}工作总结"
        draft.opening = (
            pack.summary.opening or "{words}，在{guided_by}的指导下，{we}认真落实" + pack.name + "各项工作。"
        ).format(words=words, guided_by=guided_by, we=we) + f"现将{words}工作总结如下："
    else:
        names = "、".join(pack.short_name for pack, _text in written) or "各项"
        draft.title = f"{unit.display_name}{words}卫生健康项目工作总结"
        draft.opening = (
            f"{words}，在{guided_by}的指导下，{we}认真落实{names}等项目，扎实开展各项工作。现将{words}工作总结如下："
        )
    if not written:
        draft.has_data = False
        return draft
    draft.sections["results"] = "\n".join(text.results for _pack, text in written if text.results)
    notes = [
        _function(pack.summary_notes)(draft, unit, period, official=official, today=today, children=children)
        for pack in all_packs().values()
        if pack.summary_notes
    ]
    notes = [n for n in notes if n is not None]
    draft.sections["practice"] = _practice(draft, unit, period, [n.practice for n in notes if n.practice])
    problems = [problem for _pack, text in written for problem in text.problems]
    problems += [problem for n in notes for problem in n.problems]
    late, returned = _late_and_returned(unit, period)
    if late or returned:
        problems.append(("reports", f"报表质量有待提高：{words}报表迟报{late}份、被退回修改{returned}份。"))
    draft.sections["problems"] = "\n".join(text for _kind, text in problems) or "本期数据未发现突出问题。"
    draft.problems = [kind for kind, _text in problems]
    steps = dict(NEXT_STEPS)
    for _pack, text in written:
        steps.update(text.next_steps)
    for n in notes:
        steps.update(n.next_steps)
    closing = written[0][0].summary.closing if len(written) == 1 and written[0][0].summary.closing else CONTINUE
    draft.sections["next_steps"] = numbered([steps[kind] for kind in dict.fromkeys(draft.problems)]) or closing
    return draft


def _function(target: str):
    from importlib import import_module

    module, name = target.split(":", 1)
    return getattr(import_module(module), name)


def _generic_section(draft: Draft, unit: OrgUnit, period: Period, official: bool, pack) -> SectionText | None:
    section = _programme_section(unit, period, official, pack)
    if section is None:
        return None
    problems = [
        ("below_target", f"{v.indicator.name}为{rate_text(v.value, v.indicator.unit_label)}，{target_text(v)}。")
        for v in section.values
        if v.status == "not_met" and not v.is_count
    ]
    return SectionText(_programme_text(draft, section), problems)


@dataclass
class ProgrammeSection:
    """One programme's part of the summary (妇幼健康工作, 基本公共卫生服务工作), as its pack declares it."""

    programme: str
    heading: str
    counts: list[IndicatorValue]
    values: list[IndicatorValue]
    chart: str = ""  # the indicator drawn as a trend and a ranking of the units below


def programme_sections(unit: OrgUnit, period: Period, *, official: bool) -> list[ProgrammeSection]:
    """The figures of every programme whose pack declares a ``summary`` and that has figures for the unit
    and period, every one from the indicator module (the document's tables and charts)."""
    from jiceng.reporting.packs import all_packs

    found = (_programme_section(unit, period, official, pack) for pack in all_packs().values() if pack.summary)
    return [section for section in found if section is not None]


def _programme_section(unit: OrgUnit, period: Period, official: bool, pack) -> ProgrammeSection | None:
    codes = [*pack.summary.counts, *pack.summary.indicators]
    values = compute.compute(unit, [unit], period, official=official, codes=codes)
    counts = [values[(unit.pk, c)] for c in pack.summary.counts]
    rates = [values[(unit.pk, c)] for c in pack.summary.indicators]
    if not any(v.value is not None for v in counts + rates):
        return None
    return ProgrammeSection(pack.programme, pack.summary.heading, counts, rates, pack.summary.chart)


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


def _practice(draft: Draft, unit: OrgUnit, period: Period, extra: list[str] = ()) -> str:
    """主要做法: training, health education, the packs' own sentences (``extra``: inspections held) and
    先审核、后上报."""
    from jiceng.activities.queries import activity_totals

    totals = activity_totals(unit, period.start, period.end)
    lines = []
    if totals["trainings"]:
        lines.append(
            f"加强人员培训。共举办培训{_figure(draft, 'trainings', str(totals['trainings']))}期，"
            f"培训{_figure(draft, 'training_attendances', str(totals['training_attendances']))}人次，"
            "提高了基层人员的业务能力。"
        )
    if totals["events"]:
        lines.append(
            f"广泛开展健康教育和宣传。共开展健康教育和宣传活动{_figure(draft, 'events', str(totals['events']))}场次，"
            f"覆盖{_figure(draft, 'reach', str(totals['reach']))}人次，提高了看护人对项目的知晓率。"
        )
    lines.extend(extra)
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
    unit itself) report for review, in pack order — the reporting queries' own 及时率 and 完整率, over the
    report periods whose deadline has passed (a period not yet due is neither late nor on time)."""
    from django.utils import timezone

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
            due = [p for p in periods if report_queries.deadline(ds, level, parse_period(p)) < timezone.now()]
            found.append((ds, level, [report_queries.timeliness(ds, unit, level, parse_period(p)) for p in due]))
    return found


CHINESE_NUMERALS = "一二三四五六七八九十"


def numbered(items: list[str]) -> str:
    """（一）… （二）… — second-level items numbered in the order written."""
    return "\n".join(f"（{CHINESE_NUMERALS[i]}）{text}" for i, text in enumerate(items))


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
    return sorted({quarter_code(start) for start in period.month_starts})


NEXT_STEPS = {
    "below_target": "针对未达标指标，逐个单位分析原因，制定整改措施，确保年底前达到目标。",
    "reports": "严格执行“先审核、后上报”，加强报表培训，确保报表按时、准确上报。",
}
