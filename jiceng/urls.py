from django.urls import include, path

urlpatterns = [
    path("api/", include("jiceng.api.urls")),
    path("", include("jiceng.web.urls")),
]
