"""What every list of people or units is narrowed by (乡镇、村): the units of the user's scope, grouped by
township, for one ``<select name="unit">`` (``web/unit_select.html``)."""

from __future__ import annotations

from jiceng.accounts import access
from jiceng.orgunits.models import Level


def unit_groups(user) -> list[tuple[object, list]]:
    """[(township, [its villages]), …] the user may see, in code order; a village doctor gets []."""
    root = access.scope_root(user)
    if root is None or root.level == Level.VILLAGE:
        return []
    units = access.visible_units(user).filter(level__in=[Level.TOWNSHIP, Level.VILLAGE]).order_by("path")
    groups: dict[int, tuple[object, list]] = {}
    for unit in units.exclude(kind__in=["health_bureau", "mch_centre"]):
        if unit.level == Level.TOWNSHIP:
            groups[unit.pk] = (unit, [])
        elif unit.parent_id in groups:
            groups[unit.parent_id][1].append(unit)
    return list(groups.values())
