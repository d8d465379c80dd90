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


def possible_duplicates(child: Child, candidates: QuerySet[Child]) -> QuerySet[Child]:
    """Records that may be the same child: same ID number, or same name and birth date."""
    from django.db.models import Q

    same = Q(name=child.name, birth_date=child.birth_date)
    if child.id_number:
        same |= Q(id_number=child.id_number)
    return candidates.filter(same, merged_into__isnull=True).exclude(pk=child.pk).select_related("village")
