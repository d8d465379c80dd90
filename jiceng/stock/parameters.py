"""Named thresholds of the stock ledger. Queries take them as defaults; nothing else hard-codes them.

Sources: the township implementation plan, section (五) 储存管理 「营养包储存应达到食品储存基本要求：
在室温下，避光、阴凉、通风、干燥处保存，房间设温度湿度计，并有检查登记记录；不应与有毒、有害物质及医疗药品混储；
存放要求离墙隔地（建议离墙30cm以上，隔地15cm以上）；需要有防鼠防虫害设施」, and the issue's alert rules.
"""

from __future__ import annotations

from decimal import Decimal

# Alerts (issue 5 §8)
LOW_STOCK_MONTHS = Decimal("1")  # months of stock below this → "less than one month of need"
EXPIRY_WARNING_DAYS = 60  # batches expiring within this many days
TRANSFER_CONFIRM_DAYS = 7  # a transfer not confirmed after this many days
NEED_WINDOW_MONTHS = 3  # months of stock = balance ÷ average monthly outflow of the last N complete months

# Storage (储存管理). The plan says 「室温…阴凉…干燥」 without numbers. Reading: room temperature as in
# the GSP normal-temperature store (常温 ≤ 30 ℃; not freezing), relative humidity 35–75 % (GSP).
TEMPERATURE_MIN_C = Decimal("0")
TEMPERATURE_MAX_C = Decimal("30")
HUMIDITY_MIN_PCT = Decimal("35")
HUMIDITY_MAX_PCT = Decimal("75")

# Allocation plan (分配计划): packs per due child and month come from the programme parameter
# ``packs_per_month`` (jiceng/nutrition/rules/parameters/distribution.yaml), not from here.
PLAN_STATUSES = ("在服", "可纳入")  # children counted as due in a planned month (eligibility statuses)
