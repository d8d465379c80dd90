from rest_framework import serializers

from jiceng.accounts.models import User
from jiceng.orgunits.models import OrgUnit


class OrgUnitSerializer(serializers.ModelSerializer):
    parent_code = serializers.CharField(source="parent.code", default=None, read_only=True)

    class Meta:
        model = OrgUnit
        fields = ["code", "name", "level", "kind", "parent_code", "altitude_m"]


class MeSerializer(serializers.ModelSerializer):
    unit = OrgUnitSerializer(read_only=True)
    scope_root = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["username", "full_name", "role", "unit", "scope_root"]

    def get_scope_root(self, user) -> str | None:
        from jiceng.accounts import access

        root = access.scope_root(user)
        return root.code if root else None
