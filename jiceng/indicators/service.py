"""One function behind the indicators CLI and API: the same figures the dashboard shows."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from jiceng.indicators import compute
from jiceng.orgunits.models import OrgUnit
from jiceng.periods import PeriodError, parse_period
from jiceng.reporting.packs import all_indicators, all_packs


def indicator_table(
    unit: OrgUnit,
    period_code: str,
    *,
    official: bool = True,
    programme: str | None = None,
    dataset: str | None = None,
) -> dict:
    try:
        period = parse_period(period_code)
    except PeriodError as exc:
        raise ValidationError({"period": str(exc)}) from None
    if programme is not None and programme not in all_packs():
        raise ValidationError({"programme": f"项目：未知的项目 {programme}（可选：{', '.join(all_packs())}）"})
    codes = list(all_packs()[programme].indicators) if programme else None
    if dataset:
        known = {i.dataset for i in all_indicators().values()}
        if dataset not in known:
            raise ValidationError(
                {"dataset": f"报表：没有代码为 {dataset} 的报表指标（可选：{', '.join(sorted(known))}）"}
            )
        codes = [c for c in (codes or all_indicators()) if all_indicators()[c].dataset == dataset]
    values = compute.compute(unit, [unit], period, official=official, codes=codes)
    return {
        "unit": {"code": unit.code, "name": unit.name},
        "period": {
            "code": period.code,
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "provisional": not period.is_closed(compute.today()),
        },
        "figures": "official" if official else "working",
        "indicators": [v.as_dict() for (_unit, _code), v in values.items()],
    }
