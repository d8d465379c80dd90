"""REST API of supervision (mounted under ``/api/supervision/``), scoped like the pages: outside the
caller's subtree a record is 404.

- ``GET findings/?list=problems|tasks|results&state=&overdue=1&unit=CODE`` — the three lists (paginated)
- ``GET findings/<id>/`` — one finding with its timeline
- ``POST findings/<id>/reply/`` ``{"text"}`` — 反馈 by the unit that must rectify
- ``POST findings/<id>/recheck/`` ``{"passed": true|false, "note", "close": true}`` — 复查 / 退回
- ``GET records/?unit=CODE`` — inspection records with their items
- ``GET scores/?scheme=&unit=&period=`` — the assessment scores and ranking with each item's points
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.nutrition.api import CONFLICT, ERRORS, WriteApiView, text_field
from jiceng.periods import PeriodError, parse_period
from jiceng.supervision import actions, queries
from jiceng.supervision.assessment import all_schemes, scores
from jiceng.supervision.models import Finding, InspectionRecord


def _require_view(user) -> None:
    if not queries.can_view(user):
        raise NotFound("未找到")


class EventSerializer(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField(source="get_kind_display")
    text = serializers.CharField()
    at = serializers.DateTimeField()
    actor = serializers.CharField(source="actor.display_name", default="")


class FindingSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.display_name")
    # plain strings, not enums: "state" and "source" name other choice sets in the schema too (drf_spectacular W001)
    state = serializers.CharField(
        read_only=True, help_text="open 待整改 | replied 已反馈 | rechecked 已复查 | closed 已销号"
    )
    source = serializers.CharField(read_only=True)
    escalation = serializers.CharField(read_only=True, help_text="'' | case 立案查处 | penalty 经济处罚")
    state_label = serializers.CharField(source="get_state_display")
    notice = serializers.CharField(source="notice.number_text", default=None)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Finding
        fields = [
            "id",
            "unit",
            "unit_name",
            "source",
            "description",
            "found_on",
            "notice",
            "deadline",
            "state",
            "state_label",
            "overdue",
            "closed_on",
            "escalation",
            "penalty_amount",
            "case_outcome",
            "case_closed_on",
        ]

    def get_overdue(self, finding) -> bool:
        return finding.is_overdue(actions.today())


class FindingDetailSerializer(FindingSerializer):
    events = EventSerializer(many=True)

    class Meta(FindingSerializer.Meta):
        fields = [*FindingSerializer.Meta.fields, "events"]


class ItemResultSerializer(serializers.Serializer):
    item_code = serializers.CharField()
    text = serializers.CharField()
    score = serializers.DecimalField(max_digits=5, decimal_places=1)
    max_score = serializers.DecimalField(max_digits=5, decimal_places=1)
    met = serializers.BooleanField()
    remark = serializers.CharField()


class RecordSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.display_name")
    inspector_unit = serializers.CharField(source="inspector_unit.code")
    results = ItemResultSerializer(many=True)

    class Meta:
        model = InspectionRecord
        fields = [
            "id",
            "checklist",
            "unit",
            "unit_name",
            "inspector_unit",
            "inspected_on",
            "inspectors",
            "representative",
            "score",
            "max_score",
            "remarks",
            "withdrawn",
            "results",
        ]


@extend_schema(
    parameters=[
        OpenApiParameter("list", str),
        OpenApiParameter("state", str),
        OpenApiParameter("overdue", bool),
        OpenApiParameter("unit", str),
    ]
)
class FindingList(generics.ListAPIView):
    serializer_class = FindingSerializer

    def get_queryset(self):
        _require_view(self.request.user)
        which = self.request.query_params.get("list", "problems")
        if which not in queries.LISTS:
            raise ApiValidationError({"list": [f"list：只能是 {' '.join(queries.LISTS)}"]})
        code = self.request.query_params.get("unit")
        unit = access.unit_in_scope_or_404(self.request.user, code) if code else None
        return queries.list_rows(
            self.request.user,
            which,
            actions.today(),
            unit=unit,
            state=self.request.query_params.get("state", ""),
            overdue=self.request.query_params.get("overdue") in ("1", "true"),
        )


class FindingDetail(generics.RetrieveAPIView):
    serializer_class = FindingDetailSerializer

    def get_object(self):
        _require_view(self.request.user)
        return access.object_in_scope_or_404(
            self.request.user, queries.findings_for(self.request.user), pk=self.kwargs["pk"]
        )


class ReplySerializer(serializers.Serializer):
    text = text_field("整改情况", max_length=2000, multiline=True)


class RecheckSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = text_field("复查意见", max_length=1000, required=False, multiline=True)
    close = serializers.BooleanField(default=True)


class FindingReply(WriteApiView):
    @extend_schema(request=ReplySerializer, responses={200: FindingDetailSerializer, **ERRORS, **CONFLICT})
    def post(self, request, pk: int):
        finding = access.object_in_scope_or_404(request.user, queries.findings_for(request.user), pk=pk)
        data = self.validated(ReplySerializer)
        actions.reply(finding, text=data["text"], acting_user=request.user)
        return Response(FindingDetailSerializer(Finding.objects.get(pk=pk)).data)


class FindingRecheck(WriteApiView):
    @extend_schema(request=RecheckSerializer, responses={200: FindingDetailSerializer, **ERRORS, **CONFLICT})
    def post(self, request, pk: int):
        finding = access.object_in_scope_or_404(request.user, queries.findings_for(request.user), pk=pk)
        data = self.validated(RecheckSerializer)
        actions.recheck(
            finding, passed=data["passed"], note=data.get("note", ""), close=data["close"], acting_user=request.user
        )
        return Response(FindingDetailSerializer(Finding.objects.get(pk=pk)).data)


@extend_schema(parameters=[OpenApiParameter("unit", str)])
class RecordList(generics.ListAPIView):
    serializer_class = RecordSerializer

    def get_queryset(self):
        _require_view(self.request.user)
        rows = queries.records_for(self.request.user).prefetch_related("results").order_by("-inspected_on", "-id")
        code = self.request.query_params.get("unit")
        if code:
            rows = rows.filter(unit__path__startswith=access.unit_in_scope_or_404(self.request.user, code).path)
        return rows


def score_rows(scheme, root, period) -> list[dict]:
    return [
        {
            "rank": s.rank,
            "unit": s.unit.code,
            "name": s.unit.name,
            "total": str(s.total),
            "previous": None if s.previous is None else str(s.previous),
            "lagging": s.lagging,
            "items": [
                {
                    "code": i.item.code,
                    "name": i.item.name,
                    "points": str(i.points),
                    "max": str(i.item.points),
                    "figure": i.figure,
                    "link": i.link,
                }
                for i in s.items
            ],
            "deductions": [
                {"code": d.item.code, "name": d.item.name, "points": str(d.points), "figure": d.figure, "link": d.link}
                for d in s.deductions
            ],
        }
        for s in scores(scheme, root, period)
    ]


class ScoreView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("scheme", str),
            OpenApiParameter("unit", str),
            OpenApiParameter("period", str, required=True),
        ],
        responses={200: dict, **ERRORS},
    )
    def get(self, request):
        if not (access.can(request.user, "analysis.view") or access.can(request.user, "supervision.inspect")):
            raise NotFound("未找到")
        code = request.query_params.get("unit")
        root = access.unit_in_scope_or_404(request.user, code) if code else access.scope_root(request.user)
        schemes = all_schemes()
        scheme = schemes.get(request.query_params.get("scheme") or next(iter(schemes), ""))
        if scheme is None:
            raise ApiValidationError({"scheme": [f"scheme：可选 {' '.join(schemes)}"]})
        try:
            period = parse_period(request.query_params.get("period", ""))
        except PeriodError as exc:
            raise ApiValidationError({"period": [str(exc)]}) from None
        return Response(
            {
                "scheme": scheme.code,
                "unit": root.code,
                "period": period.code,
                "ranking": score_rows(scheme, root, period),
            }
        )
