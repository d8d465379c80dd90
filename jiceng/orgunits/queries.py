"""Read-only questions about the hierarchy that the pipeline and the pages share."""

from __future__ import annotations

from jiceng.orgunits.models import INSTITUTION_KINDS, Level, OrgUnit

# Levels a unit's ranked children can have (a province is never anyone's child).
_CHILD_LEVELS = (Level.CITY, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE)


def child_units(unit: OrgUnit) -> list[OrgUnit]:
    """The active units directly under ``unit`` that report and are compared (ranked, tabled, summarised),
    in code order; county institutions (卫健局, 妇幼保健中心) work for the whole county and are left out."""
    return list(
        unit.children.filter(active=True, level__in=_CHILD_LEVELS).exclude(kind__in=INSTITUTION_KINDS).order_by("code")
    )
