"""The typed-report import page; included by the project under ``reports/import/``."""

from django.urls import path

from jiceng.reporting import import_views

urlpatterns = [
    path("", import_views.report_import, name="report_import"),
]
