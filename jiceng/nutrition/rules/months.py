"""Calendar-month arithmetic for ages in completed months (足月龄).

Ages are counted by calendar months from the birth date, end-of-month clamped:
birth 2019-01-31 → 1 month on 2019-02-28, 6 months on 2019-07-31;
birth 2020-02-29 → 12 months on 2021-02-28.

A *month index* is ``year * 12 + month - 1``; it makes "the month after" a plain ``+ 1``.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})$")


def is_leap_year(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    if month == 2 and is_leap_year(year):
        return 29
    return _DAYS_IN_MONTH[month - 1]


def month_date(birth: date, months: int) -> date:
    """The ``months``-month date: ``birth`` plus ``months`` calendar months, end-of-month clamped.

    >>> month_date(date(2019, 1, 31), 1), month_date(date(2019, 1, 31), 6)
    (datetime.date(2019, 2, 28), datetime.date(2019, 7, 31))
    """
    year, month_zero = divmod(birth.year * 12 + birth.month - 1 + months, 12)
    month = month_zero + 1
    day = birth.day
    if day > 28:
        day = min(day, days_in_month(year, month))
    return date(year, month, day)


def completed_months(birth: date, on: date) -> int:
    """Completed months (足月龄) on ``on``: the largest n with ``month_date(birth, n) <= on``.

    Negative before the birth date.
    """
    months = (on.year - birth.year) * 12 + on.month - birth.month
    if on.day < birth.day and on.day < days_in_month(on.year, on.month):
        months -= 1
    return months


def month_index(day: date) -> int:
    """``year * 12 + month - 1`` of ``day``."""
    return day.year * 12 + day.month - 1


def month_start(index: int) -> date:
    """The first day of the month with this index."""
    year, month_zero = divmod(index, 12)
    return date(year, month_zero + 1, 1)


@lru_cache(maxsize=4096)
def month_key(index: int) -> str:
    """``"YYYY-MM"`` of a month index."""
    year, month_zero = divmod(index, 12)
    return f"{year:04d}-{month_zero + 1:02d}"


def parse_month_key(text: str) -> int:
    """Month index of ``"YYYY-MM"``; ValueError otherwise."""
    match = _MONTH_KEY.match(str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"月份 {text!r} 不是 YYYY-MM 格式 (month must be YYYY-MM)")
    return int(match.group(1)) * 12 + int(match.group(2)) - 1
