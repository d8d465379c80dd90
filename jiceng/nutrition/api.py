"""REST API of the child register. Querysets go through the access module; writes go through actions."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.audit import actions_catalog
from jiceng.audit.recorder import record
from jiceng.errors import Conflict
from jiceng.nutrition import actions, eligibility, queries
from jiceng.nutrition.models import Assessment, Child, Collection, Consent, FollowUp, ForceMajeure, Move
from jiceng.standards.idnumber import mask_id_number, mask_phone

# ---------------------------------------------------------------------------------------------
# Shared by the write endpoints of every app (nutrition, stock, activities): text fields that refuse
# control characters, fields with Chinese messages naming the field, and one mapping from the
# domain's exceptions to HTTP answers.
# ---------------------------------------------------------------------------------------------

# C0 control characters and DEL. A one-line field refuses all of them (tab and line breaks too);
# a multi-line field (notes) keeps tab, line feed and carriage return.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f]")
CONTROL_CHARACTERS_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def field_messages(label: str, **extra: str) -> dict[str, str]:
    return {
        "required": f"{label}：必填",
        "null": f"{label}：不能为空",
        "blank": f"{label}：不能为空",
        "invalid": f"{label}：格式不正确",
        **extra,
    }


class PlainText(serializers.CharField):
    """A text field that refuses NUL and the other control characters with a Chinese message."""

    def __init__(self, label: str, *, multiline: bool = False, **kwargs):
        self.multiline = multiline
        messages = field_messages(
            label,
            invalid=f"{label}：应为文字",
            control=f"{label}：含有不允许的控制字符（如 NUL{'' if multiline else '、换行、制表符'}），请删除后重试",
        )
        if kwargs.get("max_length"):
            messages["max_length"] = f"{label}：不能超过{kwargs['max_length']}个字"
        messages.update(kwargs.pop("error_messages", {}))
        super().__init__(label=label, error_messages=messages, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, str):
            pattern = CONTROL_CHARACTERS_BUT_LINES if self.multiline else CONTROL_CHARACTERS
            if pattern.search(data):
                self.fail("control")
        return super().to_internal_value(data)


def text_field(label: str, *, max_length: int, required: bool = True, multiline: bool = False, **kwargs) -> PlainText:
    if not required:
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("default", "")
    return PlainText(label, max_length=max_length, required=required, multiline=multiline, **kwargs)


def date_field(label: str, **kwargs) -> serializers.DateField:
    return serializers.DateField(
        label=label,
        error_messages=field_messages(
            label,
            invalid=f"{label}：请填写有效日期（如 2026-03-08）",
            datetime=f"{label}：应为日期，不含时间",
        ),
        **kwargs,
    )


def integer_field(label: str, **kwargs) -> serializers.IntegerField:
    """Any integer: zero and negative numbers reach the action, which refuses them with its own message."""
    return serializers.IntegerField(
        label=label,
        error_messages=field_messages(
            label,
            invalid=f"{label}：应为整数",
            max_string_length=f"{label}：数字过长",
            min_value=f"{label}：不能小于 {kwargs.get('min_value')}",
            max_value=f"{label}：不能大于 {kwargs.get('max_value')}",
        ),
        **kwargs,
    )


def choice_field(label: str, choices, **kwargs) -> serializers.ChoiceField:
    return serializers.ChoiceField(
        choices=choices,
        label=label,
        error_messages=field_messages(label, invalid_choice=f"{label}：无效的选项"),
        **kwargs,
    )


def boolean_field(label: str, **kwargs) -> serializers.BooleanField:
    return serializers.BooleanField(
        label=label, error_messages=field_messages(label, invalid=f"{label}：应为 true 或 false"), **kwargs
    )


class PlainTextModelSerializer(serializers.ModelSerializer):
    """A model serializer whose text fields refuse control characters (used where POST writes)."""

    def build_standard_field(self, field_name, model_field):
        field_class, field_kwargs = super().build_standard_field(field_name, model_field)
        if field_class is serializers.CharField and isinstance(model_field, models.CharField | models.TextField):
            field_kwargs["multiline"] = isinstance(model_field, models.TextField)
            label = field_kwargs.pop("label", None) or str(model_field.verbose_name)
            return PlainText, {"label": label, **field_kwargs}
        return field_class, field_kwargs


class WriteApiView(APIView):
    """Base of the write endpoints: access check via :mod:`jiceng.accounts.access` → validate → action →
    respond. Refusals are answered by the API's one exception handler (``jiceng.api.errors``): outside the
    caller's subtree 404, a role that may not act 403, a domain refusal 400 with the action's Chinese field
    messages, a conflict with the record's current state (``jiceng.errors.Conflict``) 409."""

    def validated(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, context={"request": self.request}, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


ERRORS = {
    400: OpenApiResponse(description="输入有误：{字段: [中文说明]}"),
    403: OpenApiResponse(description="本人角色无权进行此操作"),
    404: OpenApiResponse(description="不在本人管辖范围内，或记录不存在"),
}
CONFLICT = {409: OpenApiResponse(description="与记录的当前状态冲突（如已被他人处理、库存不足）")}


class ChildSerializer(serializers.ModelSerializer):
    village_code = serializers.CharField(source="village.code", read_only=True)
    id_number = serializers.SerializerMethodField()
    caregiver_phone = serializers.SerializerMethodField()
    status = serializers.SerializerMethodField()

    class Meta:
        model = Child
        fields = [
            "id",
            "name",
            "sex",
            "birth_date",
            "id_number",
            "village_code",
            "residence",
            "poor_household",
            "relocation_site",
            "special_condition",
            "caregiver_name",
            "caregiver_relation",
            "caregiver_phone",
            "status",
        ]

    def _full(self) -> bool:
        """Full numbers only where the view decided so for one child (``full_identity``); lists never."""
        return bool(self.context.get("full_identity"))

    def get_id_number(self, child) -> str:
        return child.id_number if self._full() else mask_id_number(child.id_number)

    def get_caregiver_phone(self, child) -> str:
        return child.caregiver_phone if self._full() else mask_phone(child.caregiver_phone)

    def get_status(self, child) -> dict | None:
        decision = self.context.get("decisions", {}).get(child.pk)
        if decision is None:
            return None
        return {
            "status": decision.status,
            "can_collect": decision.can_collect,
            "max_packs": decision.max_packs,
            "priority": decision.priority,
            "rules": decision.rule_ids,
            "reasons": [r.text for r in decision.reasons],
        }


class ChildCreateSerializer(serializers.Serializer):
    village_code = text_field("所属村", max_length=20)
    name = text_field("姓名", max_length=50, trim_whitespace=False)
    sex = choice_field("性别", ["M", "F"])
    birth_date = date_field("出生日期")
    id_number = text_field("身份证号", max_length=40, required=False)
    poor_household = boolean_field("建档立卡贫困户", default=False)
    relocation_site = boolean_field("易地扶贫搬迁安置点", default=False)
    special_condition = boolean_field("患特殊疾病", default=False)
    caregiver_name = text_field("看护人姓名", max_length=50, required=False)
    caregiver_relation = text_field("与儿童关系", max_length=20, required=False)
    caregiver_phone = text_field("看护人电话", max_length=20, required=False)


class _Forbidden(Exception):
    def __init__(self, message: str):
        self.response = Response({"detail": message}, status=status.HTTP_403_FORBIDDEN)


def _perform(action, *args, **kwargs):
    """Run an action; a Chinese ValidationError becomes a 400 with field errors, AccessDenied a 403."""
    try:
        return action(*args, **kwargs)
    except access.AccessDenied as exc:
        raise _Forbidden(str(exc)) from None
    except ValidationError as exc:
        raise ApiValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}) from None


class ActionView(generics.ListCreateAPIView):
    def handle_exception(self, exc):
        if isinstance(exc, _Forbidden):
            return exc.response
        return super().handle_exception(exc)


class ChildListView(ActionView):
    """Children in the caller's subtree, with the rules' status today. POST registers a child."""

    serializer_class = ChildSerializer

    @extend_schema(parameters=[OpenApiParameter("village", str, description="village code")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = access.scoped(self.request.user, Child.objects.filter(merged_into__isnull=True), "village")
        code = self.request.query_params.get("village")
        if code:
            village = access.unit_in_scope_or_404(self.request.user, code)
            queryset = queryset.filter(village=village)
        return queryset.select_related("village").order_by("id")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        children = list(Child.objects.select_related("village").filter(pk__in=[c.pk for c in page]).order_by("id"))
        context = {**self.get_serializer_context(), "decisions": eligibility.decisions_for(children, actions.today())}
        # masked for every role; the read is audited with its row count by the pagination (jiceng.api.pagination)
        return self.get_paginated_response(ChildSerializer(children, many=True, context=context).data)

    @extend_schema(request=ChildCreateSerializer, responses=ChildSerializer)
    def post(self, request, *args, **kwargs):
        data = ChildCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        village = access.unit_in_scope_or_404(request.user, values.pop("village_code"))
        child = _perform(actions.register_child, actions.ChildData(**values), village=village, acting_user=request.user)
        context = {**self.get_serializer_context(), "full_identity": access.full_identity_for_one(request.user)}
        return Response(ChildSerializer(child, context=context).data, status=status.HTTP_201_CREATED)


REVEAL_PARAM = OpenApiParameter(
    "reveal",
    str,
    description="1：显示完整身份证号和电话（乡镇卫生院角色；每次记入审计日志）。村医默认即为完整号码，其他角色无权查看。",
)


def wants_reveal(request) -> bool:
    params = getattr(request, "query_params", None) or request.GET
    return params.get("reveal", "").strip().lower() in ("1", "true", "yes")


def full_identity_shown(request, child: Child, *, via: str) -> bool:
    """Whether this child's full ID and phone numbers are shown to the caller (PIPL need-to-know): by
    default to the village doctor; on ``?reveal=1`` to a township role, with an audit row; never to the
    county roles (a reveal by them raises AccessDenied)."""
    reveal = wants_reveal(request)
    full = access.full_identity_for_one(request.user, reveal=reveal)
    if full and reveal and access.reveal_is_audited(request.user):
        record(
            actor=request.user,
            action=actions_catalog.CHILD_REVEAL,
            obj=child,
            unit=child.village,
            after={"fields": ["id_number", "caregiver_phone"], "via": via},
        )
    return full


class ChildDetailView(generics.RetrieveAPIView):
    """One child. Full ID and phone numbers for the village doctor; masked for the other roles, and a
    township role may ask for them with ``?reveal=1`` (audited); the county roles may not (403)."""

    serializer_class = ChildSerializer

    @extend_schema(parameters=[REVEAL_PARAM])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_object(self):
        return access.object_in_scope_or_404(
            self.request.user, Child.objects.select_related("village"), unit_field="village", pk=self.kwargs["pk"]
        )

    def retrieve(self, request, *args, **kwargs):
        child = self.get_object()
        context = {
            **self.get_serializer_context(),
            "decisions": {child.pk: eligibility.decide(child, actions.today())},
            "full_identity": full_identity_shown(request, child, via="api"),
        }
        return Response(ChildSerializer(child, context=context).data)


class CollectionSerializer(PlainTextModelSerializer):
    child = serializers.IntegerField(source="child_id")
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Collection
        fields = ["id", "child", "unit_code", "collected_on", "month", "packs", "collected_by"]
        read_only_fields = ["id", "unit_code", "month"]


class CollectionListView(ActionView):
    """Collections (发放登记) in the caller's subtree; POST records one through the rules (E1–E9)."""

    serializer_class = CollectionSerializer

    @extend_schema(parameters=[OpenApiParameter("month", str, description="月份，如 2026-03")])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = access.scoped(self.request.user, Collection.objects.select_related("unit"), "unit")
        month = self.request.query_params.get("month")
        return (queryset.filter(month=month) if month else queryset).order_by("id")

    def post(self, request, *args, **kwargs):
        data = CollectionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        child = access.object_in_scope_or_404(
            request.user, Child.objects.all(), unit_field="village", pk=data.validated_data["child_id"]
        )
        collection = _perform(
            actions.record_collection,
            child,
            collected_on=data.validated_data["collected_on"],
            packs=data.validated_data["packs"],
            collected_by=data.validated_data.get("collected_by", ""),
            acting_user=request.user,
            idempotency_key=request.headers.get("Idempotency-Key") or None,
        )
        replayed = getattr(collection, "replayed", False)  # a retry of a request already recorded: the first answer
        return Response(
            CollectionSerializer(collection).data, status=status.HTTP_200_OK if replayed else status.HTTP_201_CREATED
        )


class FollowUpSerializer(PlainTextModelSerializer):
    child = serializers.IntegerField(source="child_id")

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "child",
            "visited_on",
            "hb_g_l",
            "length_cm",
            "position",
            "weight_kg",
            "packs_last_7d",
            "complementary_feeding",
            "counselling_given",
            "caregiver_knows",
            "notes",
            "haz",
            "waz",
            "whz",
            "stunting",
            "underweight",
            "wasting",
            "hb_adjusted_g_l",
            "anaemia",
            "warnings",
        ]
        read_only_fields = [
            "id",
            "haz",
            "waz",
            "whz",
            "stunting",
            "underweight",
            "wasting",
            "hb_adjusted_g_l",
            "anaemia",
            "warnings",
        ]


class FollowUpListView(ActionView):
    """Follow-up cards (个案随访卡); POST computes z-scores and anaemia like the page does."""

    serializer_class = FollowUpSerializer

    def get_queryset(self):
        return access.scoped(self.request.user, FollowUp.objects.all(), "unit").order_by("id")

    def post(self, request, *args, **kwargs):
        data = FollowUpSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        child = access.object_in_scope_or_404(
            request.user, Child.objects.select_related("village"), unit_field="village", pk=values.pop("child_id")
        )
        card = _perform(actions.record_followup, child, acting_user=request.user, **values)
        return Response(FollowUpSerializer(card).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# The child page's other writes: consent, doctor's assessment, move, merge; force majeure.
# Each calls the same action as the page (jiceng.nutrition.views).
# ---------------------------------------------------------------------------------------------


def _child_or_404(request, pk) -> Child:
    return access.object_in_scope_or_404(
        request.user, Child.objects.select_related("village"), unit_field="village", pk=pk
    )


class ConsentSerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="child_id", read_only=True)

    class Meta:
        model = Consent
        fields = ["id", "child", "signed_on", "signed_by", "relation", "recorded_at"]


class ConsentInput(serializers.Serializer):
    signed_on = date_field("签署日期")
    signed_by = text_field("签署人", max_length=50)
    relation = text_field("与儿童关系", max_length=20)


class AssessmentSerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="child_id", read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "child", "assessed_on", "suitable", "doctor", "note"]


class AssessmentInput(serializers.Serializer):
    assessed_on = date_field("评估日期")
    suitable = boolean_field("评估结论（true 适宜服用，false 不适宜服用）")
    doctor = text_field("评估医生", max_length=50)
    note = text_field("说明", max_length=200, required=False, multiline=True)


class MoveSerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="child_id", read_only=True)
    # a plain string here, so that the choice set has one name in the schema (MoveInputKindEnum)
    kind = serializers.CharField(read_only=True, help_text="move_in 迁入、move_out 迁出、transfer 村间转移、death 死亡")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    from_unit = serializers.CharField(source="from_unit.code", read_only=True, default=None)
    to_unit = serializers.CharField(source="to_unit.code", read_only=True, default=None)

    class Meta:
        model = Move
        fields = ["id", "child", "kind", "kind_label", "happened_on", "from_unit", "to_unit", "note"]


class MoveInput(serializers.Serializer):
    kind = choice_field("类型", Move.Kind.choices)
    happened_on = date_field("日期")
    to_village = text_field(
        "迁入村代码（村间转移时必填）", max_length=20, required=False, help_text="村间转移时必填：迁入村的代码"
    )
    note = text_field("说明", max_length=200, required=False, multiline=True)


class MergeInput(serializers.Serializer):
    duplicate = integer_field("重复记录", help_text="并入本记录的重复儿童记录 id")


class _ChildEventView(WriteApiView):
    """GET lists the child's records of one kind; POST records one through the page's action."""

    model = None
    output = None
    input = None
    order = ()

    def get(self, request, pk: int):
        child = _child_or_404(request, pk)
        rows = self.model.objects.filter(child=child).order_by(*self.order, "id")
        return Response(self.output(rows, many=True).data)

    def post(self, request, pk: int):
        child = _child_or_404(request, pk)
        values = self.validated(self.input)
        row = self.perform(request, child, values)
        return Response(self.output(row).data, status=status.HTTP_201_CREATED)


class ChildConsentView(_ChildEventView):
    model, output, input, order = Consent, ConsentSerializer, ConsentInput, ("signed_on",)

    @extend_schema(
        operation_id="child_consents_list", summary="儿童的知情同意书", responses=ConsentSerializer(many=True)
    )
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(
        operation_id="child_consent_create",
        summary="登记知情同意书（与儿童页面同一操作）",
        request=ConsentInput,
        responses={201: ConsentSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, child, values):
        return actions.record_consent(child, acting_user=request.user, **values)


class ChildAssessmentView(_ChildEventView):
    model, output, input, order = Assessment, AssessmentSerializer, AssessmentInput, ("assessed_on",)

    @extend_schema(
        operation_id="child_assessments_list", summary="儿童的医生评估", responses=AssessmentSerializer(many=True)
    )
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(
        operation_id="child_assessment_create",
        summary="登记医生评估：适宜或不适宜服用（E8）",
        request=AssessmentInput,
        responses={201: AssessmentSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, child, values):
        return actions.record_assessment(child, acting_user=request.user, **values)


class ChildMoveView(_ChildEventView):
    model, output, input, order = Move, MoveSerializer, MoveInput, ("happened_on",)

    @extend_schema(
        operation_id="child_moves_list",
        summary="儿童的迁入、迁出、村间转移与死亡登记",
        responses=MoveSerializer(many=True),
    )
    def get(self, request, pk: int):
        return super().get(request, pk)

    @extend_schema(
        operation_id="child_move_create",
        summary="登记迁入、迁出、村间转移（to_village 为迁入村代码）或死亡",
        request=MoveInput,
        responses={201: MoveSerializer, **ERRORS},
    )
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, child, values):
        code = values.pop("to_village")
        to_village = access.unit_in_scope_or_404(request.user, code) if code else None
        return actions.move_child(child, to_village=to_village, acting_user=request.user, **values)


class ChildMergeView(WriteApiView):
    @extend_schema(
        operation_id="child_merge",
        summary="合并重复记录：重复记录的全部历史并入本记录，重复记录标记为已合并",
        request=MergeInput,
        responses={200: ChildSerializer, **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int):
        keep = _child_or_404(request, pk)
        values = self.validated(MergeInput)
        duplicate = _child_or_404(request, values["duplicate"])
        try:
            keep = actions.merge_children(keep, duplicate, acting_user=request.user)
        except ValidationError as exc:
            # merged by someone else meanwhile: a conflict with the records' state, not bad input
            if Child.objects.filter(pk=duplicate.pk, merged_into__isnull=False).exists():
                raise Conflict(exc.messages) from None
            raise
        keep = Child.objects.select_related("village").get(pk=keep.pk)
        context = {
            "request": request,
            "decisions": {keep.pk: eligibility.decide(keep, actions.today())},
            "full_identity": access.full_identity_for_one(request.user),
        }
        return Response(ChildSerializer(keep, context=context).data)


class ForceMajeureSerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.display_name", read_only=True)
    declared_by = serializers.CharField(source="declared_by.display_name", read_only=True, default=None)

    class Meta:
        model = ForceMajeure
        fields = ["id", "unit", "unit_name", "first_month", "last_month", "reason", "declared_by", "declared_at"]


class ForceMajeureInput(serializers.Serializer):
    unit = text_field("认定单位代码", max_length=20, help_text="县或乡镇的代码")
    first_month = text_field("起始月份", max_length=20, help_text="年月：2026-03（也可写 2026/3、2026年3月）")
    last_month = text_field("截止月份", max_length=20, help_text="年月：2026-03（也可写 2026/3、2026年3月）")
    reason = text_field("原因", max_length=200)


class ForceMajeureView(WriteApiView):
    @extend_schema(
        operation_id="force_majeure_list",
        summary="适用于本人管辖范围的不可抗力认定（未撤销）",
        responses=ForceMajeureSerializer(many=True),
    )
    def get(self, request):
        if not access.can(request.user, "registers.view"):
            raise Http404("未找到该页面")
        root = access.scope_root(request.user)
        rows = queries.force_majeure_for(root)
        return Response(ForceMajeureSerializer(rows, many=True).data)

    @extend_schema(
        operation_id="force_majeure_declare",
        summary="认定不可抗力月份（县或乡镇；E5 跳过这些月份）",
        request=ForceMajeureInput,
        responses={201: ForceMajeureSerializer, **ERRORS},
    )
    def post(self, request):
        values = self.validated(ForceMajeureInput)
        unit = access.unit_in_scope_or_404(request.user, values.pop("unit"))
        row = actions.declare_force_majeure(unit, acting_user=request.user, **values)
        return Response(ForceMajeureSerializer(row).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------------------------
# 更正 / 撤销 of a register entry (jiceng/nutrition/amend.py), the same actions as the child's page
# ---------------------------------------------------------------------------------------------


class ReasonInput(serializers.Serializer):
    reason = text_field("原因", max_length=200, multiline=True)


class CollectionInput(serializers.Serializer):
    collected_on = date_field("领取日期")
    packs = integer_field("包数", min_value=1, max_value=30)
    collected_by = text_field("领取人", max_length=50, required=False)


class CorrectionFollowUpInput(PlainTextModelSerializer):
    class Meta:
        model = FollowUp
        fields = list(FollowUp.ENTERED_FIELDS)


CORRECTION_INPUTS = {
    "collection": (CollectionInput, CollectionSerializer),
    "consent": (ConsentInput, ConsentSerializer),
    "assessment": (AssessmentInput, AssessmentSerializer),
    "followup": (CorrectionFollowUpInput, FollowUpSerializer),
    "move": (MoveInput, MoveSerializer),
}


def _entry_in_child(request, pk: int, kind: str, entry: int):
    from jiceng.nutrition import amend

    child = _child_or_404(request, pk)
    item = amend.entry_or_404(request.user, kind, entry)
    if item.child_id != child.pk:
        raise Http404("未找到该记录")
    return item


class EntryCancelView(WriteApiView):
    @extend_schema(
        operation_id="child_entry_cancel",
        summary="撤销一条登记（kind: collection 领取、consent 知情同意书、assessment 医生评估、followup 随访卡、move 迁移/死亡），须写原因",
        request=ReasonInput,
        responses={200: OpenApiResponse(description="已撤销"), **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int, kind: str, entry: int):
        from jiceng.nutrition import amend

        item = _entry_in_child(request, pk, kind, entry)
        values = self.validated(ReasonInput)
        amend.cancel_entry(kind, item.pk, reason=values["reason"], acting_user=request.user)
        return Response({"id": item.pk, "kind": kind, "cancelled": True, "reason": values["reason"]})


class EntryCorrectView(WriteApiView):
    @extend_schema(
        operation_id="child_entry_correct",
        summary="更正一条登记：给出要改的字段和原因；原记录标为已更正，返回更正后的新记录",
        request=ReasonInput,
        responses={201: OpenApiResponse(description="更正后的记录"), **ERRORS, **CONFLICT},
    )
    def post(self, request, pk: int, kind: str, entry: int):
        from jiceng.nutrition import amend

        item = _entry_in_child(request, pk, kind, entry)
        reason = self.validated(ReasonInput)["reason"]
        input_class, output_class = CORRECTION_INPUTS[kind]
        values = self.validated(input_class, partial=True)
        if kind == "move" and "to_village" in values:
            code = values.pop("to_village")
            values["to_village"] = access.unit_in_scope_or_404(request.user, code) if code else None
        fixed = amend.correct_entry(kind, item.pk, values=values, reason=reason, acting_user=request.user)
        return Response(output_class(fixed).data, status=status.HTTP_201_CREATED)
