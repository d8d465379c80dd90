"""季度分析: the quarter's indicators by unit against target and the previous quarter, the lagging units and
the data problems — from the same indicator module as the dashboard."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from jiceng.audit.recorder import record
from jiceng.documents.files import RenderedFile
from jiceng.documents.official.docx_builder import OfficialDocument, provisional_notice
from jiceng.indicators import compute, quality
from jiceng.indicators.compute import IndicatorValue
from jiceng.orgunits.models import OrgUnit
from jiceng.orgunits.queries import child_units
from jiceng.periods import Period, PeriodError, parse_period
from jiceng.reporting.packs import all_packs
from jiceng.summaries.writer import STATUS_WORDS, change_words


def rate_codes(programme: str) -> list[str]:
    """The programme's rate indicators (counts such as packs issued are not ranked)."""
    pack = all_packs()[programme]
    return [code for code, ind in pack.indicators.items() if not ind.is_count]


@dataclass
class Row:
    unit: OrgUnit
    now: IndicatorValue
    previous: IndicatorValue

    @property
    def change(self) -> float | None:
        if self.now.value is None or self.previous.value is None:
            return None
        return round(self.now.value - self.previous.value, 2)


@dataclass
class QuarterlyAnalysis:
    unit: OrgUnit
    period: Period
    previous: Period
    official: bool
    indicator: str
    programme: str
    total: Row
    rows: list[Row]
    lagging: list[Row]
    problems: list[str]
    provisional: bool


def analyse(
    unit: OrgUnit,
    period_code: str,
    *,
    official: bool = True,
    programme: str | None = None,
    indicator: str | None = None,
) -> QuarterlyAnalysis:
    programme = programme or next(p for p, pack in all_packs().items() if pack.indicators)
    if programme not in all_packs() or not rate_codes(programme):
        raise ValidationError({"programme": "项目：没有该项目或该项目没有比率指标"})
    codes = rate_codes(programme)
    indicator = indicator or codes[0]
    if indicator not in codes:
        raise ValidationError({"indicator": "指标：该项目没有此指标"})
    try:
        period = parse_period(period_code)
    except PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from None
    if period.kind != "quarter":
        raise ValidationError({"period": "期间：季度分析的期间应为季度，如 2026Q3"})
    previous = period.previous()
    children = child_units(unit)
    now = compute.compute(unit, [unit, *children], period, official=official, codes=codes)
    before = compute.compute(unit, [unit, *children], previous, official=official, codes=codes, with_last_year=False)
    rows = [Row(c, now[(c.pk, indicator)], before[(c.pk, indicator)]) for c in children]
    ranked = compute.ranking([r.now for r in rows])
    order = {v.unit.pk: i for i, v in enumerate(ranked)}
    rows.sort(key=lambda r: order[r.unit.pk])
    behind = {v.unit.pk for v in compute.lagging([r.now for r in rows])}
    lagging = [r for r in rows if r.unit.pk in behind]
    problems = [a.message for a in quality.alerts(unit, children, period, now, official=official)]
    return QuarterlyAnalysis(
        unit,
        period,
        previous,
        official,
        indicator,
        programme,
        Row(unit, now[(unit.pk, indicator)], before[(unit.pk, indicator)]),
        rows,
        lagging,
        problems,
        not period.is_closed(compute.today()),
    )


def render_docx(analysis: QuarterlyAnalysis, *, acting_user) -> RenderedFile:
    name = analysis.total.now.indicator.name
    document = OfficialDocument(
        f"{analysis.unit.display_name}{analysis.period.label}{all_packs()[analysis.programme].name}分析",
        issuer=analysis.unit.display_name,
        date=compute.today(),
    )
    if analysis.provisional:
        document.notice(provisional_notice(compute.today()))
    total = analysis.total
    sentence = f"{analysis.period.label}，{name}为{total.now.display}"
    if total.previous.value is not None and total.change is not None:
        sentence += "，与上季度持平" if round(total.change, 2) == 0 else f"，较上季度{change_words(total.change)}"
    if total.now.target is not None:
        unit_label = total.now.indicator.unit_label
        word = STATUS_WORDS.get(total.now.status or "", "未达到")  # as the table says it
        sentence += f"，{word}目标（{float(total.now.target):g}{unit_label}）"
    document.heading1("一、总体情况")
    document.paragraph(sentence + "。")
    document.heading1("二、各单位情况")
    document.table(
        ["单位", "本季度", "目标", "上季度", "变化（百分点）"],
        [
            [
                r.unit.name,
                r.now.display if r.now.value is not None else None,
                f"{float(r.now.target):g}{r.now.indicator.unit_label}" if r.now.target is not None else None,
                r.previous.display if r.previous.value is not None else None,
                r.change,
            ]
            for r in analysis.rows
        ],
        caption=f"各单位{name}",
    )
    if analysis.lagging:
        document.paragraph(
            "排名靠后的单位："
            + "、".join(f"{r.unit.name}（{r.now.display}）" for r in analysis.lagging)
            + "，需重点督导。"
        )
    document.heading1("三、数据问题与预警")
    document.paragraph("\n".join(analysis.problems) or "本季度未发现数据问题。")
    record(
        actor=acting_user,
        action="export.quarterly",
        object_type="quarterly",
        object_repr=analysis.unit.name,
        unit=analysis.unit,
        after={"period": analysis.period.code, "official": analysis.official, "programme": analysis.programme},
    )
    return RenderedFile(
        f"{analysis.unit.name}_{analysis.period.code}_季度分析.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        document.render(),
        rows=len(analysis.rows),
        audited=True,
    )
