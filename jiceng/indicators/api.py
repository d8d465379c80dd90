"""GET /api/indicators/?unit=CODE&period=2026Q1[&figures=working][&programme=nutrition]"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.indicators.service import indicator_table


class IndicatorView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("unit", str, required=True),
            OpenApiParameter("period", str, required=True),
            OpenApiParameter("figures", str, enum=["official", "working"]),
            OpenApiParameter("programme", str),
            OpenApiParameter("dataset", str),
        ],
        responses=OpenApiTypes.OBJECT,
        summary="指标：数值、目标、上年同期（与页面同一计算）",
    )
    def get(self, request):
        unit = access.unit_in_scope_or_404(request.user, request.query_params.get("unit", ""))
        try:
            table = indicator_table(
                unit,
                request.query_params.get("period", ""),
                official=request.query_params.get("figures") != "working",
                programme=request.query_params.get("programme"),
                dataset=request.query_params.get("dataset"),
            )
        except ValidationError as exc:
            raise ApiValidationError(exc.message_dict) from None
        return Response(table)
