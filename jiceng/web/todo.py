"""What each person has to do, for the home page. Each area contributes items through a plain function."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.accounts.models import Role
from jiceng.nutrition import todo as nutrition_todo
from jiceng.reporting import todo as reporting_todo
from jiceng.stock import todo as stock_todo
from jiceng.supervision import todo as supervision_todo
from jiceng.todo_item import TodoItem


def todo_for(user) -> list[TodoItem]:
    root = access.scope_root(user)
    if root is None:
        return [TodoItem(_("账户未分配单位"), _("请联系系统管理员为您分配单位后再使用。"), reverse("home"), True)]
    items: list[TodoItem] = []
    items.extend(reporting_todo.items_for(user, root))
    items.extend(nutrition_todo.items_for(user, root))
    items.extend(stock_todo.items_for(user, root))
    items.extend(supervision_todo.items_for(user, root))
    if user.role == Role.ADMIN:
        items.append(TodoItem(_("维护组织机构与用户"), _("核对单位代码、海拔和年度常住人口"), reverse("units")))
    if access.can(user, "audit.view"):
        items.append(TodoItem(_("查看审计日志"), _("辖区内所有数据修改的记录"), reverse("audit")))
    return items
