"""The values of monthly reports — the one query module for every figure a report shows.

- A village clinic's values come from its registers (``jiceng.nutrition.report_figures`` and the stock
  ledger) while the report is open, and are frozen into DataValue rows when it is submitted.
- A township's and the county's values are sums of the reports of the units directly below
  (approved ones for official figures; every unit's current values for working figures), except
  elements with ``aggregation: own`` (the unit's own stock), which come from the unit's own ledger.
- A unit that does not keep registers in the system types its values in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from jiceng.orgunits.models import Level, OrgUnit, subtree_q
from jiceng.periods import Period, parse_period
from jiceng.reporting.models import DataValue, Report, State
from jiceng.reporting.packs import DataSet

LEVEL_OF = {Level.VILLAGE: "village", Level.TOWNSHIP: "township", Level.COUNTY: "county"}


@dataclass
class Cell:
    element: str
    value: Decimal | None
    computed: Decimal | None = None
    origin: str = DataValue.Origin.COMPUTED
    reason: str = ""

    @property
    def overridden(self) -> bool:
        return self.origin == DataValue.Origin.OVERRIDE

    @property
    def difference(self) -> Decimal | None:
        if self.value is None or self.computed is None:
            return None
        return self.value - self.computed


def level_of(unit: OrgUnit) -> str:
    return LEVEL_OF[unit.level]


def _dec(value) -> Decimal | None:
    return None if value is None else Decimal(value)


# ---------------------------------------------------------------------------------------------
# From the registers
# ---------------------------------------------------------------------------------------------


def register_values(dataset: DataSet, units: list[OrgUnit], period: Period) -> dict[int, dict[str, Decimal | None]]:
    """Values computed from the registers for each unit: register figures for the units of the data set's
    reporting level that keep registers, and ``own`` elements (stock) for any unit."""
    return register_values_months(dataset, units, [period])[period.code]


def register_values_months(
    dataset: DataSet, units: list[OrgUnit], periods: list[Period]
) -> dict[str, dict[int, dict[str, Decimal | None]]]:
    from jiceng.reporting.sources import source_values_months

    figures = source_values_months(dataset, units, periods)
    out: dict[str, dict[int, dict[str, Decimal | None]]] = {}
    for period in periods:
        by_unit = {}
        for unit in units:
            values = {}
            for element in dataset.elements:
                if element.source is None:
                    continue
                if element.aggregation == "sum" and (unit.level != dataset.reporting_level or not unit.keeps_registers):
                    continue
                values[element.code] = _dec(figures[period.code].get(unit.pk, {}).get(element.source))
            by_unit[unit.pk] = values
        out[period.code] = by_unit
    return out


# ---------------------------------------------------------------------------------------------
# One report
# ---------------------------------------------------------------------------------------------


def stored_cells(report: Report) -> dict[str, Cell]:
    return {v.element: Cell(v.element, v.value, v.computed_value, v.origin, v.reason) for v in report.values.all()}


def children_units(unit: OrgUnit) -> list[OrgUnit]:
    """The units whose reports a unit's report sums (villages of a township, townships of a county)."""
    level = {Level.TOWNSHIP: Level.VILLAGE, Level.COUNTY: Level.TOWNSHIP}.get(unit.level)
    if level is None:
        return []
    return list(OrgUnit.objects.filter(parent=unit, level=level, active=True).order_by("code"))


def current_cells(dataset: DataSet, report: Report) -> dict[str, Cell]:
    """What the report holds now: frozen values once submitted; otherwise live values (registers or sums),
    with typed values and overrides applied."""
    if report.state in (State.SUBMITTED, State.APPROVED):
        return stored_cells(report)
    period = parse_period(report.period)
    unit = report.unit
    live: dict[str, Decimal | None] = register_values(dataset, [unit], period)[unit.pk]
    if unit.level != dataset.reporting_level:
        live.update(sum_of_children(dataset, unit, period, official=True))
    cells = {}
    stored = stored_cells(report)
    for element in dataset.elements:
        computed = live.get(element.code)
        cell = stored.get(element.code)
        if cell is not None and cell.origin in (DataValue.Origin.TYPED, DataValue.Origin.OVERRIDE):
            cells[element.code] = Cell(element.code, cell.value, computed, cell.origin, cell.reason)
        else:
            cells[element.code] = Cell(element.code, computed, computed)
    return cells


def sum_of_children(dataset: DataSet, unit: OrgUnit, period: Period, *, official: bool) -> dict[str, Decimal | None]:
    """Sums of the reports of the units directly below (``sum`` elements only)."""
    below = children_units(unit)
    reports = {
        r.unit_id: r
        for r in Report.objects.filter(dataset=dataset.code, period=period.code, unit__in=below).prefetch_related(
            "values"
        )
    }
    totals: dict[str, Decimal | None] = {e.code: None for e in dataset.elements if e.aggregation == "sum"}
    live_units = [
        u for u in below if u.pk not in reports or reports[u.pk].state not in (State.SUBMITTED, State.APPROVED)
    ]
    live = {}
    if not official and live_units:
        live = {u.pk: current_cells(dataset, reports[u.pk]) if u.pk in reports else None for u in live_units}
    for child in below:
        report = reports.get(child.pk)
        if report is not None and report.state == State.APPROVED:
            values = {code: cell.value for code, cell in stored_cells(report).items()}
        elif not official:
            if report is not None and report.state == State.SUBMITTED:
                values = {code: cell.value for code, cell in stored_cells(report).items()}
            elif live.get(child.pk) is not None:
                values = {code: cell.value for code, cell in live[child.pk].items()}
            else:
                values = working_values(dataset, child, period)
        else:
            continue
        for code in totals:
            value = values.get(code)
            if value is not None:
                totals[code] = (totals[code] or Decimal(0)) + value
    return totals


def working_values(dataset: DataSet, unit: OrgUnit, period: Period) -> dict[str, Decimal | None]:
    """A unit's values as entered so far, whatever the state of its reports."""
    report = Report.objects.filter(dataset=dataset.code, unit=unit, period=period.code).first()
    if report is not None:
        return {code: cell.value for code, cell in current_cells(dataset, report).items()}
    values = register_values(dataset, [unit], period)[unit.pk]
    if unit.level != dataset.reporting_level:
        values.update(sum_of_children(dataset, unit, period, official=False))
    return values


# ---------------------------------------------------------------------------------------------
# Many units at once (indicators, dashboards, benchmarks)
# ---------------------------------------------------------------------------------------------


def leaf_values(
    dataset: DataSet, root: OrgUnit, months: list[str], *, official: bool
) -> dict[int, dict[str, dict[str, Decimal]]]:
    """{unit id: {month: {element: value}}} for every unit of the data set's reporting level (village clinics
    for the nutrition report) in ``root``'s subtree, for ``sum`` elements.

    Official figures: the frozen values of approved village reports. Working figures: approved or
    submitted reports' values, otherwise values computed from the registers now (or typed values)."""
    villages = list(
        OrgUnit.objects.filter(subtree_q(root.path), level=dataset.reporting_level).exclude(
            kind__in=["health_bureau", "mch_centre"]
        )
    )
    by_id = {v.pk: v for v in villages}
    result: dict[int, dict[str, dict[str, Decimal]]] = defaultdict(dict)
    sum_codes = {e.code for e in dataset.elements if e.aggregation == "sum"}
    states = [State.APPROVED] if official else [State.APPROVED, State.SUBMITTED]
    frozen = DataValue.objects.filter(
        report__dataset=dataset.code,
        report__period__in=months,
        report__state__in=states,
        report__unit__in=by_id.keys(),
        element__in=sum_codes,
    ).values_list("report__unit_id", "report__period", "element", "value")
    for unit_id, month, element, value in frozen:
        if value is not None:
            result[unit_id].setdefault(month, {})[element] = value
    if official:
        return result
    typed = (
        DataValue.objects.filter(
            report__dataset=dataset.code,
            report__period__in=months,
            report__unit__in=by_id.keys(),
            element__in=sum_codes,
            origin__in=[DataValue.Origin.TYPED, DataValue.Origin.OVERRIDE],
        )
        .exclude(report__state__in=states)
        .values_list("report__unit_id", "report__period", "element", "value")
    )
    overrides = defaultdict(dict)
    for unit_id, month, element, value in typed:
        overrides[(unit_id, month)][element] = value
    missing_by_month = {m: [v for v in villages if m not in result.get(v.pk, {})] for m in months}
    need = sorted({v.pk for units in missing_by_month.values() for v in units})
    if need:
        periods = [parse_period(m) for m in months if missing_by_month[m]]
        computed = register_values_months(dataset, [by_id[pk] for pk in need], periods)
        for month, units in missing_by_month.items():
            for village in units:
                values = {k: v for k, v in computed[month][village.pk].items() if k in sum_codes and v is not None}
                values.update({k: v for k, v in overrides.get((village.pk, month), {}).items() if v is not None})
                result[village.pk][month] = values
    return result


def leaf_sums(dataset: DataSet, root: OrgUnit, months: list[str], *, official: bool) -> dict[int, dict[str, Decimal]]:
    """{leaf unit id: {element: sum over ``months``}} — official figures are summed by the database
    (approved reports only); working figures go through :func:`leaf_values`."""
    from django.db.models import Sum

    if not months:
        return {}
    sum_codes = [e.code for e in dataset.elements if e.aggregation == "sum"]
    if not official:
        out: dict[int, dict[str, Decimal]] = {}
        for unit_id, by_month in leaf_values(dataset, root, months, official=False).items():
            totals: dict[str, Decimal] = {}
            for values in by_month.values():
                for element, value in values.items():
                    totals[element] = totals.get(element, Decimal(0)) + value
            out[unit_id] = totals
        return out
    rows = (
        DataValue.objects.filter(
            subtree_q(root.path, "report__unit__path"),
            report__dataset=dataset.code,
            report__period__in=months,
            report__state=State.APPROVED,
            report__unit__level=dataset.reporting_level,
            element__in=sum_codes,
            value__isnull=False,
        )
        .values_list("report__unit_id", "element")
        .annotate(total=Sum("value"))
    )
    out = defaultdict(dict)
    for unit_id, element, total in rows:
        out[unit_id][element] = total
    return out


def subtree_month_sums(dataset: DataSet, root: OrgUnit, months: list[str]) -> dict[str, dict[str, Decimal]]:
    """{month: {element: sum over root's subtree}} of approved reports, in one grouped query (trend charts)."""
    from django.db.models import Sum

    rows = (
        DataValue.objects.filter(
            subtree_q(root.path, "report__unit__path"),
            report__dataset=dataset.code,
            report__period__in=months,
            report__state=State.APPROVED,
            report__unit__level=dataset.reporting_level,
            value__isnull=False,
            element__in=[e.code for e in dataset.elements if e.aggregation == "sum"],
        )
        .values_list("report__period", "element")
        .annotate(total=Sum("value"))
    )
    out: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for month, element, total in rows:
        out[month][element] = total
    return out
