"""The work summary as a GB/T 9704 .docx (and PDF through LibreOffice when it is installed).

Contract shared by generated files: ``render_summary(summary, acting_user) -> RenderedFile`` (logged).
The figures table and charts come from the same indicator computation as the text and the dashboard."""

from __future__ import annotations

from django.utils import timezone

from jiceng.audit.recorder import record
from jiceng.documents.files import RenderedFile
from jiceng.documents.official.docx_builder import OfficialDocument, provisional_notice
from jiceng.indicators import compute
from jiceng.orgunits.queries import child_units
from jiceng.periods import parse_period
from jiceng.summaries import writer
from jiceng.summaries.models import Summary

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PDF = "application/pdf"


def build_document(summary: Summary) -> OfficialDocument:

    period = parse_period(summary.period)
    today = timezone.localdate()
    document = OfficialDocument(summary.title, issuer=summary.unit.display_name, date=today, chinese_date=False)
    if not period.is_closed(today):
        document.notice(provisional_notice(today))
    if not summary.official:
        document.notice("（工作数：含尚未审核的数据）")
    document.paragraph(summary.opening)
    unit = summary.unit
    children = child_units(unit)
    for key, heading in writer.SECTIONS:
        document.heading1(heading)
        text = summary.sections.get(key, "")
        for line in [t for t in text.split("\n") if t.strip()]:
            if line.startswith("（") and "）" in line[:4] and key != "problems":
                head, _sep, rest = line.partition("。")
                document.heading2(head + "。") if rest else document.heading2(head)
                if rest.strip():
                    document.paragraph(rest.strip())
            else:
                document.paragraph(line)
        if key == "results":
            for section in writer.programme_sections(unit, period, official=summary.official):
                _section_figures(document, section, unit, children, period, summary.official)
    return document


def _section_figures(document, section, unit, children, period, official: bool) -> None:
    """A programme's table of indicators, and for the indicator its pack names (``summary.chart``) the trend
    against last year and the ranking of the units below — the dashboard's own figures."""
    from jiceng.documents.official.charts import bar_ranking_chart, trend_chart

    document.table(
        ["指标", "本期", "目标", "上年同期", "达标情况"],
        [
            [
                v.indicator.name,
                v.display if v.value is not None else None,
                f"{float(v.target):g}{v.indicator.unit_label}" if v.target is not None else None,
                v.last_year.display if v.last_year and v.last_year.value is not None else None,
                v.status_label or None,
            ]
            for v in section.counts + section.values
        ],
        caption=f"{section.heading}主要指标完成情况",
    )
    if not section.chart:
        return
    values = compute.compute(unit, [unit, *children], period, official=official, codes=[section.chart])
    chosen = values[(unit.pk, section.chart)]
    name, target = chosen.indicator.name, float(chosen.target) if chosen.target is not None else None
    labels, this_year, last_year = compute.monthly_series(unit, section.chart, period.start.year, official=official)
    if any(v is not None for v in this_year):
        document.image(
            trend_chart(
                labels,
                this_year,
                last_year,
                f"{name}变化趋势",
                target,
                this_label=f"{period.start.year}年",
                last_label=f"{period.start.year - 1}年",
            ),
            caption=f"{name}变化趋势",
        )
    ranked = [values[(c.pk, section.chart)] for c in children]
    if any(v.value is not None for v in ranked):
        ordered = compute.ranking(ranked)
        document.image(
            bar_ranking_chart(
                [v.unit.name for v in ordered],
                [v.value for v in ordered],
                target,
                f"下级单位{name}",
                highlight={v.unit.name for v in compute.lagging(ranked)},
            ),
            caption=f"下级单位{name}",
        )


def render_summary(summary: Summary, *, acting_user, fmt: str = "docx") -> RenderedFile | None:
    content = build_document(summary).render()
    mimetype, suffix = DOCX, "docx"
    if fmt == "pdf":
        from jiceng.documents.official.pdf import to_pdf

        content = to_pdf(content)
        if content is None:
            return None
        mimetype, suffix = PDF, "pdf"
    record(
        actor=acting_user,
        action="export.summary",
        obj=summary,
        unit=summary.unit,
        after={"format": suffix, "version": summary.version},
    )
    return RenderedFile(f"{summary.title}.{suffix}", mimetype, content, audited=True)
