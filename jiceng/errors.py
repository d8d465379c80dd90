"""The domain's refusals, one type for every area (pretix's model): an action raises a
:class:`DomainError` (a Django ``ValidationError``, so forms and field messages work as usual) with a
translatable Chinese message; a refusal because someone else changed the record first is a
:class:`Conflict`. They are turned into answers in one place each: pages
(``jiceng.web.errors.DomainErrorMiddleware``), the API (``jiceng.api.errors.exception_handler``) and the
CLI (``jiceng.management.domain_command.DomainCommand``). A role that may not act raises
``jiceng.accounts.access.AccessDenied``; a record outside the user's subtree is ``Http404``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A refusal the user can act on, in Chinese (``{field: [message]}`` or a list of messages)."""


class Conflict(DomainError):
    """The record changed since the user saw it (another reviewer acted, the stock is gone): HTTP 409.
    ``details`` are added to the API answer (e.g. the report's current state and version)."""

    def __init__(self, message, *args, details: dict | None = None, **kwargs):
        super().__init__(message, *args, **kwargs)
        self.details = details or {}


def messages_of(exc: ValidationError) -> dict[str, list[str]]:
    """``{field: [messages]}``, with messages not tied to a field under ``detail``."""
    if hasattr(exc, "error_dict"):
        return {("detail" if field == "__all__" else field): list(msgs) for field, msgs in exc.message_dict.items()}
    return {"detail": list(exc.messages)}


__all__ = ["Conflict", "DomainError", "messages_of"]
