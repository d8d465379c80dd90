"""Indicator dashboard, targets page and Excel tables (thin: access → compute → render)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.documents.responses import file_response
from jiceng.indicators import actions, compute, quality
from jiceng.indicators.models import Target
from jiceng.orgunits.models import OrgUnit
from jiceng.orgunits.queries import child_units
from jiceng.periods import PeriodError, parse_period, picker_periods
from jiceng.reporting.packs import all_indicators, all_packs


def _options(request):
    period_code = request.GET.get("period") or str(compute.today().year)
    try:
        period = parse_period(period_code)
    except PeriodError as exc:
        raise Http404(str(exc)) from None
    official = request.GET.get("figures", "official") != "working"
    programme = request.GET.get("programme") or next(iter(all_packs()))
    if programme not in all_packs() or not all_packs()[programme].indicators:
        raise Http404(_("未找到该项目"))
    codes = list(all_packs()[programme].indicators)
    return period, official, programme, codes


@login_required
def dashboard_index(request):
    root = access.scope_root(request.user)
    if root is None:
        raise Http404(_("未找到该页面"))
    query = request.GET.urlencode()
    return redirect(f"/indicators/{root.code}/" + (f"?{query}" if query else ""))


@login_required
def dashboard(request, code: str):
    unit = access.unit_in_scope_or_404(request.user, code)
    period, official, programme, codes = _options(request)
    children = child_units(unit)
    values = compute.compute(unit, [unit, *children], period, official=official, codes=codes)
    selected = request.GET.get("indicator") or codes[0]
    if selected not in codes:
        raise Http404(_("未找到该指标"))
    if request.GET.get("format") == "xlsx":
        return _table_xlsx(request, unit, children, codes, values, period, official)
    labels, this_year, last_year = compute.monthly_series(unit, selected, period.start.year, official=official)
    ranked = compute.ranking([values[(c.pk, selected)] for c in children])
    bottom = {v.unit.pk for v in compute.lagging(ranked)}
    ancestors = [
        u
        for u in OrgUnit.objects.filter(code__in=unit.ancestor_codes()[:-1]).order_by("depth")
        if access.unit_is_visible(request.user, u)
    ]
    return render(
        request,
        "indicators/dashboard.html",
        {
            "unit": unit,
            "period": period,
            "official": official,
            "programme": programme,
            "period_choices": picker_periods(compute.today()),
            "programmes": [(k, p.name) for k, p in all_packs().items() if p.indicators],
            "cards": [values[(unit.pk, c)] for c in codes],
            "selected": all_indicators()[selected],
            "ranked": ranked,
            "bottom": bottom,
            "children": children,
            "codes": codes,
            "indicators": [all_indicators()[c] for c in codes],
            "table": [(c, [values[(c.pk, code)] for code in codes]) for c in children],
            "alerts": quality.alerts(unit, children, period, values, official=official),
            "chart": {
                "labels": labels,
                "this_year": this_year,
                "last_year": last_year,
                "target": float(values[(unit.pk, selected)].target)
                if values[(unit.pk, selected)].target is not None
                else None,
                "year": period.start.year,
                "name": all_indicators()[selected].name,
                "ranking": {
                    "labels": [v.unit.name for v in ranked if v.value is not None],
                    "values": [v.value for v in ranked if v.value is not None],
                },
            },
            "ancestors": ancestors,
            "query": request.GET.copy(),
            "can_set_targets": access.can(request.user, "targets.edit"),
            "is_village": unit.level == "village",
        },
    )


def _table_xlsx(request, unit, children, codes, values, period, official):
    from jiceng.indicators.export import render_indicator_table

    rendered = render_indicator_table(unit, children, codes, values, period, official, acting_user=request.user)
    return file_response(request, rendered)


@login_required
def targets(request, code: str):
    unit = access.unit_in_scope_or_404(request.user, code)
    try:
        year = int(request.POST.get("year") or request.GET.get("year") or compute.today().year)
    except ValueError:
        raise ValidationError(_("年度应为数字，如 2026")) from None  # a bad filter is a 400, not a missing page
    if not 2000 <= year <= 2100:
        raise ValidationError(_("年度应在 2000–2100 之间"))
    if request.method == "POST":
        if not access.can(request.user, "targets.edit"):
            raise Http404(_("未找到该页面"))
        saved, failed = 0, 0
        for key, raw in request.POST.items():
            if not key.startswith("t_") or not raw.strip():
                continue
            try:
                actions.set_target(key[2:], unit, year, raw, acting_user=request.user)
                saved += 1
            except ValidationError as exc:
                failed += 1
                for message in exc.messages:
                    messages.error(request, message)
        if saved:
            messages.success(request, _("已保存 %(n)d 项目标") % {"n": saved})
        if not failed:
            return redirect(f"/indicators/{unit.code}/targets/?year={year}")
    own = {t.indicator: t.value for t in Target.objects.filter(unit=unit, year=year)}
    inherited = compute.targets_for([unit], list(all_indicators()), year)
    rows = [
        {"indicator": i, "own": own.get(i.code), "inherited": inherited.get((unit.pk, i.code))}
        for i in all_indicators().values()
    ]
    return render(
        request,
        "indicators/targets.html",
        {"unit": unit, "year": year, "rows": rows, "can_edit": access.can(request.user, "targets.edit")},
    )
