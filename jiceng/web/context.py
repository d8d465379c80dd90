"""Navigation for the top bar: only the entries the user's role can use."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from jiceng.accounts import access


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    entries = [(_("首页"), reverse("home"))]
    for capability, label, url_name in NAV_ENTRIES:
        if access.can(user, capability) and all(url != reverse(url_name) for _l, url in entries):
            entries.append((label(), reverse(url_name)))
    return {"nav_entries": mark_current(entries, request.path), "scope_root": access.scope_root(user)}


def mark_current(entries: list[tuple[str, str]], path: str) -> list[tuple[str, str, bool]]:
    """(label, url, is the current area): the entry whose address is the longest start of ``path``, so a
    child's page marks 儿童登记 and a report marks 报表 (the home page only marks itself)."""
    best = ""
    for _label, url in entries:
        if (path == url or (url != "/" and path.startswith(url))) and len(url) > len(best):
            best = url
    return [(label, url, url == best) for label, url in entries]


# (capability needed, label, url name); later areas append their own entries here.
NAV_ENTRIES = [
    ("registers.view", lambda: _("本月发放"), "distribution_index"),
    ("registers.view", lambda: _("儿童登记"), "children"),
    ("registers.view", lambda: _("随访提醒"), "adherence"),
    ("registers.view", lambda: _("报表"), "reports"),
    ("registers.view", lambda: _("指标分析"), "indicators"),
    ("analysis.view", lambda: _("工作总结"), "summaries"),
    ("registers.view", lambda: _("Excel 导入导出"), "registers_excel"),
    ("analysis.view", lambda: _("培训与宣传"), "activities"),
    ("stock.view", lambda: _("营养包库存"), "stock_overview"),
    ("benefits.view", lambda: _("奖扶特扶"), "benefits"),
    ("supervision.inspect", lambda: _("督导整改"), "supervision"),
    ("supervision.reply", lambda: _("督导整改"), "supervision"),
    ("allocation.edit", lambda: _("分配计划"), "stock_allocation"),
    ("force_majeure.declare", lambda: _("不可抗力"), "force_majeure"),
    ("registers.view", lambda: _("组织机构"), "units"),
    ("users.manage", lambda: _("用户管理"), "users"),
    ("audit.view", lambda: _("审计日志"), "audit"),
    ("audit.view", lambda: _("登录记录"), "login_history"),
]
