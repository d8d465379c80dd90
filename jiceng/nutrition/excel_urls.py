"""Excel pages of the registers, mounted under ``registers/`` (see jiceng/web/urls.py)."""

from django.urls import path

from jiceng.nutrition import excel_views

urlpatterns = [
    path("excel/", excel_views.excel_home, name="registers_excel"),
    path("excel/templates/<str:kind>.xlsx", excel_views.excel_template, name="excel_template"),
    path("excel/import/<str:kind>/", excel_views.excel_import, name="excel_import"),
    path("excel/export/<str:kind>.xlsx", excel_views.excel_export, name="excel_export"),
]
