"""Home-page to-do items of the nutrition programme."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.nutrition import queries
from jiceng.orgunits.models import Level
from jiceng.todo_item import TodoItem


def items_for(user, root):
    items = []
    today = timezone.localdate()
    if root.level == Level.VILLAGE and access.can(user, "registers.edit"):
        dist = queries.distribution(root, today)
        waiting = sum(1 for r in dist.rows if r.decision.can_collect)
        paperwork = sum(1 for r in dist.rows if r.needs_paperwork)
        detail = _("%(n)d 名儿童本月待领取营养包") % {"n": waiting}
        if paperwork:
            detail += _("，%(n)d 名待签知情同意书或医生评估") % {"n": paperwork}
        items.append(TodoItem(_("本月发放"), detail, reverse("distribution", args=[root.code]), urgent=dist.shortage))
    if access.can(user, "registers.view"):
        lists = queries.follow_up_worklist(root, today) if root.level in (Level.VILLAGE, Level.TOWNSHIP) else None
        if lists and (lists["low_adherence"] or lists["due"]):
            items.append(
                TodoItem(
                    _("随访提醒"),
                    _("%(a)d 名儿童服用不足需增加随访，%(b)d 名本月待随访")
                    % {"a": len(lists["low_adherence"]), "b": len(lists["due"])},
                    reverse("adherence"),
                )
            )
        count = queries.registered_children_count(root)
        items.append(
            TodoItem(
                _("儿童登记"),
                _("%(unit)s 共登记儿童 %(n)d 名") % {"unit": root.display_name, "n": count},
                reverse("children"),
            )
        )
    return items
