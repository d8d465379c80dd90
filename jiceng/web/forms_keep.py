"""Nothing lost when the session expires mid-form.

An idle session ends after 30 minutes. If the user then submits a form, the
decorated view stores what was typed (never passwords or the CSRF token) in the
new anonymous session and sends the user to log in; after login the same page
comes back with the form filled in, ready to submit again.

Only a browser that was logged in gets this: the login page leaves a signed
browser-session cookie (``remember_login``), and a POST without it is sent to the
login page with nothing stored — an anonymous client cannot grow session rows.
Only the text fields of the form are kept (uploaded files never), at most
``MAX_KEPT_BYTES`` in all; a larger form is not kept, and the user is told so.
"""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django.utils.translation import gettext as _

_SESSION_KEY = "jiceng_preserved_forms"
_NEVER_KEEP = {"csrfmiddlewaretoken", "password", "password1", "password2", "old_password"}
MAX_KEPT_BYTES = 64 * 1024
MAX_KEPT_PAGES = 5
LOGGED_IN_COOKIE = "jiceng_was_logged_in"
_COOKIE_SALT = "jiceng.web.forms_keep"
_COOKIE_MAX_AGE = 12 * 3600  # a form left open over lunch is still kept; a day-old cookie is not


def remember_login(response, user) -> None:
    """Mark this browser as having been logged in (set by the login view)."""
    response.set_signed_cookie(
        LOGGED_IN_COOKIE,
        str(user.pk),
        salt=_COOKIE_SALT,
        httponly=True,
        samesite="Lax",
        secure=getattr(settings, "SESSION_COOKIE_SECURE", False),
    )


def forget_login(response) -> None:
    response.delete_cookie(LOGGED_IN_COOKIE, samesite="Lax")


def _was_logged_in(request) -> bool:
    value = request.get_signed_cookie(LOGGED_IN_COOKIE, default=None, salt=_COOKIE_SALT, max_age=_COOKIE_MAX_AGE)
    return bool(value)


def _keep(request) -> None:
    if not _was_logged_in(request):
        return
    kept = {k: [str(v) for v in vs] for k, vs in request.POST.lists() if k not in _NEVER_KEEP}
    forms = dict(request.session.get(_SESSION_KEY) or {})
    forms.pop(request.path, None)
    forms[request.path] = kept
    while len(forms) > MAX_KEPT_PAGES:
        forms.pop(next(iter(forms)))
    size = len(json.dumps(forms, ensure_ascii=False).encode())
    if size > MAX_KEPT_BYTES:
        messages.warning(request, _("登录已超时。您填写的内容过多（超过64 KB），未能保留，请登录后重新填写。"))
        return
    request.session[_SESSION_KEY] = forms


def login_required_keep_form(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":
                _keep(request)
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def pop_preserved_form(request) -> QueryDict | None:
    """The data typed before the session expired, for this page, if any (used once)."""
    forms = request.session.get(_SESSION_KEY) or {}
    kept = forms.pop(request.path, None)
    if kept is None:
        return None
    request.session[_SESSION_KEY] = forms
    data = QueryDict(mutable=True)
    for key, values in kept.items():
        data.setlist(key, values)
    return data
