"""The nutrition-pack stock ledger (营养包出入库登记), after the OpenLMIS stock card.

* :class:`StockLine` is append-only: every receipt, transfer, issue to a child, loss and
  stocktake adjustment is one signed line with its reason, the other party, a document number,
  who entered it and when, and the running balance of that unit and batch after the line.
  A correction is a reversing line (``reverses``), never an edit.
* :class:`StockBalance` holds the current balance of one unit and batch. Every write locks that
  row (``select_for_update``) and updates it in the same transaction as the line, so two people
  issuing the last packs at once cannot both succeed; the database refuses a negative balance.
* Rows that grow carry their county (``county``), so a cluster sharded by county stays possible.

Writes go through :mod:`jiceng.stock.actions`; figures come from :mod:`jiceng.stock.queries`.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NUTRITION_PACK = "营养包"  # the one item of the programme (婴幼儿营养包)


class Batch(models.Model):
    """A production batch (批号) of an item, with its expiry date (有效期至, usable through that day)."""

    item = models.CharField(_("品名"), max_length=40, default=NUTRITION_PACK)
    number = models.CharField(_("批号"), max_length=40)
    expires_on = models.DateField(_("有效期至"))
    manufacturer = models.CharField(_("生产企业"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expires_on", "number"]
        verbose_name = _("批号")
        verbose_name_plural = _("批号")
        constraints = [models.UniqueConstraint(fields=["item", "number"], name="stock_batch_unique_number")]

    def __str__(self) -> str:
        return f"{self.number}（有效期至{self.expires_on:%Y-%m-%d}）"

    def is_expired(self, on) -> bool:
        return self.expires_on < on


class Reason(models.TextChoices):
    RECEIPT = "receipt", _("入库（供应商/上级下拨）")
    TRANSFER_OUT = "transfer_out", _("调出")
    TRANSFER_IN = "transfer_in", _("调入")
    ISSUE = "issue", _("发放给儿童")
    LOSS_DAMAGED = "loss_damaged", _("报损：破损")
    LOSS_EXPIRED = "loss_expired", _("报损：过期")
    LOSS_LOST = "loss_lost", _("报损：丢失")
    LOSS_PESTS = "loss_pests", _("报损：虫鼠害")
    ADJUSTMENT = "adjustment", _("盘点调整")


LOSS_REASONS = (Reason.LOSS_DAMAGED, Reason.LOSS_EXPIRED, Reason.LOSS_LOST, Reason.LOSS_PESTS)
# Packs leaving a unit for the level below: a village's issues to children, a township's or the
# county centre's transfers out. Their monthly average is the "need" behind months of stock.
OUTFLOW_REASONS = (Reason.ISSUE, Reason.TRANSFER_OUT)
# Lines a user may reverse. Issues belong to collections and transfers to their receipt: both are
# corrected where they were made, never by a reversing line on one side only.
REVERSIBLE_REASONS = (Reason.RECEIPT, *LOSS_REASONS, Reason.ADJUSTMENT)


class Transfer(models.Model):
    """调拨: packs of one batch sent down the hierarchy; the receiver confirms what actually arrived."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        CONFIRMED = "confirmed", _("已确认")

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    sender = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("调出单位")
    )
    receiver = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("接收单位")
    )
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+", verbose_name=_("批号"))
    quantity = models.PositiveIntegerField(_("调出数量"))
    document_number = models.CharField(_("调拨单号"), max_length=40, blank=True)
    sent_on = models.DateField(_("调出日期"))
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    received_quantity = models.PositiveIntegerField(_("实收数量"), null=True, blank=True)
    received_on = models.DateField(_("收货日期"), null=True, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    difference_reason = models.CharField(_("差异原因"), max_length=200, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-sent_on", "-id"]
        verbose_name = _("调拨")
        verbose_name_plural = _("调拨")
        indexes = [
            models.Index(fields=["receiver", "status"], name="stock_transfer_receiver"),
            models.Index(fields=["sender", "sent_on"], name="stock_transfer_sender"),
            models.Index(fields=["county", "status", "sent_on"], name="stock_transfer_county"),
        ]
        constraints = [models.CheckConstraint(condition=Q(quantity__gt=0), name="stock_transfer_quantity_positive")]

    def __str__(self) -> str:
        return f"调拨 {self.document_number or self.pk} {self.quantity}包"

    @property
    def difference(self) -> int | None:
        return None if self.received_quantity is None else self.quantity - self.received_quantity


class Stocktake(models.Model):
    """盘点: a count of every batch at one unit on one day; differences become adjustment lines."""

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    counted_on = models.DateField(_("盘点日期"))
    reason = models.CharField(_("调整原因"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-counted_on", "-id"]
        verbose_name = _("盘点")
        verbose_name_plural = _("盘点")
        indexes = [models.Index(fields=["unit", "counted_on"], name="stock_stocktake_unit")]

    def __str__(self) -> str:
        return f"盘点 {self.counted_on:%Y-%m-%d}"


class StocktakeItem(models.Model):
    stocktake = models.ForeignKey(Stocktake, on_delete=models.CASCADE, related_name="items")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    book_quantity = models.IntegerField(_("账面数"))
    counted_quantity = models.PositiveIntegerField(_("实盘数"))

    class Meta:
        verbose_name = _("盘点明细")

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.book_quantity} → {self.counted_quantity}"

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.book_quantity


class StockLine(models.Model):
    """One line of a unit's stock card. Never updated or deleted; corrected by a reversing line."""

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("单位"))
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+", verbose_name=_("批号"))
    occurred_on = models.DateField(_("日期"))
    entered_at = models.DateTimeField(_("登记时间"), default=timezone.now)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("摘要"), max_length=16, choices=Reason.choices)
    quantity = models.IntegerField(_("数量"))  # + in, − out
    balance = models.IntegerField(_("结存"))  # of this unit and batch, after this line
    other_unit = models.ForeignKey(
        "orgunits.OrgUnit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    other_party = models.CharField(_("对方"), max_length=100, blank=True)  # supplier, child, or the other unit's name
    document_number = models.CharField(_("单据号"), max_length=40, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name=_("冲正")
    )
    collection = models.ForeignKey(
        "nutrition.Collection", on_delete=models.PROTECT, null=True, blank=True, related_name="stock_lines"
    )
    transfer = models.ForeignKey(Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="lines")
    stocktake = models.ForeignKey(Stocktake, on_delete=models.PROTECT, null=True, blank=True, related_name="lines")

    class Meta:
        ordering = ["id"]
        verbose_name = _("出入库记录")
        verbose_name_plural = _("出入库记录")
        indexes = [
            models.Index(fields=["unit", "id"], name="stock_line_unit_id"),
            models.Index(fields=["unit", "batch", "id"], name="stock_line_unit_batch_id"),
            models.Index(fields=["unit", "occurred_on"], name="stock_line_unit_day"),
            models.Index(fields=["county", "occurred_on"], name="stock_line_county_day"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(quantity=0), name="stock_line_quantity_not_zero"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="stock_line_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_on:%Y-%m-%d} {self.get_reason_display()} {self.quantity:+d}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def summary(self) -> str:
        """摘要 as written on the paper ledger."""
        label = str(self.get_reason_display())
        return f"冲正：{label}" if self.is_reversal else label


class StockBalance(models.Model):
    """The current balance of one unit and batch: the row every write locks."""

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="+")
    quantity = models.IntegerField(_("结存"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("库存结余")
        verbose_name_plural = _("库存结余")
        constraints = [
            models.UniqueConstraint(fields=["unit", "batch"], name="stock_balance_unit_batch"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="stock_balance_not_negative"),
        ]
        indexes = [models.Index(fields=["county", "unit"], name="stock_balance_county_unit")]

    def __str__(self) -> str:
        return f"{self.unit_id}/{self.batch_id}: {self.quantity}"


class StorageCheck(models.Model):
    """温湿度登记: one reading of the store room, with the storage checklist (储存管理)."""

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    checked_on = models.DateField(_("日期"))
    checked_at = models.TimeField(_("时间"))
    temperature = models.DecimalField(_("温度(℃)"), max_digits=4, decimal_places=1)
    humidity = models.DecimalField(_("相对湿度(%)"), max_digits=4, decimal_places=1)
    checker = models.CharField(_("检查人"), max_length=50)
    off_floor_and_wall = models.BooleanField(_("离地离墙（离墙30cm、隔地15cm以上）"), default=True)
    pest_protection = models.BooleanField(_("防鼠防虫设施完好"), default=True)
    out_of_light = models.BooleanField(_("避光、阴凉、通风、干燥"), default=True)
    apart_from_medicines = models.BooleanField(_("未与药品及有毒有害物质混放"), default=True)
    out_of_range = models.BooleanField(_("异常"), default=False)
    problems = models.CharField(_("异常说明"), max_length=300, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    entered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-checked_on", "-checked_at", "-id"]
        verbose_name = _("温湿度登记")
        verbose_name_plural = _("温湿度登记")
        indexes = [models.Index(fields=["unit", "checked_on"], name="stock_storage_unit_day")]

    def __str__(self) -> str:
        return f"{self.checked_on:%Y-%m-%d} {self.temperature}℃ {self.humidity}%"


class AllocationPlan(models.Model):
    """分配计划: packs planned for one township in one period, coded as :mod:`jiceng.periods` codes it
    (a month "2026-12", a quarter "2026Q4", a half "2026H2" or a year "2026"; see
    ``queries.allocation_period``), proposed from the township's due children and editable by the
    county MCH centre. Plans written before 0002 used "2026-Q4"; that migration rewrote them."""

    county = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey("orgunits.OrgUnit", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("期间"), max_length=7)
    due_children = models.PositiveIntegerField(_("应服儿童数"), default=0)
    proposed_packs = models.PositiveIntegerField(_("建议分配(包)"), default=0)
    planned_packs = models.PositiveIntegerField(_("计划分配(包)"), default=0)
    edited = models.BooleanField(_("已人工调整"), default=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["period", "township__path"]
        verbose_name = _("分配计划")
        verbose_name_plural = _("分配计划")
        constraints = [models.UniqueConstraint(fields=["township", "period"], name="stock_allocation_unique")]
        indexes = [models.Index(fields=["county", "period"], name="stock_allocation_county")]

    def __str__(self) -> str:
        return f"分配计划 {self.period} {self.township_id}: {self.planned_packs}包"
