from django.urls import path

from jiceng.nutrition import monthly_views, views

urlpatterns = [
    path("children/", views.child_list, name="children"),
    path("children/new/", views.child_new, name="child_new"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
    path("children/<int:pk>/merge/", views.child_merge, name="child_merge"),
    path("children/<int:pk>/followup/", monthly_views.followup_new, name="followup_new"),
    path("children/<int:pk>/<str:kind>/", views.child_event, name="child_event"),
    path("children/<int:pk>/entries/<str:kind>/<int:entry>/", views.child_entry, name="child_entry"),
    path("force-majeure/", views.force_majeure, name="force_majeure"),
    path("distribution/", monthly_views.distribution_index, name="distribution_index"),
    path("distribution/<str:code>/", monthly_views.distribution, name="distribution"),
    path("distribution/<str:code>/collect/<int:pk>/", monthly_views.distribution_collect, name="distribution_collect"),
    path("followups/worklist/", monthly_views.adherence, name="adherence"),
    path("villages/<str:code>/", monthly_views.village_actions, name="village_actions"),
]
