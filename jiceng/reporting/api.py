"""REST API of the monthly reports and their review chain (mounted under ``/api/reports/``).

GET  /api/reports/datasets/                                   the data sets (forms) of every programme pack
GET  /api/reports/?dataset=MCH_MONTHLY&period=2026-03         statuses of the units in the caller's subtree,
                                                             timeliness (及时率) and completeness (完整率)
GET  /api/reports/<dataset>/<code>/<period>/                  one report: what ``jiceng report show --json`` prints
POST /api/reports/<dataset>/<code>/<period>/values            type values or override sums (``values``, ``reason``)
POST /api/reports/<dataset>/<code>/<period>/submit|approve|return  the review chain, with the ``version`` seen
POST /api/reports/<dataset>/<code>/<period>/missing           缺报 (the level above), with a ``reason``

Access goes through ``jiceng.accounts.access``: a unit outside the caller's subtree is 404; a role that may
not act is 403; bad input is 400 with Chinese field messages; a report changed by someone else since the
caller loaded it is 409 with a Chinese sentence saying what happened.
"""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.reporting import actions, queries
from jiceng.reporting.packs import all_datasets
from jiceng.reporting.serialize import find_report, report_dict, statuses_dict

ACTIONS = ("values", "submit", "approve", "return", "missing")
NEEDS_VERSION = ("values", "submit", "approve", "return")
MAX_VALUES = 500


class ActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=0,
        error_messages={
            "invalid": "版本号：应为整数（打开报表时读到的 version）",
            "min_value": "版本号：不能为负数",
        },
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000)
    comments = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=300),
        required=False,
        default=dict,
        error_messages={"not_a_dict": "审核意见：应为 {{数据元代码: 意见}} 的对象"},
    )
    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),  # each value is checked by set_values, in Chinese
        required=False,
        default=dict,
        error_messages={"not_a_dict": "数值：应为 {{数据元代码: 数值}} 的对象"},
    )
    warning_notes = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=300),
        required=False,
        default=dict,
        error_messages={"not_a_dict": "警告说明：应为 {{规则代码: 说明}} 的对象"},
    )


class ReportApiView(APIView):
    """Domain refusals are answered by the API's one exception handler (``jiceng.api.errors``): 400 with
    Chinese field messages, 403, 404, and 409 with the report's current state and version."""


class DatasetListView(ReportApiView):
    @extend_schema(
        operation_id="report_datasets",
        summary="各项目的报表（数据集）：代码、名称、报告期类型、填报层级、数据元",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        return Response(
            [
                {
                    "code": ds.code,
                    "name": ds.name,
                    "programme": ds.programme,
                    "period_type": ds.period_type,
                    "reporting_level": ds.reporting_level,
                    "levels": list(ds.levels),
                    "elements": [{"code": e.code, "name": e.name, "group": e.group} for e in ds.elements],
                }
                for ds in all_datasets().values()
            ]
        )


class ReportStatusView(ReportApiView):
    @extend_schema(
        operation_id="report_statuses",
        summary="本辖区各单位报表状态、及时率与完整率",
        parameters=[
            OpenApiParameter(
                "dataset", str, required=True, description="报表代码，如 NUT_MONTHLY、MCH_MONTHLY、PH_QUARTERLY"
            ),
            OpenApiParameter("period", str, description="月份 2026-03 或季度 2026Q1（默认：当前上报的报告期）"),
        ],
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request):
        root = access.scope_root(request.user)
        if root is None:
            raise Http404("未找到该单位")
        ds = actions.check_dataset(request.query_params.get("dataset"))
        period = actions.check_period(request.query_params.get("period") or queries.reporting_period(ds).code, ds)
        return Response(statuses_dict(ds, root, period))


class ReportDetailView(ReportApiView):
    @extend_schema(
        operation_id="report_detail",
        summary="一份月报：状态、填报与审核人及时间、各项数值、校验结果",
        responses=OpenApiTypes.OBJECT,
    )
    def get(self, request, dataset: str, code: str, period: str):
        return Response(report_dict(find_report(request.user, code, period, dataset)))


class JSONBodyParser(JSONParser):
    """DRF's JSON parser with a Chinese error; nesting too deep for Python is a bad body, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except (ParseError, RecursionError, ValueError):
            raise ParseError(
                "请求体不是有效的 JSON（须为 UTF-8 编码的对象，不能含 NaN、Infinity 或嵌套过深）"
            ) from None


class ReportActionView(ReportApiView):
    parser_classes = [JSONBodyParser, FormParser, MultiPartParser]

    @extend_schema(
        summary="填报数值（修改汇总数须说明原因）、提交、审核通过、退回或标记缺报",
        request=ActionSerializer,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT},
    )
    def post(self, request, dataset: str, code: str, period: str, action: str):
        if action not in ACTIONS:
            raise Http404("未找到该操作")
        if not isinstance(request.data, dict):
            return Response(
                {"detail": ['请求体应为 JSON 对象，如 {"version": 3, "values": {"M01": 12}}']},
                status=status.HTTP_400_BAD_REQUEST,
            )
        data = ActionSerializer(data=request.data)
        if not data.is_valid():
            return Response(data.errors, status=status.HTTP_400_BAD_REQUEST)
        values = data.validated_data
        report = self._report = find_report(request.user, code, period, dataset)
        version = values.get("version")
        if action in NEEDS_VERSION and version is None:
            return Response(
                {"version": ["版本号：请提供打开报表时读到的 version（防止覆盖他人的操作）"]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        user = request.user
        if action == "values":
            if not values["values"] or len(values["values"]) > MAX_VALUES:
                return Response(
                    {"values": ["数值：请提供 1–500 个 {数据元代码: 数值}"]}, status=status.HTTP_400_BAD_REQUEST
                )
            actions.set_values(
                report, values["values"], reason=values["reason"], acting_user=user, expected_version=version
            )
        elif action == "submit":
            actions.submit_report(
                report, acting_user=user, warning_notes=values["warning_notes"], expected_version=version
            )
        elif action == "approve":
            actions.approve_report(report, acting_user=user, expected_version=version)
        elif action == "return":
            actions.return_report(
                report,
                reason=values["reason"],
                comments=values["comments"],
                acting_user=user,
                expected_version=version,
            )
        else:
            actions.mark_missing(report, reason=values["reason"], acting_user=user)
        return Response(report_dict(report))


__all__ = ["DatasetListView", "ReportActionView", "ReportDetailView", "ReportStatusView"]
