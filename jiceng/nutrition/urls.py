from django.urls import path

from jiceng.nutrition import views

urlpatterns = [
    path("children/", views.child_list, name="children"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
]
