"""Home-page to-do items of the stock ledger (gathered by ``jiceng.web.todo.todo_for``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.stock import queries
from jiceng.stock.models import Transfer
from jiceng.todo_item import TodoItem


def items_for(user, root):
    if not access.can(user, "stock.view"):
        return []
    items = []
    pending = Transfer.objects.filter(access.in_scope_q(user, "receiver__path"), status=Transfer.Status.PENDING).count()
    if pending and access.can(user, "stock.edit"):
        items.append(
            TodoItem(
                _("确认收货"), _("%(n)d 笔营养包调拨待确认收货") % {"n": pending}, reverse("stock_transfers"), True
            )
        )
    alerts = queries.alerts_under(root)
    if alerts:
        items.append(
            TodoItem(
                _("库存预警"),
                _("%(n)d 条：%(first)s") % {"n": len(alerts), "first": alerts[0].text},
                reverse("stock_overview") + "?alerts=1",
                any(a.severity == "bad" for a in alerts),
            )
        )
    return items
