from django.apps import AppConfig


class StockConfig(AppConfig):
    name = "jiceng.stock"
    label = "stock"
    verbose_name = "营养包出入库"
