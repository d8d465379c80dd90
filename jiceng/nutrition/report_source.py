"""The nutrition pack's figure source: register figures of village clinics that keep registers, for the
elements whose ``source`` starts with ``nutrition.`` (named in ``packs/nutrition/programme.yaml``)."""

from __future__ import annotations

from jiceng.nutrition.report_figures import figures_for_months
from jiceng.orgunits.models import Level, OrgUnit
from jiceng.periods import Period


def register_figures(units: list[OrgUnit], periods: list[Period]) -> dict[str, dict[int, dict[str, int | None]]]:
    """{month: {village id: {figure: value}}}."""
    villages = [u.pk for u in units if u.level == Level.VILLAGE and u.keeps_registers]
    if not villages:
        return {p.code: {} for p in periods}
    return figures_for_months(villages, periods)
