"""Pages: a domain refusal that escapes a view is answered in one place, in Chinese, with the navigation.

A POST goes back to the page it came from with the message shown there (the session keeps what a form
sent when the view stored it); a GET gets the error page with the message. The error pages themselves
(400, 403, 404, 500) are Chinese and carry the navigation (``templates/400.html`` …)."""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import DataError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import defaults

from jiceng.accounts.access import AccessDenied
from jiceng.accounts.hashers import HashingBusy
from jiceng.documents.hostile import path_has_control_characters, request_problem

logger = logging.getLogger(__name__)


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if path_has_control_characters(request):  # a code with a NUL byte: refused before any query (issue 13)
            return _bad_request(request, "网址中含有不允许的控制字符（如空字符 %00），请检查网址")
        problem = request_problem(request)  # NUL in a filter, absurd numbers, JSON 10,000 deep: 400
        if problem is not None:
            return _bad_request(request, problem)
        return self.get_response(request)

    def process_exception(self, request, exc):
        if isinstance(exc, HashingBusy):  # every password hash slot taken (creating users under load): 503
            if request.path.startswith("/api/"):
                response = JsonResponse(
                    {"detail": str(exc.message)}, status=503, json_dumps_params={"ensure_ascii": False}
                )
            else:
                response = render(request, "400.html", {"messages_list": [str(exc.message)]}, status=503)
            response["Retry-After"] = "5"
            return response
        if isinstance(exc, DataError):  # a value the database refuses that no check caught: the input's fault
            logger.warning("database refused the input of %s %s: %s", request.method, request.path, exc)
            return _bad_request(
                request, "提交的数据超出了允许的范围（如文字过长、数字过大或含有控制字符），请检查后重试"
            )
        if request.path.startswith("/api/"):
            return None  # the API's own handler answers
        if isinstance(exc, AccessDenied):
            return render(request, "403.html", {"message": str(exc)}, status=403)
        if not isinstance(exc, ValidationError):
            return None
        if request.method == "POST":
            back = request.META.get("HTTP_REFERER", "")
            if url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
                for message in exc.messages:
                    messages.error(request, message)
                return redirect(back)
        return render(request, "400.html", {"messages_list": exc.messages}, status=400)


def _bad_request(request, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
    return render(request, "400.html", {"messages_list": [message]}, status=400)


def page_not_found(request, exception=None):
    return render(request, "404.html", {"message": _reason(exception)}, status=404)


def permission_denied(request, exception=None):
    return render(request, "403.html", {"message": _reason(exception)}, status=403)


def server_error(request):
    """500: the Chinese page with the user's own navigation; if even that cannot be drawn (the database is
    down), the plain page that needs nothing (``500.html``)."""
    try:
        return render(request, "web/server_error.html", status=500)
    except Exception:  # noqa: BLE001 — whatever broke the request may break the page too
        logger.exception("the 500 page with navigation could not be drawn")
        return defaults.server_error(request)


def bad_request(request, exception=None):
    return render(request, "400.html", {"messages_list": []}, status=400)


def _reason(exception) -> str:
    text = str(exception or "")
    # Django's own resolver messages are English and technical: not shown
    return "" if not text or text.startswith(("{", "Resolver404", "No ")) or text.isascii() else text


__all__ = ["DomainErrorMiddleware", "bad_request", "page_not_found", "permission_denied", "server_error"]
