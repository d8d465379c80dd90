"""``{{ code|period_label }}``: a period code as people say it (2026-10 → 2026年10月, 2026Q3 → 2026年第三季度)."""

from django import template

from jiceng.periods import PeriodError, parse_period

register = template.Library()


@register.filter
def period_label(code) -> str:
    try:
        return parse_period(str(code)).label
    except PeriodError:
        return str(code or "")
