"""jiceng.orgunits.queries: the children a unit is compared with (dashboard, summaries, quarterly analysis)."""

from __future__ import annotations

from jiceng.orgunits.models import INSTITUTION_KINDS, Kind
from jiceng.orgunits.queries import child_units


def test_child_units_leave_out_county_institutions_and_inactive_units(tree):
    assert {Kind.HEALTH_BUREAU, Kind.MCH_CENTRE} <= INSTITUTION_KINDS
    assert [u.code for u in child_units(tree.county)] == [tree.town_a.code, tree.town_b.code]
    tree.town_b.active = False
    tree.town_b.save()
    assert child_units(tree.county) == [tree.town_a]
    assert child_units(tree.town_a) == [tree.village_a1, tree.village_a2]
    assert child_units(tree.village_a1) == []
