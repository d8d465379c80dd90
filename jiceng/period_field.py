"""A period chosen from a list (报告期选择) in a Django form: years, half years, quarters or months, latest
first, grouped. What arrives as text (an old bookmark, the API) may be spelled as people type it (2026-Q4,
2026/11, 2026年11月); it is read through :func:`jiceng.periods.normalise_period_text` and kept as the code."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from jiceng.periods import PICKER_GROUPS, PeriodError, parse_period, picker_periods


def period_choices(kinds: tuple[str, ...], *, years: int = 2, ahead: int = 0, today=None) -> list:
    """Grouped choices for a ``<select>``: [(group label, [(code, label), …]), …] (one kind: no groups)."""
    groups = picker_periods(today or timezone.localdate(), years, kinds, ahead)
    if len(groups) == 1:
        return [(p.code, p.label) for p in groups[0][1]]
    return [(label, [(p.code, p.label) for p in group]) for label, group in groups if group]


class PeriodField(forms.ChoiceField):
    def __init__(self, *, kinds: tuple[str, ...] = ("month",), years: int = 2, ahead: int = 0, **kwargs):
        self.kinds, self.years, self.ahead = kinds, years, ahead
        super().__init__(choices=self.offered, **kwargs)

    def offered(self):
        return period_choices(self.kinds, years=self.years, ahead=self.ahead)

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return ""
        try:
            return parse_period(text).code
        except PeriodError:
            return text  # validate() says what is wrong

    def validate(self, value):
        if not value:
            if self.required:
                raise forms.ValidationError(f"{self.label}：请选择", code="required")
            return
        try:
            period = parse_period(value)
        except PeriodError:
            period = None
        if period is None or period.kind not in self.kinds:
            names = "、".join(PICKER_GROUPS[k] for k in self.kinds)
            raise forms.ValidationError(f"{self.label}：请从列表中选择{names}", code="invalid")


__all__ = ["PeriodField", "period_choices"]
