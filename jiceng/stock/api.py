"""REST API of the stock ledger (read-only): ledger lines, balances with alerts, the overview.
Every unit comes through :mod:`jiceng.accounts.access`; out of scope is 404."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.stock import queries


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
