"""Home-page to-do items of supervision (gathered by ``jiceng.web.todo.todo_for``): notices to confirm and
findings to rectify for the unit that must rectify; replies to re-check and overdue findings for the
inspecting level."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.supervision import queries
from jiceng.supervision.actions import today
from jiceng.supervision.bulletins import unread_for
from jiceng.supervision.dispatch import due_this_week
from jiceng.todo_item import TodoItem


def items_for(user, root):
    if not queries.can_view(user):
        return []
    items = []
    day = today()
    notices = queries.unconfirmed_notices(user).count()
    if notices:
        items.append(
            TodoItem(
                _("确认整改通知书"), _("%(n)d 份整改通知书待确认收到") % {"n": notices}, reverse("supervision"), True
            )
        )
    unread = unread_for(user)
    if unread:
        items.append(
            TodoItem(
                _("阅读考核通报"), unread[0].number_text, reverse("supervision_bulletin", args=[unread[0].pk]), True
            )
        )
    weekly = due_this_week(user)
    if weekly:
        late = sum(1 for t in weekly if t.is_overdue(day))
        items.append(
            TodoItem(
                _("报告调度进展"),
                _("%(n)d 项调度任务本周尚未报告进展") % {"n": len(weekly)}
                + (_("，%(n)d 项已逾期") % {"n": late} if late else ""),
                reverse("supervision_dispatch"),
                bool(late),
            )
        )
    own = queries.to_rectify(user)
    if own.exists():
        overdue = own.filter(queries.overdue_q(day)).count()
        first = own.order_by("deadline", "id").first()
        detail = _("%(n)d 个问题待整改反馈") % {"n": own.count()}
        if overdue:
            detail += _("，其中 %(n)d 个已逾期") % {"n": overdue}
        elif first.deadline:
            detail += _("，最近期限 %(d)s") % {"d": first.deadline.isoformat()}
        items.append(TodoItem(_("整改反馈"), detail, reverse("supervision"), bool(overdue)))
    recheck = queries.awaiting_recheck(user).count()
    if recheck:
        items.append(
            TodoItem(
                _("整改复查"),
                _("%(n)d 个整改反馈待复查销号") % {"n": recheck},
                reverse("supervision_findings") + "?list=tasks&state=replied",
                True,
            )
        )
    if access.can(user, "supervision.inspect"):
        below = queries.findings_for(user).exclude(unit=root).filter(queries.overdue_q(day)).count()
        if below:
            items.append(
                TodoItem(
                    _("逾期未整改"),
                    _("辖区内 %(n)d 个问题逾期未整改") % {"n": below},
                    reverse("supervision_findings") + "?list=tasks&overdue=1",
                    True,
                )
            )
    return items
