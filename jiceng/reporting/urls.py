from django.urls import path

from jiceng.reporting import views

urlpatterns = [
    path("", views.report_index, name="reports"),
    path("<str:dataset>/<str:code>/<str:period>/", views.report_detail, name="report_detail"),
    path("<str:dataset>/<str:code>/<str:period>/action/", views.report_action, name="report_action"),
    path("<str:dataset>/<str:code>/<str:period>/export.xlsx", views.report_export, name="report_export"),
    path("<str:dataset>/<str:code>/<str:period>/units-table/", views.units_table_job, name="units_table_job"),
]
