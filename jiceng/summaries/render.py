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
    from jiceng.documents.official.charts import bar_ranking_chart, trend_chart

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
    values = compute.compute(unit, [unit, *children], period, official=summary.official)
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
                    caption=f"{section.heading}主要指标",
                )
            if values[(unit.pk, "NUT_PACKS")].value is None:
                continue  # no nutrition figures for this unit and period: no nutrition table or charts
            rows = []
            for code in writer.RATE_CODES:
                v = values[(unit.pk, code)]
                rows.append(
                    [
                        v.indicator.name,
                        v.display if v.value is not None else None,
                        f"{float(v.target):g}{v.indicator.unit_label}" if v.target is not None else None,
                        v.last_year.display if v.last_year and v.last_year.value is not None else None,
                        v.status_label or None,
                    ]
                )
            document.table(["指标", "本期", "目标", "上年同期", "达标情况"], rows, caption="主要指标完成情况")
            months, this_year, last_year = compute.monthly_series(
                unit, "NUT_COVERAGE", period.start.year, official=summary.official
            )
            coverage = values[(unit.pk, "NUT_COVERAGE")]
            if any(v is not None for v in this_year):
                document.image(
                    trend_chart(
                        months,
                        this_year,
                        last_year,
                        "营养包发放率月度变化",
                        float(coverage.target) if coverage.target is not None else None,
                        this_label=f"{period.start.year}年",
                        last_label=f"{period.start.year - 1}年",
                    ),
                    caption="营养包发放率月度变化",
                )
            ranked = [values[(c.pk, "NUT_COVERAGE")] for c in children]
            if any(v.value is not None for v in ranked):
                ordered = compute.ranking(ranked)
                document.image(
                    bar_ranking_chart(
                        [v.unit.name for v in ordered],
                        [v.value for v in ordered],
                        float(coverage.target) if coverage.target is not None else None,
                        "下级单位营养包发放率",
                        highlight={v.unit.name for v in compute.lagging(ranked)},
                    ),
                    caption="下级单位营养包发放率",
                )
    return document


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
