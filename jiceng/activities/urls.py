from django.urls import path

from jiceng.activities import api, views

urlpatterns = [
    path("", views.activity_list, name="activities"),
    path("api/trainings/", api.TrainingListCreate.as_view(), name="api_trainings"),
    path("api/events/", api.EducationListCreate.as_view(), name="api_education_events"),
    path("api/totals/", api.TotalsView.as_view(), name="api_activity_totals"),
    path("<str:kind>/new/", views.activity_new, name="activity_new"),
    path("<str:kind>/<int:pk>/", views.activity_detail, name="activity_detail"),
]
