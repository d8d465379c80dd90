"""User management for administrators: list, create, deactivate/activate, unlock after failed logins;
bulk imports of users and of the hierarchy (组织机构), each with its downloadable template."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiceng.accounts import access, actions, bulk_import
from jiceng.accounts.models import Role
from jiceng.documents.responses import file_response
from jiceng.orgunits import importing


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
    return render(
        request,
        "web/users.html",
        {"users": users, "form": form, "can_import_units": access.can(request.user, "units.manage")},
    )


# ---------------------------------------------------------------- bulk imports

ERRORS_SHOWN = 1000  # a longer table helps nobody; the count says how many more


def _require(request, capability: str) -> None:
    if not access.can(request.user, capability):
        raise Http404(_("未找到该页面"))


def _import_page(request, *, capability: str, run, template_url: str, title: str, columns, kind: str):
    _require(request, capability)
    result, problem, filename = None, "", ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            problem = _("请选择要导入的文件（.xlsx 或 .csv）")
        else:
            filename = upload.name
            result = run(request.user, upload, filename=filename)
    response = render(
        request,
        "web/bulk_import.html",
        {
            "kind": kind,
            "title": title,
            "columns": columns,
            "template_url": template_url,
            "result": result,
            "errors": result.errors[:ERRORS_SHOWN] if result else [],
            "hidden_errors": max(0, len(result.errors) - ERRORS_SHOWN) if result else 0,
            "problem": problem,
            "filename": filename,
        },
    )
    if result is not None and result.ok and kind == "users":
        response["Cache-Control"] = "no-store"  # the page shows generated passwords once
    return response


@login_required
def user_import(request):
    return _import_page(
        request,
        capability="users.manage",
        run=bulk_import.import_users,
        template_url="users_import_template",
        title=_("批量导入用户"),
        columns=bulk_import.COLUMNS,
        kind="users",
    )


@login_required
def user_import_template(request):
    _require(request, "users.manage")
    return file_response(request, bulk_import.render_template(request.user))


@login_required
def unit_import(request):
    return _import_page(
        request,
        capability="units.manage",
        run=importing.import_units,
        template_url="units_import_template",
        title=_("导入组织机构"),
        columns=importing.COLUMNS,
        kind="units",
    )


@login_required
def unit_import_template(request):
    _require(request, "units.manage")
    return file_response(request, importing.render_template(request.user))
