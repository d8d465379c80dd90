"""The one place that decides what a user may see and change.

Pages, API, exports and CLI all call these helpers. A user works within the
subtree of one org unit (their *scope root*): a village doctor's village, a
township's health centre, the county for county institutions. Anything outside
is reported as "not found" (404), never as "forbidden", so existence does not leak.
"""

from __future__ import annotations

from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from jiceng.accounts.models import Role
from jiceng.orgunits.models import Level, OrgUnit, subtree_q


class AccessDenied(PermissionError):
    """The user is inside scope but their role may not do this; carries a Chinese message."""


# What each role may do inside its scope (capabilities, not objects).
# Identity (PIPL need-to-know, see README "Personal data"): ``registers.view_full_identity`` shows the full ID
# and phone numbers on one child's page and API record (the village doctor registering and checking their own
# children); ``registers.reveal_identity`` may ask for them on one child (``?reveal=1``), each time audited.
# Lists, exports, the audit trail and logs are masked for every role.
# Work summaries: ``summaries.edit`` drafts (the township programme officer 公卫专干, the county MCH centre),
# ``summaries.approve`` approves (审定: the township director 院长 = reviewer, the county health bureau).
CAPABILITIES: dict[str, frozenset[str]] = {
    Role.VILLAGE_DOCTOR: frozenset(
        {
            "registers.view",
            "benefits.view",
            "benefits.declare",
            "benefits.village_check",
            "registers.edit",
            "registers.view_full_identity",
            "reports.fill",
            "reports.submit",
            "stock.view",
            "stock.edit",
            "supervision.reply",
        }
    ),
    Role.TOWNSHIP_OFFICER: frozenset(
        {
            "registers.view",
            "benefits.view",
            "benefits.declare",
            "benefits.village_check",  # recorded for a village committee that has no account
            "registers.edit",
            "registers.reveal_identity",
            "reports.fill",
            "reports.submit",
            "stock.view",
            "stock.edit",
            "analysis.view",
            "activities.edit",
            "force_majeure.declare",
            "summaries.edit",
            "supervision.inspect",
            "supervision.reply",
        }
    ),
    Role.TOWNSHIP_REVIEWER: frozenset(
        {
            "registers.view",
            "benefits.view",
            "benefits.review",
            "benefits.publish",
            "registers.reveal_identity",
            "reports.review",
            "reports.submit",
            "stock.view",
            "analysis.view",
            "audit.view",
            "activities.edit",
            "force_majeure.declare",
            "summaries.approve",
            "supervision.inspect",
            "supervision.reply",
        }
    ),
    Role.COUNTY_MCH: frozenset(
        {
            "registers.view",
            "reports.review",
            "stock.view",
            "stock.edit",
            "allocation.edit",
            "analysis.view",
            "audit.view",
            "activities.edit",
            "force_majeure.declare",
            "summaries.edit",
            "supervision.inspect",
        }
    ),
    Role.COUNTY_BUREAU: frozenset(
        {
            "registers.view",
            "analysis.view",
            "audit.view",
            "targets.edit",
            "summaries.edit",
            "summaries.approve",
            "force_majeure.declare",
            # the county health bureau approves and pays family-planning benefits: it sees the full ID and
            # bank-account numbers of the benefit rosters it pays (pages, payment files, API), nobody else does
            "benefits.view",
            "benefits.approve",
            "benefits.publish",
            "benefits.pay",
            "benefits.lists",
            "benefits.view_full_identity",
            "supervision.inspect",
        }
    ),
    Role.ADMIN: frozenset(
        {"registers.view", "analysis.view", "audit.view", "users.manage", "units.manage", "parameters.edit"}
    ),
}

# The unit level at which each role works.
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.VILLAGE_DOCTOR: (Level.VILLAGE,),
    Role.TOWNSHIP_OFFICER: (Level.TOWNSHIP,),
    Role.TOWNSHIP_REVIEWER: (Level.TOWNSHIP,),
    Role.COUNTY_MCH: (Level.COUNTY,),
    Role.COUNTY_BUREAU: (Level.COUNTY,),
    Role.ADMIN: (Level.PROVINCE, Level.CITY, Level.COUNTY),
}


def scope_root(user) -> OrgUnit | None:
    """The unit whose subtree the user works in; None (sees nothing) if the user has no unit."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    unit = user.unit
    if unit is None:
        return None
    if unit.is_institution and unit.parent_id:
        return unit.parent  # 县卫健局 / 县妇幼保健中心 work for the whole county
    return unit


def scope_path(user) -> str | None:
    root = scope_root(user)
    return root.path if root is not None else None


def can(user, capability: str) -> bool:
    if scope_root(user) is None:
        return False
    return capability in CAPABILITIES.get(user.role, frozenset())


def require(user, capability: str, message: str | None = None) -> None:
    if not can(user, capability):
        raise AccessDenied(message or _("您的角色无权进行此操作"))


def in_scope_q(user, path_field: str = "path") -> Q:
    """A Q restricting rows to the user's subtree; matches nothing when the user has no scope."""
    path = scope_path(user)
    if path is None:
        return Q(pk__in=[])
    return subtree_q(path, path_field)


def visible_units(user) -> QuerySet[OrgUnit]:
    """All units the user may see: one indexed range query on the path."""
    return OrgUnit.objects.filter(in_scope_q(user))


def scoped(user, queryset: QuerySet, unit_field: str = "unit") -> QuerySet:
    """Restrict any queryset whose rows belong to a unit (``unit_field`` is a FK to OrgUnit)."""
    return queryset.filter(in_scope_q(user, f"{unit_field}__path"))


def unit_in_scope_or_404(user, code: str) -> OrgUnit:
    if "\x00" in str(code or ""):  # no unit has one, and PostgreSQL refuses it in a query
        raise Http404(_("未找到该单位"))
    try:
        return visible_units(user).get(code=code)
    except OrgUnit.DoesNotExist:
        raise Http404(_("未找到该单位")) from None


def object_in_scope_or_404(user, queryset: QuerySet, *, unit_field: str = "unit", **lookup) -> Model:
    """Fetch one object by ids that came from a user, only if it lies in the user's subtree."""
    try:
        return scoped(user, queryset, unit_field).get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError):
        raise Http404(_("未找到该记录")) from None


def unit_is_visible(user, unit: OrgUnit) -> bool:
    path = scope_path(user)
    return path is not None and unit.path.startswith(path)


def require_unit_in_scope(user, unit: OrgUnit) -> None:
    if not unit_is_visible(user, unit):
        raise Http404(_("未找到该单位"))


def visible_users(user):
    from jiceng.accounts.models import User

    return User.objects.filter(in_scope_q(user, "unit__path"))


def full_identity_for_one(user, *, reveal: bool = False) -> bool:
    """Whether one child's page or API record shows the full ID and phone numbers. Lists, exports, the
    audit trail and logs never do, for any role. A reveal by a role that may not
    make one raises :class:`AccessDenied`; the caller audits a granted reveal (``child.reveal``)."""
    if can(user, "registers.view_full_identity"):
        return True
    if not reveal:
        return False
    require(user, "registers.reveal_identity", _("您的角色无权查看完整的身份证号和电话"))
    return True


def reveal_is_audited(user) -> bool:
    """A full number shown on request (not by default) writes an audit row."""
    return not can(user, "registers.view_full_identity") and can(user, "registers.reveal_identity")
