"""Excel pages of the registers: templates, imports (all or nothing) and exports (logged)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.documents.excel import is_large
from jiceng.documents.responses import file_response
from jiceng.jobs.actions import start_job
from jiceng.nutrition import actions
from jiceng.nutrition.excel import EXPORTS, IMPORTS, SPECS, TITLES, ExportParams, render_template
from jiceng.orgunits.models import Level

ERRORS_SHOWN = 1000  # a table longer than this helps nobody; the count says how many more


def _require(user, capability: str) -> None:
    if not access.can(user, capability):
        raise Http404(_("未找到该页面"))


def _kind_or_404(kind: str, table: dict) -> None:
    if kind not in table:
        raise Http404(_("未找到该页面"))


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


@login_required
def excel_home(request):
    _require(request.user, "registers.view")
    units = list(
        access.visible_units(request.user)
        .filter(level__in=[Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE])
        .exclude(kind__in=["health_bureau", "mch_centre"])
        .order_by("path")
    )
    today = actions.today()
    return render(
        request,
        "nutrition/excel_home.html",
        {
            "can_import": access.can(request.user, "registers.edit"),
            "kinds": [(kind, TITLES[kind]) for kind in SPECS],
            "export_kinds": [(kind, TITLES[kind]) for kind in EXPORTS],
            "units": units,
            "start": dt.date(today.year, 1, 1),
            "end": today,
            "masked": not access.can(request.user, "registers.view_full_identity"),
        },
    )


@login_required
def excel_template(request, kind: str):
    _kind_or_404(kind, SPECS)
    _require(request.user, "registers.edit")
    return file_response(request, render_template(kind, request.user))


@login_required
def excel_import(request, kind: str):
    _kind_or_404(kind, IMPORTS)
    _require(request.user, "registers.edit")
    report, problem, filename = None, "", ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problem = _("请选择要导入的 Excel 文件")
        elif is_large(SPECS[kind], upload, settings.JICENG_BACKGROUND_ROWS, most=SPECS[kind].max_rows):
            # thousands of rows: the worker imports it; the job's page shows the progress and the result
            job = start_job(
                request.user,
                "register_import",
                title=f"导入{TITLES[kind]}",
                params={"register": kind},
                content=upload.read(),
                input_name=upload.name,
            )
            return redirect("job_detail", pk=job.pk)
        else:
            filename = upload.name
            report = IMPORTS[kind](request.user, upload, filename=filename)
    return render(
        request,
        "nutrition/excel_import.html",
        {
            "kind": kind,
            "title": TITLES[kind],
            "spec": SPECS[kind],
            "report": report,
            "errors": report.errors[:ERRORS_SHOWN] if report else [],
            "hidden_errors": max(0, len(report.errors) - ERRORS_SHOWN) if report else 0,
            "problem": problem,
            "filename": filename,
            "background_rows": settings.JICENG_BACKGROUND_ROWS,
        },
    )


@login_required
def excel_export(request, kind: str):
    _kind_or_404(kind, EXPORTS)
    _require(request.user, "registers.view")
    code = request.GET.get("unit", "").strip()
    unit = access.unit_in_scope_or_404(request.user, code) if code else None
    params = ExportParams(
        user=request.user, unit=unit, start=_date(request.GET.get("start")), end=_date(request.GET.get("end"))
    )
    return file_response(request, EXPORTS[kind](params))  # the export logs itself, with its row count
