"""REST API of the stock ledger.

Reads (mounted under ``/stock/api/``): ledger lines, balances with alerts, the overview.

Writes (mounted under ``/api/stock/`` by :mod:`jiceng.stock.api_urls`), each calling the same action as
the page: receipts, transfers down the hierarchy and their confirmation, losses, stocktakes, storage
checks, reversals and the county's allocation plan. Every unit comes through :mod:`jiceng.accounts.access`:
out of scope is 404, a role that may not act 403, bad input 400 with Chinese field messages, and a refusal
because of the ledger's state (not enough stock, already confirmed, already reversed) 409."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.nutrition.api import (
    CONFLICT,
    ERRORS,
    WriteApiView,
    boolean_field,
    choice_field,
    date_field,
    field_messages,
    integer_field,
    text_field,
)
from jiceng.stock import actions, queries
from jiceng.stock.models import LOSS_REASONS, AllocationPlan, Batch, StockLine, Stocktake, StorageCheck, Transfer


def _unit(request, param: str = "unit"):
    if not access.can(request.user, "stock.view"):
        raise Http404(_("未找到该单位"))
    code = (request.query_params.get(param) or "").strip()
    if not code:
        raise Http404(_("请用 ?unit=单位代码 指定单位"))
    unit = access.unit_in_scope_or_404(request.user, code)
    if not queries.keeps_stock(unit):
        raise Http404(_("该单位没有出入库登记"))
    return unit


class LedgerLineSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="line.pk")
    occurred_on = serializers.DateField(source="line.occurred_on")
    entered_at = serializers.DateTimeField(source="line.entered_at")
    entered_by = serializers.SerializerMethodField()
    reason = serializers.CharField(source="line.reason")
    summary = serializers.CharField(source="line.summary")
    batch = serializers.CharField(source="line.batch.number")
    expires_on = serializers.DateField(source="line.batch.expires_on")
    quantity = serializers.IntegerField(source="line.quantity")
    batch_balance = serializers.IntegerField(source="line.balance")
    unit_balance = serializers.IntegerField()
    other_unit = serializers.CharField(source="line.other_unit.code", default=None)
    other_party = serializers.CharField(source="line.other_party")
    document_number = serializers.CharField(source="line.document_number")
    reverses = serializers.IntegerField(source="line.reverses_id", allow_null=True)
    collection = serializers.IntegerField(source="line.collection_id", allow_null=True)
    transfer = serializers.IntegerField(source="line.transfer_id", allow_null=True)
    note = serializers.CharField(source="line.note")

    def get_entered_by(self, obj) -> str | None:
        user = obj.line.entered_by
        return user.display_name if user else None


class BatchBalanceSerializer(serializers.Serializer):
    batch = serializers.CharField()
    expires_on = serializers.DateField()
    quantity = serializers.IntegerField()
    expired = serializers.BooleanField()
    days_to_expiry = serializers.IntegerField()


class AlertSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["stock_out", "low_stock", "expiring", "expired", "transfer_unconfirmed", "storage"]
    )
    severity = serializers.ChoiceField(choices=["warn", "bad"])
    unit = serializers.CharField()
    text = serializers.CharField()


class UnitStockSerializer(serializers.Serializer):
    unit = serializers.CharField()
    name = serializers.CharField()
    as_of = serializers.DateField()
    on_ledger = serializers.BooleanField()
    balance = serializers.IntegerField(help_text="可用结余（未过期批号）")
    expired = serializers.IntegerField(help_text="已过期、待报损的包数")
    monthly_need = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    months_of_stock = serializers.DecimalField(max_digits=12, decimal_places=1, allow_null=True)
    batches = BatchBalanceSerializer(many=True)
    alerts = AlertSerializer(many=True)


UNIT_PARAM = OpenApiParameter("unit", OpenApiTypes.STR, required=True, description="单位代码（须在本人管辖范围内）")


class LedgerView(generics.ListAPIView):
    """出入库登记: the ledger lines of one unit in entry order, with the running balances."""

    serializer_class = LedgerLineSerializer

    @extend_schema(
        summary="单位出入库登记（台账明细）",
        parameters=[
            UNIT_PARAM,
            OpenApiParameter("from", OpenApiTypes.DATE, description="起始日期（含）"),
            OpenApiParameter("to", OpenApiTypes.DATE, description="截止日期（含）"),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        self.unit = _unit(self.request)
        params = self.request.query_params
        try:
            first = serializers.DateField().to_internal_value(params["from"]) if params.get("from") else None
            last = serializers.DateField().to_internal_value(params["to"]) if params.get("to") else None
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"from/to": exc.detail}) from None
        return queries.ledger_lines(self.unit, first, last)

    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        lines = queries.with_unit_balance(self.unit, list(page if page is not None else queryset))
        data = self.get_serializer(lines, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


class BalanceView(APIView):
    @extend_schema(summary="单位库存：分批结余、可用月数与预警", parameters=[UNIT_PARAM], responses=UnitStockSerializer)
    def get(self, request):
        return Response(queries.unit_stock(_unit(request)).as_dict())


class OverviewView(APIView):
    @extend_schema(
        summary="辖区库存总览：各单位结余、可用月数与预警",
        parameters=[OpenApiParameter("under", OpenApiTypes.STR, description="上级单位代码（默认本人管辖范围）")],
        responses=UnitStockSerializer(many=True),
    )
    def get(self, request):
        if not access.can(request.user, "stock.view"):
            raise Http404(_("未找到该单位"))
        code = (request.query_params.get("under") or "").strip()
        root = access.unit_in_scope_or_404(request.user, code) if code else access.scope_root(request.user)
        return Response([s.as_dict() for s in queries.stock_overview(list(queries.stock_units_under(root)))])


# ---------------------------------------------------------------------------------------------
# Writes: the same actions as the pages of jiceng.stock.views
# ---------------------------------------------------------------------------------------------


class StockLineSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    summary = serializers.CharField()
    batch = serializers.CharField(source="batch.number")
    expires_on = serializers.DateField(source="batch.expires_on")
    other_unit = serializers.CharField(source="other_unit.code", default=None)

    class Meta:
        model = StockLine
        fields = [
            "id",
            "unit",
            "occurred_on",
            "reason",
            "summary",
            "batch",
            "expires_on",
            "quantity",
            "balance",
            "other_unit",
            "other_party",
            "document_number",
            "note",
            "reverses",
            "transfer",
            "stocktake",
        ]
        read_only_fields = fields


class TransferSerializer(serializers.ModelSerializer):
    sender = serializers.CharField(source="sender.code")
    sender_name = serializers.CharField(source="sender.display_name")
    receiver = serializers.CharField(source="receiver.code")
    receiver_name = serializers.CharField(source="receiver.display_name")
    batch = serializers.CharField(source="batch.number")
    expires_on = serializers.DateField(source="batch.expires_on")

    class Meta:
        model = Transfer
        fields = [
            "id",
            "document_number",
            "sender",
            "sender_name",
            "receiver",
            "receiver_name",
            "batch",
            "expires_on",
            "quantity",
            "sent_on",
            "status",
            "received_quantity",
            "received_on",
            "difference_reason",
            "note",
        ]
        read_only_fields = fields


class StocktakeItemSerializer(serializers.Serializer):
    batch = serializers.CharField(source="batch.number")
    book_quantity = serializers.IntegerField()
    counted_quantity = serializers.IntegerField()
    difference = serializers.IntegerField()


class StocktakeSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    items = StocktakeItemSerializer(many=True)

    class Meta:
        model = Stocktake
        fields = ["id", "unit", "counted_on", "reason", "items"]
        read_only_fields = fields


class StorageCheckSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")

    class Meta:
        model = StorageCheck
        fields = [
            "id",
            "unit",
            "checked_on",
            "checked_at",
            "temperature",
            "humidity",
            "checker",
            "off_floor_and_wall",
            "pest_protection",
            "out_of_light",
            "apart_from_medicines",
            "out_of_range",
            "problems",
            "note",
        ]
        read_only_fields = fields


class AllocationPlanSerializer(serializers.ModelSerializer):
    township = serializers.CharField(source="township.code")
    township_name = serializers.CharField(source="township.display_name")

    class Meta:
        model = AllocationPlan
        fields = [
            "id",
            "period",
            "township",
            "township_name",
            "due_children",
            "proposed_packs",
            "planned_packs",
            "edited",
            "note",
        ]
        read_only_fields = fields


def _quantity(label: str = "数量") -> serializers.IntegerField:
    return integer_field(label, help_text="包数，正整数")


class ReceiptInput(serializers.Serializer):
    received_on = date_field("到货日期")
    supplier = text_field("供货单位", max_length=100)
    batch_number = text_field("批号", max_length=40)
    expires_on = date_field("有效期至")
    manufacturer = text_field("生产企业", max_length=100, required=False)
    quantity = _quantity()
    document_number = text_field("单据号", max_length=40, required=False)
    note = text_field("备注", max_length=200, required=False, multiline=True)


class TransferInput(serializers.Serializer):
    receiver = text_field("接收单位代码", max_length=20)
    quantity = _quantity()
    batch = text_field("批号", max_length=40, required=False, help_text="不填：先到期先出（自动）")
    sent_on = date_field("调出日期")
    document_number = text_field("调拨单号", max_length=40, required=False, help_text="不填自动生成")
    note = text_field("备注", max_length=200, required=False, multiline=True)


class ConfirmInput(serializers.Serializer):
    received_quantity = integer_field("实收数量")
    received_on = date_field("收货日期")
    difference_reason = text_field("差异原因", max_length=200, required=False, help_text="实收少于调出时必填")


class LossInput(serializers.Serializer):
    batch = text_field("批号", max_length=40)
    reason = choice_field("报损原因", [(r.value, r.label) for r in LOSS_REASONS])
    quantity = _quantity()
    occurred_on = date_field("报损日期")
    document_number = text_field("单据号", max_length=40, required=False)
    note = text_field("说明", max_length=200, required=False, multiline=True)


class CountInput(serializers.Serializer):
    batch = text_field("批号", max_length=40)
    counted = integer_field("实盘数")


class StocktakeInput(serializers.Serializer):
    counted_on = date_field("盘点日期")
    counts = CountInput(
        many=True,
        label="实盘数",
        error_messages={"required": "实盘数：必填", "not_a_list": "实盘数：应为 [{{batch, counted}}] 的列表"},
    )
    reason = text_field("调整原因", max_length=200, required=False, help_text="实盘数与账面数不一致时必填")


class StorageInput(serializers.Serializer):
    checked_on = date_field("日期")
    checked_at = serializers.TimeField(
        label="时间", error_messages=field_messages("时间", invalid="时间：请填写有效时间（如 09:30）")
    )
    temperature = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        label="温度(℃)",
        error_messages=field_messages(
            "温度",
            invalid="温度：请填写数字",
            max_digits="温度：数字过大",
            max_decimal_places="温度：最多一位小数",
            max_whole_digits="温度：数字过大",
        ),
    )
    humidity = serializers.DecimalField(
        max_digits=4,
        decimal_places=1,
        label="相对湿度(%)",
        error_messages=field_messages(
            "相对湿度",
            invalid="相对湿度：请填写数字",
            max_digits="相对湿度：数字过大",
            max_decimal_places="相对湿度：最多一位小数",
            max_whole_digits="相对湿度：数字过大",
        ),
    )
    checker = text_field("检查人", max_length=50)
    off_floor_and_wall = boolean_field("离地离墙", default=True)
    pest_protection = boolean_field("防鼠防虫设施完好", default=True)
    out_of_light = boolean_field("避光、阴凉、通风、干燥", default=True)
    apart_from_medicines = boolean_field("未与药品及有毒有害物质混放", default=True)
    note = text_field("备注", max_length=200, required=False, multiline=True)


class ReverseInput(serializers.Serializer):
    reason = text_field("冲正原因", max_length=200)


PERIOD_HELP = "月 2026-12、季度 2026Q4、半年 2026H2 或年度 2026（与分配计划页面相同）"


class ProposeInput(serializers.Serializer):
    period = text_field("期间", max_length=7, help_text=PERIOD_HELP)


class AllocationInput(serializers.Serializer):
    planned_packs = integer_field("计划分配")
    note = text_field("说明", max_length=200, required=False, multiline=True)


def _batch(number: str, field: str = "batch") -> Batch:
    batch = Batch.objects.filter(item=actions.NUTRITION_PACK, number=number).first()
    if batch is None:
        raise ValidationError({field: [f"批号：未找到批号 {number}"]})
    return batch


class StockWriteView(WriteApiView):
    capability = "stock.edit"

    def stock_unit(self, code: str):
        """The unit of the URL: in the caller's subtree (else 404) and keeping stock (else 404); then the
        role (else 403)."""
        unit = access.unit_in_scope_or_404(self.request.user, code)
        if not queries.keeps_stock(unit):
            raise Http404("该单位没有出入库登记")
        access.require(self.request.user, self.capability)
        return unit


class ReceiptView(StockWriteView):
    @extend_schema(
        operation_id="stock_receipt_create",
        summary="供应商到货入库（县妇幼保健中心）",
        request=ReceiptInput,
        responses={201: StockLineSerializer, **ERRORS},
    )
    def post(self, request, code: str):
        unit = self.stock_unit(code)
        values = self.validated(ReceiptInput)
        line = actions.receive_stock(unit, acting_user=request.user, **values)
        return Response(StockLineSerializer(line).data, status=status.HTTP_201_CREATED)


class TransferSendView(StockWriteView):
    @extend_schema(
        operation_id="stock_transfer_send",
        summary="调拨给直接下级单位（不指定批号时先到期先出，每个批号一张调拨）；待接收单位确认收货",
        request=TransferInput,
        responses={201: TransferSerializer(many=True), **ERRORS, **CONFLICT},
    )
    def post(self, request, code: str):
        sender = self.stock_unit(code)
        values = self.validated(TransferInput)
        receiver = access.unit_in_scope_or_404(request.user, values.pop("receiver"))
        number = values.pop("batch")
        batch = _batch(number) if number else None
        transfers = actions.send_transfer(sender, receiver, batch=batch, acting_user=request.user, **values)
        return Response(TransferSerializer(transfers, many=True).data, status=status.HTTP_201_CREATED)


class TransferListView(generics.ListAPIView):
    """调拨: transfers to or from units in the caller's subtree, newest first."""

    serializer_class = TransferSerializer

    @extend_schema(
        operation_id="stock_transfers_list",
        summary="本辖区的调拨单（调出或接收单位在本人管辖范围内）",
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=list(Transfer.Status.values), description="状态"),
            OpenApiParameter("unit", OpenApiTypes.STR, description="只看该单位调出或接收的"),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        if not access.can(user, "stock.view"):
            raise Http404(_("未找到该页面"))
        rows = Transfer.objects.filter(
            access.in_scope_q(user, "receiver__path") | access.in_scope_q(user, "sender__path")
        )
        params = self.request.query_params
        if params.get("status"):
            rows = rows.filter(status=params["status"])
        if params.get("unit"):
            unit = access.unit_in_scope_or_404(user, params["unit"])
            rows = rows.filter(sender=unit) | rows.filter(receiver=unit)
        return rows.select_related("sender", "receiver", "batch").order_by("-sent_on", "-id")


class TransferConfirmView(StockWriteView):
    @extend_schema(
        operation_id="stock_transfer_confirm",
        summary="确认收货：实收数量少于调出时须填写差异原因；已确认的不能重复确认（409）",
        request=ConfirmInput,
        responses={200: TransferSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        transfer = access.object_in_scope_or_404(
            request.user, Transfer.objects.select_related("sender", "receiver", "batch"), unit_field="receiver", pk=pk
        )
        access.require(request.user, self.capability)
        values = self.validated(ConfirmInput)
        transfer = actions.confirm_transfer(transfer, acting_user=request.user, **values)
        return Response(TransferSerializer(transfer).data)


class LossView(StockWriteView):
    @extend_schema(
        operation_id="stock_loss_create",
        summary="报损：破损、过期、丢失或虫鼠害",
        request=LossInput,
        responses={201: StockLineSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, code: str):
        unit = self.stock_unit(code)
        values = self.validated(LossInput)
        batch = _batch(values.pop("batch"))
        line = actions.record_loss(unit, batch=batch, acting_user=request.user, **values)
        return Response(StockLineSerializer(line).data, status=status.HTTP_201_CREATED)


class StocktakeView(StockWriteView):
    @extend_schema(
        operation_id="stock_stocktake_create",
        summary="盘点：各批号的实盘数；与账面不一致的差额记为盘点调整",
        request=StocktakeInput,
        responses={201: StocktakeSerializer, **ERRORS},
    )
    def post(self, request, code: str):
        unit = self.stock_unit(code)
        values = self.validated(StocktakeInput)
        counts = {}
        for item in values.pop("counts"):
            batch = _batch(item["batch"], "counts")
            if batch in counts:
                raise ValidationError({"counts": [f"实盘数：批号 {batch.number} 填写了两次"]})
            counts[batch] = item["counted"]
        stocktake = actions.record_stocktake(unit, counts=counts, acting_user=request.user, **values)
        stocktake = Stocktake.objects.select_related("unit").prefetch_related("items__batch").get(pk=stocktake.pk)
        return Response(StocktakeSerializer(stocktake).data, status=status.HTTP_201_CREATED)


class StorageCheckView(StockWriteView):
    @extend_schema(
        operation_id="stock_storage_checks_list",
        summary="温湿度登记（最近的在前）",
        responses=StorageCheckSerializer(many=True),
    )
    def get(self, request, code: str):
        unit = _unit_by_code(request, code)
        rows = StorageCheck.objects.filter(unit=unit).select_related("unit")[:100]
        return Response(StorageCheckSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="stock_storage_check_create",
        summary="登记温湿度与储存条件；超出范围的记为异常",
        request=StorageInput,
        responses={201: StorageCheckSerializer, **ERRORS},
    )
    def post(self, request, code: str):
        unit = self.stock_unit(code)
        values = self.validated(StorageInput)
        check = actions.record_storage_check(unit, acting_user=request.user, **values)
        return Response(StorageCheckSerializer(check).data, status=status.HTTP_201_CREATED)


def _unit_by_code(request, code: str):
    if not access.can(request.user, "stock.view"):
        raise Http404(_("未找到该单位"))
    unit = access.unit_in_scope_or_404(request.user, code)
    if not queries.keeps_stock(unit):
        raise Http404(_("该单位没有出入库登记"))
    return unit


class ReverseView(StockWriteView):
    @extend_schema(
        operation_id="stock_line_reverse",
        summary="冲正一条入库、报损或盘点调整记录（原记录保留）；已冲正的不能重复冲正（409）",
        request=ReverseInput,
        responses={201: StockLineSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        line = access.object_in_scope_or_404(request.user, StockLine.objects.select_related("unit", "batch"), pk=pk)
        access.require(request.user, self.capability)
        values = self.validated(ReverseInput)
        reversal = actions.reverse_line(line, acting_user=request.user, **values)
        return Response(StockLineSerializer(reversal).data, status=status.HTTP_201_CREATED)


class AllocationListView(StockWriteView):
    capability = "allocation.edit"

    @extend_schema(
        operation_id="stock_allocation_list",
        summary="分配计划：本县各乡镇某期间的应服儿童、建议与计划分配包数",
        parameters=[OpenApiParameter("period", OpenApiTypes.STR, required=True, description=PERIOD_HELP)],
        responses=AllocationPlanSerializer(many=True),
    )
    def get(self, request):
        if not access.can(request.user, "stock.view"):
            raise Http404(_("未找到该页面"))
        found = queries.allocation_period(request.query_params.get("period") or "")
        if found is None:
            raise ValidationError({"period": [queries.allocation_period_message()]})
        # stored as the periods module writes the code (2026Q4, 2026-03), whatever the caller typed
        rows = access.scoped(request.user, AllocationPlan.objects.filter(period=found.code), "township")
        return Response(AllocationPlanSerializer(rows.select_related("township"), many=True).data)


class AllocationProposeView(StockWriteView):
    capability = "allocation.edit"

    @extend_schema(
        operation_id="stock_allocation_propose",
        summary="按应服儿童生成本县各乡镇的建议分配（已人工调整的计划保留）",
        request=ProposeInput,
        responses={200: AllocationPlanSerializer(many=True), **ERRORS},
    )
    def post(self, request):
        county = access.scope_root(request.user)
        if county is None:
            raise Http404(_("未找到该单位"))
        access.require(request.user, self.capability)
        values = self.validated(ProposeInput)
        plans = actions.propose_allocation(county, acting_user=request.user, **values)
        return Response(AllocationPlanSerializer(plans, many=True).data)


class AllocationUpdateView(StockWriteView):
    capability = "allocation.edit"

    @extend_schema(
        operation_id="stock_allocation_update",
        summary="修改一个乡镇的计划分配包数",
        request=AllocationInput,
        responses={200: AllocationPlanSerializer, **ERRORS},
    )
    def put(self, request, pk: int):
        plan = access.object_in_scope_or_404(
            request.user, AllocationPlan.objects.select_related("township"), unit_field="township", pk=pk
        )
        access.require(request.user, self.capability)
        values = self.validated(AllocationInput)
        plan = actions.update_allocation(plan, acting_user=request.user, **values)
        return Response(AllocationPlanSerializer(plan).data)
