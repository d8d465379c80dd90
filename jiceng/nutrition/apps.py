from django.apps import AppConfig


class NutritionConfig(AppConfig):
    name = "jiceng.nutrition"
    label = "nutrition"
    verbose_name = "儿童营养改善项目"
