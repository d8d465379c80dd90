"""Home-page to-do items of the nutrition programme."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.nutrition import queries


def items_for(user, root):
    from jiceng.web.todo import TodoItem

    items = []
    if access.can(user, "registers.view"):
        count = queries.registered_children_count(root)
        items.append(
            TodoItem(
                _("儿童登记"),
                _("%(unit)s 共登记儿童 %(n)d 名") % {"unit": root.display_name, "n": count},
                reverse("children"),
            )
        )
    return items
