"""Nothing lost when the session expires mid-form.

An idle session ends after 30 minutes. If the user then submits a form, the
decorated view stores what was typed (never passwords or the CSRF token) in the
new anonymous session and sends the user to log in; after login the same page
comes back with the form filled in, ready to submit again.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict

_SESSION_KEY = "jiceng_preserved_forms"
_NEVER_KEEP = {"csrfmiddlewaretoken", "password", "password1", "password2", "old_password"}


def login_required_keep_form(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            if request.method == "POST":
                kept = {k: v for k, v in request.POST.lists() if k not in _NEVER_KEEP}
                forms = request.session.get(_SESSION_KEY, {})
                forms[request.path] = kept
                request.session[_SESSION_KEY] = forms
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
