from django.urls import path

from jiceng.supervision import views

urlpatterns = [
    path("", views.index, name="supervision"),
    path("inspect/", views.inspect_choose, name="supervision_inspect"),
    path("inspect/<str:code>/", views.inspect_unit, name="supervision_inspect_unit"),
    path("records/", views.record_list, name="supervision_records"),
    path("records/<int:pk>/", views.record_detail, name="supervision_record"),
    path("records/<int:pk>/withdraw/", views.record_withdraw, name="supervision_record_withdraw"),
    path("notices/new/", views.notice_issue, name="supervision_notice_issue"),
    path("notices/<int:pk>/", views.notice_detail, name="supervision_notice"),
    path("notices/<int:pk>/notice.docx", views.notice_docx, name="supervision_notice_docx"),
    path("notices/<int:pk>/receipt/", views.notice_receipt, name="supervision_notice_receipt"),
    path("from-data/", views.from_data, name="supervision_from_data"),
    path("findings/", views.finding_list, name="supervision_findings"),
    path("findings/<int:pk>/", views.finding_detail, name="supervision_finding"),
    path("assessment/", views.ranking, name="supervision_ranking"),
    path("dispatch/", views.dispatch_list, name="supervision_dispatch"),
    path("plans/", views.plan_list, name="supervision_plans"),
    path("bulletins/new/", views.bulletin_issue, name="supervision_bulletin_issue"),
    path("bulletins/<int:pk>/", views.bulletin_detail, name="supervision_bulletin"),
    path("files/<int:pk>/", views.attachment, name="supervision_file"),
]
