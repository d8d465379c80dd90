"""REST API of the activities: list and create, limited to the caller's subtree.

``GET /activities/api/trainings/?unit=CODE&start=YYYY-MM-DD&end=YYYY-MM-DD`` and the same for
``/activities/api/events/``; ``POST`` creates through the action (same checks, same audit row).
``GET /activities/api/totals/?unit=&start=&end=`` returns :func:`queries.activity_totals`.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.activities import actions, queries
from jiceng.activities.models import AttendeeType, EducationForm, HealthEducation, Training, TrainingLevel

FILTERS = [
    OpenApiParameter("unit", str, description="单位代码（默认：本人管辖范围）"),
    OpenApiParameter("start", dt.date, description="起始日期（含）"),
    OpenApiParameter("end", dt.date, description="截止日期（含）"),
]


class _ActivitySerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", help_text="组织单位代码")
    unit_name = serializers.CharField(source="unit.display_name", read_only=True)


class TrainingSerializer(_ActivitySerializer):
    level = serializers.ChoiceField(choices=TrainingLevel.choices, required=False, allow_blank=True)
    attendee_type = serializers.ChoiceField(choices=AttendeeType.choices, required=False)

    class Meta:
        model = Training
        fields = ["id", "unit", "unit_name", "held_on", "level", "topic", "attendees", "attendee_type", "notes"]


class EducationSerializer(_ActivitySerializer):
    form = serializers.ChoiceField(choices=EducationForm.choices)

    class Meta:
        model = HealthEducation
        fields = ["id", "unit", "unit_name", "held_on", "form", "topic", "reach", "notes"]


class TotalsSerializer(serializers.Serializer):
    unit = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    trainings = serializers.IntegerField(help_text="培训次数")
    training_attendances = serializers.IntegerField(help_text="培训人次")
    events = serializers.IntegerField(help_text="健康教育/宣传次数")
    reach = serializers.IntegerField(help_text="受众人次")


def _date_param(request, name: str) -> dt.date | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ApiValidationError({name: ["请填写有效日期（如 2025-03-08）"]}) from None


def _unit_param(request):
    code = request.query_params.get("unit")
    if not code:
        return access.scope_root(request.user)
    try:
        return access.unit_in_scope_or_404(request.user, code)
    except Http404:
        raise NotFound("未找到该单位") from None


def _require_viewer(user) -> None:
    if not (access.can(user, "activities.edit") or access.can(user, "analysis.view")):
        raise NotFound("未找到该页面")


class _ActivityListCreate(generics.ListCreateAPIView):
    query = None  # queries.trainings_in / queries.events_in
    record = None  # the action
    data_class = None

    def get_queryset(self):
        _require_viewer(self.request.user)
        unit = _unit_param(self.request)
        if unit is None:
            return self.serializer_class.Meta.model.objects.none()
        rows = type(self).query(unit, _date_param(self.request, "start"), _date_param(self.request, "end"))
        return rows.select_related("unit").order_by("-held_on", "-id")

    def create(self, request, *args, **kwargs):
        if not access.can(request.user, "activities.edit"):
            raise NotFound("未找到该页面")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        code = values.pop("unit")["code"]
        try:
            unit = access.unit_in_scope_or_404(request.user, code)
        except Http404:
            raise NotFound("未找到该单位") from None
        try:
            obj = type(self).record(type(self).data_class(**values), unit=unit, acting_user=request.user)
        except ValidationError as exc:
            raise ApiValidationError(exc.message_dict) from None
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=FILTERS)
class TrainingListCreate(_ActivityListCreate):
    """培训：本人管辖范围内的培训记录（不含已撤销）。"""

    serializer_class = TrainingSerializer
    query = staticmethod(queries.trainings_in)
    record = staticmethod(actions.record_training)
    data_class = actions.TrainingData


@extend_schema(parameters=FILTERS)
class EducationListCreate(_ActivityListCreate):
    """健康教育/宣传：本人管辖范围内的活动记录（不含已撤销）。"""

    serializer_class = EducationSerializer
    query = staticmethod(queries.events_in)
    record = staticmethod(actions.record_education)
    data_class = actions.EducationData


class TotalsView(APIView):
    @extend_schema(parameters=FILTERS, responses=TotalsSerializer, summary="培训与健康教育汇总（含下级单位）")
    def get(self, request):
        _require_viewer(request.user)
        unit = _unit_param(request)
        if unit is None:
            raise NotFound("未找到该单位")
        today = actions.today()
        start = _date_param(request, "start") or dt.date(today.year, 1, 1)
        end = _date_param(request, "end") or today
        totals = queries.activity_totals(unit, start, end)
        return Response(TotalsSerializer({"unit": unit.code, "start": start, "end": end, **totals}).data)
