"""DHIS2 data exchange over the reports API (mounted under ``/api/reports/``).

GET  /api/reports/dataValueSets/?dataset=MCH_MONTHLY&period=2026-03[&orgUnit=CODE][&figures=working][&format=adx]
     the values of every unit under ``orgUnit`` (default: the caller's scope) that reports the data set, as
     DHIS2 ``dataValueSets`` JSON or ADX XML; official figures (approved reports) unless ``figures=working``;
     a quarter on a monthly form gives its three months. Logged as a bulk read (``export.dhis2``).
POST /api/reports/dataValueSets/[?dataset=CODE]
     import a dataValueSets JSON body (``application/json``) or an ADX document (``application/adx+xml``
     or ``application/xml``): every value or none; 400 with Chinese messages naming each bad value.

See :mod:`jiceng.reporting.exchange`. A unit outside the caller's subtree is 404, like everywhere else.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from jiceng.accounts import access
from jiceng.reporting import actions, exchange
from jiceng.reporting.api import ReportApiView

XML_TYPES = ("application/adx+xml", "application/xml", "text/xml")
JSON_TYPES = ("application/json", "text/json")
FIGURES = {"official": True, "working": False}


class RawBodyParser(BaseParser):
    """The body as bytes, whatever its type, read up to one byte past the import's size limit (the
    exchange module refuses anything larger with a Chinese message)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return b""
        return stream.read(exchange.MAX_BYTES + 1)


def _bad(message: str, field: str = "detail") -> Response:
    return Response({field: [message]}, status=status.HTTP_400_BAD_REQUEST)


class DataValueSetsView(ReportApiView):
    parser_classes = [RawBodyParser]
    renderer_classes = [JSONRenderer]

    def perform_content_negotiation(self, request, force=False):
        # ``?format=adx`` chooses the export's format, not a DRF renderer: errors are always JSON
        renderer = JSONRenderer()
        return renderer, renderer.media_type

    @extend_schema(
        operation_id="report_datavaluesets_export",
        summary="导出DHIS2数据：dataValueSets JSON 或 ADX（正式数据或工作数据）",
        parameters=[
            OpenApiParameter("dataset", str, required=True, description="报表代码，如 MCH_MONTHLY、PH_QUARTERLY"),
            OpenApiParameter(
                "period",
                str,
                required=True,
                description="报告期：月份 2026-03、季度 2026Q1、年度 2026（月报按季度导出其三个月）",
            ),
            OpenApiParameter("orgUnit", str, description="单位代码（默认：本人辖区）；导出其下所有填报该表的单位"),
            OpenApiParameter(
                "figures", str, enum=["official", "working"], description="official 正式数据（默认）或 working 工作数据"
            ),
            OpenApiParameter(
                "format", str, enum=["json", "adx"], description="json（DHIS2 dataValueSets，默认）或 adx"
            ),
        ],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "application/adx+xml"): OpenApiTypes.STR,
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="参数错误（中文说明）"),
            404: OpenApiResponse(OpenApiTypes.OBJECT, description="单位不存在或不在本人辖区"),
        },
    )
    def get(self, request):
        params = request.query_params
        if access.scope_root(request.user) is None:
            return Response({"detail": "未找到该单位"}, status=status.HTTP_404_NOT_FOUND)
        if not (params.get("dataset") or "").strip():
            return _bad("报表：请提供 dataset，如 MCH_MONTHLY、PH_QUARTERLY", "dataset")
        ds = actions.check_dataset(params.get("dataset"))
        period = (params.get("period") or "").strip()
        if not period:
            return _bad("报告期：请提供 period，如 2026-03 或 2026Q1", "period")
        figures = (params.get("figures") or "official").strip().lower()
        if figures not in FIGURES:
            return _bad("数据口径：figures 只能是 official（正式数据）或 working（工作数据）", "figures")
        fmt = (params.get("format") or "json").strip().lower()
        if fmt not in exchange.FORMATS:
            return _bad("格式：format 只能是 json 或 adx", "format")
        code = (params.get("orgUnit") or "").strip()
        root = access.unit_in_scope_or_404(request.user, code) if code else access.scope_root(request.user)
        result = exchange.export(request.user, ds, root, [period], official=FIGURES[figures], fmt=fmt)
        return HttpResponse(result.content, content_type=result.content_type)

    @extend_schema(
        operation_id="report_datavaluesets_import",
        summary="导入DHIS2数据（dataValueSets JSON 或 ADX）：全部通过校验才保存，否则一个也不保存",
        parameters=[
            OpenApiParameter("dataset", str, description="报表代码（内容中未写 dataSet 时使用）"),
        ],
        request={
            "application/json": OpenApiTypes.OBJECT,
            "application/adx+xml": OpenApiTypes.STR,
            "application/xml": OpenApiTypes.STR,
        },
        responses={
            200: OpenApiResponse(OpenApiTypes.OBJECT, description="已导入：数值个数、报表、有变化的数值"),
            400: OpenApiResponse(OpenApiTypes.OBJECT, description="未导入：每个问题一条中文说明"),
        },
    )
    def post(self, request):
        content_type = (request.content_type or "").split(";")[0].strip().lower()
        if content_type in XML_TYPES:
            fmt = "adx"
        elif content_type in JSON_TYPES or not content_type:
            fmt = "json"
        else:
            return _bad("请求体应为 JSON（application/json）或 ADX（application/adx+xml）")
        body = request.data
        if not isinstance(body, bytes | bytearray):
            body = b""
        result = exchange.import_values(request.user, bytes(body), fmt, dataset=request.query_params.get("dataset"))
        return Response(result.as_dict(), status=status.HTTP_200_OK if result.ok else status.HTTP_400_BAD_REQUEST)

    def handle_exception(self, exc):
        if isinstance(exc, exchange.ExchangeError):
            return _bad(str(exc))
        return super().handle_exception(exc)  # ValidationError → 400, Http404 → 404 (Chinese)


__all__ = ["DataValueSetsView", "RawBodyParser"]
