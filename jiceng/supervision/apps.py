from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "jiceng.supervision"
    label = "supervision"
    verbose_name = "督导检查与整改"
