from django.urls import path

from jiceng.benefits import views

urlpatterns = [
    path("", views.roster, name="benefits"),
    path("families/new/", views.family_new, name="benefit_family_new"),
    path("enrolments/<int:pk>/", views.enrolment_detail, name="benefit_enrolment"),
    path("enrolments/<int:pk>/objections/", views.objection_new, name="benefit_objection_new"),
    path("enrolments/<int:pk>/exit/", views.exit_new, name="benefit_exit"),
    path("enrolments/<int:pk>/<str:step>/", views.enrolment_step, name="benefit_step"),
    path("objections/<int:pk>/resolve/", views.objection_resolve, name="benefit_objection_resolve"),
    path("notices/", views.notices, name="benefit_notices"),
    path("notices/<int:pk>/", views.notice_print, name="benefit_notice"),
    path("payments/", views.batches, name="benefit_batches"),
    path("payments/<int:pk>/", views.batch_detail, name="benefit_batch"),
    path("payments/<int:pk>/file.xlsx", views.batch_file, name="benefit_batch_file"),
    path("payments/follow-up/<int:pk>/", views.payment_follow_up, name="benefit_follow_up"),
    path("carry-forward/", views.carry_forward, name="benefit_carry_forward"),
    path("list-checks/", views.list_checks, name="benefit_list_checks"),
    path("list-checks/items/<int:pk>/", views.work_item_resolve, name="benefit_work_item_resolve"),
]
