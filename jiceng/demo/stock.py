"""Two years of stock history for a demo county, consistent with the collections already in the
database: every collection is issued first-expiry-first-out from its clinic's stock, so the
ledger and the distribution register reconcile to the pack.

The flow, month by month (a max–min policy; quantities are computed from the collections):

* day 1  — the county MCH centre receives a new batch from the supplier when its stock would not
  cover this month and the next;
* day 3  — it sends each township what the township will pass on this month, plus one month in
  reserve; the township confirms on day 4;
* day 8  — each township sends each village clinic enough for the next two months; the clinic
  confirms on day 9;
* every collection is an issue at its clinic on its day;
* days 1 and 15 — storage checks; quarter ends — township stocktakes.

On the day ``as_of`` the county shows, on purpose: one clinic out of stock (its packs got damp and
were written off; a replenishment is on its way), one batch at the county centre expiring within
60 days, one transfer to a township unconfirmed for more than 7 days, and one clinic whose latest
storage check is out of range.

Everything is bulk-inserted (a few seconds for a county of ~150 clinics and 6,000 children).
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from jiceng.accounts.models import User
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.nutrition.models import Collection
from jiceng.orgunits.models import Kind, Level, OrgUnit
from jiceng.periods import add_months, month_code
from jiceng.stock import parameters as P
from jiceng.stock import queries
from jiceng.stock.fefo import ShortOfStock, first_expiry_first_out
from jiceng.stock.models import (
    AllocationPlan,
    Batch,
    Reason,
    StockBalance,
    StockLine,
    Stocktake,
    StocktakeItem,
    StorageCheck,
    Transfer,
)

BULK = 2000
SHELF_LIFE_MONTHS = 18
SUPPLIER = "省儿童营养改善项目办（中标企业直送）"
MANUFACTURER = "营养包中标生产企业"
VILLAGE_TARGET_DAYS = 60  # after a delivery a clinic holds about two months of need
TOWNSHIP_RESERVE = 1.5  # a township keeps this many months of its clinics' need after passing packs on
DAYS = {"receive": 1, "send_township": 3, "confirm_township": 4, "send_village": 8, "confirm_village": 9}


def _ceil(value: float, step: int) -> int:
    return int(math.ceil(max(value, 0) / step) * step)


@dataclass
class _State:
    county: OrgUnit
    as_of: dt.date
    rng: random.Random
    users: dict[int, int]
    balances: dict[tuple[int, int], int] = field(default_factory=lambda: defaultdict(int))
    batches: list[Batch] = field(default_factory=list)
    lines: list[StockLine] = field(default_factory=list)
    transfers: list[Transfer] = field(default_factory=list)
    pending: list[Transfer] = field(default_factory=list)
    stocktakes: list[tuple[Stocktake, list[StocktakeItem]]] = field(default_factory=list)
    checks: list[StorageCheck] = field(default_factory=list)
    doc_seq: int = 0

    def stamp(self, day: dt.date, hour: int = 9) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, self.rng.randrange(60))))

    def post(self, unit: OrgUnit, batch: Batch, quantity: int, reason: str, day: dt.date, **fields) -> StockLine:
        key = (unit.pk, id(batch))
        self.balances[key] += quantity
        balance = self.balances[key]
        if balance < 0:
            raise RuntimeError(f"demo stock history went below zero at {unit.code} on {day}")
        line = StockLine(
            county_id=self.county.pk,
            unit_id=unit.pk,
            batch=batch,
            occurred_on=day,
            entered_at=self.stamp(day, 10 if quantity > 0 else 15),
            entered_by_id=fields.pop("entered_by_id", self.users.get(unit.pk)),
            reason=reason,
            quantity=quantity,
            balance=balance,
            **fields,
        )
        self.lines.append(line)
        return line

    def holdings(self, unit: OrgUnit) -> list[tuple[Batch, dt.date, str, int]]:
        return [(b, b.expires_on, b.number, self.balances.get((unit.pk, id(b)), 0)) for b in self.batches]

    def usable(self, unit: OrgUnit, day: dt.date) -> list[tuple[Batch, int]]:
        """(batch, packs) of the unit not expired on ``day``, first expiry first."""
        return first_expiry_first_out(self.holdings(unit), self.total(unit, day), day)

    def total(self, unit: OrgUnit, day: dt.date) -> int:
        return sum(packs for _b, expires, _n, packs in self.holdings(unit) if packs > 0 and expires >= day)

    def take(self, unit: OrgUnit, quantity: int, day: dt.date) -> list[tuple[Batch, int]]:
        """The batches an issue takes: the stock actions' own first-expiry-first-out rule."""
        try:
            return first_expiry_first_out(self.holdings(unit), quantity, day)
        except ShortOfStock:
            raise RuntimeError(f"demo stock history: {unit.code} short of {quantity} packs on {day}") from None

    def receive(self, mch: OrgUnit, day: dt.date, quantity: int, *, number: str, expires_on: dt.date, note=""):
        batch = Batch(number=number, expires_on=expires_on, manufacturer=MANUFACTURER)
        self.batches.append(batch)
        self.post(
            mch, batch, quantity, Reason.RECEIPT, day, other_party=SUPPLIER, document_number=f"RK{number}", note=note
        )
        return batch

    def send(self, sender: OrgUnit, receiver: OrgUnit, quantity: int, day: dt.date, note: str = "") -> list[Transfer]:
        if quantity <= 0:
            return []
        self.doc_seq += 1
        document = f"DB{day:%Y%m%d}-{self.doc_seq:05d}"
        made = []
        for batch, n in self.take(sender, quantity, day):
            transfer = Transfer(
                county_id=self.county.pk,
                sender=sender,
                receiver=receiver,
                batch=batch,
                quantity=n,
                document_number=document,
                sent_on=day,
                sent_by_id=self.users.get(sender.pk),
                sent_at=self.stamp(day, 14),
                note=note,
            )
            self.transfers.append(transfer)
            self.post(
                sender,
                batch,
                -n,
                Reason.TRANSFER_OUT,
                day,
                other_unit=receiver,
                other_party=receiver.display_name[:100],
                document_number=document,
                transfer=transfer,
                note=note,
            )
            made.append(transfer)
        self.pending.extend(made)
        return made

    def confirm(self, receiver: OrgUnit, day: dt.date) -> None:
        for transfer in [t for t in self.pending if t.receiver.pk == receiver.pk and t.sent_on <= day]:
            transfer.status = Transfer.Status.CONFIRMED
            transfer.received_quantity = transfer.quantity
            transfer.received_on = day
            transfer.received_by_id = self.users.get(receiver.pk)
            transfer.received_at = self.stamp(day, 11)
            self.post(
                receiver,
                transfer.batch,
                transfer.quantity,
                Reason.TRANSFER_IN,
                day,
                other_unit=transfer.sender,
                other_party=transfer.sender.display_name[:100],
                document_number=transfer.document_number,
                transfer=transfer,
            )
            self.pending.remove(transfer)


class _Need:
    """Packs collected per clinic and day, with a forecast beyond ``as_of`` at the last 30 days' rate."""

    def __init__(self, start: dt.date, as_of: dt.date, per_day: dict[tuple[int, dt.date], int], village_ids):
        self.start, self.end = start, as_of + dt.timedelta(days=1)
        n = (self.end - start).days
        self.prefix: dict[int, list[int]] = {}
        for v in village_ids:
            running, prefix = 0, [0]
            for i in range(n):
                running += per_day.get((v, start + dt.timedelta(days=i)), 0)
                prefix.append(running)
            self.prefix[v] = prefix
        self.rate = {v: self.actual(v, as_of - dt.timedelta(days=29), self.end) / 30 for v in village_ids}

    def _index(self, day: dt.date) -> int:
        return min(max((day - self.start).days, 0), (self.end - self.start).days)

    def actual(self, v: int, a: dt.date, b: dt.date) -> int:
        prefix = self.prefix[v]
        return prefix[self._index(b)] - prefix[self._index(a)]

    def expected(self, v: int, a: dt.date, b: dt.date) -> float:
        future = max(0, (b - max(a, self.end)).days)
        return self.actual(v, a, b) + self.rate[v] * future


def load_stock_history(county_code: str, as_of: dt.date, *, months: int = 24, seed: int = 20261122) -> dict[str, int]:
    """Create ``months`` of stock history up to ``as_of`` for the county, from its collections.
    Does nothing if the county already has stock lines."""
    county = OrgUnit.objects.get(code=county_code)
    if StockLine.objects.filter(county=county).exists():
        return {}
    mch = OrgUnit.objects.get(parent=county, kind=Kind.MCH_CENTRE)
    townships = list(
        OrgUnit.objects.filter(parent=county, level=Level.TOWNSHIP, kind=Kind.TOWNSHIP_HC, active=True).order_by("path")
    )
    villages_of = defaultdict(list)
    for v in OrgUnit.objects.filter(parent__in=townships, kind=Kind.VILLAGE_CLINIC, active=True).order_by("path"):
        villages_of[v.parent_id].append(v)
    villages = [v for t in townships for v in villages_of[t.pk]]
    by_id = {v.pk: v for v in villages}
    start = add_months(as_of, -months)

    collections = list(
        Collection.objects.filter(unit_id__in=by_id, collected_on__gte=start, collected_on__lte=as_of)
        .order_by("collected_on", "id")
        .values_list("pk", "unit_id", "collected_on", "packs", "child__name", "issued_by_id", "child_id")
    )
    per_day: dict[tuple[int, dt.date], int] = defaultdict(int)
    collections_by_day: dict[dt.date, list[tuple]] = defaultdict(list)
    for row in collections:
        per_day[(row[1], row[2])] += row[3]
        collections_by_day[row[2]].append(row)
    need = _Need(start, as_of, per_day, list(by_id))

    users: dict[int, int] = {}
    for unit_id, user_id in (
        User.objects.filter(unit__in=[mch, *townships, *villages], is_active=True)
        .order_by("-id")
        .values_list("unit_id", "id")
    ):
        users[unit_id] = user_id
    state = _State(county, as_of, random.Random(seed), users)

    stock_out = _pick_stock_out_village(villages, need, as_of)
    damp_store = next((v for v in reversed(villages) if v is not stock_out), None)
    plans: dict[tuple[int, str], int] = defaultdict(int)  # (township, month) → packs sent

    day = start
    planned_villages: dict[int, int] = {}
    while day <= as_of:
        first_month = day < add_months(start, 1)
        steps = {name: (1 if first_month else d) for name, d in DAYS.items()}
        if day.day == steps["receive"]:
            planned_villages = _plan_villages(state, villages, need, day, first_month)
            planned_townships = _plan_townships(state, townships, villages_of, planned_villages, need, day, first_month)
            this_month = sum(planned_townships.values())
            if state.total(mch, day) < 2 * this_month or first_month:
                quantity = _ceil(3 * this_month * 1.1 + this_month - state.total(mch, day), 1000)
                number = f"YYB{day:%Y%m}{len(state.batches) + 1:02d}"
                state.receive(mch, day, quantity, number=number, expires_on=_expiry(day))
        if day.day == steps["send_township"]:
            for t in townships:
                sent = state.send(mch, t, planned_townships.get(t.pk, 0), day)
                plans[(t.pk, month_code(day))] += sum(x.quantity for x in sent)
        if day.day == steps["confirm_township"]:
            for t in townships:
                state.confirm(t, day)
        if day.day == steps["send_village"]:
            for v in villages:
                state.send(v.parent, v, planned_villages.get(v.pk, 0), day)
        if day.day == steps["confirm_village"]:
            for v in villages:
                state.confirm(v, day)
        for pk, unit_id, _day, packs, child_name, issued_by_id, _child in collections_by_day.get(day, ()):
            village = by_id[unit_id]
            for batch, n in state.take(village, packs, day):
                state.post(
                    village,
                    batch,
                    -n,
                    Reason.ISSUE,
                    day,
                    collection_id=pk,
                    other_party=child_name[:100],
                    document_number=f"LQ{pk:08d}",
                    entered_by_id=issued_by_id or users.get(unit_id),
                )
        if day.day in (1, 15):
            for unit in [mch, *townships, *villages]:
                state.checks.append(_storage_check(state, unit, day))
        if day.month in (3, 6, 9, 12) and day.day == 28:
            _stocktakes(state, townships, day, last=(as_of - day).days < 95)
        if day == start + dt.timedelta(days=200) and villages:
            _small_loss(state, villages[len(villages) // 2], day)
        day += dt.timedelta(days=1)

    _final_situation(state, mch, townships, stock_out, damp_store, need)
    _save(state, mch)
    _save_plans(county, townships, plans, collections, by_id, as_of)
    totals = {
        "lines": len(state.lines),
        "transfers": len(state.transfers),
        "batches": len(state.batches),
        "storage_checks": len(state.checks),
        "collections": len(collections),
    }
    record(
        actor=None,
        action=actions_catalog.DEMO_STOCK_HISTORY,
        obj=county,
        unit=county,
        after=totals,
        reason="加载演示库存台账",
    )
    return totals


def _expiry(day: dt.date) -> dt.date:
    return add_months(day, SHELF_LIFE_MONTHS) - dt.timedelta(days=1)


def _plan_villages(state, villages, need: _Need, day: dt.date, first_month: bool) -> dict[int, int]:
    """What each clinic will receive this month, projected from today's balance minus the collections
    until its delivery: enough for VILLAGE_TARGET_DAYS after the delivery."""
    confirm = day if first_month else day.replace(day=DAYS["confirm_village"])
    planned = {}
    for v in villages:
        at_delivery = state.total(v, day) - need.actual(v.pk, day, confirm)
        target = need.expected(v.pk, confirm, confirm + dt.timedelta(days=VILLAGE_TARGET_DAYS))
        planned[v.pk] = _ceil(target - at_delivery, 10)
    return planned


def _plan_townships(state, townships, villages_of, planned_villages, need: _Need, day, first_month) -> dict[int, int]:
    confirm = day if first_month else day.replace(day=DAYS["confirm_village"])
    planned = {}
    for t in townships:
        passing_on = sum(planned_villages[v.pk] for v in villages_of[t.pk])
        monthly = sum(need.expected(v.pk, confirm, confirm + dt.timedelta(days=30)) for v in villages_of[t.pk])
        planned[t.pk] = _ceil(passing_on + TOWNSHIP_RESERVE * monthly - state.total(t, day), 50)
    return planned


def _storage_check(state: _State, unit: OrgUnit, day: dt.date) -> StorageCheck:
    rng = state.rng
    seasonal = 15 - 9 * math.cos((day.month - 1) / 12 * 2 * math.pi)  # about 6 ℃ in January, 24 ℃ in July
    return StorageCheck(
        county_id=state.county.pk,
        unit=unit,
        checked_on=day,
        checked_at=dt.time(8 + rng.randrange(3), rng.randrange(60)),
        temperature=Decimal(str(round(seasonal + rng.uniform(-2.5, 2.5), 1))),
        humidity=Decimal(str(round(rng.uniform(48, 70), 1))),
        checker="",
        entered_by_id=state.users.get(unit.pk),
        entered_at=state.stamp(day, 9),
    )


def _stocktakes(state: _State, townships, day: dt.date, *, last: bool) -> None:
    for i, t in enumerate(townships):
        held = [(b, q) for b, q in state.usable(t, day)]
        if not held:
            continue
        stocktake = Stocktake(
            county_id=state.county.pk,
            unit=t,
            counted_on=day,
            entered_by_id=state.users.get(t.pk),
            entered_at=state.stamp(day, 16),
        )
        items = []
        for batch, quantity in held:
            counted = quantity
            if last and i == 0 and batch is held[0][0] and quantity >= 3:
                counted = quantity - 3
                stocktake.reason = "破损3包未及时登记报损"
            items.append(
                StocktakeItem(stocktake=stocktake, batch=batch, book_quantity=quantity, counted_quantity=counted)
            )
            if counted != quantity:
                state.post(
                    t,
                    batch,
                    counted - quantity,
                    Reason.ADJUSTMENT,
                    day,
                    stocktake=stocktake,
                    document_number=f"PD{day:%Y%m%d}-{t.code[-3:]}",
                    note=stocktake.reason,
                )
        state.stocktakes.append((stocktake, items))


def _small_loss(state: _State, village: OrgUnit, day: dt.date) -> None:
    usable = state.usable(village, day)
    if usable and usable[0][1] >= 2:
        state.post(village, usable[0][0], -2, Reason.LOSS_DAMAGED, day, note="包装破损，已拍照留存")


def _pick_stock_out_village(villages, need: _Need, as_of: dt.date) -> OrgUnit | None:
    """A clinic that collected this month but not in the last four days: it runs dry on as_of − 4."""
    quiet_from = as_of - dt.timedelta(days=3)
    month_start = as_of.replace(day=1)
    for v in villages:
        if need.actual(v.pk, month_start, quiet_from) > 0 and need.actual(v.pk, quiet_from, need.end) == 0:
            return v
    return None


def _final_situation(state: _State, mch, townships, stock_out, damp_store, need: _Need) -> None:
    as_of = state.as_of
    if stock_out is not None:
        day = as_of - dt.timedelta(days=4)
        for batch, quantity in state.usable(stock_out, day):
            state.post(stock_out, batch, -quantity, Reason.LOSS_DAMAGED, day, note="屋顶漏雨，营养包受潮霉变，全部报损")
        township = stock_out.parent
        refill = _ceil(need.rate[stock_out.pk] * 45, 10) or 30  # a month and a half of its need
        if state.total(township, as_of) >= refill:
            state.send(township, stock_out, refill, as_of - dt.timedelta(days=1), note="受潮报损后紧急补充")
    if len(townships) > 1 and state.total(mch, as_of) >= 200:
        state.send(
            mch, townships[1], 200, as_of - dt.timedelta(days=P.transfer_confirm_days(as_of) + 3), note="补充调拨"
        )
    state.receive(
        mch,
        as_of - dt.timedelta(days=6),
        600,
        number=f"YYB{as_of:%Y%m}JX",
        expires_on=as_of + dt.timedelta(days=45),
        note="近效期调剂批次，请优先发放",
    )
    if damp_store is not None:
        day = as_of - dt.timedelta(days=2)
        check = _storage_check(state, damp_store, day)
        check.humidity = Decimal("82.0")
        check.out_of_light = False
        check.note = "库房窗户无遮光，连续阴雨"
        state.checks.append(check)
    for check in state.checks:
        problems = queries.storage_problems(check)
        check.out_of_range = bool(problems)
        check.problems = "；".join(problems)
        check.checker = check.checker or "保管员"


@transaction.atomic
def _save(state: _State, mch: OrgUnit) -> None:
    Batch.objects.bulk_create(state.batches, batch_size=BULK)
    Transfer.objects.bulk_create(state.transfers, batch_size=BULK)
    Stocktake.objects.bulk_create([s for s, _items in state.stocktakes], batch_size=BULK)
    StocktakeItem.objects.bulk_create([i for _s, items in state.stocktakes for i in items], batch_size=BULK)
    StockLine.objects.bulk_create(state.lines, batch_size=BULK)
    StorageCheck.objects.bulk_create(state.checks, batch_size=BULK)
    by_key = {id(b): b for b in state.batches}
    StockBalance.objects.bulk_create(
        [
            StockBalance(county_id=state.county.pk, unit_id=unit_id, batch=by_key[batch_key], quantity=quantity)
            for (unit_id, batch_key), quantity in state.balances.items()
        ],
        batch_size=BULK,
    )


def _save_plans(county, townships, sent, collections, by_id, as_of) -> None:
    """Allocation plans of the last three months and this one, as the county centre kept them."""
    children: dict[tuple[int, str], set[int]] = defaultdict(set)
    for _pk, unit_id, collected_on, _packs, _name, _by, child_id in collections:
        children[(by_id[unit_id].parent_id, month_code(collected_on))].add(child_id)
    rows = []
    for back in range(3, -1, -1):
        period = month_code(add_months(as_of, -back))
        for t in townships:
            due = len(children.get((t.pk, period), ()))
            proposed = due * 30
            planned = sent.get((t.pk, period), proposed)
            rows.append(
                AllocationPlan(
                    county=county,
                    township=t,
                    period=period,
                    due_children=due,
                    proposed_packs=proposed,
                    planned_packs=planned,
                    edited=planned != proposed,
                    note="含下月储备" if planned > proposed else "",
                )
            )
    AllocationPlan.objects.bulk_create(rows, batch_size=BULK)
