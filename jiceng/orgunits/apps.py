from django.apps import AppConfig


class OrgUnitsConfig(AppConfig):
    name = "jiceng.orgunits"
    label = "orgunits"
    verbose_name = "组织机构"
