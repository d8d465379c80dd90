"""The API's one exception handler (``REST_FRAMEWORK["EXCEPTION_HANDLER"]``): domain refusals become
HTTP answers with Chinese messages — 400 for a refusal (``{field: [message]}``), 403 for a role that may
not act, 404 for a record outside the caller's subtree (the same words whether or not it exists), 409 for
a conflict with the record's current state. Everything else goes to DRF's own handler."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jiceng.accounts.access import AccessDenied
from jiceng.accounts.hashers import HashingBusy
from jiceng.errors import Conflict, messages_of


def exception_handler(exc, context):
    if isinstance(exc, HashingBusy):
        return Response({"detail": str(exc.message)}, status=503, headers={"Retry-After": "5"})
    if isinstance(exc, Http404):
        return Response({"detail": str(exc) or "未找到该记录"}, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, AccessDenied):
        return Response({"detail": str(exc) or "您的角色无权进行此操作"}, status=status.HTTP_403_FORBIDDEN)
    if isinstance(exc, Conflict):
        body = {**messages_of(exc), **getattr(exc, "details", {})}
        body["detail"] = " ".join(exc.messages)
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, ValidationError):
        return Response(messages_of(exc), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


__all__ = ["exception_handler"]
