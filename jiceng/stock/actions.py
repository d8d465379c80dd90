"""Writes to the stock ledger. Each action runs in one transaction, checks access, validates with a
Chinese message naming the problem, locks the (unit, batch) balance rows it changes
(``select_for_update``), appends ledger lines and writes one audit row. Nothing is saved when a
check fails.

Concurrency: the balance of a unit and batch lives in one :class:`StockBalance` row. A debit
reads the balance *from the locked row* and refuses to go below zero, so of two people issuing the
last packs at the same moment on PostgreSQL the second waits for the first to commit, then sees
the new balance and is refused; the database check constraint is the last guard. Rows are always
locked in primary-key order, so two writers never deadlock. (SQLite runs one writer at a time.)
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.errors import Conflict
from jiceng.orgunits.models import Kind, Level, OrgUnit
from jiceng.stock import queries
from jiceng.stock.fefo import ShortOfStock, first_expiry_first_out
from jiceng.stock.models import (
    LOSS_REASONS,
    NUTRITION_PACK,
    REVERSIBLE_REASONS,
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


def today() -> dt.date:
    return timezone.localdate()


# ---------------------------------------------------------------------------------------------
# Checks shared by the actions
# ---------------------------------------------------------------------------------------------


class StockConflict(Conflict):
    """Refused because of the ledger's current state, not the input: not enough stock, a transfer already
    confirmed, a line already reversed (the API answers 409; pages show it like any other refusal)."""


def _fail(field: str, message: str):
    raise ValidationError({field: [message]})


def _conflict(field: str, message: str):
    raise StockConflict({field: [message]})


def entry_url(kind: str, entry) -> str:
    """Where a register entry is corrected or cancelled (the child's page)."""
    from django.urls import reverse

    return reverse("child_entry", kwargs={"pk": entry.child_id, "kind": kind, "entry": entry.pk})


def _stock_unit(acting_user, unit: OrgUnit, capability: str = "stock.edit") -> None:
    access.require(acting_user, capability)
    access.require_unit_in_scope(acting_user, unit)
    if not queries.keeps_stock(unit):
        _fail(
            "unit",
            _("单位：%(unit)s 不保管营养包（只有县妇幼保健中心、乡镇卫生院和村卫生室有出入库登记）")
            % {"unit": unit.display_name},
        )


# A quantity of packs on one line, and any balance: far above a province's year, far below the integer
# columns' limit (2,147,483,647 on PostgreSQL; SQLite would store more and later overflow).
MAX_PACKS = 10_000_000


def _within_limit(quantity: int, field: str, label: str) -> None:
    if quantity > MAX_PACKS:
        _fail(
            field,
            _("%(label)s：%(n)d 包过大，一次最多 %(max)d 包，请核对")
            % {"label": label, "n": quantity, "max": MAX_PACKS},
        )


def _positive(quantity, field: str = "quantity", label: str | None = None) -> int:
    label = label or _("数量")
    if isinstance(quantity, bool) or not isinstance(quantity, int):
        _fail(field, _("%(label)s：应为正整数") % {"label": label})
    _within_limit(quantity, field, label)
    if quantity == 0:
        _fail(field, _("%(label)s：不能为 0，应为正整数") % {"label": label})
    if quantity < 0:
        _fail(field, _("%(label)s：不能为负数（填写的是 %(n)d），应为正整数") % {"label": label, "n": quantity})
    return quantity


def _day(day, field: str, label: str) -> dt.date:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        _fail(field, _("%(label)s：请填写有效日期（如 2026-03-08）") % {"label": label})
    if day > today():
        _fail(field, _("%(label)s：%(d)s 晚于今天") % {"label": label, "d": day.isoformat()})
    return day


def _text(value, field: str, label: str, *, required: bool = False, max_length: int = 200) -> str:
    value = (value or "").strip()
    if required and not value:
        _fail(field, _("%(label)s：不能为空") % {"label": label})
    if len(value) > max_length:
        _fail(field, _("%(label)s：不能超过%(n)d个字") % {"label": label, "n": max_length})
    return value


def _here(unit: OrgUnit) -> str:
    return {Kind.VILLAGE_CLINIC: _("本卫生室"), Kind.TOWNSHIP_HC: _("本卫生院"), Kind.MCH_CENTRE: _("本中心")}.get(
        unit.kind, _("本单位")
    )


def _expired_message(batch: Batch, verb: str) -> str:
    return _("批号 %(b)s 已于 %(d)s 过期，不能%(verb)s，只能报损") % {
        "b": batch.number,
        "d": batch.expires_on.isoformat(),
        "verb": verb,
    }


# ---------------------------------------------------------------------------------------------
# Balance rows and lines
# ---------------------------------------------------------------------------------------------


def _lock_balance(unit: OrgUnit, batch: Batch, county_id: int) -> StockBalance:
    """The locked balance row of (unit, batch), created at 0 if the unit never had the batch."""
    StockBalance.objects.get_or_create(unit=unit, batch=batch, defaults={"county_id": county_id})
    row = StockBalance.objects.select_for_update().get(unit=unit, batch=batch)
    row.batch = batch
    return row


def _existing_balance(unit: OrgUnit, batch: Batch) -> StockBalance | None:
    row = StockBalance.objects.select_for_update().filter(unit=unit, batch=batch).first()
    if row is not None:
        row.batch = batch
    return row


def _post(row: StockBalance, quantity: int, *, reason: str, occurred_on: dt.date, acting_user, **fields) -> StockLine:
    """Append one line and move the locked balance row; the caller has checked the balance."""
    new_balance = row.quantity + quantity
    if new_balance < 0:  # a guard: every caller refuses earlier with a message naming the problem
        _fail("quantity", _("批号 %(b)s 结余不足") % {"b": row.batch.number})
    if new_balance > MAX_PACKS:
        _fail(
            "quantity",
            _("批号 %(b)s 结余将达 %(n)d 包，超过上限 %(max)d 包，请核对数量")
            % {"b": row.batch.number, "n": new_balance, "max": MAX_PACKS},
        )
    row.quantity = new_balance
    row.save(update_fields=["quantity", "updated_at"])
    return StockLine.objects.create(
        county_id=row.county_id,
        unit_id=row.unit_id,
        batch_id=row.batch_id,
        occurred_on=occurred_on,
        entered_by=acting_user if getattr(acting_user, "pk", None) else None,
        reason=reason,
        quantity=quantity,
        balance=new_balance,
        **fields,
    )


def _take_fefo(unit: OrgUnit, quantity: int, on: dt.date, *, verb: str) -> list[tuple[StockBalance, int]]:
    """Lock the unit's balance rows and take ``quantity`` packs first-expiry-first-out from batches
    not expired on ``on``; refuse with the balance when the usable stock does not cover it."""
    rows = list(
        StockBalance.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(unit=unit, quantity__gt=0)
        .order_by("pk")
    )
    usable = _usable_on(unit, rows, on)
    try:
        return first_expiry_first_out(
            ((r, r.batch.expires_on, f"{r.batch.number}\x00{r.pk:012d}", usable[r.pk]) for r in rows), quantity, on
        )
    except ShortOfStock as short:
        message = _("库存不足：%(here)s营养包结余 %(n)d 包，本次需%(verb)s %(q)d 包") % {
            "here": _here(unit) + (_("在 %(d)s ") % {"d": on.isoformat()} if on < today() else ""),
            "n": short.available,
            "verb": verb,
            "q": quantity,
        }
        if short.expired:
            message += _("（另有已过期 %(e)d 包不能%(verb)s，只能报损）") % {"e": short.expired, "verb": verb}
        _conflict("quantity", message)


def _usable_on(unit: OrgUnit, rows: list[StockBalance], on: dt.date) -> dict[int, int]:
    """{balance row id: packs that can leave on ``on``} — for a line dated in the past (history entered from
    paper), what the batch held on that day and kept held on every later day: the lowest running balance
    from ``on`` to now, so no later line is left without the stock it took. Today it is the balance."""
    usable = {r.pk: r.quantity for r in rows}
    later: dict[int, list[int]] = {}
    for batch_id, quantity in (
        StockLine.objects.filter(unit=unit, occurred_on__gt=on, batch_id__in=[r.batch_id for r in rows])
        .order_by("occurred_on", "pk")
        .values_list("batch_id", "quantity")
    ):
        later.setdefault(batch_id, []).append(quantity)
    for row in rows:
        changes = later.get(row.batch_id)
        if not changes:
            continue
        running = row.quantity - sum(changes)  # the balance on ``on``
        lowest = running
        for change in changes:
            running += change
            lowest = min(lowest, running)
        usable[row.pk] = max(0, lowest)
    return usable


# ---------------------------------------------------------------------------------------------
# Issues to children: one event with the collection (发放登记)
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def issue_for_collection(collection, *, acting_user) -> list[StockLine]:
    """Write the issue line(s) of a collection at its village clinic, first-expiry-first-out.

    Called by ``jiceng.nutrition.actions.record_collection`` inside its transaction, so the
    collection and its issue are one event: if stock is short, nothing of either is saved.

    A clinic that has never had a stock line is *not on the ledger* (older data, or a clinic that
    has not started its 出入库登记 yet): its collections are recorded without an issue line and are
    shown as "before the ledger" by the reconciliation. From its first stock line on, every
    collection must be covered by its balance.
    """
    unit = collection.unit
    access.require_unit_in_scope(acting_user, unit)
    if not queries.is_on_ledger(unit):
        return []
    packs = collection.packs
    try:
        taken = _take_fefo(unit, packs, collection.collected_on, verb=_("发放"))
    except ValidationError as exc:
        raise ValidationError({"packs": exc.message_dict["quantity"]}) from None
    child = collection.child
    lines = [
        _post(
            row,
            -n,
            reason=Reason.ISSUE,
            occurred_on=collection.collected_on,
            acting_user=acting_user,
            collection=collection,
            other_party=child.name[:100],
            document_number=queries.collection_document(collection),
        )
        for row, n in taken
    ]
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_ISSUE,
        obj=collection,
        object_repr=f"{child.name} {packs}包",
        unit=unit,
        after={"packs": packs, "batches": {row.batch.number: n for row, n in taken}},
    )
    return lines


@transaction.atomic
def reverse_collection_issue(collection, *, reason: str, acting_user) -> list[StockLine]:
    """冲正 the issue line(s) of a collection, for the register's own correction of that collection
    (to be called in the same transaction as the correction; a stock line is never edited)."""
    unit = collection.unit
    access.require_unit_in_scope(acting_user, unit)
    reason = _text(reason, "reason", _("冲正原因"), required=True)
    originals = list(
        StockLine.objects.filter(collection=collection, reason=Reason.ISSUE, reverses__isnull=True)
        .exclude(reversed_by__isnull=False)
        .select_related("batch")
        .order_by("pk")
    )
    reversals = []
    for line in originals:
        row = _lock_balance(unit, line.batch, line.county_id)
        reversals.append(
            _post(
                row,
                -line.quantity,
                reason=Reason.ISSUE,
                occurred_on=today(),
                acting_user=acting_user,
                reverses=line,
                collection=collection,
                other_party=line.other_party,
                document_number=line.document_number,
                note=reason,
            )
        )
    if reversals:
        record(
            actor=acting_user,
            action=actions_catalog.STOCK_ISSUE_REVERSE,
            obj=collection,
            unit=unit,
            before={"packs": -sum(line.quantity for line in originals)},
            after={"packs": 0},
            reason=reason,
        )
    return reversals


# ---------------------------------------------------------------------------------------------
# Receipts from the supplier, at the county MCH centre
# ---------------------------------------------------------------------------------------------


def _batch_for_receipt(number: str, expires_on, manufacturer: str) -> Batch:
    number = _text(number, "batch_number", _("批号"), required=True, max_length=40)
    if not isinstance(expires_on, dt.date):
        _fail("expires_on", _("有效期至：请填写有效日期（如 2027-06-30）"))
    batch, _created = Batch.objects.get_or_create(
        item=NUTRITION_PACK, number=number, defaults={"expires_on": expires_on, "manufacturer": manufacturer}
    )
    if batch.expires_on != expires_on:
        _fail(
            "expires_on",
            _("有效期至：批号 %(b)s 已登记的有效期为 %(d)s，与填写的 %(e)s 不一致，请核对")
            % {"b": number, "d": batch.expires_on.isoformat(), "e": expires_on.isoformat()},
        )
    return batch


@transaction.atomic
def receive_stock(
    unit: OrgUnit,
    *,
    batch_number: str,
    expires_on: dt.date,
    quantity: int,
    received_on: dt.date,
    supplier: str,
    document_number: str = "",
    manufacturer: str = "",
    note: str = "",
    acting_user,
) -> StockLine:
    """入库: packs arriving from the supplier or the province's allocation, at the county MCH centre."""
    _stock_unit(acting_user, unit)
    if unit.kind != Kind.MCH_CENTRE:
        _fail(
            "unit",
            _("入库：只有县妇幼保健中心登记供应商到货；乡镇卫生院和村卫生室请在「调拨收货」中确认上级调拨"),
        )
    _positive(quantity)
    _day(received_on, "received_on", _("到货日期"))
    supplier = _text(supplier, "supplier", _("供货单位"), required=True, max_length=100)
    batch = _batch_for_receipt(
        batch_number, expires_on, _text(manufacturer, "manufacturer", _("生产企业"), max_length=100)
    )
    if batch.is_expired(received_on):
        _fail("expires_on", _expired_message(batch, _("入库")))
    row = _lock_balance(unit, batch, queries.county_id_of(unit))
    line = _post(
        row,
        quantity,
        reason=Reason.RECEIPT,
        occurred_on=received_on,
        acting_user=acting_user,
        other_party=supplier,
        document_number=_text(document_number, "document_number", _("单据号"), max_length=40),
        note=_text(note, "note", _("备注")),
    )
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_RECEIPT,
        obj=line,
        unit=unit,
        after={
            "batch": batch.number,
            "expires_on": batch.expires_on.isoformat(),
            "quantity": quantity,
            "supplier": supplier,
        },
    )
    return line


# ---------------------------------------------------------------------------------------------
# Transfers down the hierarchy
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def send_transfer(
    sender: OrgUnit,
    receiver: OrgUnit,
    *,
    quantity: int,
    sent_on: dt.date,
    batch: Batch | None = None,
    document_number: str = "",
    note: str = "",
    acting_user,
) -> list[Transfer]:
    """调出: packs go to a unit directly below the sender, pending until the receiver confirms.
    Without a batch the packs are taken first-expiry-first-out, one transfer per batch."""
    _stock_unit(acting_user, sender)
    access.require_unit_in_scope(acting_user, receiver)
    if not queries.is_stock_child(sender, receiver):
        _fail(
            "receiver",
            _("接收单位：%(r)s 不是 %(s)s 的下级单位，营养包只能逐级调拨（县妇幼保健中心→乡镇卫生院→村卫生室）")
            % {"r": receiver.display_name, "s": sender.display_name},
        )
    _positive(quantity)
    _day(sent_on, "sent_on", _("调出日期"))
    note = _text(note, "note", _("备注"))
    document_number = _text(document_number, "document_number", _("调拨单号"), max_length=40)
    if batch is None:
        taken = _take_fefo(sender, quantity, sent_on, verb=_("调出"))
    else:
        row = _existing_balance(sender, batch)
        if row is None or row.quantity == 0:
            _fail("batch", _("批号 %(b)s：%(here)s没有该批号的库存") % {"b": batch.number, "here": _here(sender)})
        if batch.is_expired(sent_on):
            _fail("batch", _expired_message(batch, _("调出")))
        if quantity > row.quantity:
            _conflict(
                "quantity",
                _("库存不足：批号 %(b)s 结余 %(n)d 包，本次调出 %(q)d 包")
                % {"b": batch.number, "n": row.quantity, "q": quantity},
            )
        taken = [(row, quantity)]
    county_id = queries.county_id_of(sender)
    transfers = []
    for row, n in taken:
        transfer = Transfer.objects.create(
            county_id=county_id,
            sender=sender,
            receiver=receiver,
            batch=row.batch,
            quantity=n,
            document_number=document_number,
            sent_on=sent_on,
            sent_by=acting_user,
            note=note,
        )
        transfers.append(transfer)
    if not document_number:
        document_number = f"DB{sent_on:%Y%m%d}-{transfers[0].pk:06d}"
        Transfer.objects.filter(pk__in=[t.pk for t in transfers]).update(document_number=document_number)
        for transfer in transfers:
            transfer.document_number = document_number
    for (row, n), transfer in zip(taken, transfers, strict=True):
        _post(
            row,
            -n,
            reason=Reason.TRANSFER_OUT,
            occurred_on=sent_on,
            acting_user=acting_user,
            other_unit=receiver,
            other_party=receiver.display_name[:100],
            document_number=document_number,
            transfer=transfer,
            note=note,
        )
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_TRANSFER_SEND,
        obj=transfers[0],
        object_repr=f"{document_number} {sender.display_name}→{receiver.display_name} {quantity}包",
        unit=sender,
        after={
            "receiver": receiver.code,
            "quantity": quantity,
            "batches": {row.batch.number: n for row, n in taken},
            "document_number": document_number,
        },
    )
    return transfers


@transaction.atomic
def confirm_transfer(
    transfer: Transfer, *, received_quantity: int, received_on: dt.date, difference_reason: str = "", acting_user
) -> Transfer:
    """收货确认: the receiver records the quantity actually received; a difference needs a reason."""
    access.require(acting_user, "stock.edit")
    transfer = access.object_in_scope_or_404(
        acting_user,
        Transfer.objects.select_for_update(of=("self",)).select_related("batch", "receiver", "sender", "received_by"),
        unit_field="receiver",
        pk=transfer.pk,
    )
    if getattr(acting_user, "unit_id", None) != transfer.receiver_id:  # only who has the packs in hand
        raise access.AccessDenied(
            _("只有收货单位（%(unit)s）的人员可以确认收货：实收数量须由收到营养包的人清点后确认")
            % {"unit": transfer.receiver.display_name}
        )
    if transfer.status == Transfer.Status.CONFIRMED:
        who = transfer.received_by.display_name if transfer.received_by else _("他人")
        _conflict(
            "received_quantity",
            _("该调拨（单号 %(doc)s）已于 %(d)s 由%(who)s确认收货（实收 %(n)d 包），不能重复确认")
            % {
                "doc": transfer.document_number,
                "d": transfer.received_on.isoformat(),
                "who": who,
                "n": transfer.received_quantity,
            },
        )
    if isinstance(received_quantity, bool) or not isinstance(received_quantity, int):
        _fail("received_quantity", _("实收数量：应为整数"))
    if received_quantity < 0:
        _fail("received_quantity", _("实收数量：不能为负数（填写的是 %(n)d）") % {"n": received_quantity})
    if received_quantity > transfer.quantity:
        _fail(
            "received_quantity",
            _("实收数量：%(n)d 包大于调出数量 %(q)d 包，请核对") % {"n": received_quantity, "q": transfer.quantity},
        )
    _day(received_on, "received_on", _("收货日期"))
    if received_on < transfer.sent_on:
        _fail(
            "received_on",
            _("收货日期：%(d)s 早于调出日期 %(s)s") % {"d": received_on.isoformat(), "s": transfer.sent_on.isoformat()},
        )
    difference_reason = _text(difference_reason, "difference_reason", _("差异原因"))
    difference = transfer.quantity - received_quantity
    if difference and not difference_reason:
        _fail(
            "difference_reason",
            _("差异原因：实收 %(n)d 包，比调出的 %(q)d 包少 %(d)d 包，请填写差异原因（如运输破损、短少）")
            % {"n": received_quantity, "q": transfer.quantity, "d": difference},
        )
    receiver = transfer.receiver
    if received_quantity:
        row = _lock_balance(receiver, transfer.batch, transfer.county_id)
        note = ""
        if difference:
            note = _("调出 %(q)d 包，实收 %(n)d 包，差 %(d)d 包：%(why)s") % {
                "q": transfer.quantity,
                "n": received_quantity,
                "d": difference,
                "why": difference_reason,
            }
        _post(
            row,
            received_quantity,
            reason=Reason.TRANSFER_IN,
            occurred_on=received_on,
            acting_user=acting_user,
            other_unit=transfer.sender,
            other_party=transfer.sender.display_name[:100],
            document_number=transfer.document_number,
            transfer=transfer,
            note=note[:200],
        )
    transfer.status = Transfer.Status.CONFIRMED
    transfer.received_quantity = received_quantity
    transfer.received_on = received_on
    transfer.received_by = acting_user
    transfer.received_at = timezone.now()
    transfer.difference_reason = difference_reason
    transfer.save(
        update_fields=["status", "received_quantity", "received_on", "received_by", "received_at", "difference_reason"]
    )
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_TRANSFER_CONFIRM,
        obj=transfer,
        unit=receiver,
        before={"status": Transfer.Status.PENDING},
        after={
            "status": Transfer.Status.CONFIRMED,
            "quantity": transfer.quantity,
            "received_quantity": received_quantity,
            "difference_reason": difference_reason,
        },
        reason=difference_reason,
    )
    return transfer


# ---------------------------------------------------------------------------------------------
# Losses, stocktakes, reversals
# ---------------------------------------------------------------------------------------------


@transaction.atomic
def record_loss(
    unit: OrgUnit,
    *,
    batch: Batch,
    quantity: int,
    reason: str,
    occurred_on: dt.date,
    note: str = "",
    document_number: str = "",
    acting_user,
) -> StockLine:
    """报损: damaged, expired, lost or eaten by pests. The only way out for an expired batch."""
    _stock_unit(acting_user, unit)
    if reason not in LOSS_REASONS:
        _fail("reason", _("报损原因：请选择破损、过期、丢失或虫鼠害"))
    _positive(quantity)
    _day(occurred_on, "occurred_on", _("报损日期"))
    note = _text(note, "note", _("说明"))
    row = _existing_balance(unit, batch)
    if row is None:
        _fail("batch", _("批号 %(b)s：%(here)s从未有过该批号的库存") % {"b": batch.number, "here": _here(unit)})
    if reason == Reason.LOSS_EXPIRED and not batch.is_expired(occurred_on):
        _fail(
            "reason",
            _("报损原因：批号 %(b)s 有效期至 %(d)s，在 %(on)s 尚未过期，不能按过期报损")
            % {"b": batch.number, "d": batch.expires_on.isoformat(), "on": occurred_on.isoformat()},
        )
    held = _usable_on(unit, [row], occurred_on)[row.pk]  # on the loss's own day, and kept through every later line
    if quantity > held:
        _conflict(
            "quantity",
            _("报损数量：%(q)d 包大于批号 %(b)s %(on)s的结余 %(n)d 包")
            % {
                "q": quantity,
                "b": batch.number,
                "on": _("在 %(d)s ") % {"d": occurred_on.isoformat()} if occurred_on < today() else "",
                "n": held,
            },
        )
    line = _post(
        row,
        -quantity,
        reason=reason,
        occurred_on=occurred_on,
        acting_user=acting_user,
        document_number=_text(document_number, "document_number", _("单据号"), max_length=40),
        note=note,
    )
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_LOSS,
        obj=line,
        unit=unit,
        after={"batch": batch.number, "quantity": quantity, "reason": reason},
        reason=note,
    )
    return line


@transaction.atomic
def record_stocktake(
    unit: OrgUnit, *, counted_on: dt.date, counts: dict[Batch, int], reason: str = "", acting_user
) -> Stocktake:
    """盘点: the counted quantity of each batch; every difference becomes an adjustment line."""
    _stock_unit(acting_user, unit)
    _day(counted_on, "counted_on", _("盘点日期"))
    reason = _text(reason, "reason", _("调整原因"))
    if not counts:
        _fail("counts", _("盘点：请至少填写一个批号的实盘数"))
    rows = {
        row.batch_id: row
        for row in StockBalance.objects.select_for_update(of=("self",))
        .select_related("batch")
        .filter(unit=unit, batch__in=list(counts))
        .order_by("pk")
    }
    items = []
    for batch, counted in sorted(counts.items(), key=lambda kv: (kv[0].expires_on, kv[0].number)):
        if batch.pk not in rows:
            _fail(
                "counts",
                _("盘点：%(here)s从未有过批号 %(b)s 的营养包，不能盘点该批号")
                % {"here": _here(unit), "b": batch.number},
            )
        if isinstance(counted, bool) or not isinstance(counted, int):
            _fail("counts", _("实盘数：批号 %(b)s 应为整数") % {"b": batch.number})
        if counted < 0:
            _fail("counts", _("实盘数：批号 %(b)s 不能为负数（填写的是 %(n)d）") % {"b": batch.number, "n": counted})
        _within_limit(counted, "counts", _("实盘数"))
        items.append((rows[batch.pk], counted))
    differing = [(row, counted) for row, counted in items if counted != row.quantity]
    if differing and not reason:
        row, counted = differing[0]
        _fail(
            "reason",
            _("调整原因：实盘数与账面数不一致（批号 %(b)s 账面 %(n)d 包，实盘 %(c)d 包），请填写原因")
            % {"b": row.batch.number, "n": row.quantity, "c": counted},
        )
    stocktake = Stocktake.objects.create(
        county_id=queries.county_id_of(unit), unit=unit, counted_on=counted_on, reason=reason, entered_by=acting_user
    )
    StocktakeItem.objects.bulk_create(
        StocktakeItem(stocktake=stocktake, batch=row.batch, book_quantity=row.quantity, counted_quantity=counted)
        for row, counted in items
    )
    document = f"PD{counted_on:%Y%m%d}-{stocktake.pk:06d}"
    for row, counted in differing:
        _post(
            row,
            counted - row.quantity,
            reason=Reason.ADJUSTMENT,
            occurred_on=counted_on,
            acting_user=acting_user,
            stocktake=stocktake,
            document_number=document,
            note=reason,
        )
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_STOCKTAKE,
        obj=stocktake,
        unit=unit,
        after={"counts": {row.batch.number: counted for row, counted in items}, "adjusted": len(differing)},
        reason=reason,
    )
    return stocktake


@transaction.atomic
def reverse_line(line: StockLine, *, reason: str, acting_user) -> StockLine:
    """冲正: a line with the opposite quantity; the original stays as it was."""
    access.require(acting_user, "stock.edit")
    line = access.object_in_scope_or_404(acting_user, StockLine.objects.select_related("batch", "unit"), pk=line.pk)
    reason = _text(reason, "reason", _("冲正原因"), required=True)
    if line.reverses_id:
        _fail("reason", _("冲正记录不能再冲正"))
    if line.reason == Reason.ISSUE and line.collection_id:
        # the issue is the collection: corrected or cancelled on the child's page (更正/撤销), which reverses it here
        _fail(
            "reason",
            _(
                "发放给儿童的出库不能在库存卡上冲正：请在儿童“%(name)s”的领取记录上点“更正/撤销”（%(url)s），出库会同时冲正"
            )
            % {"name": line.other_party, "url": entry_url("collection", line.collection)},
        )
    if line.reason not in REVERSIBLE_REASONS:
        _fail(
            "reason",
            _("%(what)s记录不能冲正，请在调拨单的收货确认中更正") % {"what": line.get_reason_display()},
        )
    row = _lock_balance(line.unit, line.batch, line.county_id)
    if StockLine.objects.filter(reverses=line).exists():
        _conflict("reason", _("该记录已冲正，不能重复冲正"))
    if row.quantity - line.quantity < 0:
        _fail(
            "reason",
            _("冲正后批号 %(b)s 结余将为 %(n)d 包，不能冲正（该批营养包已发出）")
            % {"b": line.batch.number, "n": row.quantity - line.quantity},
        )
    reversal = _post(
        row,
        -line.quantity,
        reason=line.reason,
        occurred_on=today(),
        acting_user=acting_user,
        reverses=line,
        other_unit_id=line.other_unit_id,
        other_party=line.other_party,
        document_number=line.document_number,
        note=reason,
    )
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_REVERSE,
        obj=line,
        unit=line.unit,
        before={"quantity": line.quantity, "reason": line.reason},
        after={"reversal": reversal.pk, "quantity": reversal.quantity},
        reason=reason,
    )
    return reversal


# ---------------------------------------------------------------------------------------------
# Storage log (温湿度登记)
# ---------------------------------------------------------------------------------------------


def _decimal(value, field: str, label: str, low: int, high: int) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError, TypeError):
        _fail(field, _("%(label)s：请填写数字") % {"label": label})
    if not (low <= number <= high):
        _fail(
            field,
            _("%(label)s：%(v)s 不在 %(lo)d 至 %(hi)d 之间，请核对")
            % {"label": label, "v": number, "lo": low, "hi": high},
        )
    return number


@transaction.atomic
def record_storage_check(
    unit: OrgUnit,
    *,
    checked_on: dt.date,
    checked_at: dt.time,
    temperature,
    humidity,
    checker: str,
    off_floor_and_wall: bool,
    pest_protection: bool,
    out_of_light: bool,
    apart_from_medicines: bool,
    note: str = "",
    acting_user,
) -> StorageCheck:
    _stock_unit(acting_user, unit)
    _day(checked_on, "checked_on", _("日期"))
    if not isinstance(checked_at, dt.time):
        _fail("checked_at", _("时间：请填写有效时间（如 09:30）"))
    check = StorageCheck(
        county_id=queries.county_id_of(unit),
        unit=unit,
        checked_on=checked_on,
        checked_at=checked_at,
        temperature=_decimal(temperature, "temperature", _("温度"), -30, 60),
        humidity=_decimal(humidity, "humidity", _("相对湿度"), 0, 100),
        checker=_text(checker, "checker", _("检查人"), required=True, max_length=50),
        off_floor_and_wall=bool(off_floor_and_wall),
        pest_protection=bool(pest_protection),
        out_of_light=bool(out_of_light),
        apart_from_medicines=bool(apart_from_medicines),
        note=_text(note, "note", _("备注")),
        entered_by=acting_user,
    )
    problems = queries.storage_problems(check)
    check.out_of_range = bool(problems)
    check.problems = "；".join(problems)[:300]
    check.save()
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_STORAGE_CHECK,
        obj=check,
        unit=unit,
        after={"temperature": str(check.temperature), "humidity": str(check.humidity), "problems": check.problems},
    )
    return check


# ---------------------------------------------------------------------------------------------
# Allocation plan (分配计划), by the county MCH centre
# ---------------------------------------------------------------------------------------------


def _plan_county(acting_user, county: OrgUnit) -> None:
    access.require(acting_user, "allocation.edit")
    access.require_unit_in_scope(acting_user, county)
    if county.level != Level.COUNTY or county.is_institution:
        _fail("county", _("分配计划：请选择县"))


@transaction.atomic
def propose_allocation(county: OrgUnit, *, period: str, acting_user) -> list[AllocationPlan]:
    """Propose packs per township from its due children (rows edited by hand keep their plan)."""
    _plan_county(acting_user, county)
    found = queries.allocation_period(period)
    if found is None:
        _fail("period", queries.allocation_period_message())
    period = found.code  # 2026q4 → 2026Q4, 2026-3 → 2026-03: one code per period
    proposals = queries.allocation_proposals(county, period)
    existing = {
        p.township_id: p for p in AllocationPlan.objects.select_for_update().filter(county=county, period=period)
    }
    plans = []
    for proposal in proposals:
        plan = existing.get(proposal.township.pk)
        if plan is None:
            plan = AllocationPlan(county=county, township=proposal.township, period=period)
        plan.due_children = proposal.due_children
        plan.proposed_packs = proposal.packs
        if not plan.edited:
            plan.planned_packs = proposal.packs
        plan.updated_by = acting_user
        plan.save()
        plans.append(plan)
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_ALLOCATION_PROPOSE,
        object_type="stock.allocationplan",
        object_id=period,
        object_repr=f"分配计划 {period}",
        unit=county,
        after={p.township.code: p.proposed_packs for p in plans},
    )
    return plans


@transaction.atomic
def update_allocation(plan: AllocationPlan, *, planned_packs: int, note: str = "", acting_user) -> AllocationPlan:
    access.require(acting_user, "allocation.edit")
    plan = access.object_in_scope_or_404(
        acting_user, AllocationPlan.objects.select_for_update(of=("self",)), unit_field="township", pk=plan.pk
    )
    if isinstance(planned_packs, bool) or not isinstance(planned_packs, int) or planned_packs < 0:
        _fail("planned_packs", _("计划分配：应为 0 或正整数"))
    _within_limit(planned_packs, "planned_packs", _("计划分配"))
    note = _text(note, "note", _("说明"))
    before = {"planned_packs": plan.planned_packs, "note": plan.note}
    plan.planned_packs = planned_packs
    plan.note = note
    plan.edited = True
    plan.updated_by = acting_user
    plan.save(update_fields=["planned_packs", "note", "edited", "updated_by", "updated_at"])
    record(
        actor=acting_user,
        action=actions_catalog.STOCK_ALLOCATION_UPDATE,
        obj=plan,
        unit=plan.township,
        before=before,
        after={"planned_packs": planned_packs, "note": note},
    )
    return plan
