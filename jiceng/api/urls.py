from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from jiceng.api import tokens, views
from jiceng.indicators.api import IndicatorView
from jiceng.nutrition import api as nutrition_api

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api_schema"), name="api_docs"),
    path("token/", tokens.ObtainTokenView.as_view(), name="api_token"),
    path("token/revoke/", tokens.RevokeTokenView.as_view(), name="api_token_revoke"),
    path("me/", views.MeView.as_view(), name="api_me"),
    path("units/", views.UnitListView.as_view(), name="api_units"),
    path("units/<str:code>/", views.UnitDetailView.as_view(), name="api_unit_detail"),
    path("children/", nutrition_api.ChildListView.as_view(), name="api_children"),
    path("children/<int:pk>/", nutrition_api.ChildDetailView.as_view(), name="api_child_detail"),
    path("children/<int:pk>/consents/", nutrition_api.ChildConsentView.as_view(), name="api_child_consents"),
    path("children/<int:pk>/assessments/", nutrition_api.ChildAssessmentView.as_view(), name="api_child_assessments"),
    path("children/<int:pk>/moves/", nutrition_api.ChildMoveView.as_view(), name="api_child_moves"),
    path("children/<int:pk>/merge/", nutrition_api.ChildMergeView.as_view(), name="api_child_merge"),
    path(
        "children/<int:pk>/entries/<str:kind>/<int:entry>/cancel",
        nutrition_api.EntryCancelView.as_view(),
        name="api_child_entry_cancel",
    ),
    path(
        "children/<int:pk>/entries/<str:kind>/<int:entry>/correct",
        nutrition_api.EntryCorrectView.as_view(),
        name="api_child_entry_correct",
    ),
    path("force-majeure/", nutrition_api.ForceMajeureView.as_view(), name="api_force_majeure"),
    path("collections/", nutrition_api.CollectionListView.as_view(), name="api_collections"),
    path("followups/", nutrition_api.FollowUpListView.as_view(), name="api_followups"),
    path("indicators/", IndicatorView.as_view(), name="api_indicators"),
    path("stock/", include("jiceng.stock.api_urls")),
    path("activities/", include("jiceng.activities.api_urls")),
    path("benefits/", include("jiceng.benefits.api_urls")),
    path("supervision/", include("jiceng.supervision.api_urls")),
]
