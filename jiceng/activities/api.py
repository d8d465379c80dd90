"""REST API of the activities: list and create, limited to the caller's subtree.

``GET /activities/api/trainings/?unit=CODE&start=YYYY-MM-DD&end=YYYY-MM-DD`` and the same for
``/activities/api/events/``; ``POST`` creates through the action (same checks, same audit row).
``GET /activities/api/totals/?unit=&start=&end=`` returns :func:`queries.activity_totals`.

Corrections, as on the detail page (mounted under ``/api/activities/`` by :mod:`jiceng.activities.api_urls`):
``GET|PUT|PATCH /api/activities/trainings/<id>/`` (and ``events/<id>/``) reads or corrects one record through
``update_training``/``update_education``; ``POST …/<id>/withdraw/`` withdraws it (撤销) with a reason.
A withdrawn record cannot be changed: 409.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.activities import actions, queries
from jiceng.activities.models import AttendeeType, EducationForm, HealthEducation, Training, TrainingLevel
from jiceng.errors import Conflict
from jiceng.nutrition.api import (
    CONFLICT,
    ERRORS,
    WriteApiView,
    choice_field,
    date_field,
    integer_field,
    text_field,
)

FILTERS = [
    OpenApiParameter("unit", str, description="单位代码（默认：本人管辖范围）"),
    OpenApiParameter("start", dt.date, description="起始日期（含）"),
    OpenApiParameter("end", dt.date, description="截止日期（含）"),
]


class _ActivitySerializer(serializers.ModelSerializer):
    unit = text_field("组织单位", max_length=20, source="unit.code", help_text="组织单位代码")
    unit_name = serializers.CharField(source="unit.display_name", read_only=True)
    held_on = date_field("日期")
    topic = text_field("主题", max_length=200)
    notes = text_field("备注", max_length=2000, required=False, multiline=True)


class TrainingSerializer(_ActivitySerializer):
    level = choice_field("级别", TrainingLevel.choices, required=False, allow_blank=True)
    attendees = integer_field("参训人数")
    attendee_type = choice_field("参训人员类别", AttendeeType.choices, required=False)

    class Meta:
        model = Training
        fields = ["id", "unit", "unit_name", "held_on", "level", "topic", "attendees", "attendee_type", "notes"]


class EducationSerializer(_ActivitySerializer):
    form = choice_field("形式", EducationForm.choices)
    reach = integer_field("受众人数")

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
            raise PermissionDenied("您的角色无权登记培训或健康教育活动")
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
        except access.AccessDenied as exc:
            raise PermissionDenied(str(exc)) from None
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


# ---------------------------------------------------------------------------------------------
# Corrections and withdrawal (the detail page's writes)
# ---------------------------------------------------------------------------------------------


class WithdrawInput(serializers.Serializer):
    reason = text_field("撤销原因", max_length=200)


class _ActivityDetail(WriteApiView):
    model = None
    serializer = None
    update = None
    data_class = None

    def record_or_404(self, request, pk: int):
        """Only roles that see activities find a record (else 404); only editors may change it (else 403)."""
        _require_viewer(request.user)
        return access.object_in_scope_or_404(request.user, self.model.objects.select_related("unit"), pk=pk)

    def get(self, request, pk: int):
        return Response(self.serializer(self.record_or_404(request, pk)).data)

    def put(self, request, pk: int):
        return self._correct(request, pk, partial=False)

    def patch(self, request, pk: int):
        return self._correct(request, pk, partial=True)

    def _correct(self, request, pk: int, *, partial: bool):
        obj = self.record_or_404(request, pk)
        access.require(request.user, "activities.edit")
        data = request.data
        if partial:
            # the fields not sent keep their values: the action always receives a whole record
            if not isinstance(data, dict):
                raise ValidationError({"detail": ['请求内容应为 JSON 对象，如 {"topic": "…"}']})
            current = {k: v for k, v in self.serializer(obj).data.items() if k in self.serializer.Meta.fields}
            data = {**current, **data}
        serializer = self.serializer(data=data)
        serializer.is_valid(raise_exception=True)
        values = dict(serializer.validated_data)
        unit = access.unit_in_scope_or_404(request.user, values.pop("unit")["code"])
        try:
            obj = type(self).update(obj, type(self).data_class(**values), unit=unit, acting_user=request.user)
        except ValidationError as exc:
            _withdrawn_is_conflict(self.model, obj, exc)
            raise
        return Response(self.serializer(obj).data)


def _withdrawn_is_conflict(model, obj, exc: ValidationError) -> None:
    """A record withdrawn (by someone else, or earlier) cannot change: a conflict with its state (409)."""
    if model.objects.filter(pk=obj.pk, withdrawn=True).exists():
        raise Conflict(exc.messages) from None


class _ActivityWithdraw(WriteApiView):
    model = None
    serializer = None

    def post(self, request, pk: int):
        _require_viewer(request.user)
        obj = access.object_in_scope_or_404(request.user, self.model.objects.select_related("unit"), pk=pk)
        access.require(request.user, "activities.edit")
        values = self.validated(WithdrawInput)
        try:
            obj = actions.withdraw(obj, acting_user=request.user, **values)
        except ValidationError as exc:
            _withdrawn_is_conflict(self.model, obj, exc)
            raise
        return Response(self.serializer(obj).data)


def _detail_schema(kind: str, label: str, serializer):
    return {
        "get": extend_schema(operation_id=f"{kind}_retrieve", summary=f"一条{label}记录", responses=serializer),
        "put": extend_schema(
            operation_id=f"{kind}_update",
            summary=f"更正{label}记录（整条替换；已撤销的不能修改：409）",
            request=serializer,
            responses={200: serializer, **ERRORS, **CONFLICT},
        ),
        "patch": extend_schema(
            operation_id=f"{kind}_partial_update",
            summary=f"更正{label}记录（只改所填字段；已撤销的不能修改：409）",
            request=serializer,
            responses={200: serializer, **ERRORS, **CONFLICT},
        ),
    }


@extend_schema_view(**_detail_schema("training", "培训", TrainingSerializer))
class TrainingDetail(_ActivityDetail):
    model, serializer = Training, TrainingSerializer
    update = staticmethod(actions.update_training)
    data_class = actions.TrainingData


@extend_schema_view(**_detail_schema("education_event", "健康教育/宣传", EducationSerializer))
class EducationDetail(_ActivityDetail):
    model, serializer = HealthEducation, EducationSerializer
    update = staticmethod(actions.update_education)
    data_class = actions.EducationData


@extend_schema_view(
    post=extend_schema(
        operation_id="training_withdraw",
        summary="撤销培训记录（保留记录并注明原因，不再计入统计）",
        request=WithdrawInput,
        responses={200: TrainingSerializer, **ERRORS, **CONFLICT},
    )
)
class TrainingWithdraw(_ActivityWithdraw):
    model, serializer = Training, TrainingSerializer


@extend_schema_view(
    post=extend_schema(
        operation_id="education_event_withdraw",
        summary="撤销健康教育/宣传记录（保留记录并注明原因，不再计入统计）",
        request=WithdrawInput,
        responses={200: EducationSerializer, **ERRORS, **CONFLICT},
    )
)
class EducationWithdraw(_ActivityWithdraw):
    model, serializer = HealthEducation, EducationSerializer
