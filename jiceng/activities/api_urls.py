"""URL patterns of the activities' correction API; included by jiceng/api/urls.py under ``api/activities/``.
(Listing and creating stay under ``activities/api/``, see jiceng/activities/urls.py.)"""

from django.urls import path

from jiceng.activities import api

urlpatterns = [
    path("trainings/<int:pk>/", api.TrainingDetail.as_view(), name="api_training_detail"),
    path("trainings/<int:pk>/withdraw/", api.TrainingWithdraw.as_view(), name="api_training_withdraw"),
    path("events/<int:pk>/", api.EducationDetail.as_view(), name="api_education_event_detail"),
    path("events/<int:pk>/withdraw/", api.EducationWithdraw.as_view(), name="api_education_event_withdraw"),
]
