"""The CLI's one place for domain refusals: a command built on :class:`DomainCommand` turns a
``ValidationError`` (``jiceng.errors.DomainError``), an ``AccessDenied`` or an ``Http404`` raised anywhere
below it into a Chinese message on stderr and exit status 1, like the pages and the API do."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from jiceng.accounts.access import AccessDenied


class DomainCommand(BaseCommand):
    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        except AccessDenied as exc:
            raise CommandError(str(exc) or "您的角色无权进行此操作") from None
        except Http404 as exc:
            raise CommandError(str(exc) or "未找到（不存在或不在您的管辖范围内）") from None


__all__ = ["DomainCommand"]
