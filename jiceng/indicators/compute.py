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
from jiceng.periods import Period, month_period, parse_period
from jiceng.reporting.packs import Indicator, all_datasets, all_indicators
from jiceng.reporting.values import leaf_sums, leaf_values, subtree_month_sums

CLOSE_TO_TARGET_POINTS = 5  # within 5 points (or 5% of a plan) of the target counts as "close" (接近)
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
        return self.indicator.denominator.text.strip() == "1"

    @property
    def value(self) -> float | None:
        return indicator_value(self.indicator, self.numerator, self.denominator)

    @property
    def display(self) -> str:
        if self.value is None:
            return "—"
        return f"{self.value:.{self.indicator.decimals}f}{self.indicator.unit_label if not self.is_count else ''}"

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


def _unit_sums(
    root: OrgUnit, units: list[OrgUnit], groups: list[list[str]], dataset_codes: set[str], official: bool
) -> list[dict[str, dict[int, dict[str, Decimal]]]]:
    """For each group of months: {dataset: {unit id: {element: sum over the months and the unit's subtree}}}.
    Working figures for all groups come from one pass over the registers."""
    results: list[dict[str, dict[int, dict[str, Decimal]]]] = [{} for _ in groups]
    for code in dataset_codes:
        dataset = all_datasets()[code]
        if official:
            per_group = [leaf_sums(dataset, root, months, official=True) for months in groups]
        else:
            by_month = leaf_values(dataset, root, sorted({m for g in groups for m in g}), official=False)
            per_group = [{leaf: _add_months(values, months) for leaf, values in by_month.items()} for months in groups]
        leaves = {leaf for sums in per_group for leaf in sums}
        paths = dict(OrgUnit.objects.filter(pk__in=leaves).values_list("pk", "path"))
        for index, sums in enumerate(per_group):
            by_unit = {}
            for unit in units:
                total: dict[str, Decimal] = {}
                for leaf_id, path in paths.items():
                    if path.startswith(unit.path):
                        for element, value in sums.get(leaf_id, {}).items():
                            total[element] = total.get(element, Decimal(0)) + value
                by_unit[unit.pk] = total
            results[index][code] = by_unit
    return results


def _add_months(by_month: dict[str, dict[str, Decimal]], months: list[str]) -> dict[str, Decimal]:
    total: dict[str, Decimal] = {}
    for month in months:
        for element, value in by_month.get(month, {}).items():
            total[element] = total.get(element, Decimal(0)) + value
    return total


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
    now_months = months_so_far(period)
    datasets = {i.dataset for i in indicators}
    compared = now_months
    if official and datasets:  # compare the same months: those of this year that have approved reports
        with_data = set().union(*(approved_months(ds, root, now_months) for ds in datasets))
        compared = [m for m in now_months if m in with_data]
    last_months = [f"{int(m[:4]) - 1}{m[4:]}" for m in compared]  # the same months of last year
    groups = [now_months, last_months] if with_last_year else [now_months]
    sums = _unit_sums(root, units, groups, datasets, official)
    now, before = sums[0], (sums[1] if with_last_year else {})
    # last year's approved reports must cover every compared month, or the change would mislead
    incomplete_last_year = (
        official
        and with_last_year
        and {ds for ds in datasets if len(approved_months(ds, root, last_months)) < len(last_months)}
    )
    targets = targets_for(units, [i.code for i in indicators], period.start.year)
    result = {}
    for unit in units:
        sums_now = {ds: now[ds][unit.pk] for ds in datasets}
        sums_last = {ds: before[ds][unit.pk] for ds in datasets} if with_last_year else {}
        for indicator in indicators:
            numerator, denominator = _evaluate(indicator, sums_now[indicator.dataset])
            target, target_unit = targets.get((unit.pk, indicator.code), (None, None))
            value = IndicatorValue(
                indicator, unit, period, numerator, denominator, target, target_unit, official=official
            )
            if with_last_year:
                ln, ld = _evaluate(indicator, sums_last[indicator.dataset])
                if incomplete_last_year and indicator.dataset in incomplete_last_year:
                    ln = ld = None  # last year's approved reports cover fewer months: not comparable
                value.last_year = IndicatorValue(indicator, unit, last, ln, ld, None, None, official=official)
            result[(unit.pk, indicator.code)] = value
    return result


def monthly_series(
    unit: OrgUnit, indicator_code: str, year: int, *, official: bool = True
) -> tuple[list[float | None], list[float | None]]:
    """This year's and last year's monthly values of one indicator (for the 12-month trend chart)."""
    indicator = all_indicators()[indicator_code]
    this_months = [month_period(year, m) for m in range(1, 13)]
    last_months = [month_period(year - 1, m) for m in range(1, 13)]
    started = set(months_so_far(parse_period(str(year))))

    by_month = (
        subtree_month_sums(all_datasets()[indicator.dataset], unit, [p.code for p in this_months + last_months])
        if official
        else {}
    )

    def value(p: Period) -> float | None:
        if p.start.year == year and p.code not in started:
            return None  # a month that has not begun has no figures yet
        return indicator_value(indicator, *_evaluate(indicator, by_month.get(p.code, {})))

    if not official:  # working figures: compute the 24 months' register figures in one pass, then read them
        ds = all_datasets()[indicator.dataset]
        values = leaf_values(ds, unit, [p.code for p in this_months + last_months], official=False)

        def value(p: Period) -> float | None:  # noqa: F811
            if p.start.year == year and p.code not in started:
                return None
            total: dict[str, Decimal] = {}
            for by_month in values.values():
                for element, v in by_month.get(p.code, {}).items():
                    total[element] = total.get(element, Decimal(0)) + v
            return indicator_value(indicator, *_evaluate(indicator, total))

    return [value(p) for p in this_months], [value(p) for p in last_months]


def approved_months(dataset_code: str, root: OrgUnit, months: list[str]) -> set[str]:
    """The months in which any report of the subtree has been approved."""
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


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()
