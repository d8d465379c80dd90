"""Background jobs, mounted under ``jobs/`` (see jiceng/web/urls.py)."""

from django.urls import path

from jiceng.jobs import views

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("<uuid:pk>/", views.job_detail, name="job_detail"),
    path("<uuid:pk>/progress/", views.job_progress, name="job_progress"),
    path("<uuid:pk>/result/", views.job_result, name="job_result"),
    path("<uuid:pk>/retry/", views.job_retry, name="job_retry"),
]
