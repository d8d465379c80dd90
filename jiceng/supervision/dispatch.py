"""Weekly 调度 (「一周一调度一通报」): tasks with a responsible unit, a named owner and a deadline; the unit
reports its progress once a week (a second report in the same week is refused); a task not done by its
deadline is overdue. Every write is audited."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.errors import Conflict, DomainError
from jiceng.orgunits.models import OrgUnit
from jiceng.supervision import actions
from jiceng.supervision.models import DispatchProgress, DispatchTask


def week_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def create_task(*, title: str, unit: OrgUnit, owner_name: str, deadline, acting_user) -> DispatchTask:
    issuer = actions._require_inspector_over(acting_user, unit)
    errors: dict[str, str] = {}
    title = actions._text(title, _("任务"), "title", errors, max_length=200)
    owner_name = actions._text(owner_name, _("责任人"), "owner_name", errors, max_length=50)
    deadline = actions._date(deadline, _("完成期限"), "deadline", errors)
    today = actions.today()
    if deadline and "deadline" not in errors:
        if deadline < today:
            errors["deadline"] = _("完成期限：%(d)s 早于今天") % {"d": deadline.isoformat()}
        elif (deadline - today).days > actions.MAX_DEADLINE_DAYS:
            errors["deadline"] = _("完成期限：距今超过一年，请核对")
    actions._raise(errors)
    task = DispatchTask.objects.create(
        title=title, unit=unit, owner_name=owner_name, issuer_unit=issuer, deadline=deadline, created_by=acting_user
    )
    record(
        actor=acting_user,
        action=actions_catalog.DISPATCH_CREATE,
        obj=task,
        unit=unit,
        after={"title": title, "owner_name": owner_name, "deadline": deadline.isoformat()},
    )
    return task


@transaction.atomic
def report_progress(task: DispatchTask, *, text: str, percent, acting_user) -> DispatchProgress:
    task = access.object_in_scope_or_404(acting_user, DispatchTask.objects.select_for_update(), pk=task.pk)
    access.require(acting_user, "supervision.reply")
    if access.scope_root(acting_user) != task.unit:
        raise DomainError({"text": [_("只有责任单位可以报告进展")]})
    if task.done_on:
        raise Conflict(_("该任务已于 %(d)s 完成") % {"d": task.done_on.isoformat()})
    errors: dict[str, str] = {}
    text = actions._text(text, _("本周进展"), "text", errors, max_length=1000)
    try:
        value = int(str(percent).strip())
    except (TypeError, ValueError):
        value = None
    if value is None or not 0 <= value <= 100:
        errors["percent"] = _("完成进度：应为0到100之间的整数")
    actions._raise(errors)
    today = actions.today()
    week = week_of(today)
    if DispatchProgress.objects.filter(task=task, week=week).exists():
        raise Conflict(_("本周（%(w)s起）已报告过进展") % {"w": week.isoformat()})
    progress = DispatchProgress.objects.create(task=task, week=week, text=text, percent=value, reported_by=acting_user)
    if value == 100:
        task.done_on = today
        task.save(update_fields=["done_on"])
    record(
        actor=acting_user,
        action=actions_catalog.DISPATCH_PROGRESS,
        obj=task,
        unit=task.unit,
        after={"week": week.isoformat(), "percent": value, "text": text},
    )
    return progress


def tasks_for(user):
    return access.scoped(user, DispatchTask.objects.all()).select_related("unit", "issuer_unit")


def due_this_week(user) -> list[DispatchTask]:
    """The unit's open tasks without a report for this week (the owner's to-do)."""
    root = access.scope_root(user)
    if root is None or not access.can(user, "supervision.reply"):
        return []
    week = week_of(actions.today())
    return list(DispatchTask.objects.filter(unit=root, done_on__isnull=True).exclude(progress__week=week))
