"""REST API. Every queryset goes through ``jiceng.accounts.access``; out of scope is 404."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics
from rest_framework.response import Response
from rest_framework.views import APIView

from jiceng.accounts import access
from jiceng.api.serializers import MeSerializer, OrgUnitSerializer


class MeView(APIView):
    @extend_schema(responses=MeSerializer, summary="当前用户及其管辖范围")
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class UnitListView(generics.ListAPIView):
    """Units the caller may see (their subtree)."""

    serializer_class = OrgUnitSerializer

    def get_queryset(self):
        queryset = access.visible_units(self.request.user).select_related("parent").order_by("path")
        level = self.request.query_params.get("level")
        return queryset.filter(level=level) if level else queryset


class UnitDetailView(generics.RetrieveAPIView):
    serializer_class = OrgUnitSerializer
    lookup_field = "code"

    def get_object(self):
        return access.unit_in_scope_or_404(self.request.user, self.kwargs["code"])
