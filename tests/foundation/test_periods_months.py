"""The month helpers of jiceng.periods, which the register and the stock ledger use instead of their own."""

import datetime as dt

import pytest

from jiceng.periods import PeriodError, add_months, month_code, month_of, months_between, parse_period


def test_month_code_and_add_months():
    assert month_code(dt.date(2026, 3, 31)) == "2026-03"
    assert add_months(dt.date(2026, 1, 31), -1) == dt.date(2025, 12, 1)
    assert add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 1)
    assert month_of(dt.date(2024, 2, 10)).end == dt.date(2024, 2, 29)


def test_months_between():
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-3", "2026-03") == ["2026-03"]
    assert months_between("2026-04", "2026-03") == []
    for first, last in (("2026", "2026-03"), ("2026-01", "2026Q1"), ("2026-13", "2026-14"), ("", "2026-01")):
        with pytest.raises(PeriodError):
            months_between(first, last)


def test_period_months_and_month_starts():
    half = parse_period("2026H2")
    assert half.months == ["2026-07", "2026-08", "2026-09", "2026-10", "2026-11", "2026-12"]
    assert half.month_starts[0] == dt.date(2026, 7, 1) and len(parse_period("2026YTD03").month_starts) == 3


def test_quarter_code_and_quarter_of():
    import datetime as dt

    from jiceng.periods import quarter_code, quarter_of

    assert [quarter_code(dt.date(2026, m, 1)) for m in (1, 3, 4, 12)] == ["2026Q1", "2026Q1", "2026Q2", "2026Q4"]
    assert quarter_of(dt.date(2026, 11, 29)).code == "2026Q4" and quarter_of(dt.date(2026, 11, 29)).start.month == 10
