"""Every figure of the stock ledger: balances by batch, months of stock, alerts, the stock card with
its running balance, reconciliation with the collections, allocation proposals. Pages, the Excel
export, the API and the CLI all call these functions; none computes a figure of its own.

Definitions
-----------
* **Balance** of a unit: the sum of its batch balances (:class:`StockBalance`). *Usable* balance
  leaves out batches expired on the day asked about (``expires_on < day``); those can only be
  written off.
* **Monthly need**: the average monthly outflow (issues to children, transfers to the level below:
  ``OUTFLOW_REASONS``, net of reversals) over the last ``stock_need_window_months`` complete calendar
  months before the month of ``as_of``.
* **Months of stock** = usable balance ÷ monthly need (None when there was no outflow).
* **Alerts** (to the unit, and shown to its parent in the overview): stock-out; less than
  ``stock_low_months`` of need; a batch expiring within ``stock_expiry_warning_days``; expired packs
  still in stock; a transfer to the unit not confirmed ``stock_transfer_confirm_days`` after it was
  sent; the latest storage check out of range.

The thresholds are dated parameters (``jiceng/nutrition/rules/parameters/stock.yaml``, read through
:mod:`jiceng.stock.parameters`) taken on the day judged: ``as_of`` for balances, alerts and transfers,
the reading's date for a storage check.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F, Min, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.orgunits.models import INSTITUTION_KINDS, Kind, Level, OrgUnit, subtree_q
from jiceng.periods import Period, PeriodError, add_months, parse_period
from jiceng.stock import parameters as P
from jiceng.stock.models import (
    LOSS_REASONS,
    OUTFLOW_REASONS,
    AllocationPlan,
    Batch,
    Reason,
    StockBalance,
    StockLine,
    StorageCheck,
    Transfer,
)

STOCK_KINDS = (Kind.MCH_CENTRE, Kind.TOWNSHIP_HC, Kind.VILLAGE_CLINIC)


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Units on the ledger
# ---------------------------------------------------------------------------------------------


def keeps_stock(unit: OrgUnit) -> bool:
    """The county MCH centre, township health centres and village clinics keep 出入库登记."""
    return unit.kind in STOCK_KINDS


def stock_children(unit: OrgUnit) -> QuerySet[OrgUnit]:
    """Units that receive packs from ``unit``: the county MCH centre supplies the county's townships,
    a township health centre its village clinics."""
    if unit.kind == Kind.MCH_CENTRE:
        return OrgUnit.objects.filter(parent_id=unit.parent_id, level=Level.TOWNSHIP, kind=Kind.TOWNSHIP_HC)
    if unit.kind == Kind.TOWNSHIP_HC:
        return OrgUnit.objects.filter(parent=unit, level=Level.VILLAGE, kind=Kind.VILLAGE_CLINIC)
    return OrgUnit.objects.none()


def is_stock_child(sender: OrgUnit, receiver: OrgUnit) -> bool:
    return receiver.active and stock_children(sender).filter(pk=receiver.pk).exists()


def stock_supplier(unit: OrgUnit) -> OrgUnit | None:
    """The unit that sends packs to ``unit`` (the parent in the flow)."""
    if unit.kind == Kind.VILLAGE_CLINIC:
        return unit.parent
    if unit.kind == Kind.TOWNSHIP_HC:
        return OrgUnit.objects.filter(parent_id=unit.parent_id, kind=Kind.MCH_CENTRE).first()
    return None


def stock_units_under(root: OrgUnit) -> QuerySet[OrgUnit]:
    """Every unit keeping stock in the subtree of ``root`` (for a county: its MCH centre too)."""
    return OrgUnit.objects.filter(subtree_q(root.path), kind__in=STOCK_KINDS, active=True).order_by("path")


def county_id_of(unit: OrgUnit) -> int:
    """The county (administrative unit) a unit belongs to: the shard key of the stock rows."""
    found = (
        OrgUnit.objects.filter(code__in=unit.ancestor_codes(), level=Level.COUNTY)
        .exclude(kind__in=INSTITUTION_KINDS)
        .values_list("pk", flat=True)
        .first()
    )
    return found if found is not None else unit.pk


def is_on_ledger(unit: OrgUnit) -> bool:
    """A unit is on the ledger from its first stock line on (a balance row exists from then)."""
    return StockBalance.objects.filter(unit=unit).exists()


def issuable_balance(unit: OrgUnit, on: dt.date | None = None) -> int | None:
    """Packs the unit may issue on ``on`` (batches not expired), or None when it is not on the ledger.
    This is the figure the distribution page (本月发放) compares with what is due."""
    on = on or today()
    rows = list(StockBalance.objects.filter(unit=unit).values_list("quantity", "batch__expires_on"))
    if not rows:
        return None
    return sum(q for q, expires in rows if expires >= on)


def collection_document(collection) -> str:
    """The document number of a collection's issue line(s): 领取登记 number."""
    return f"LQ{collection.pk:08d}"


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


def need_window(as_of: dt.date, months: int | None = None) -> tuple[dt.date, dt.date]:
    """[first, last] days of the ``months`` complete calendar months before the month of ``as_of``
    (default: the parameter in force on ``as_of``)."""
    months = P.need_window_months(as_of) if months is None else months
    first = add_months(as_of, -months)
    return first, add_months(as_of, 0) - dt.timedelta(days=1)


ALLOCATION_PERIOD_KINDS = ("month", "quarter", "half", "year")  # a plan is for a whole period, not a year to date


def allocation_period(text: str) -> Period | None:
    """The period of an allocation plan, written as :mod:`jiceng.periods` writes it (2026-12, 2026Q4,
    2026H2, 2026); None when it does not parse or is a year to date."""
    try:
        period = parse_period(text)
    except PeriodError:
        return None
    return period if period.kind in ALLOCATION_PERIOD_KINDS else None


def period_months(period: str) -> list[dt.date] | None:
    """First days of the months of an allocation period (:func:`allocation_period`); None if it is not one."""
    found = allocation_period(period)
    return found.month_starts if found else None


def allocation_period_message() -> str:
    return _("期间：格式应为 2026-12（月）、2026Q4（季度）、2026H2（半年）或 2026（年度）")


# ---------------------------------------------------------------------------------------------
# Balances, months of stock, alerts
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchBalance:
    batch: Batch
    quantity: int
    as_of: dt.date

    @property
    def expired(self) -> bool:
        return self.batch.expires_on < self.as_of

    @property
    def days_to_expiry(self) -> int:
        return (self.batch.expires_on - self.as_of).days

    @property
    def expiring_soon(self) -> bool:
        return not self.expired and self.days_to_expiry <= P.expiry_warning_days(self.as_of)


@dataclass(frozen=True)
class Alert:
    kind: str  # stock_out | low_stock | expiring | expired | transfer_unconfirmed | storage
    unit: OrgUnit
    text: str
    severity: str = "warn"  # warn | bad (CSS status-warn / status-bad)


@dataclass
class UnitStock:
    unit: OrgUnit
    as_of: dt.date
    on_ledger: bool = False
    batches: list[BatchBalance] = field(default_factory=list)
    monthly_need: Decimal | None = None
    alerts: list[Alert] = field(default_factory=list)

    @property
    def balance(self) -> int:
        """Usable packs: batches not expired on ``as_of``."""
        return sum(b.quantity for b in self.batches if not b.expired)

    @property
    def expired_quantity(self) -> int:
        return sum(b.quantity for b in self.batches if b.expired)

    @property
    def total(self) -> int:
        return sum(b.quantity for b in self.batches)

    @property
    def months_of_stock(self) -> Decimal | None:
        return months_of_stock(self.balance, self.monthly_need)

    @property
    def severity(self) -> str:
        if any(a.severity == "bad" for a in self.alerts):
            return "bad"
        return "warn" if self.alerts else "ok"

    def as_dict(self) -> dict:
        """The JSON shape used by the CLI and the API."""
        return {
            "unit": self.unit.code,
            "name": self.unit.display_name,
            "as_of": self.as_of.isoformat(),
            "on_ledger": self.on_ledger,
            "balance": self.balance,
            "expired": self.expired_quantity,
            "monthly_need": None if self.monthly_need is None else str(self.monthly_need),
            "months_of_stock": None if self.months_of_stock is None else str(self.months_of_stock),
            "batches": [
                {
                    "batch": b.batch.number,
                    "expires_on": b.batch.expires_on.isoformat(),
                    "quantity": b.quantity,
                    "expired": b.expired,
                    "days_to_expiry": b.days_to_expiry,
                }
                for b in self.batches
            ],
            "alerts": [
                {"kind": a.kind, "severity": a.severity, "unit": a.unit.code, "text": a.text} for a in self.alerts
            ],
        }


def months_of_stock(balance: int, monthly_need: Decimal | None) -> Decimal | None:
    if not monthly_need:
        return None
    return (Decimal(balance) / monthly_need).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def monthly_need(unit_ids: list[int], as_of: dt.date, months: int | None = None) -> dict[int, Decimal]:
    """Average monthly outflow of each unit over the window: one grouped, indexed query."""
    months = P.need_window_months(as_of) if months is None else months
    first, last = need_window(as_of, months)
    rows = (
        StockLine.objects.filter(
            unit_id__in=unit_ids, occurred_on__gte=first, occurred_on__lte=last, reason__in=OUTFLOW_REASONS
        )
        .values("unit_id")
        .annotate(out=Sum("quantity"))
    )
    return {r["unit_id"]: (Decimal(-r["out"]) / months).quantize(Decimal("0.1")) for r in rows if r["out"]}


def storage_problems(check: StorageCheck) -> list[str]:
    """What is wrong with a storage reading (empty when everything is in range)."""
    problems = []
    limits = P.storage_limits(check.checked_on)
    if check.temperature is not None and not (
        limits.temperature_min_c <= check.temperature <= limits.temperature_max_c
    ):
        problems.append(
            _("温度 %(t)s℃ 超出 %(lo)s–%(hi)s℃")
            % {"t": check.temperature, "lo": limits.temperature_min_c, "hi": limits.temperature_max_c}
        )
    if check.humidity is not None and not (limits.humidity_min_pct <= check.humidity <= limits.humidity_max_pct):
        problems.append(
            _("相对湿度 %(h)s%% 超出 %(lo)s–%(hi)s%%")
            % {"h": check.humidity, "lo": limits.humidity_min_pct, "hi": limits.humidity_max_pct}
        )
    checklist = (
        (check.off_floor_and_wall, _("未离地离墙")),
        (check.pest_protection, _("防鼠防虫设施不完好")),
        (check.out_of_light, _("未避光/阴凉/干燥")),
        (check.apart_from_medicines, _("与药品或有毒有害物质混放")),
    )
    problems += [text for ok, text in checklist if not ok]
    return problems


def _latest_storage_checks(unit_ids: list[int]) -> dict[int, StorageCheck]:
    latest = Subquery(
        StorageCheck.objects.filter(unit_id=OuterRef("pk"))
        .order_by("-checked_on", "-checked_at", "-id")
        .values("pk")[:1]
    )
    ids = [pk for pk in OrgUnit.objects.filter(pk__in=unit_ids).annotate(c=latest).values_list("c", flat=True) if pk]
    return {c.unit_id: c for c in StorageCheck.objects.filter(pk__in=ids)}


def overdue_transfers(receiver_ids: list[int], as_of: dt.date) -> QuerySet[Transfer]:
    cutoff = as_of - dt.timedelta(days=P.transfer_confirm_days(as_of))
    return Transfer.objects.filter(
        receiver_id__in=receiver_ids, status=Transfer.Status.PENDING, sent_on__lt=cutoff
    ).select_related("sender", "batch")


def stock_overview(units: list[OrgUnit], as_of: dt.date | None = None) -> list[UnitStock]:
    """Balances by batch, months of stock and alerts of many units in six queries, whatever their number."""
    as_of = as_of or today()
    by_id = {u.pk: UnitStock(unit=u, as_of=as_of) for u in units}
    ids = list(by_id)
    batches: dict[int, Batch] = {}
    rows = StockBalance.objects.filter(unit_id__in=ids).values_list("unit_id", "batch_id", "quantity")
    needed_batches = set()
    per_unit: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for unit_id, batch_id, quantity in rows:
        by_id[unit_id].on_ledger = True
        if quantity:
            per_unit[unit_id].append((batch_id, quantity))
            needed_batches.add(batch_id)
    batches = {b.pk: b for b in Batch.objects.filter(pk__in=needed_batches)}
    for unit_id, items in per_unit.items():
        stock = by_id[unit_id]
        stock.batches = sorted(
            (BatchBalance(batches[b], q, as_of) for b, q in items), key=lambda b: (b.batch.expires_on, b.batch.number)
        )
    for unit_id, need in monthly_need(ids, as_of).items():
        by_id[unit_id].monthly_need = need
    for transfer in overdue_transfers(ids, as_of):
        stock = by_id[transfer.receiver_id]
        stock.alerts.append(
            Alert(
                "transfer_unconfirmed",
                stock.unit,
                _("调拨单 %(doc)s：%(s)s %(d)s 调出 %(q)d 包（批号 %(b)s），已 %(n)d 天未确认收货")
                % {
                    "doc": transfer.document_number,
                    "s": transfer.sender.display_name,
                    "d": transfer.sent_on.isoformat(),
                    "q": transfer.quantity,
                    "b": transfer.batch.number,
                    "n": (as_of - transfer.sent_on).days,
                },
            )
        )
    for unit_id, check in _latest_storage_checks(ids).items():
        if check.out_of_range:
            stock = by_id[unit_id]
            stock.alerts.append(
                Alert(
                    "storage",
                    stock.unit,
                    _("储存条件异常（%(d)s 检查）：%(p)s") % {"d": check.checked_on.isoformat(), "p": check.problems},
                )
            )
    for stock in by_id.values():
        stock.alerts[:0] = _balance_alerts(stock)
    return [by_id[u.pk] for u in units]


def _balance_alerts(stock: UnitStock) -> list[Alert]:
    if not stock.on_ledger:
        return []
    alerts = []
    unit = stock.unit
    if stock.balance == 0:
        alerts.append(Alert("stock_out", unit, _("断货：可用营养包结余为 0"), "bad"))
    elif stock.months_of_stock is not None and stock.months_of_stock < (low := P.low_stock_months(stock.as_of)):
        alerts.append(
            Alert(
                "low_stock",
                unit,
                _("库存不足%(low)s：结余 %(b)d 包，约可用 %(m)s 个月（近 %(w)d 个月月均出库 %(n)s 包）")
                % {
                    "low": _("一个月") if low == 1 else _("%(n)s个月") % {"n": low},
                    "b": stock.balance,
                    "m": stock.months_of_stock,
                    "w": P.need_window_months(stock.as_of),
                    "n": stock.monthly_need,
                },
            )
        )
    for b in stock.batches:
        if b.expired:
            alerts.append(
                Alert(
                    "expired",
                    unit,
                    _("批号 %(b)s 已于 %(d)s 过期，尚有 %(q)d 包，请报损")
                    % {"b": b.batch.number, "d": b.batch.expires_on.isoformat(), "q": b.quantity},
                    "bad",
                )
            )
        elif b.expiring_soon:
            alerts.append(
                Alert(
                    "expiring",
                    unit,
                    _("批号 %(b)s 将于 %(d)s 过期（还有 %(n)d 天），尚有 %(q)d 包，请优先发放")
                    % {
                        "b": b.batch.number,
                        "d": b.batch.expires_on.isoformat(),
                        "n": b.days_to_expiry,
                        "q": b.quantity,
                    },
                )
            )
    return alerts


def unit_stock(unit: OrgUnit, as_of: dt.date | None = None) -> UnitStock:
    return stock_overview([unit], as_of)[0]


def alerts_under(root: OrgUnit, as_of: dt.date | None = None) -> list[Alert]:
    """Alerts of every stock unit in the subtree: a unit sees its own, its parent sees them too."""
    return [a for s in stock_overview(list(stock_units_under(root)), as_of) for a in s.alerts]


# ---------------------------------------------------------------------------------------------
# The stock card (出入库登记) with its running balance
# ---------------------------------------------------------------------------------------------


def ledger_lines(unit: OrgUnit, first_day: dt.date | None = None, last_day: dt.date | None = None):
    lines = StockLine.objects.filter(unit=unit)
    if first_day:
        lines = lines.filter(occurred_on__gte=first_day)
    if last_day:
        lines = lines.filter(occurred_on__lte=last_day)
    return lines.select_related("batch", "entered_by", "other_unit", "reverses", "collection").order_by("id")


def card_page(unit: OrgUnit, first_day=None, last_day=None, page_number=None, per_page: int = 50):
    """One page of the stock card (default: the last, most recent one) and its lines with balances.
    The page is cut on line ids alone (an index-only scan), then only its lines are fetched."""
    from django.core.paginator import Paginator

    ids = ledger_lines(unit, first_day, last_day).values_list("id", flat=True)
    paginator = Paginator(ids, per_page)
    page = paginator.get_page(page_number or paginator.num_pages)
    lines = list(ledger_lines(unit).filter(id__in=list(page.object_list)))
    return page, with_unit_balance(unit, lines)


@dataclass(frozen=True)
class CardLine:
    line: StockLine
    unit_balance: int  # all batches of the unit, after this line
    reversed: bool = False  # a later line reverses this one

    @property
    def received(self) -> int | None:
        return self.line.quantity if self.line.quantity > 0 else None

    @property
    def issued(self) -> int | None:
        return -self.line.quantity if self.line.quantity < 0 else None


def with_unit_balance(unit: OrgUnit, lines: list[StockLine]) -> list[CardLine]:
    """The unit's running balance (all batches) after each line, in entry order.

    The balance before the first line is the sum, over the unit's batches, of the stored running
    balance of each batch's last earlier line (one query, an index probe per batch, whatever the
    length of the ledger); from there the quantities of the lines in the page's id range are added
    up. Stored batch balances are exact: every line is written under the lock of its balance row."""
    if not lines:
        return []
    lines = sorted(lines, key=lambda line: line.pk)
    first, last = lines[0].pk, lines[-1].pk
    before = Subquery(
        StockLine.objects.filter(unit=unit, batch_id=OuterRef("batch_id"), id__lt=first)
        .order_by("-id")
        .values("balance")[:1]
    )
    running = StockBalance.objects.filter(unit=unit).annotate(b=before).aggregate(s=Sum("b"))["s"] or 0
    wanted = {line.pk for line in lines}
    totals = {}
    for pk, quantity in (
        StockLine.objects.filter(unit=unit, id__gte=first, id__lte=last).order_by("id").values_list("id", "quantity")
    ):
        running += quantity
        if pk in wanted:
            totals[pk] = running
    reversed_ids = {  # probes the unique index on ``reverses``; reversals are written at the same unit
        pk
        for pk, unit_id in StockLine.objects.filter(reverses_id__gte=first, reverses_id__lte=last).values_list(
            "reverses_id", "unit_id"
        )
        if unit_id == unit.pk
    }
    return [CardLine(line, totals[line.pk], line.pk in reversed_ids) for line in lines]


def period_figures(unit_ids: list[int], first_day: dt.date, last_day: dt.date) -> dict[int, dict[str, int]]:
    """期初/入库/出库/报损/期末 and issues to children of each unit's ledger between two days (inclusive) —
    the one place these figures are computed (monthly report N17–N18, the stock card's totals).

    Only units with at least one line up to ``last_day`` appear. Reversing lines carry their original
    reason, so sums by reason are net of corrections; a stocktake adjustment counts as received when it adds
    packs and as a loss when it removes them (a reversal nets against the adjustment it reverses)."""
    in_period = Q(occurred_on__gte=first_day, occurred_on__lte=last_day)
    # an adjustment that added packs (or the reversal of one that removed packs) counts as received
    adds = Q(reverses__isnull=True, quantity__gt=0) | Q(reverses__isnull=False, quantity__lt=0)
    rows = (
        StockLine.objects.filter(unit_id__in=unit_ids, occurred_on__lte=last_day)
        .values("unit_id")
        .annotate(
            opening=Sum("quantity", filter=Q(occurred_on__lt=first_day)),
            receipts=Sum("quantity", filter=in_period & Q(reason__in=[Reason.RECEIPT, Reason.TRANSFER_IN])),
            issues=Sum("quantity", filter=in_period & Q(reason=Reason.ISSUE)),
            transfers=Sum("quantity", filter=in_period & Q(reason=Reason.TRANSFER_OUT)),
            losses=Sum("quantity", filter=in_period & Q(reason__in=LOSS_REASONS)),
            gains=Sum("quantity", filter=in_period & Q(reason=Reason.ADJUSTMENT) & adds),
            shrink=Sum("quantity", filter=in_period & Q(reason=Reason.ADJUSTMENT) & ~adds),
        )
    )
    out = {}
    for row in rows:
        opening = row["opening"] or 0
        received = (row["receipts"] or 0) + (row["gains"] or 0)
        to_children = -(row["issues"] or 0)
        issued = to_children - (row["transfers"] or 0)
        lost = -(row["losses"] or 0) - (row["shrink"] or 0)
        out[row["unit_id"]] = {
            "opening": opening,
            "received": received,
            "issued": issued,
            "lost": lost,
            "closing": opening + received - issued - lost,
            "issued_to_children": to_children,
        }
    return out


def card_totals(unit: OrgUnit, first_day: dt.date | None, last_day: dt.date | None) -> dict[str, int]:
    """Opening, in, out (issues, transfers and losses: the paper ledger's 发出) and closing of a period."""
    figures = period_figures([unit.pk], first_day or dt.date.min, last_day or dt.date.max).get(unit.pk)
    if figures is None:
        return {"opening": 0, "received": 0, "issued": 0, "closing": 0}
    return {
        "opening": figures["opening"],
        "received": figures["received"],
        "issued": figures["issued"] + figures["lost"],
        "closing": figures["closing"],
    }


# ---------------------------------------------------------------------------------------------
# Reconciliation: issues to children on the ledger = packs on the collections
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReconciliationRow:
    unit: OrgUnit
    on_ledger_since: dt.date | None
    collection_packs: int  # packs on collections on or after the unit's first stock line
    ledger_issued: int  # packs issued to children on the ledger
    before_ledger_packs: int  # collections before the unit kept a ledger (not checked)

    @property
    def difference(self) -> int:
        return self.ledger_issued - self.collection_packs

    @property
    def matches(self) -> bool:
        return self.difference == 0


def reconciliation(units: list[OrgUnit], first_day: dt.date, last_day: dt.date) -> list[ReconciliationRow]:
    """Per unit and period: the packs issued to children on its ledger and the packs recorded on its
    children's collections (from the day the unit went on the ledger). Four grouped queries."""
    from jiceng.nutrition.models import Collection

    ids = [u.pk for u in units]
    first_line = Subquery(
        StockLine.objects.filter(unit_id=OuterRef("pk")).order_by("occurred_on").values("occurred_on")[:1]
    )
    since = {
        pk: day for pk, day in OrgUnit.objects.filter(pk__in=ids).annotate(d=first_line).values_list("pk", "d") if day
    }
    issued = dict(
        StockLine.objects.filter(
            unit_id__in=ids, reason=Reason.ISSUE, occurred_on__gte=first_day, occurred_on__lte=last_day
        )
        .values("unit_id")
        .annotate(s=Sum("quantity"))
        .values_list("unit_id", "s")
    )
    collected: dict[int, int] = defaultdict(int)
    before: dict[int, int] = defaultdict(int)
    per_day = (
        Collection.objects.filter(unit_id__in=ids, collected_on__gte=first_day, collected_on__lte=last_day)
        .values("unit_id", "collected_on")
        .annotate(s=Sum("packs"))
        .values_list("unit_id", "collected_on", "s")
    )
    for unit_id, day, packs in per_day:
        start = since.get(unit_id)
        if start is not None and day >= start:
            collected[unit_id] += packs
        else:
            before[unit_id] += packs
    return [
        ReconciliationRow(u, since.get(u.pk), collected[u.pk], -(issued.get(u.pk) or 0), before[u.pk]) for u in units
    ]


def unmatched_collections(unit: OrgUnit, first_day: dt.date, last_day: dt.date):
    """Collections on or after the unit went on the ledger whose issue lines do not add up to their packs."""
    from jiceng.nutrition.models import Collection

    since = StockLine.objects.filter(unit=unit).aggregate(d=Min("occurred_on"))["d"]
    if since is None:
        return Collection.objects.none()
    issued = (
        StockLine.objects.filter(collection=OuterRef("pk"), reason=Reason.ISSUE)
        .values("collection")
        .annotate(s=Sum("quantity"))
        .values("s")
    )
    return (
        Collection.objects.filter(unit=unit, collected_on__gte=max(first_day, since), collected_on__lte=last_day)
        .annotate(issued=Subquery(issued))
        .filter(Q(issued__isnull=True) | ~Q(issued=-F("packs")))
        .select_related("child")
        .order_by("collected_on", "id")
    )


# ---------------------------------------------------------------------------------------------
# Allocation plan
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    township: OrgUnit
    due_children: int
    packs: int


def due_children_by_township(county: OrgUnit, on: dt.date) -> dict[int, int]:
    """Children of each township who are due packs on ``on`` (eligibility status in PLAN_STATUSES),
    by the rules engine over their register history."""
    from jiceng.nutrition import eligibility
    from jiceng.nutrition.models import Child, Residence

    children = eligibility.with_history(
        Child.objects.filter(
            subtree_q(county.path, "village__path"),
            merged_into__isnull=True,
            residence__in=[Residence.RESIDENT, Residence.FLOATING],
            birth_date__gt=add_months(on, -37),
            birth_date__lte=on,
        )
    )
    children = list(children)
    decisions = eligibility.decisions_for(children, on)
    counts: dict[int, int] = defaultdict(int)
    for child in children:
        if decisions[child.pk].status in P.PLAN_STATUSES:
            counts[child.village.parent_id] += 1
    return counts


def allocation_proposals(county: OrgUnit, period: str) -> list[Proposal]:
    """Packs per township for a period (:func:`allocation_period`): due children on the first day of
    the period (or today, if later) × packs per month × months in the period."""
    from jiceng.nutrition.rules.parameters import parameter

    found = allocation_period(period)
    if found is None:
        return []
    months = len(found.month_starts)
    on = max(found.start, today())
    due = due_children_by_township(county, on)
    per_month = int(parameter("packs_per_month", on))
    townships = OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP, kind=Kind.TOWNSHIP_HC, active=True)
    return [Proposal(t, due.get(t.pk, 0), due.get(t.pk, 0) * per_month * months) for t in townships.order_by("path")]


@dataclass(frozen=True)
class PlanRow:
    township: OrgUnit
    plan: AllocationPlan | None
    sent: int  # packs sent by the county MCH centre to the township in the period
    on_hand: int  # usable packs now in the township and its villages


def allocation_table(county: OrgUnit, period: str) -> list[PlanRow]:
    found = allocation_period(period)
    bounds = (found.start, found.end) if found else None
    period = found.code if found else period
    townships = list(
        OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP, kind=Kind.TOWNSHIP_HC, active=True).order_by("path")
    )
    plans = {p.township_id: p for p in AllocationPlan.objects.filter(county=county, period=period)}
    sent: dict[int, int] = {}
    if bounds:
        sent = dict(
            Transfer.objects.filter(
                receiver__in=townships, sender__kind=Kind.MCH_CENTRE, sent_on__gte=bounds[0], sent_on__lte=bounds[1]
            )
            .values("receiver_id")
            .annotate(s=Sum("quantity"))
            .values_list("receiver_id", "s")
        )
    on_hand: dict[int, int] = defaultdict(int)
    day = today()
    township_of = {t.path: t.pk for t in townships}
    rows = StockBalance.objects.filter(
        subtree_q(county.path, "unit__path"), unit__kind__in=[Kind.TOWNSHIP_HC, Kind.VILLAGE_CLINIC], quantity__gt=0
    ).values_list("unit__path", "quantity", "batch__expires_on")
    for path, quantity, expires in rows:
        if expires < day:
            continue
        for prefix, pk in township_of.items():
            if path.startswith(prefix):
                on_hand[pk] += quantity
                break
    return [PlanRow(t, plans.get(t.pk), sent.get(t.pk, 0), on_hand[t.pk]) for t in townships]
