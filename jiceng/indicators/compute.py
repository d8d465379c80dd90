"""Indicator values for any unit and period — the one module the dashboard, the CLI, the API, the
Excel tables and the work summary call.

Always from numerators and denominators summed over the unit's subtree and the period's months, never
an average of rates. No denominator → no value (never 0%). Year-on-year: percentage points for rates,
% for counts. Official figures (approved reports only) are the default; working figures include
everything entered so far.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from jiceng.indicators.models import Target
from jiceng.orgunits.models import OrgUnit
from jiceng.periods import Period, parse_period
from jiceng.reporting.aggregate import period_values, report_periods
from jiceng.reporting.packs import Indicator, all_indicators
from jiceng.reporting.packs import dataset as dataset_of

CLOSE_TO_TARGET_POINTS = 5  # within 5 points (or 5% of a plan) of the target counts as "close" (接近)
LAGGING_COUNT = 3  # the units named as lagging (排名靠后): dashboard, alerts, work summary, quarterly analysis
RATE_UNITS = {"%", "‰", "1/10万", ""}


@dataclass
class IndicatorValue:
    indicator: Indicator
    unit: OrgUnit
    period: Period
    numerator: Decimal | None
    denominator: Decimal | None
    target: Decimal | None
    target_unit: OrgUnit | None  # where the target was set (inherited from above when not set here)
    last_year: IndicatorValue | None = None
    official: bool = True

    @property
    def is_count(self) -> bool:
        return self.indicator.is_count

    @property
    def value(self) -> float | None:
        return indicator_value(self.indicator, self.numerator, self.denominator)

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        unit = self.indicator.unit_label
        if self.is_count:
            return f"{self.value:.{self.indicator.decimals}f}"
        return f"{self.value:.{self.indicator.decimals}f}{'/10万' if unit == '1/10万' else unit}"

    @property
    def change(self) -> float | None:
        """Year-on-year: points for rates, % for counts (None when last year has no value)."""
        last = self.last_year.value if self.last_year else None
        if self.value is None or last is None:
            return None
        if self.is_count:
            return round((self.value - last) / last * 100, 2) if last else None
        return round(self.value - last, 2)

    @property
    def change_unit(self) -> str:
        return "%" if self.is_count else "个百分点"

    @property
    def completion(self) -> float | None:
        """完成年度计划的X%: for counts with a plan (target)."""
        if not self.is_count or self.value is None or not self.target:
            return None
        return round(self.value / float(self.target) * 100, 2)

    @property
    def status(self) -> str | None:
        """met (达到) / close (接近) / not_met (未达到), or None without a value or a target."""
        if self.value is None or self.target is None:
            return None
        target = float(self.target)
        if self.is_count:
            share = self.value / target * 100 if target else 100
            return "met" if share >= 100 else "close" if share >= 100 - CLOSE_TO_TARGET_POINTS else "not_met"
        gap = self.value - target if self.indicator.direction == "higher" else target - self.value
        return "met" if gap >= 0 else "close" if gap >= -CLOSE_TO_TARGET_POINTS else "not_met"

    @property
    def status_label(self) -> str:
        return {"met": "达到", "close": "接近", "not_met": "未达到"}.get(self.status or "", "")

    def as_dict(self) -> dict:
        return {
            "code": self.indicator.code,
            "name": self.indicator.name,
            "unit_code": self.unit.code,
            "period": self.period.code,
            "numerator": _num(self.numerator),
            "denominator": _num(self.denominator),
            "value": self.value,
            "display": self.display,
            "unit": self.indicator.unit_label,
            "target": _num(self.target),
            "target_set_at": self.target_unit.code if self.target_unit else None,
            "status": self.status,
            "last_year": self.last_year.value if self.last_year else None,
            "change": self.change,
            "change_unit": self.change_unit,
            "completion": self.completion,
            "figures": "official" if self.official else "working",
        }


def indicator_value(indicator: Indicator, numerator, denominator) -> float | None:
    """numerator ÷ denominator × factor, rounded as the pack says; None without a denominator."""
    if numerator is None or not denominator:
        return None
    exact = Decimal(str(numerator)) * indicator.factor / Decimal(str(denominator))
    mode = ROUND_DOWN if indicator.rounding == "down" else ROUND_HALF_UP
    return float(exact.quantize(Decimal(1).scaleb(-indicator.decimals), rounding=mode))


def _num(value) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


def _last_year(code: str) -> str:
    return f"{int(code[:4]) - 1}{code[4:]}"


def begun_report_periods(dataset, period: Period) -> list[str]:
    """The data set's report periods inside ``period`` that have begun (all of them for a closed period)."""
    first_of_this_month = today().replace(day=1)
    return [p for p in report_periods(dataset, period) if parse_period(p).start <= first_of_this_month]


def _dataset_sums(root: OrgUnit, units: list[OrgUnit], period: Period, code: str, official: bool, with_last_year: bool):
    """({unit id: {element: value}} now, the same over the same report periods last year or None when
    they are not comparable). Official figures compare only report periods that have approved reports
    this year, and only when last year's approved reports cover all of them."""
    dataset = dataset_of(code)
    official = official and dataset.reported  # a figures-only data set has no approved reports to wait for
    now_periods = begun_report_periods(dataset, period)
    compared = now_periods
    if official:
        with_data = approved_months(code, root, now_periods)
        compared = [p for p in now_periods if p in with_data]
    last_periods = [_last_year(p) for p in compared]
    groups = [now_periods, last_periods] if with_last_year else [now_periods]
    sums = period_values(dataset, units, groups, official=official)
    before = sums[1] if with_last_year else None
    if official and with_last_year and len(approved_months(code, root, last_periods)) < len(last_periods):
        before = None  # last year's approved reports cover fewer periods: not comparable
    return sums[0], before


def _evaluate(indicator: Indicator, sums: dict[str, Decimal]) -> tuple[Decimal | None, Decimal | None]:
    if not sums:
        return None, None
    numbers = {k: float(v) for k, v in sums.items()}
    numerator = indicator.numerator.evaluate(numbers)
    denominator = indicator.denominator.evaluate(numbers)
    return (
        None if numerator is None else Decimal(str(numerator)),
        None if denominator is None else Decimal(str(denominator)),
    )


def targets_for(units: list[OrgUnit], codes: list[str], year: int) -> dict[tuple[int, str], tuple[Decimal, OrgUnit]]:
    """The target of each unit: its own, or the nearest one set above it (inherited)."""
    ancestor_codes = {c for u in units for c in u.ancestor_codes()}
    rows = Target.objects.filter(indicator__in=codes, year=year, unit__code__in=ancestor_codes).select_related("unit")
    by_code = defaultdict(dict)
    for row in rows:
        by_code[row.indicator][row.unit.code] = (row.value, row.unit)
    found = {}
    for unit in units:
        for code in codes:
            for ancestor in reversed(unit.ancestor_codes()):
                if ancestor in by_code[code]:
                    found[(unit.pk, code)] = by_code[code][ancestor]
                    break
    return found


def compute(
    root: OrgUnit,
    units: list[OrgUnit],
    period: Period,
    *,
    official: bool = True,
    codes: list[str] | None = None,
    with_last_year: bool = True,
) -> dict[tuple[int, str], IndicatorValue]:
    """Indicator values for ``units`` (all inside ``root``'s subtree) and ``period``."""
    indicators = [all_indicators()[c] for c in codes] if codes else list(all_indicators().values())
    last = period.same_period_last_year()
    datasets = {i.dataset for i in indicators}
    now, before = {}, {}
    for code in sorted(datasets):
        now[code], before[code] = _dataset_sums(root, units, period, code, official, with_last_year)
    targets = targets_for(units, [i.code for i in indicators], period.start.year)
    result = {}
    for unit in units:
        sums_now = {ds: now[ds][unit.pk] for ds in datasets}
        sums_last = {ds: before[ds][unit.pk] if before[ds] is not None else None for ds in datasets}
        for indicator in indicators:
            numerator, denominator = _evaluate(indicator, sums_now[indicator.dataset])
            target, target_unit = targets.get((unit.pk, indicator.code), (None, None))
            value = IndicatorValue(
                indicator, unit, period, numerator, denominator, target, target_unit, official=official
            )
            if with_last_year:
                ln, ld = _evaluate(indicator, sums_last[indicator.dataset] or {})
                value.last_year = IndicatorValue(indicator, unit, last, ln, ld, None, None, official=official)
            result[(unit.pk, indicator.code)] = value
    return result


def monthly_series(
    unit: OrgUnit, indicator_code: str, year: int, *, official: bool = True
) -> tuple[list[str], list[float | None], list[float | None]]:
    """Labels, this year's and last year's values of one indicator per report period of its data set (12
    months, or 4 quarters), for the trend chart; one pass of the aggregation for both years."""
    indicator = all_indicators()[indicator_code]
    dataset = dataset_of(indicator.dataset)
    this_year = report_periods(dataset, parse_period(str(year)))
    last_year = [_last_year(p) for p in this_year]
    begun = set(begun_report_periods(dataset, parse_period(str(year))))
    sums = period_values(dataset, [unit], [[p] for p in this_year + last_year], official=official)
    values = [indicator_value(indicator, *_evaluate(indicator, s[unit.pk])) for s in sums]
    this_values = [v if p in begun else None for p, v in zip(this_year, values[: len(this_year)], strict=True)]
    labels = [parse_period(p).label.removeprefix(f"{year}年") for p in this_year]
    return labels, this_values, values[len(this_year) :]


def approved_months(dataset_code: str, root: OrgUnit, months: list[str]) -> set[str]:
    """The report periods in which any report of the subtree has been approved."""
    from jiceng.orgunits.models import subtree_q
    from jiceng.reporting.models import Report, State

    return set(
        Report.objects.filter(
            subtree_q(root.path, "unit__path"), dataset=dataset_code, period__in=months, state=State.APPROVED
        )
        .values_list("period", flat=True)
        .distinct()
    )


def months_so_far(period: Period) -> list[str]:
    """The period's months that have begun (all of them for a closed period)."""
    first_of_this_month = today().replace(day=1)
    return [m for m in period.months if f"{m}-01" <= first_of_this_month.isoformat()]


def ranking(values: list[IndicatorValue]) -> list[IndicatorValue]:
    """Best first; units without a value last."""
    with_value = [v for v in values if v.value is not None]
    higher = with_value[0].indicator.direction == "higher" if with_value else True
    ranked = sorted(with_value, key=lambda v: v.value, reverse=higher)
    return ranked + [v for v in values if v.value is None]


def lagging(values: list[IndicatorValue], count: int = LAGGING_COUNT) -> list[IndicatorValue]:
    """The ``count`` units ranked last among those with a value, in ranking order (the very last at the end).

    Nobody lags when no more than ``count`` units have a value: naming three of three units says nothing.
    The one rule for 排名靠后 on the dashboard, in the alerts, the work summary and the quarterly analysis."""
    ranked = [v for v in ranking(values) if v.value is not None]
    return ranked[-count:] if count > 0 and len(ranked) > count else []


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
