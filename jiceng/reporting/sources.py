"""Register figures named by ``source`` in the packs (``nutrition.packs_issued``, ``stock.closing``).

The one mapping from a pack to its registers is the pack's ``programme.yaml``: ``figure_sources`` names,
for each source prefix, the function ``f(units, periods) -> {period code: {unit id: {figure: value}}}``
that computes its figures for many units and periods at once. The pipeline knows no programme by name.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from importlib import import_module

from jiceng.orgunits.models import OrgUnit
from jiceng.periods import Period
from jiceng.reporting.packs import DataSet, pack_of


@cache
def _function(target: str):
    module, name = target.split(":", 1)
    return getattr(import_module(module), name)


def source_values_months(
    dataset: DataSet, units: list[OrgUnit], periods: list[Period]
) -> dict[str, dict[int, dict[str, int | None]]]:
    """{period: {unit id: {source: value}}} for several periods at once."""
    out: dict[str, dict[int, dict[str, int | None]]] = {p.code: defaultdict(dict) for p in periods}
    prefixes = sorted({e.source.split(".", 1)[0] for e in dataset.elements if e.source})
    if not prefixes or not units:
        return out
    sources = pack_of(dataset.code).figure_sources
    for prefix in prefixes:
        figures = _function(sources[prefix])(units, periods)
        for period_code, by_unit in figures.items():
            for unit_id, values in by_unit.items():
                out[period_code][unit_id].update({f"{prefix}.{k}": v for k, v in values.items()})
    return out


def source_values(dataset: DataSet, units: list[OrgUnit], period: Period) -> dict[int, dict[str, int | None]]:
    return source_values_months(dataset, units, [period])[period.code]


def source_values_over(
    dataset: DataSet, units: list[OrgUnit], months: list[Period], counted
) -> dict[int, dict[str, int | None]]:
    """{unit id: {source: value}} of the data set's ``distinct`` elements over ``months`` taken together
    (each person counted once), from the pack's ``period_sources``. ``counted``: for official figures, a
    function giving, for unit ids, the months each unit's report has been approved for (entries of other
    months are left out); None for working figures."""
    out: dict[int, dict[str, int | None]] = defaultdict(dict)
    prefixes = sorted({e.source.split(".", 1)[0] for e in dataset.elements if e.period_aggregation == "distinct"})
    if not prefixes or not units or not months:
        return out
    sources = pack_of(dataset.code).period_sources
    for prefix in prefixes:
        for unit_id, values in _function(sources[prefix])(units, months, counted).items():
            out[unit_id].update({f"{prefix}.{k}": v for k, v in values.items()})
    return out
