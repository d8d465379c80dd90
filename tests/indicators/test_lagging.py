"""排名靠后: one rule (``compute.lagging``) for the dashboard, the alerts, the work summary and the quarterly
analysis."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import jiceng
from jiceng.indicators.compute import LAGGING_COUNT, IndicatorValue, lagging
from jiceng.orgunits.models import OrgUnit
from jiceng.periods import parse_period
from jiceng.reporting.packs import all_indicators


def _values(code: str, rates: list[float | None]) -> list[IndicatorValue]:
    indicator, period = all_indicators()[code], parse_period("2026Q3")
    return [
        IndicatorValue(
            indicator,
            OrgUnit(pk=i + 1, code=f"52279910{i:04d}", name=f"村{i}"),
            period,
            None if rate is None else Decimal(str(rate)),
            None if rate is None else Decimal(100),
            None,
            None,
        )
        for i, rate in enumerate(rates)
    ]


def _names(values):
    return [v.unit.name for v in values]


def test_the_bottom_three_of_those_with_a_value_in_ranking_order():
    values = _values("NUT_COVERAGE", [90, 40, None, 70, 20, 60, 80])
    assert LAGGING_COUNT == 3
    assert _names(lagging(values)) == ["村5", "村1", "村4"]  # 60, 40, then the very last 20
    assert _names(lagging(values, count=1)) == ["村4"]


def test_lower_is_better_indicators_lag_at_the_top():
    values = _values("NUT_ANAEMIA", [5, 30, 12, 8, None])
    assert _names(lagging(values)) == ["村3", "村2", "村1"]  # 8, 12, then the worst 30


def test_nobody_lags_among_too_few():
    assert lagging(_values("NUT_COVERAGE", [90, 40, 10, None, None])) == []  # three with a value of five units
    assert lagging(_values("NUT_COVERAGE", [])) == []
    assert lagging(_values("NUT_COVERAGE", [1, 2, 3, 4]), count=0) == []


def test_no_module_keeps_its_own_lagging_count():
    """The bottom-N rule lives in compute.lagging only; nobody slices a ranking with a count of its own."""
    root = Path(jiceng.__file__).parent
    own = []
    for path in root.rglob("*.py"):
        if path == root / "indicators" / "compute.py" or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Name) and node.id == "LAGGING_COUNT" and isinstance(node.ctx, ast.Store):
                own.append(f"{path.relative_to(root)}:{node.lineno}")
            if isinstance(node, ast.Attribute) and node.attr == "LAGGING_COUNT":
                own.append(f"{path.relative_to(root)}:{node.lineno} uses LAGGING_COUNT; call compute.lagging")
    assert own == []
