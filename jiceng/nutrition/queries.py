"""Figures about the child register. Every page, export, API call and document calls these."""

from __future__ import annotations

from django.db.models import QuerySet

from jiceng.nutrition.models import Child
from jiceng.orgunits.models import OrgUnit, subtree_q


def children_in(unit: OrgUnit) -> QuerySet[Child]:
    """Children registered in the unit's subtree (merged duplicates excluded)."""
    return Child.objects.filter(subtree_q(unit.path, "village__path"), merged_into__isnull=True)


def registered_children_count(unit: OrgUnit) -> int:
    return children_in(unit).count()
