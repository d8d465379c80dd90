"""The page that imports a typed monthly report from Excel (units without registers in the system).

Thin: access → ``jiceng.reporting.typed_import`` → render. Roles with ``reports.fill`` only; a unit outside
the user's subtree is 404.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.orgunits.models import Level
from jiceng.reporting import actions, queries
from jiceng.reporting.typed_import import import_typed_report

ERRORS_SHOWN = 500


def typed_units(user):
    """Units in the user's subtree whose monthly reports are typed in (no registers in the system)."""
    return list(
        access.visible_units(user)
        .filter(keeps_registers=False, active=True, level__in=[Level.VILLAGE, Level.TOWNSHIP])
        .exclude(kind__in=["health_bureau", "mch_centre"])
        .order_by("path")
    )


def _months(latest):
    months, period = [], latest
    for _i in range(12):
        months.append(period)
        period = period.previous()
    return months


@login_required
def report_import(request):
    if not access.can(request.user, "reports.fill"):
        raise Http404(_("未找到该页面"))
    units = typed_units(request.user)
    latest = queries.reporting_month()
    period_code = request.POST.get("period") or request.GET.get("period") or latest.code
    unit_code = request.POST.get("unit") or request.GET.get("unit") or (units[0].code if units else "")
    result, problem, filename, chosen = None, "", "", None
    if request.method == "POST":
        upload = request.FILES.get("file")
        chosen = access.unit_in_scope_or_404(request.user, unit_code) if unit_code else None
        if chosen is None:
            problem = _("请选择填报单位")
        elif upload is None:
            problem = _("请选择要导入的 Excel 文件")
        else:
            filename = upload.name
            try:
                version = int(request.POST["version"]) if request.POST.get("version") else None
            except ValueError:
                version = None
            result = import_typed_report(request.user, chosen, period_code, upload, expected_version=version)
    try:
        period = actions.check_period(period_code)
    except ValidationError:
        period = latest
    return render(
        request,
        "reporting/import.html",
        {
            "units": units,
            "unit_code": chosen.code if chosen else unit_code,
            "period": period,
            "months": _months(latest),
            "result": result,
            "errors": result.errors[:ERRORS_SHOWN] if result else [],
            "hidden_errors": max(0, len(result.errors) - ERRORS_SHOWN) if result else 0,
            "problem": problem,
            "filename": filename,
            "chosen": chosen,
        },
    )


__all__ = ["report_import", "typed_units"]
