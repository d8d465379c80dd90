"""REST API of the benefit rosters, limited to the caller's subtree (mounted at ``/api/benefits/``).

- ``GET enrolments/?year=&scheme=&state=``: a year's enrolments (ID and bank-account numbers masked unless the
  caller's role pays; every list request is audited with its row count, like the other personal-data lists).
- ``GET enrolments/<id>/``: one enrolment with the rules' sentence and the named reviewers.
- ``POST families/``: register a family and declare its parents for a scheme and year (the page's form).
- ``POST enrolments/<id>/<village_check|township_review|approve|return>/`` with ``version`` (and ``reason``).
- ``POST enrolments/<id>/objections/``, ``POST objections/<id>/resolve/``, ``POST enrolments/<id>/exit/``.
- ``GET|POST batches/`` (the role that pays): payment batches with their totals; POST creates one.

Refusals are the API's usual answers: 400 with the action's Chinese field messages, 403 for a role that may
not act, 404 outside the subtree, 409 for a stale ``version`` or a record already handled.
"""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response

from jiceng.accounts import access
from jiceng.benefits import actions, payments, queries
from jiceng.benefits.models import Enrolment, Exit, Objection, PaymentBatch, Sex
from jiceng.benefits.rules import schemes
from jiceng.nutrition.api import (
    CONFLICT,
    ERRORS,
    WriteApiView,
    boolean_field,
    choice_field,
    date_field,
    integer_field,
    text_field,
)


def _require_view(user) -> None:
    if not access.can(user, "benefits.view"):
        raise NotFound("未找到")


class EnrolmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="person.name", read_only=True)
    village_code = serializers.CharField(source="village.code", read_only=True)
    id_number = serializers.SerializerMethodField()
    bank_account = serializers.SerializerMethodField()
    state_label = serializers.CharField(source="get_state_display", read_only=True)
    declared_by = serializers.StringRelatedField()
    village_checked_by = serializers.StringRelatedField()
    township_reviewed_by = serializers.StringRelatedField()
    approved_by = serializers.StringRelatedField()
    returned_by = serializers.StringRelatedField()

    class Meta:
        model = Enrolment
        fields = [
            "id", "name", "village_code", "id_number", "bank_account", "scheme", "category", "year", "state",
            "state_label", "eligible", "rules_says", "per_month", "per_year", "new_entrant", "version",
            "declared_by", "village_checked_by", "township_reviewed_by", "approved_by", "returned_by",
            "return_reason",
        ]  # fmt: skip

    def _numbers(self, obj):
        cache = self.context.setdefault("numbers", {})
        if obj.person_id not in cache:
            cache[obj.person_id] = queries.numbers_for(self.context["request"].user, obj.person)
        return cache[obj.person_id]

    def get_id_number(self, obj) -> str:
        return self._numbers(obj)[0]

    def get_bank_account(self, obj) -> str:
        return self._numbers(obj)[1]


class EnrolmentListView(generics.ListAPIView):
    serializer_class = EnrolmentSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="年度(默认今年)"),
            OpenApiParameter("scheme", str, enum=list(schemes.SCHEMES)),
            OpenApiParameter("state", str, enum=list(Enrolment.State.values)),
        ]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        user = self.request.user
        _require_view(user)
        params = self.request.query_params
        year = params.get("year", "")
        if year and (not year.isascii() or not year.isdigit() or len(year) > 4 or not 2004 <= int(year) <= 2100):
            raise ValidationError({"year": ["年度:应为2004至2100年"]})
        scheme, state = params.get("scheme", ""), params.get("state", "")
        if scheme and scheme not in schemes.SCHEMES:
            raise ValidationError({"scheme": [f"项目:应为{'、'.join(schemes.SCHEMES)}之一"]})
        if state and state not in Enrolment.State.values:
            raise ValidationError({"state": ["状态:无效的选项"]})
        return queries.enrolments(user, year=int(year) if year else None, scheme=scheme, state=state).order_by("id")


class EnrolmentDetailView(generics.RetrieveAPIView):
    serializer_class = EnrolmentSerializer

    def get_object(self):
        user = self.request.user
        _require_view(user)
        return access.object_in_scope_or_404(user, queries.enrolments(user), unit_field="village", pk=self.kwargs["pk"])


class PersonIn(serializers.Serializer):
    role = choice_field("家庭角色", [("mother", "母亲"), ("father", "父亲")])
    name = text_field("姓名", max_length=50)
    sex = choice_field("性别", Sex.choices)
    birth_date = date_field("出生日期")
    id_number = text_field("身份证号", max_length=18)
    rural = boolean_field("农业户口", required=False, default=True)
    bank_name = text_field("开户银行", max_length=50, required=False)
    bank_account = text_field("一卡通账号", max_length=30, required=False)
    complication_grade = integer_field("手术并发症等级", required=False, allow_null=True, min_value=1, max_value=3)


class ChildIn(serializers.Serializer):
    name = text_field("子女姓名", max_length=50)
    sex = choice_field("子女性别", Sex.choices)
    birth_date = date_field("子女出生日期")
    status = choice_field("子女状态", [(s, s) for s in schemes.CHILD_STATUSES], required=False, default=schemes.ALIVE)
    died_on = date_field("子女死亡日期", required=False, allow_null=True)
    disability_grade = integer_field("伤病残等级", required=False, allow_null=True, min_value=1, max_value=10)
    adopted = boolean_field("合法收养", required=False, default=False)


class CertificateIn(serializers.Serializer):
    kind = choice_field("证件", [(k, k) for k in ("only_child", "disability", "complication", "death", "give_up")])
    number = text_field("证件编号", max_length=40)
    issued_on = date_field("发证日期")


class FamilyIn(serializers.Serializer):
    village = text_field("所属村代码", max_length=20)
    address = text_field("住址", max_length=100, required=False)
    people = PersonIn(many=True, max_length=2)
    children = ChildIn(many=True, required=False, max_length=20)
    certificates = CertificateIn(many=True, required=False, max_length=10)
    scheme = choice_field("申报项目", [(s, s) for s in schemes.SCHEMES])
    category = choice_field(
        "特扶类别", [("", "")] + [(c, c) for c in schemes.TEFU_CATEGORIES], required=False, default=""
    )
    year = integer_field("年度", min_value=2004, max_value=2100)


class FamilyCreateView(WriteApiView):
    @extend_schema(request=FamilyIn, responses={201: EnrolmentSerializer(many=True), **ERRORS})
    def post(self, request):
        data = self.validated(FamilyIn)
        family_input = actions.FamilyInput(
            village_code=data["village"],
            address=data.get("address", ""),
            people=[actions.PersonInput(**p) for p in data["people"]],
            children=[actions.ChildInput(**c) for c in data.get("children", [])],
            certificates=[actions.CertificateInput(**c) for c in data.get("certificates", [])],
        )
        _family, declared = actions.register_and_declare(
            request.user, family_input, data["scheme"], data["year"], data.get("category", "")
        )
        body = EnrolmentSerializer(declared, many=True, context={"request": request}).data
        return Response(body, status=status.HTTP_201_CREATED)


class StepIn(serializers.Serializer):
    version = integer_field("版本", min_value=1, max_value=2**31 - 1)
    reason = text_field("原因", max_length=500, required=False, multiline=True)


STEPS = {
    "village_check": lambda user, e, d: actions.village_check(user, e, d["version"]),
    "township_review": lambda user, e, d: actions.township_review(user, e, d["version"]),
    "approve": lambda user, e, d: actions.approve(user, e, d["version"], d.get("reason", "")),
    "return": lambda user, e, d: actions.return_enrolment(user, e, d.get("reason", ""), d["version"]),
}


def _enrolment(request, pk: int) -> Enrolment:
    _require_view(request.user)
    return access.object_in_scope_or_404(request.user, Enrolment.objects.all(), unit_field="village", pk=pk)


class StepView(WriteApiView):
    @extend_schema(request=StepIn, responses={200: EnrolmentSerializer, **ERRORS, **CONFLICT})
    def post(self, request, pk: int, step: str):
        if step not in STEPS:
            raise NotFound("未找到")
        enrolment = _enrolment(request, pk)
        data = self.validated(StepIn)
        done = STEPS[step](request.user, enrolment, data)
        return Response(EnrolmentSerializer(done, context={"request": request}).data)


class ObjectionIn(serializers.Serializer):
    objector = text_field("反映人", max_length=50)
    content = text_field("异议内容", max_length=500, multiline=True)
    raised_on = date_field("提出日期")


class ObjectionOut(serializers.ModelSerializer):
    class Meta:
        model = Objection
        fields = ["id", "enrolment", "raised_on", "objector", "content", "resolution", "upheld", "resolved_at"]


class ObjectionView(WriteApiView):
    @extend_schema(request=ObjectionIn, responses={201: ObjectionOut, **ERRORS})
    def post(self, request, pk: int):
        enrolment = _enrolment(request, pk)
        objection = actions.record_objection(request.user, enrolment, **self.validated(ObjectionIn))
        return Response(ObjectionOut(objection).data, status=status.HTTP_201_CREATED)


class ResolveIn(serializers.Serializer):
    resolution = text_field("核实结果", max_length=500, multiline=True)
    upheld = boolean_field("异议成立")


class ResolveView(WriteApiView):
    @extend_schema(request=ResolveIn, responses={200: ObjectionOut, **ERRORS, **CONFLICT})
    def post(self, request, pk: int):
        _require_view(request.user)
        objection = access.object_in_scope_or_404(
            request.user, Objection.objects.all(), unit_field="enrolment__village", pk=pk
        )
        data = self.validated(ResolveIn)
        done = actions.resolve_objection(request.user, objection, data["resolution"], data["upheld"])
        return Response(ObjectionOut(done).data)


class ExitIn(serializers.Serializer):
    reason = choice_field("退出原因", Exit.Reason.choices)
    event_date = date_field("发生日期")
    note = text_field("说明", max_length=500, required=False)


class ExitOut(serializers.ModelSerializer):
    class Meta:
        model = Exit
        fields = ["id", "enrolment", "reason", "event_date", "stop_month", "overpayment"]


class ExitView(WriteApiView):
    @extend_schema(request=ExitIn, responses={201: ExitOut(many=True), **ERRORS})
    def post(self, request, pk: int):
        enrolment = _enrolment(request, pk)
        exits = actions.record_exit(request.user, enrolment.person, **self.validated(ExitIn))
        return Response(ExitOut(exits, many=True).data, status=status.HTTP_201_CREATED)


class BatchIn(serializers.Serializer):
    scheme = choice_field("项目", [(s, s) for s in schemes.SCHEMES])
    year = integer_field("年度", min_value=2004, max_value=2100)
    first_month = integer_field("起始月", min_value=1, max_value=12)
    last_month = integer_field("截止月", min_value=1, max_value=12)
    enrolments = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1), required=False, max_length=100_000
    )


class BatchOut(serializers.ModelSerializer):
    totals = serializers.SerializerMethodField()

    class Meta:
        model = PaymentBatch
        fields = ["id", "scheme", "year", "first_month", "last_month", "state", "totals"]

    def get_totals(self, obj) -> dict:
        totals = payments.batch_totals(obj)
        return {
            "people": totals["people"],
            "amount": f"{totals['amount']:.2f}",
            **{
                s: {"people": totals[s]["people"], "amount": f"{totals[s]['amount']:.2f}"}
                for s in ("paid", "failed", "pending")
            },
        }


class BatchView(WriteApiView):
    def _require_pay(self):
        if not access.can(self.request.user, "benefits.pay"):
            raise NotFound("未找到")

    @extend_schema(responses={200: BatchOut(many=True), **ERRORS})
    def get(self, request):
        self._require_pay()
        rows = access.scoped(request.user, PaymentBatch.objects.all(), unit_field="county")[:200]
        return Response(BatchOut(rows, many=True).data)

    @extend_schema(request=BatchIn, responses={201: BatchOut, **ERRORS})
    def post(self, request):
        self._require_pay()
        data = self.validated(BatchIn)
        batch, skipped = payments.create_batch(
            request.user, data["scheme"], data["year"], data["first_month"], data["last_month"], data.get("enrolments")
        )
        body = {**BatchOut(batch).data, "skipped": [{"enrolment": s.enrolment.pk, "reason": s.reason} for s in skipped]}
        return Response(body, status=status.HTTP_201_CREATED)
