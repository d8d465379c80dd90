"""Supervision's sentences in the work summary (工作总结), named by the supervision pack
(``summary_notes``): the inspections held and what they found in 主要做法; open and overdue rectification
and the units with low assessment scores in 存在的问题, each with its next step. Every figure comes from the
indicator module (``SUP_*``), the records and the assessment, and is recorded in the draft."""

from __future__ import annotations

import datetime as dt

from jiceng.indicators import compute
from jiceng.orgunits.models import Level, OrgUnit, subtree_q
from jiceng.periods import Period
from jiceng.summaries.writer import Draft, SectionText, _figure, period_words
from jiceng.supervision.models import InspectionRecord, Notice

NEXT_STEPS = {
    "rectification_open": "对未销号的问题逐项跟踪督办，逾期未整改的约谈负责人并依规升级处理，确保按期销号。",
    "low_scores": "对考核得分落后的单位分析原因、帮扶指导，限期整改，并在下期考核通报中跟踪。",
}
CODES = ["SUP_COVERAGE", "SUP_FINDINGS", "SUP_RECTIFIED", "SUP_ON_TIME", "SUP_OVERDUE"]


def notes(
    draft: Draft, unit: OrgUnit, period: Period, *, official: bool, today: dt.date, children: list[OrgUnit]
) -> SectionText | None:
    records = InspectionRecord.objects.filter(
        subtree_q(unit.path, "unit__path"),
        withdrawn=False,
        inspected_on__gte=period.start,
        inspected_on__lte=period.end,
    )
    held = records.count()
    values = compute.compute(unit, [unit], period, official=official, codes=CODES, with_last_year=False)
    v = {code: values[(unit.pk, code)] for code in CODES}
    found = int(v["SUP_FINDINGS"].value or 0)
    if not held and not found:
        return None
    notices = Notice.objects.filter(
        subtree_q(unit.path, "unit__path"), issued_on__gte=period.start, issued_on__lte=period.end
    ).count()
    words = period_words(period)
    practice = f"加强督导检查，闭环整改。{words}共督导检查{_figure(draft, 'inspections', str(held))}家次"
    if v["SUP_COVERAGE"].value is not None:
        practice += f"，村卫生室检查覆盖率{_figure(draft, 'SUP_COVERAGE.value', v['SUP_COVERAGE'].display)}"
    practice += f"，发现问题{_figure(draft, 'SUP_FINDINGS.value', str(found))}个"
    if notices:
        practice += f"，下发整改通知书{_figure(draft, 'notices', str(notices))}份"
    if v["SUP_RECTIFIED"].value is not None:
        practice += f"，整改率{_figure(draft, 'SUP_RECTIFIED.value', v['SUP_RECTIFIED'].display)}"
    if v["SUP_ON_TIME"].value is not None:
        practice += f"，按期整改率{_figure(draft, 'SUP_ON_TIME.value', v['SUP_ON_TIME'].display)}"
    problems = []
    open_count = found - round((v["SUP_RECTIFIED"].value or 0) * found / 100) if found else 0
    overdue = int(v["SUP_OVERDUE"].value or 0)
    if open_count or overdue:
        text = f"整改工作仍需加强：{words}发现的问题中尚有{_figure(draft, 'findings_open', str(open_count))}个未销号"
        if overdue:
            as_of = min(period.end, today)
            text += f"；截至{as_of.month}月{as_of.day}日，已过整改期限仍未销号的问题{_figure(draft, 'SUP_OVERDUE.value', str(overdue))}个"
        problems.append(("rectification_open", text + "。"))
    low = _low_scores(draft, unit, period)
    if low:
        problems.append(("low_scores", low))
    return SectionText("", problems, NEXT_STEPS, practice=practice + "。")


def _low_scores(draft: Draft, unit: OrgUnit, period: Period) -> str:
    from jiceng.supervision.assessment import all_schemes, scores

    level_below = {Level.COUNTY: Level.TOWNSHIP, Level.TOWNSHIP: Level.VILLAGE}.get(unit.level)
    for scheme in all_schemes().values():
        if scheme.level != level_below:
            continue
        lagging = [s for s in scores(scheme, unit, period, with_previous=False) if s.lagging]
        if lagging:
            names = "、".join(
                f"{s.unit.name}（{_figure(draft, f'score.{s.unit.code}', str(s.total))}分）" for s in lagging
            )
            return f"{scheme.name}得分落后的是{names}。"
    return ""
