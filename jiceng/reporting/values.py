"""The values of reports — what one report shows, built on the one aggregation
(:mod:`jiceng.reporting.aggregate`).

- A reporting-level unit's values come from its registers (the pack's figure sources) while the report is
  open, or are typed in by a unit that does not keep registers; they are frozen into DataValue rows when
  the report is submitted.
- An upper level's values are sums of the units below (working figures while open: everything entered
  so far, 缺报 units counting nothing); an override of a sum needs a reason and stays beside the sum.
- ``own`` elements (a unit's own stock) come from the unit's own ledger.
"""

from __future__ import annotations

from decimal import Decimal

from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import Period, parse_period
from jiceng.reporting.aggregate import Cell, unit_values
from jiceng.reporting.models import DataValue, Report, State
from jiceng.reporting.packs import DataSet

LEVEL_OF = {Level.VILLAGE: "village", Level.TOWNSHIP: "township", Level.COUNTY: "county"}


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


def children_units(unit: OrgUnit, ds: DataSet | None = None) -> list[OrgUnit]:
    """The units whose reports a unit's report sums (villages of a township, townships of a county), those
    that report ``ds`` when given."""
    level = {Level.TOWNSHIP: Level.VILLAGE, Level.COUNTY: Level.TOWNSHIP}.get(unit.level)
    if level is None:
        return []
    units = list(OrgUnit.objects.filter(parent=unit, level=level, active=True).order_by("code"))
    return [u for u in units if ds is None or ds.is_reported_by(u)]


def current_cells(dataset: DataSet, report: Report) -> dict[str, Cell]:
    """What the report holds now: frozen values once submitted; otherwise its working values (registers
    or sums of the units below) with its typed values and overrides applied. Every element has a cell."""
    if report.state in (State.SUBMITTED, State.APPROVED):
        cells = stored_cells(report)
    else:
        cells = unit_values(dataset, [report.unit], [report.period], official=False, with_own=True).get(
            (report.unit.pk, report.period), {}
        )
    return {e.code: cells.get(e.code) or Cell(e.code, None, None) for e in dataset.elements}


def working_values(dataset: DataSet, unit: OrgUnit, period: Period) -> dict[str, Decimal | None]:
    """A unit's values as entered so far, whatever the state of its reports."""
    cells = unit_values(dataset, [unit], [period.code], official=False, with_own=True).get((unit.pk, period.code), {})
    return {code: cell.value for code, cell in cells.items()}


def official_values(dataset: DataSet, unit: OrgUnit, period: Period) -> dict[str, Decimal | None]:
    """A unit's official values (approved reports only)."""
    cells = unit_values(dataset, [unit], [period.code], official=True, with_own=True).get((unit.pk, period.code), {})
    return {code: cell.value for code, cell in cells.items()}


__all__ = ["Cell", "DataValue", "children_units", "current_cells", "parse_period", "working_values"]
