from django.urls import include, path

urlpatterns = [
    path("api/reports/", include("jiceng.reporting.api_urls")),
    path("api/", include("jiceng.api.urls")),
    path("", include("jiceng.web.urls")),
]
