from django.urls import include, path

urlpatterns = [
    path("api/reports/", include("jiceng.reporting.api_urls")),
    path("api/", include("jiceng.api.urls")),
    path("", include("jiceng.web.urls")),
]

handler400 = "jiceng.web.errors.bad_request"
handler403 = "jiceng.web.errors.permission_denied"
handler404 = "jiceng.web.errors.page_not_found"
handler500 = "jiceng.web.errors.server_error"
