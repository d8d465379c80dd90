from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "jiceng.reporting"
    label = "reporting"
    verbose_name = "月报表与审核"
