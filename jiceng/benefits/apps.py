from django.apps import AppConfig


class BenefitsConfig(AppConfig):
    name = "jiceng.benefits"
    label = "benefits"
    verbose_name = "计划生育奖励扶助"
