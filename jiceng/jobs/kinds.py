"""What a job can do. Each kind turns the job (its owner, params and uploaded file) into an
:class:`Outcome`; the code it calls is the same the synchronous page calls, with every check,
every rule and every audit row. A kind reports its progress through :mod:`jiceng.progress`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import reverse

from jiceng.documents.excel import REFUSED, RowError
from jiceng.documents.files import RenderedFile


@dataclass
class Outcome:
    ok: bool
    summary: str  # one Chinese sentence: what was done, or why nothing was saved
    errors: list[RowError] = field(default_factory=list)
    result: RenderedFile | None = None
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url) to go on from


@dataclass(frozen=True)
class JobKind:
    code: str
    run: Callable[..., Outcome]  # run(job, source: bytes | None) -> Outcome
    needs_input: bool = True


def _register_import(job, source: bytes) -> Outcome:
    from jiceng.nutrition.excel import IMPORTS

    report = IMPORTS[job.params["register"]](job.owner, source, filename=job.input_name)
    links = [("返回 Excel 导入导出", reverse("registers_excel"))]
    if report.ok:  # what it added, each to its record (the first 200), then the way back
        return Outcome(True, f"{report.saved} 行全部导入成功", links=[*report.added[:200], *links])
    return Outcome(False, REFUSED % {"n": len(report.errors)}, errors=report.errors, links=links)


def _layout_import(job, source: bytes) -> Outcome:
    from jiceng.reporting.layout_import import all_layouts, import_layout

    ds_code = job.params["dataset"]
    result = import_layout(job.owner, all_layouts()[job.params["layout"]], source, period_code=job.params.get("period"))
    links = [
        (f"{r.unit.display_name} · {r.period}", reverse("report_detail", args=[ds_code, r.unit.code, r.period]))
        for r in (result.reports if result.ok else [])[:50]
    ]
    links.append(("返回导入报表", f"{reverse('report_import')}?dataset={ds_code}"))
    if result.ok:
        return Outcome(True, f"{result.rows} 行全部导入成功，共 {result.saved} 项数值有变化", links=links)
    return Outcome(False, REFUSED % {"n": len(result.errors)}, errors=result.errors, links=links)


def _summary_document(job, source: bytes | None) -> Outcome:
    from jiceng.accounts import access
    from jiceng.errors import DomainError
    from jiceng.summaries.models import Summary
    from jiceng.summaries.render import render_summary

    summary = access.object_in_scope_or_404(job.owner, Summary.objects.select_related("unit"), pk=job.params["summary"])
    rendered = render_summary(summary, acting_user=job.owner, fmt=job.params["format"])
    if rendered is None:
        raise DomainError("本机未安装 LibreOffice，无法生成 PDF；请下载 Word 文件")
    back = [("返回工作总结", reverse("summary_edit", args=[summary.pk]))]
    return Outcome(True, f"已生成 {rendered.filename}", result=rendered, links=back)


def _units_report(job, source: bytes | None) -> Outcome:
    from jiceng.accounts import access
    from jiceng.reporting.export import render_units_table

    root = access.unit_in_scope_or_404(job.owner, job.params["unit"])
    rendered = render_units_table(
        job.params["dataset"], root, job.params["period"], official=job.params["official"], acting_user=job.owner
    )
    back = reverse("report_detail", args=[job.params["dataset"], root.code, job.params["period"]])
    return Outcome(
        True, f"已生成 {rendered.filename}（{rendered.rows} 个单位）", result=rendered, links=[("返回报表", back)]
    )


def _list_match(job, source: bytes) -> Outcome:
    from jiceng.benefits import lists

    outcome = lists.import_list(job.owner, job.params["source"], source, job.input_name)
    links = [("查看比对待办", reverse("benefit_list_checks"))]
    return Outcome(outcome.ok, outcome.summary(), errors=outcome.errors, links=links)


KINDS: dict[str, JobKind] = {
    "list_match": JobKind("list_match", _list_match),
    "units_report": JobKind("units_report", _units_report, needs_input=False),
    "register_import": JobKind("register_import", _register_import),
    "layout_import": JobKind("layout_import", _layout_import),
    "summary_document": JobKind("summary_document", _summary_document, needs_input=False),
}
