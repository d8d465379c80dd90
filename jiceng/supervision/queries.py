"""Every list and count of supervision and rectification, for pages, exports, the API, the CLI, to-dos
and figures. Always inside the user's subtree; withdrawn records and their findings count nowhere."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet

from jiceng.accounts import access
from jiceng.supervision.models import Finding, InspectionPlan, InspectionRecord, Notice, State

LISTS = {
    "problems": "问题清单",  # every finding: what, where, from where
    "tasks": "任务清单",  # what is still to do: owner (the unit), deadline, state, overdue
    "results": "结果清单",  # what was done: closed, on time or not, escalations and their outcome
}


def can_view(user) -> bool:
    return access.can(user, "supervision.inspect") or access.can(user, "supervision.reply")


def findings_for(user) -> QuerySet[Finding]:
    return access.scoped(user, Finding.objects.filter(withdrawn=False)).select_related(
        "unit", "notice", "inspector_unit"
    )


def records_for(user) -> QuerySet[InspectionRecord]:
    return access.scoped(user, InspectionRecord.objects.all()).select_related("unit", "inspector_unit", "plan")


def plans_for(user) -> QuerySet[InspectionPlan]:
    return access.scoped(user, InspectionPlan.objects.all(), unit_field="owner").select_related("owner")


def notices_for(user) -> QuerySet[Notice]:
    return access.scoped(user, Notice.objects.all()).select_related("unit", "issuer_unit")


def overdue_q(today: dt.date) -> Q:
    return Q(state=State.OPEN, deadline__lt=today)


def list_rows(user, which: str, today: dt.date, *, unit=None, state: str = "", overdue: bool = False):
    """The rows of one of the three lists (三张清单), newest first."""
    rows = findings_for(user)
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    if which == "tasks":
        rows = rows.exclude(state=State.CLOSED).order_by("deadline", "id")
    elif which == "results":
        rows = rows.filter(Q(state=State.CLOSED) | ~Q(escalation="")).order_by("-closed_on", "-id")
    else:
        rows = rows.order_by("-found_on", "-id")
    if state in State.values:
        rows = rows.filter(state=state)
    if overdue:
        rows = rows.filter(overdue_q(today))
    return rows


def counts(user, today: dt.date, *, unit=None) -> dict[str, int]:
    rows = findings_for(user)
    if unit is not None:
        rows = rows.filter(unit__path__startswith=unit.path)
    return {
        "open": rows.filter(state=State.OPEN).count(),
        "replied": rows.filter(state=State.REPLIED).count(),
        "rechecked": rows.filter(state=State.RECHECKED).count(),
        "closed": rows.filter(state=State.CLOSED).count(),
        "overdue": rows.filter(overdue_q(today)).count(),
        "total": rows.count(),
    }


def awaiting_recheck(user) -> QuerySet[Finding]:
    """Replies the user's unit must re-check: findings below the user that it (or a unit under it) issued."""
    root = access.scope_root(user)
    if root is None or not access.can(user, "supervision.inspect"):
        return Finding.objects.none()
    return findings_for(user).filter(state__in=(State.REPLIED, State.RECHECKED)).exclude(unit=root)


def to_rectify(user) -> QuerySet[Finding]:
    """The findings the user's own unit must rectify (reply to)."""
    root = access.scope_root(user)
    if root is None or not access.can(user, "supervision.reply"):
        return Finding.objects.none()
    return Finding.objects.filter(unit=root, withdrawn=False, state=State.OPEN).select_related("notice")


def unconfirmed_notices(user) -> QuerySet[Notice]:
    root = access.scope_root(user)
    if root is None or not access.can(user, "supervision.reply"):
        return Notice.objects.none()
    return Notice.objects.filter(unit=root, received_at__isnull=True)
