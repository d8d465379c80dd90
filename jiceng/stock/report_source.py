"""The stock ledger as a figure source of reports: each unit's own 期初/入库/出库/报损/期末 and issues to
children (``jiceng.stock.queries.period_figures`` owns the figures). A county's own stock is its MCH
centre's ledger."""

from __future__ import annotations

from jiceng.orgunits.models import Kind, Level, OrgUnit
from jiceng.periods import Period


def ledger_figures(units: list[OrgUnit], periods: list[Period]) -> dict[str, dict[int, dict[str, int]]]:
    """{period: {unit id: {figure: value}}}."""
    from jiceng.stock.queries import period_figures

    holder = {}
    for unit in units:
        if unit.level == Level.COUNTY and not unit.is_institution:
            centre = OrgUnit.objects.filter(parent=unit, kind=Kind.MCH_CENTRE).first()
            holder[centre.pk if centre else unit.pk] = unit.pk
        else:
            holder[unit.pk] = unit.pk
    out = {}
    for period in periods:
        figures = period_figures(list(holder), period.start, period.end)
        out[period.code] = {holder[unit_id]: values for unit_id, values in figures.items()}
    return out
