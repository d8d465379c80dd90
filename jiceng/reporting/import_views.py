"""The page that imports reports from Excel, for any data set: a typed form in the paper layout (one unit,
one period) or another system's table in a layout named by the pack (many units in rows).

Thin: access → ``jiceng.reporting.typed_import`` / ``jiceng.reporting.layout_import`` → render. Roles with
``reports.fill`` only; a unit outside the user's subtree is 404.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.documents.excel import is_large
from jiceng.documents.responses import file_response
from jiceng.jobs.actions import start_job
from jiceng.reporting import actions, queries
from jiceng.reporting.layout_import import MAX_ROWS as MAX_LAYOUT_ROWS
from jiceng.reporting.layout_import import import_layout, template_xlsx
from jiceng.reporting.packs import DataSet, all_datasets, find_dataset, pack_of
from jiceng.reporting.typed_import import computed_from_registers, import_typed_report

ERRORS_SHOWN = 500


def layout_background_rows() -> int:
    """Rows of another system's table above which the worker imports it: each row is a whole report
    (every value checked, saved and audited), so a tenth of a register import's threshold."""
    return max(1, settings.JICENG_BACKGROUND_ROWS // 10)


def typed_units(user, ds: DataSet):
    """Units in the user's subtree that type their values of ``ds`` (no registers for it in the system)."""
    return [
        u
        for u in access.visible_units(user).filter(active=True, level=ds.reporting_level).order_by("path")
        if ds.is_reported_by(u) and not computed_from_registers(ds, u)
    ]


def _version(request) -> int | None:
    try:
        return int(request.POST["version"]) if request.POST.get("version") else None
    except ValueError:
        return None


@login_required
def report_import(request):
    if not access.can(request.user, "reports.fill"):
        raise Http404(_("未找到该页面"))
    code = request.POST.get("dataset") or request.GET.get("dataset")
    ds = find_dataset(code) if code else None
    if code and ds is None:
        raise Http404(_("未找到该报表"))
    choices = [d for d in all_datasets().values() if typed_units(request.user, d)]
    ds = ds or (choices[0] if choices else next(iter(all_datasets().values())))
    layouts = [layout for layout in pack_of(ds.code).import_layouts.values() if layout.dataset == ds.code]
    if request.GET.get("template"):
        layout = next((item for item in layouts if item.code == request.GET["template"]), None)
        if layout is None:
            raise Http404(_("未找到该导入格式"))
        return file_response(request, template_xlsx(layout))
    units = typed_units(request.user, ds)
    latest = queries.reporting_period(ds)
    period_code = request.POST.get("period") or request.GET.get("period") or latest.code
    unit_code = request.POST.get("unit") or request.GET.get("unit") or (units[0].code if units else "")
    result, layout_result, problem, filename, chosen = None, None, "", "", None
    if request.method == "POST":
        upload = request.FILES.get("file")
        layout = next((item for item in layouts if item.code == request.POST.get("layout")), None)
        if upload is None:
            problem = _("请选择要导入的 Excel 文件")
        elif layout is not None and is_large(None, upload, layout_background_rows(), most=MAX_LAYOUT_ROWS):
            # a province's table: the worker imports it, the job's page shows the progress and the result
            job = start_job(
                request.user,
                "layout_import",
                title=_("导入%(l)s") % {"l": layout.name},
                params={"dataset": ds.code, "layout": layout.code, "period": request.POST.get("period") or None},
                content=upload.read(),
                input_name=upload.name,
            )
            return redirect("job_detail", pk=job.pk)
        elif layout is not None:
            filename = upload.name
            layout_result = import_layout(request.user, layout, upload, period_code=request.POST.get("period") or None)
        else:
            chosen = access.unit_in_scope_or_404(request.user, unit_code) if unit_code else None
            if chosen is None:
                problem = _("请选择填报单位")
            else:
                filename = upload.name
                result = import_typed_report(
                    request.user, chosen, period_code, upload, dataset_code=ds.code, expected_version=_version(request)
                )
    try:
        period = actions.check_period(period_code, ds)
    except ValidationError:
        period = latest
    shown = result or layout_result
    return render(
        request,
        "reporting/import.html",
        {
            "ds": ds,
            "datasets": choices,
            "layouts": layouts,
            "units": units,
            "unit_code": chosen.code if chosen else unit_code,
            "period": period,
            "periods": queries.recent_periods(ds),
            "result": result,
            "layout_result": layout_result,
            "errors": shown.errors[:ERRORS_SHOWN] if shown else [],
            "hidden_errors": max(0, len(shown.errors) - ERRORS_SHOWN) if shown else 0,
            "problem": problem,
            "filename": filename,
            "chosen": chosen,
        },
    )


__all__ = ["report_import", "typed_units"]
