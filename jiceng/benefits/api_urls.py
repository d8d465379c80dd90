from django.urls import path

from jiceng.benefits import api

urlpatterns = [
    path("enrolments/", api.EnrolmentListView.as_view(), name="api_benefit_enrolments"),
    path("enrolments/<int:pk>/", api.EnrolmentDetailView.as_view(), name="api_benefit_enrolment"),
    path("enrolments/<int:pk>/objections/", api.ObjectionView.as_view(), name="api_benefit_objections"),
    path("enrolments/<int:pk>/exit/", api.ExitView.as_view(), name="api_benefit_exit"),
    path("enrolments/<int:pk>/<str:step>/", api.StepView.as_view(), name="api_benefit_step"),
    path("objections/<int:pk>/resolve/", api.ResolveView.as_view(), name="api_benefit_resolve"),
    path("families/", api.FamilyCreateView.as_view(), name="api_benefit_families"),
    path("batches/", api.BatchView.as_view(), name="api_benefit_batches"),
]
