from django.urls import path

from jiceng.indicators import views

urlpatterns = [
    path("", views.dashboard_index, name="indicators"),
    path("<str:code>/", views.dashboard, name="indicator_dashboard"),
    path("<str:code>/targets/", views.targets, name="indicator_targets"),
]
