"""Named thresholds of the stock ledger, read on the day they judge from the dated programme parameters
(``jiceng/nutrition/rules/parameters/stock.yaml``, each quoting its clause; loader:
:mod:`jiceng.nutrition.rules.parameters`). Nothing else hard-codes them: when the county changes a
threshold it adds a dated value there, and the change applies from that date on.

Sources: the township implementation plan, section (五) 储存管理 「营养包储存应达到食品储存基本要求：
在室温下，避光、阴凉、通风、干燥处保存，房间设温度湿度计，并有检查登记记录；不应与有毒、有害物质及医疗药品混储；
存放要求离墙隔地（建议离墙30cm以上，隔地15cm以上）；需要有防鼠防虫害设施」, and the ledger's alert rules.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from jiceng.nutrition.rules.parameters import parameter


def _decimal(name: str, on: dt.date) -> Decimal:
    return Decimal(str(parameter(name, on)))


def _int(name: str, on: dt.date) -> int:
    return int(parameter(name, on))


def low_stock_months(on: dt.date) -> Decimal:
    """Months of stock below this → "less than one month of need"."""
    return _decimal("stock_low_months", on)


def need_window_months(on: dt.date) -> int:
    """Months of stock = balance ÷ average monthly outflow of the last N complete months."""
    return _int("stock_need_window_months", on)


def expiry_warning_days(on: dt.date) -> int:
    """Batches expiring within this many days are flagged."""
    return _int("stock_expiry_warning_days", on)


def transfer_confirm_days(on: dt.date) -> int:
    """A transfer not confirmed after this many days is flagged."""
    return _int("stock_transfer_confirm_days", on)


@dataclass(frozen=True)
class StorageLimits:
    """储存管理: the plan says 「室温…阴凉…干燥」 without numbers; read as the GSP normal-temperature store
    (≤ 30 ℃, not freezing) and relative humidity 35–75 %."""

    temperature_min_c: Decimal
    temperature_max_c: Decimal
    humidity_min_pct: Decimal
    humidity_max_pct: Decimal


def storage_limits(on: dt.date) -> StorageLimits:
    return StorageLimits(
        _decimal("stock_temperature_min_c", on),
        _decimal("stock_temperature_max_c", on),
        _decimal("stock_humidity_min_pct", on),
        _decimal("stock_humidity_max_pct", on),
    )


@dataclass(frozen=True)
class Thresholds:
    """Every threshold in force on one day (for pages that explain them)."""

    on: dt.date
    low_stock_months: Decimal
    need_window_months: int
    expiry_warning_days: int
    transfer_confirm_days: int
    storage: StorageLimits


def thresholds(on: dt.date) -> Thresholds:
    return Thresholds(
        on,
        low_stock_months(on),
        need_window_months(on),
        expiry_warning_days(on),
        transfer_confirm_days(on),
        storage_limits(on),
    )


# Allocation plan (分配计划): packs per due child and month come from the programme parameter
# ``packs_per_month`` (jiceng/nutrition/rules/parameters/distribution.yaml), not from here.
PLAN_STATUSES = ("在服", "可纳入")  # children counted as due in a planned month (eligibility statuses)
