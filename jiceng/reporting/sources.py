"""Register figures named by ``source`` in the packs: ``nutrition.<figure>`` (the child register) and
``stock.<figure>`` (the unit's own stock ledger). One function per programme area computes them for
many units at once."""

from __future__ import annotations

from collections import defaultdict

from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import Period
from jiceng.reporting.packs import DataSet


def source_values(dataset: DataSet, units: list[OrgUnit], period: Period) -> dict[int, dict[str, int | None]]:
    return source_values_months(dataset, units, [period])[period.code]


def source_values_months(
    dataset: DataSet, units: list[OrgUnit], periods: list[Period]
) -> dict[str, dict[int, dict[str, int | None]]]:
    """{month: {unit id: {source: value}}} for several months at once."""
    needed = {e.source.split(".", 1)[0] for e in dataset.elements if e.source}
    out: dict[str, dict[int, dict[str, int | None]]] = {p.code: defaultdict(dict) for p in periods}
    if "nutrition" in needed:
        from jiceng.nutrition.report_figures import figures_for_months

        villages = [u.pk for u in units if u.level == Level.VILLAGE and u.keeps_registers]
        for month, by_unit in figures_for_months(villages, periods).items():
            for unit_id, figures in by_unit.items():
                out[month][unit_id].update({f"nutrition.{k}": v for k, v in figures.items()})
    if "stock" in needed:
        for period in periods:
            for unit_id, figures in stock_figures(units, period).items():
                out[period.code][unit_id].update({f"stock.{k}": v for k, v in figures.items()})
    return out


def stock_figures(units: list[OrgUnit], period: Period) -> dict[int, dict[str, int]]:
    """期初/入库/出库/报损/期末 and issues to children of each unit's own ledger (``jiceng.stock.queries``
    owns the figures). A county's own stock is its MCH centre's ledger."""
    from jiceng.stock.queries import period_figures

    holder = {}
    for unit in units:
        if unit.level == Level.COUNTY and not unit.is_institution:
            centre = OrgUnit.objects.filter(parent=unit, kind="mch_centre").first()
            holder[centre.pk if centre else unit.pk] = unit.pk
        else:
            holder[unit.pk] = unit.pk
    figures = period_figures(list(holder), period.start, period.end)
    return {holder[unit_id]: values for unit_id, values in figures.items()}
