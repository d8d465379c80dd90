"""Login page: Chinese messages, lockout after 5 failures for 15 minutes (django-axes)."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.utils.translation import gettext_lazy as _


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


class JicengLoginView(LoginView):
    template_name = "web/login.html"
    authentication_form = JicengAuthenticationForm
    redirect_authenticated_user = True
