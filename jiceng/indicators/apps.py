from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "jiceng.indicators"
    label = "indicators"
    verbose_name = "指标与目标"
