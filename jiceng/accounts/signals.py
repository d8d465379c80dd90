"""Logging out ends the user's API token too (a token must not outlive the session it was meant for)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_out
from django.dispatch import receiver


def revoke_tokens(user) -> int:
    """Delete every API token of ``user``; the number of tokens deleted."""
    from rest_framework.authtoken.models import Token

    if user is None or user.pk is None:
        return 0
    _total, by_model = Token.objects.filter(user_id=user.pk).delete()
    return by_model.get("authtoken.Token", 0)


@receiver(user_logged_out, dispatch_uid="jiceng.accounts.revoke_tokens_on_logout")
def _revoke_on_logout(sender, request, user, **kwargs):
    revoke_tokens(user)
