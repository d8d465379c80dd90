"""API tokens that end: after ``API_TOKEN_IDLE`` without use (default 8 hours), ``API_TOKEN_MAX_AGE``
after they were issued (default 30 days), and when the user logs out, changes or is given a new
password, or is deactivated (``jiceng.accounts.signals.revoke_tokens``). The views that issue and
revoke them are in ``jiceng.api.tokens``; this module is what REST_FRAMEWORK's settings import.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from jiceng.accounts.models import TokenActivity

_TOUCH_EVERY = dt.timedelta(minutes=1)  # write last use at most once a minute per token


def _idle() -> dt.timedelta:
    return getattr(settings, "API_TOKEN_IDLE", dt.timedelta(hours=8))


def _max_age() -> dt.timedelta:
    return getattr(settings, "API_TOKEN_MAX_AGE", dt.timedelta(days=30))


def _last_used(token: Token) -> dt.datetime:
    try:
        return token.activity.last_used
    except TokenActivity.DoesNotExist:
        return token.created


def expires_at(token: Token) -> dt.datetime:
    return min(token.created + _max_age(), _last_used(token) + _idle())


def is_expired(token: Token, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token is idle or too old (and then deleted)."""

    def authenticate_credentials(self, key):
        try:
            token = Token.objects.select_related("user", "activity").get(key=key)
        except Token.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("令牌无效")) from None
        now = timezone.now()
        if is_expired(token, now):
            token.delete()
            raise exceptions.AuthenticationFailed(_("令牌已过期，请重新获取"))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("该账户已停用，请联系系统管理员。"))
        if now - _last_used(token) >= _TOUCH_EVERY:
            TokenActivity.objects.update_or_create(token=token, defaults={"last_used": now})
        return token.user, token
