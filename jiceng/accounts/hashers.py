"""Password hashing a 2-core county server can afford while someone hammers the login page.

Django's default argon2 takes 100 MiB per hash; 16 anonymous token requests, 8 at a time, took
a demo server from 653 to 1,453 MB. Here each hash takes 32 MiB (time cost 2, one lane), and
at most ``JICENG_HASH_CONCURRENCY`` hashes (default 2, one per core) run at once in a process:
a request that cannot start hashing within ``JICENG_HASH_WAIT_SECONDS`` (default 3) gets
"系统繁忙，请稍后再试" (503) instead of queueing memory. Hashes made with other parameters
still verify and are re-hashed with these on the next successful login.
"""

from __future__ import annotations

import threading

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.utils.translation import gettext_lazy as _


class HashingBusy(Exception):
    """Too many password hashes are already running in this process."""

    message = _("系统繁忙，请稍后再试")

    def __str__(self) -> str:
        return str(self.message)


_lock = threading.Lock()
_semaphore: threading.BoundedSemaphore | None = None
_semaphore_size = 0


def _slots() -> threading.BoundedSemaphore:
    global _semaphore, _semaphore_size
    size = max(1, int(getattr(settings, "PASSWORD_HASH_CONCURRENCY", 2)))
    with _lock:
        if _semaphore is None or _semaphore_size != size:
            _semaphore, _semaphore_size = threading.BoundedSemaphore(size), size
        return _semaphore


class bounded_hashing:  # noqa: N801 - used as a context manager
    """At most PASSWORD_HASH_CONCURRENCY hashes at once; HashingBusy after PASSWORD_HASH_WAIT seconds."""

    def __enter__(self):
        self._semaphore = _slots()
        if not self._semaphore.acquire(timeout=float(getattr(settings, "PASSWORD_HASH_WAIT", 3.0))):
            raise HashingBusy()
        return self

    def __exit__(self, *exc):
        self._semaphore.release()
        return False


class JicengArgon2PasswordHasher(Argon2PasswordHasher):
    """argon2id, 32 MiB, time cost 2, one lane; the same ``argon2$`` prefix as Django's hasher."""

    time_cost = 2
    memory_cost = 32 * 1024  # KiB
    parallelism = 1

    def encode(self, password, salt):
        with bounded_hashing():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        with bounded_hashing():
            return super().verify(password, encoded)
