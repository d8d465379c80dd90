from django.apps import AppConfig


class JicengConfig(AppConfig):
    name = "jiceng"
    label = "jiceng"
    verbose_name = "基层卫健通"
