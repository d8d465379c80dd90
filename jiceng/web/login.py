"""Login page: Chinese messages, lockout after 5 failures for 15 minutes (django-axes).

Each client address may fail only so often (``jiceng.accounts.throttle``), and a login that cannot
get a password-hashing slot is told the system is busy (``jiceng.accounts.hashers``). A login
leaves a signed browser-session cookie saying a user was logged in here: only then does an
expired session keep what a form sent (``jiceng.web.forms_keep``). Logging out removes it and,
through the ``user_logged_out`` signal, the user's API token.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView, LogoutView
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _

from jiceng.accounts.hashers import HashingBusy
from jiceng.accounts.throttle import THROTTLED_MESSAGE, Attempt
from jiceng.web.forms_keep import forget_login, remember_login


class JicengAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。连续5次错误将锁定账户15分钟。"),
        "inactive": _("该账户已停用，请联系系统管理员。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget = forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})

    def refuse(self, message):
        """Shown with the form, without checking the password (no hash is computed)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}
        self.add_error(None, message)
        return self


class JicengLoginView(LoginView):
    template_name = "web/login.html"
    authentication_form = JicengAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        attempt = Attempt(request)
        if not attempt.allowed:
            return self._refused(THROTTLED_MESSAGE, 429, attempt.retry_after)
        try:
            response = super().post(request, *args, **kwargs)
        except HashingBusy as busy:
            return self._refused(busy.message, 503, 5)
        if request.user.is_authenticated:
            attempt.succeeded()
            remember_login(response, request.user)
        return response

    def _refused(self, message, status, retry_after):
        form = self.get_form().refuse(message)
        response = self.render_to_response(self.get_context_data(form=form), status=status)
        response["Retry-After"] = str(retry_after)
        return response


class JicengLogoutView(LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        forget_login(response)
        return response
