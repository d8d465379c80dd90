"""Register figures named by ``source`` in the packs: ``nutrition.<figure>`` (the child register) and
``stock.<figure>`` (the unit's own stock ledger). One function per programme area computes them for
many units at once."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Q, Sum

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
    """期初/入库/出库/报损/期末 and issues to children, for units that keep a stock ledger.

    A county's own stock is its MCH centre's ledger. Reversing lines carry their original reason, so
    sums by reason are net of corrections; a stocktake adjustment counts as received when it adds
    packs and as a loss when it removes them."""
    from jiceng.stock.models import LOSS_REASONS, Reason, StockLine

    holder = {}
    for unit in units:
        if unit.level == Level.COUNTY and not unit.is_institution:
            centre = OrgUnit.objects.filter(parent=unit, kind="mch_centre").first()
            holder[centre.pk if centre else unit.pk] = unit.pk
        else:
            holder[unit.pk] = unit.pk
    in_period = Q(occurred_on__gte=period.start, occurred_on__lte=period.end)
    rows = (
        StockLine.objects.filter(unit_id__in=holder.keys(), occurred_on__lte=period.end)
        .values("unit_id")
        .annotate(
            opening=Sum("quantity", filter=Q(occurred_on__lt=period.start)),
            receipts=Sum("quantity", filter=in_period & Q(reason__in=[Reason.RECEIPT, Reason.TRANSFER_IN])),
            issues=Sum("quantity", filter=in_period & Q(reason=Reason.ISSUE)),
            transfers=Sum("quantity", filter=in_period & Q(reason=Reason.TRANSFER_OUT)),
            losses=Sum("quantity", filter=in_period & Q(reason__in=LOSS_REASONS)),
            gains=Sum("quantity", filter=in_period & Q(reason=Reason.ADJUSTMENT, quantity__gt=0)),
            shrink=Sum("quantity", filter=in_period & Q(reason=Reason.ADJUSTMENT, quantity__lt=0)),
        )
    )
    out = {}
    for row in rows:
        opening = row["opening"] or 0
        received = (row["receipts"] or 0) + (row["gains"] or 0)
        to_children = -(row["issues"] or 0)
        issued = to_children - (row["transfers"] or 0)
        lost = -(row["losses"] or 0) - (row["shrink"] or 0)
        out[holder[row["unit_id"]]] = {
            "opening": opening,
            "received": received,
            "issued": issued,
            "lost": lost,
            "closing": opening + received - issued - lost,
            "issued_to_children": to_children,
        }
    return out
