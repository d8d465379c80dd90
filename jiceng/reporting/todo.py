"""Home-page to-do items of the review chain, for every data set: reports to submit, to review, overdue."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from jiceng.accounts import access
from jiceng.orgunits.models import Level
from jiceng.reporting import queries
from jiceng.reporting.actions import may_submit
from jiceng.reporting.models import Report, State
from jiceng.reporting.packs import DataSet, all_datasets
from jiceng.todo_item import TodoItem


def items_for(user, root):
    items = []
    for ds in all_datasets().values():
        items += _items(ds, user, root)
    return items


def _items(ds: DataSet, user, root):
    period = queries.reporting_period(ds)
    items = []
    what_form = f"{period.label}{ds.short_name}"
    fills, submits = access.can(user, "reports.fill"), may_submit(user, root)
    if (fills or submits) and root.level in queries.review_levels(ds) and ds.is_reported_by(root):
        report = Report.objects.filter(dataset=ds.code, unit=root, period=period.code).first()
        if report is None or report.state in (State.OPEN, State.RETURNED):
            due = queries.deadline(ds, root.level, period)
            late = timezone.now() > due
            if report and report.state == State.RETURNED:
                what = "已退回，请修改后重新提交"
            elif submits and root.level != Level.VILLAGE:
                what = "待审核上报"
            elif submits:
                what = "待提交"
            else:
                what = "待填报（填好后由本院审核人审核上报）"
            items.append(
                TodoItem(
                    f"{what_form}{what}",
                    f"截止 {timezone.localtime(due):%m月%d日}" + ("，已逾期" if late else ""),
                    reverse("report_detail", args=[ds.code, root.code, period.code]),
                    urgent=late or bool(report and report.state == State.RETURNED),
                )
            )
    if access.can(user, "reports.review"):
        waiting = queries.awaiting_review(ds, root)
        if waiting:
            items.append(
                TodoItem(
                    f"{len(waiting)} 份{ds.short_name}待审核",
                    "、".join(r.unit.name for r in waiting[:5]),
                    reverse("report_detail", args=[ds.code, waiting[0].unit.code, waiting[0].period]),
                    True,
                )
            )
    if root.level in (Level.TOWNSHIP, Level.COUNTY) and access.can(user, "analysis.view"):
        late = queries.overdue(ds, root, period)
        if late:
            items.append(
                TodoItem(
                    f"{len(late)} 个单位{what_form}逾期未报",
                    "、".join(s.unit.name for s in late[:5]),
                    f"{reverse('reports')}?dataset={ds.code}&period={period.code}",
                    True,
                )
            )
    return items
