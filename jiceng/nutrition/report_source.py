"""The nutrition pack's figure sources: register figures of village clinics that keep registers, for the
elements whose ``source`` starts with ``nutrition.`` (named in ``packs/nutrition/programme.yaml``)."""

from __future__ import annotations

from jiceng.nutrition.report_figures import Counted, figures_for_months, figures_over
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import Period


def _villages(units: list[OrgUnit]) -> list[int]:
    return [u.pk for u in units if u.level == Level.VILLAGE and u.keeps_registers]


def register_figures(units: list[OrgUnit], periods: list[Period]) -> dict[str, dict[int, dict[str, int | None]]]:
    """{month: {village id: {figure: value}}}."""
    villages = _villages(units)
    if not villages:
        return {p.code: {} for p in periods}
    return figures_for_months(villages, periods)


def register_figures_over(
    units: list[OrgUnit], months: list[Period], counted: Counted | None
) -> dict[int, dict[str, int | None]]:
    """{village id: {children figure: value}} over several months, each child counted once."""
    villages = _villages(units)
    if not villages:
        return {}
    return figures_over(villages, months, counted)
