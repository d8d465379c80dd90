"""REST API of the child register. Querysets go through the access module; writes go through actions."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from jiceng.accounts import access
from jiceng.audit.recorder import record
from jiceng.nutrition import actions, eligibility
from jiceng.nutrition.models import Child, Collection, FollowUp
from jiceng.standards.idnumber import mask_id_number, mask_phone


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
        return access.can(self.context["request"].user, "registers.view_full_identity")

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
    village_code = serializers.CharField()
    name = serializers.CharField(max_length=50, trim_whitespace=False)
    sex = serializers.ChoiceField(choices=["M", "F"])
    birth_date = serializers.DateField()
    id_number = serializers.CharField(required=False, allow_blank=True, default="")
    poor_household = serializers.BooleanField(default=False)
    relocation_site = serializers.BooleanField(default=False)
    special_condition = serializers.BooleanField(default=False)
    caregiver_name = serializers.CharField(required=False, allow_blank=True, default="")
    caregiver_relation = serializers.CharField(required=False, allow_blank=True, default="")
    caregiver_phone = serializers.CharField(required=False, allow_blank=True, default="")


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
        log_api_read(request, "children", len(children))
        return self.get_paginated_response(ChildSerializer(children, many=True, context=context).data)

    @extend_schema(request=ChildCreateSerializer, responses=ChildSerializer)
    def post(self, request, *args, **kwargs):
        data = ChildCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        village = access.unit_in_scope_or_404(request.user, values.pop("village_code"))
        child = _perform(actions.register_child, actions.ChildData(**values), village=village, acting_user=request.user)
        return Response(
            ChildSerializer(child, context=self.get_serializer_context()).data, status=status.HTTP_201_CREATED
        )


class ChildDetailView(generics.RetrieveAPIView):
    serializer_class = ChildSerializer

    def get_object(self):
        return access.object_in_scope_or_404(
            self.request.user, Child.objects.select_related("village"), unit_field="village", pk=self.kwargs["pk"]
        )

    def retrieve(self, request, *args, **kwargs):
        child = self.get_object()
        context = {**self.get_serializer_context(), "decisions": {child.pk: eligibility.decide(child, actions.today())}}
        return Response(ChildSerializer(child, context=context).data)


class CollectionSerializer(serializers.ModelSerializer):
    child = serializers.IntegerField(source="child_id")
    unit_code = serializers.CharField(source="unit.code", read_only=True)

    class Meta:
        model = Collection
        fields = ["id", "child", "unit_code", "collected_on", "month", "packs", "collected_by"]
        read_only_fields = ["id", "unit_code", "month"]


class CollectionListView(ActionView):
    """Collections (发放登记) in the caller's subtree; POST records one through the rules (E1–E9)."""

    serializer_class = CollectionSerializer

    @extend_schema(parameters=[OpenApiParameter("month", str, description="YYYY-MM")])
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
        )
        return Response(CollectionSerializer(collection).data, status=status.HTTP_201_CREATED)


class FollowUpSerializer(serializers.ModelSerializer):
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


def log_api_read(request, what: str, count: int) -> None:
    """PIPL: reading personal data in bulk through the API is logged like an export."""
    record(
        actor=request.user,
        action=f"api.read.{what}",
        object_type=what,
        object_repr=f"{count} 条",
        unit=access.scope_root(request.user),
        after={"count": count, "at": dt.datetime.now().isoformat()},
    )
