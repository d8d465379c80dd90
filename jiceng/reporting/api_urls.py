"""URL patterns of the reports API; included by the project under ``api/reports/``."""

from django.urls import path, re_path

from jiceng.reporting import api, exchange_api

urlpatterns = [
    path("", api.ReportStatusView.as_view(), name="api_reports"),
    path("datasets/", api.DatasetListView.as_view(), name="api_report_datasets"),
    # before <dataset>/<code>/<period>/ so that it wins: DHIS2 dataValueSets JSON and ADX, out and in
    path("dataValueSets/", exchange_api.DataValueSetsView.as_view(), name="api_report_datavaluesets"),
    path("<str:dataset>/<str:code>/<str:period>/", api.ReportDetailView.as_view(), name="api_report_detail"),
    re_path(
        r"^(?P<dataset>[^/]+)/(?P<code>[^/]+)/(?P<period>[^/]+)/(?P<action>values|submit|approve|return|missing)/?$",
        api.ReportActionView.as_view(),
        name="api_report_action",
    ),
]
