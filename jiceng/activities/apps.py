from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "jiceng.activities"
    label = "activities"
    verbose_name = "培训与健康教育活动"
