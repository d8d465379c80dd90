"""URL patterns of the supervision API; included by jiceng/api/urls.py under ``api/supervision/``."""

from django.urls import path

from jiceng.supervision import api

urlpatterns = [
    path("findings/", api.FindingList.as_view(), name="api_supervision_findings"),
    path("findings/<int:pk>/", api.FindingDetail.as_view(), name="api_supervision_finding"),
    path("findings/<int:pk>/reply/", api.FindingReply.as_view(), name="api_supervision_reply"),
    path("findings/<int:pk>/recheck/", api.FindingRecheck.as_view(), name="api_supervision_recheck"),
    path("records/", api.RecordList.as_view(), name="api_supervision_records"),
    path("scores/", api.ScoreView.as_view(), name="api_supervision_scores"),
]
