"""User management for administrators: list, create, deactivate/activate, unlock after failed logins."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.accounts import access, actions
from jiceng.accounts.models import Role


class UserForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("用户名"), max_length=150)
    full_name = forms.CharField(label=gettext_lazy("姓名"), max_length=50)
    role = forms.ChoiceField(label=gettext_lazy("角色"), choices=Role.choices)
    unit = forms.CharField(label=gettext_lazy("单位代码"), max_length=12)
    password = forms.CharField(label=gettext_lazy("初始密码"), widget=forms.PasswordInput)


def _require_admin(request):
    if not access.can(request.user, "users.manage"):
        raise Http404(_("未找到该页面"))


@login_required
def user_list(request):
    _require_admin(request)
    form = UserForm(request.POST or None)
    if request.method == "POST" and request.POST.get("action") == "create" and form.is_valid():
        data = form.cleaned_data
        unit = access.visible_units(request.user).filter(code=data["unit"]).first()
        try:
            actions.create_user(
                username=data["username"],
                password=data["password"],
                full_name=data["full_name"],
                role=data["role"],
                unit=unit,
                acting_user=request.user,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("已创建用户 %(u)s") % {"u": data["username"]})
            return redirect("users")
    elif request.method == "POST" and request.POST.get("action") in ("deactivate", "activate", "unlock"):
        user = access.object_in_scope_or_404(
            request.user, access.visible_users(request.user), pk=request.POST.get("user")
        )
        if request.POST["action"] == "unlock":
            actions.unlock_user(user, acting_user=request.user)
            messages.success(request, _("已解除 %(u)s 的登录锁定") % {"u": user.username})
        else:
            actions.set_active(user, active=request.POST["action"] == "activate", acting_user=request.user)
            messages.success(request, _("已更新 %(u)s") % {"u": user.username})
        return redirect("users")
    users = access.visible_users(request.user).select_related("unit").order_by("unit__path", "role", "username")
    return render(request, "web/users.html", {"users": users, "form": form})
