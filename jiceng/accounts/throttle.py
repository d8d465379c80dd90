"""Per-address limit on password attempts (login page and API token), in Django's cache.

django-axes locks an account after 5 failures, but an attacker who tries a new username each
time is never locked, and every attempt costs a password hash. Here each client address may
make ``LOGIN_THROTTLE_ATTEMPTS`` failed attempts (default 30) per ``LOGIN_THROTTLE_WINDOW``
seconds (default 600); further attempts are answered 429 without hashing. A successful login
gives its attempt back, so a township office behind one NAT address is not locked out by
colleagues who log in correctly.

The address is REMOTE_ADDR. Only when REMOTE_ADDR is one of ``JICENG_TRUSTED_PROXIES``
(comma-separated) is the last address in X-Forwarded-For that is not itself a trusted proxy
used instead — a client cannot choose its own address by sending the header.
"""

from __future__ import annotations

import contextlib
import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

_PREFIX = "jiceng:login-throttle:"


def client_address(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    if remote in trusted:
        hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        for hop in reversed(hops):
            if hop not in trusted:
                return hop[:64]
    return remote[:64]


def _key(address: str) -> str:
    window = int(getattr(settings, "LOGIN_THROTTLE_WINDOW", 600))
    bucket = int(time.time() // window)
    return _PREFIX + hashlib.sha256(f"{address}|{bucket}".encode()).hexdigest()[:32]


class Attempt:
    """One password attempt from one address: ``allowed`` is False when the address is over its limit.

    Call ``succeeded()`` after a successful login to give the attempt back."""

    def __init__(self, request):
        self.key = _key(client_address(request))
        window = int(getattr(settings, "LOGIN_THROTTLE_WINDOW", 600))
        limit = int(getattr(settings, "LOGIN_THROTTLE_ATTEMPTS", 30))
        cache.add(self.key, 0, timeout=window + 1)
        try:
            count = cache.incr(self.key)
        except ValueError:  # expired between add and incr
            cache.set(self.key, 1, timeout=window + 1)
            count = 1
        self.allowed = count <= limit
        self.retry_after = window - int(time.time()) % window

    def succeeded(self) -> None:
        with contextlib.suppress(ValueError):
            cache.decr(self.key)


THROTTLED_MESSAGE = _("登录尝试过于频繁，请稍后再试")
