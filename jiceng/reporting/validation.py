"""Validation rules (逻辑校验) of a report: errors block submission, warnings need a comment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jiceng.reporting.packs import DataSet, ValidationRule


@dataclass(frozen=True)
class Violation:
    rule: ValidationRule
    left: float | None
    right: float | None

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def message(self) -> str:
        detail = f"（{self.rule.left.text} = {_fmt(self.left)}，{self.rule.right.text} = {_fmt(self.right)}）"
        if self.rule.kind == "month_jump":
            detail = f"（本月 {_fmt(self.left)}%，上月 {_fmt(self.right)}%）"
        return f"{self.rule.code} {self.rule.message}{detail}"


def _fmt(value) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)


def _numbers(cells) -> dict[str, float | None]:
    return {
        code: (float(cell.value) if isinstance(cell.value, Decimal) else cell.value) for code, cell in cells.items()
    }


def validate(
    dataset: DataSet, cells, previous_cells=None, level: str | None = None, on: dt.date | None = None
) -> list[Violation]:
    """Violations of the data set's rules; ``level`` (village/township/county) skips rules not meant for it.
    Dated parameters a rule names (``N04 * packs_per_month``) take their value in force ``on`` (the end of
    the report period; today when not given)."""
    parameters = dataset.parameter_values(on or dt.date.today())
    values = {**parameters, **_numbers(cells)}
    previous = {**parameters, **_numbers(previous_cells)} if previous_cells else {}
    found = []
    for rule in dataset.rules:
        if level is not None and level not in rule.levels:
            continue
        if rule.kind == "month_jump":
            now = _rate(rule, values)
            before = _rate(rule, previous)
            if now is not None and before is not None and abs(now - before) > (rule.max_change_points or 0):
                found.append(Violation(rule, round(now, 2), round(before, 2)))
            continue
        left, right = rule.left.evaluate(values), rule.right.evaluate(values)
        if left is None or right is None:
            continue  # an element without a value (e.g. a clinic not on the stock ledger) is not checked
        if not ValidationRule.COMPARE[rule.operator](round(left, 6), round(right, 6)):
            found.append(Violation(rule, left, right))
    return found


def _rate(rule: ValidationRule, values) -> float | None:
    numerator, denominator = rule.left.evaluate(values), rule.right.evaluate(values)
    if numerator is None or not denominator:
        return None
    return numerator / denominator * 100


def errors(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "error"]


def warnings(violations: list[Violation]) -> list[Violation]:
    return [v for v in violations if v.severity == "warning"]
