"""Periods (报告期): month 2026-03, quarter 2026Q1, half-year 2026H1, year 2026, and year to date
(截至3月) written 2026-01~03 or 2026YTD03. Pure Python."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass


class PeriodError(ValueError):
    """A period that does not parse; the message is Chinese."""


@dataclass(frozen=True, order=True)
class Period:
    start: dt.date
    end: dt.date  # inclusive
    code: str
    kind: str  # month | quarter | half | year | ytd (| range: months_between)

    @property
    def months(self) -> list[str]:
        """The codes of the months of the period, in order."""
        return [month_code(day) for day in self.month_starts]

    @property
    def month_starts(self) -> list[dt.date]:
        """The first days of the months of the period, in order."""
        out, day = [], self.start.replace(day=1)
        while day <= self.end:
            out.append(day)
            day = add_months(day, 1)
        return out

    @property
    def label(self) -> str:
        y = self.start.year
        return {
            "month": f"{y}年{self.start.month}月",
            "quarter": f"{y}年第{'一二三四'[(self.start.month - 1) // 3]}季度",
            "half": f"{y}年{'上' if self.start.month == 1 else '下'}半年",
            "year": f"{y}年",
            "ytd": f"{y}年1-{self.end.month}月（截至{self.end.month}月）",
        }[self.kind]

    def same_period_last_year(self) -> Period:
        return parse_period(self.code.replace(str(self.start.year), str(self.start.year - 1), 1))

    def previous(self) -> Period:
        """The period of the same kind just before (month before, quarter before, …)."""
        if self.kind == "month":
            return month_period((self.start - dt.timedelta(days=1)).year, (self.start - dt.timedelta(days=1)).month)
        if self.kind == "quarter":
            q = (self.start.month - 1) // 3 + 1
            return parse_period(f"{self.start.year}Q{q - 1}" if q > 1 else f"{self.start.year - 1}Q4")
        if self.kind == "half":
            return parse_period(f"{self.start.year}H1" if self.start.month == 7 else f"{self.start.year - 1}H2")
        return self.same_period_last_year()

    def is_closed(self, today: dt.date) -> bool:
        return today > self.end


def month_period(year: int, month: int) -> Period:
    last = calendar.monthrange(year, month)[1]
    return Period(dt.date(year, month, 1), dt.date(year, month, last), f"{year:04d}-{month:02d}", "month")


_PATTERNS = [
    (re.compile(r"^(\d{4})-(\d{1,2})$"), "month"),
    (re.compile(r"^(\d{4})Q([1-4])$", re.I), "quarter"),
    (re.compile(r"^(\d{4})H([12])$", re.I), "half"),
    (re.compile(r"^(\d{4})$"), "year"),
    (re.compile(r"^(\d{4})(?:YTD|-01~)(\d{1,2})$", re.I), "ytd"),
]


_CN_DIGITS = {"一": "1", "二": "2", "三": "3", "四": "4"}
# the ways people write a period, each turned into the one code above (2026-Q4, 2026 q4, 2026/11, 2026.11,
# 202611, 2026年11月, 2026年第四季度, 2026年4季度, 2026年上半年, 2026年)
_TYPED = [
    (re.compile(r"^(\d{4})[-/.]?Q([1-4])$"), r"\1Q\2"),
    (re.compile(r"^(\d{4})[-/.]?H([12])$"), r"\1H\2"),
    (re.compile(r"^(\d{4})[/.年](\d{1,2})月?$"), r"\1-\2"),
    (re.compile(r"^(\d{4})-(\d{1,2})月$"), r"\1-\2"),
    (re.compile(r"^(\d{4})(0[1-9]|1[0-2])$"), r"\1-\2"),
    (re.compile(r"^(\d{4})年?第?([1-4])季度?$"), r"\1Q\2"),
    (re.compile(r"^(\d{4})年$"), r"\1"),
]


def normalise_period_text(text: str) -> str:
    """What a person typed, in the code :func:`parse_period` reads: full-width characters and spaces go,
    letters are upper case, and the common other spellings become the one code (2026-Q4 → 2026Q4)."""
    value = unicodedata.normalize("NFKC", text or "").strip().upper()
    value = re.sub(r"\s+", "", value)
    value = re.sub(r"第?([一二三四])季度?$", lambda m: f"第{_CN_DIGITS[m.group(1)]}季度", value)
    value = value.replace("上半年", "H1").replace("下半年", "H2").replace("年H", "H")
    for pattern, replacement in _TYPED:
        if pattern.match(value):
            return pattern.sub(replacement, value)
    return value


def parse_period(text: str) -> Period:
    value = normalise_period_text(text)
    for pattern, kind in _PATTERNS:
        match = pattern.match(value)
        if not match:
            continue
        year = int(match.group(1))
        if not 2000 <= year <= 2100:
            break
        if kind == "month" or kind == "ytd":
            month = int(match.group(2))
            if not 1 <= month <= 12:
                break
            if kind == "month":
                return month_period(year, month)
            return Period(dt.date(year, 1, 1), month_period(year, month).end, f"{year}YTD{month:02d}", "ytd")
        if kind == "quarter":
            q = int(match.group(2))
            return Period(dt.date(year, 3 * q - 2, 1), month_period(year, 3 * q).end, f"{year}Q{q}", "quarter")
        if kind == "half":
            h = int(match.group(2))
            return Period(dt.date(year, 6 * h - 5, 1), month_period(year, 6 * h).end, f"{year}H{h}", "half")
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), f"{year}", "year")
    raise PeriodError(
        f"报告期“{text}”无法识别：月份写作 2026-03，季度 2026Q1，半年 2026H1，年度 2026，截至3月 2026YTD03"
    )


# --- months: the one place that builds "YYYY-MM" codes and walks months ---------------------------


def month_code(day: dt.date) -> str:
    """The code of the month of ``day``: 2026-03."""
    return f"{day.year:04d}-{day.month:02d}"


def add_months(day: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` after the month of ``day`` (negative: before)."""
    year, month_zero = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month_zero + 1, 1)


def month_of(day: dt.date) -> Period:
    """The month period containing ``day``."""
    return month_period(day.year, day.month)


def quarter_code(day: dt.date) -> str:
    """The code of the quarter of ``day``: 2026Q1."""
    return f"{day.year:04d}Q{(day.month - 1) // 3 + 1}"


def quarter_of(day: dt.date) -> Period:
    """The quarter period containing ``day``."""
    return parse_period(quarter_code(day))


def months_between(first: str, last: str) -> list[str]:
    """Month codes from month ``first`` to month ``last``, both included ([] when ``last`` is earlier).
    :class:`PeriodError` when either is not a month."""
    start, end = parse_period(first), parse_period(last)
    if start.kind != "month" or end.kind != "month":
        raise PeriodError(f"月份“{first if start.kind != 'month' else last}”应写作 2026-03")
    if end.start < start.start:
        return []
    return Period(start.start, end.end, f"{start.code}~{end.code}", "range").months


PICKER_GROUPS = {"year": "年度", "ytd": "截至某月", "half": "半年", "quarter": "季度", "month": "月份"}


def picker_periods(
    today: dt.date, years: int = 2, kinds: tuple[str, ...] | None = None, ahead: int = 0
) -> list[tuple[str, list[Period]]]:
    """The periods a page offers in a picker (报告期选择), latest first, grouped: years, year to date,
    half years, quarters and months of the last ``years`` years that have begun by ``today`` (or begin
    within ``ahead`` months of it: a plan made for next month); only the ``kinds`` asked for."""
    horizon = add_months(today, ahead + 1) - dt.timedelta(days=1) if ahead else today
    first_years = range(horizon.year, horizon.year - years - (horizon.year - today.year), -1)
    begun = [p for y in first_years for p in _of_year(y) if p.start <= horizon]
    wanted = kinds or tuple(PICKER_GROUPS)
    return [(label, [p for p in begun if p.kind == kind]) for kind, label in PICKER_GROUPS.items() if kind in wanted]


def _of_year(year: int) -> list[Period]:
    periods = [parse_period(str(year)), parse_period(f"{year}H2"), parse_period(f"{year}H1")]
    periods += [parse_period(f"{year}Q{q}") for q in (4, 3, 2, 1)]
    periods += [month_period(year, m) for m in range(12, 0, -1)]
    periods += [parse_period(f"{year}YTD{m:02d}") for m in range(12, 1, -1)]
    return periods
