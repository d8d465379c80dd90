from django.urls import path

from jiceng.summaries import views

urlpatterns = [
    path("", views.summary_list, name="summaries"),
    path("<int:pk>/", views.summary_edit, name="summary_edit"),
    path("<int:pk>/download.<str:fmt>", views.summary_download, name="summary_download"),
    path("<int:pk>/pdf/", views.summary_pdf_job, name="summary_pdf_job"),
    path("quarterly/", views.quarterly_pick, name="quarterly_pick"),
    path("quarterly/<str:code>/<str:period>/", views.quarterly, name="quarterly"),
]
