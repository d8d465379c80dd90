"""Writes to users: each in a transaction, validated, with an audit row."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.accounts.models import Role, User
from jiceng.accounts.signals import revoke_tokens
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.orgunits.models import OrgUnit

USER_AUDIT_FIELDS = ("username", "full_name", "role", "unit_id", "phone", "is_active")


def _user_snapshot(user: User) -> dict:
    return {f: getattr(user, f) for f in USER_AUDIT_FIELDS}


def validate_role_unit(role: str, unit: OrgUnit | None) -> None:
    if role not in Role.values:
        raise ValidationError({"role": _("角色：无效的角色")})
    if unit is None:
        raise ValidationError({"unit": _("单位：每个用户必须属于一个单位")})
    if unit.level not in access.ROLE_LEVELS[role]:
        raise ValidationError(
            {
                "unit": _("单位：%(role)s只能属于%(levels)s级单位，“%(unit)s”是%(level)s")
                % {
                    "role": Role(role).label,
                    "levels": "/".join(str(_(lvl)) for lvl in access.ROLE_LEVELS[role]),
                    "unit": unit.name,
                    "level": unit.get_level_display(),
                }
            }
        )


@transaction.atomic
def create_user(
    *, username: str, password: str, full_name: str, role: str, unit: OrgUnit | None, phone: str = "", acting_user
) -> User:
    access.require(acting_user, "users.manage")
    if unit is not None:
        access.require_unit_in_scope(acting_user, unit)
    username = (username or "").strip()
    if not username:
        raise ValidationError({"username": _("用户名：不能为空")})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("用户名：%(u)s 已存在") % {"u": username}})
    validate_role_unit(role, unit)
    user = User(username=username, full_name=(full_name or "").strip(), role=role, unit=unit, phone=phone)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save()
    record(actor=acting_user, action=actions_catalog.USER_CREATE, obj=user, unit=unit, after=_user_snapshot(user))
    return user


@transaction.atomic
def set_password(user: User, *, password: str, acting_user) -> None:
    if acting_user.pk != user.pk:
        access.require(acting_user, "users.manage")
        access.require_unit_in_scope(acting_user, user.unit)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.save(update_fields=["password"])
    revoke_tokens(user)  # a token must not outlive the password it was issued for
    record(actor=acting_user, action=actions_catalog.USER_SET_PASSWORD, obj=user, unit=user.unit)


@transaction.atomic
def set_active(user: User, *, active: bool, acting_user) -> None:
    access.require(acting_user, "users.manage")
    access.require_unit_in_scope(acting_user, user.unit)
    before = _user_snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    if not active:
        revoke_tokens(user)
    record(
        actor=acting_user,
        action=actions_catalog.USER_ACTIVATE if active else actions_catalog.USER_DEACTIVATE,
        obj=user,
        unit=user.unit,
        before=before,
        after=_user_snapshot(user),
    )


@transaction.atomic
def unlock_user(user: User, *, acting_user) -> None:
    """Lift the lockout after failed logins (django-axes) before its 15 minutes are up."""
    from axes.utils import reset as axes_reset

    access.require(acting_user, "users.manage")
    access.require_unit_in_scope(acting_user, user.unit)
    axes_reset(username=user.username)
    record(actor=acting_user, action=actions_catalog.USER_UNLOCK, obj=user, unit=user.unit)


@transaction.atomic
def issue_api_token(user: User):
    """The user's API token (POST /api/token/): the valid one, or a new one in place of an expired one —
    a new token is in the audit trail (never its key)."""
    from rest_framework.authtoken.models import Token

    from jiceng.accounts.tokens import is_expired

    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and is_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
        record(actor=user, action=actions_catalog.USER_TOKEN_ISSUE, obj=user, unit=user.unit, after={"token": "新令牌"})
    return token


@transaction.atomic
def revoke_api_token(user: User) -> int:
    """End the user's API tokens at once (POST /api/token/revoke/), in the audit trail."""
    count = revoke_tokens(user)
    if count:
        record(actor=user, action=actions_catalog.USER_TOKEN_REVOKE, obj=user, unit=user.unit, after={"revoked": count})
    return count
