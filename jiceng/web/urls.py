from django.urls import include, path
from django.views.i18n import set_language

from jiceng.web import users, views
from jiceng.web.login import JicengLoginView, JicengLogoutView

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", JicengLoginView.as_view(), name="login"),
    path("logout/", JicengLogoutView.as_view(), name="logout"),
    path("account/password/", views.change_password, name="change_password"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("units/", views.unit_list, name="units"),
    path("units/import/", users.unit_import, name="units_import"),
    path("units/import/template.xlsx", users.unit_import_template, name="units_import_template"),
    path("units/<str:code>/", views.unit_detail, name="unit_detail"),
    path("units/<str:code>/edit/", views.unit_edit, name="unit_edit"),
    path("audit/", views.audit_list, name="audit"),
    path("users/", users.user_list, name="users"),
    path("users/import/", users.user_import, name="users_import"),
    path("users/import/template.xlsx", users.user_import_template, name="users_import_template"),
    path("security/logins/", views.login_history, name="login_history"),
    path("", include("jiceng.nutrition.urls")),
    path("stock/", include("jiceng.stock.urls")),
    path("reports/import/", include("jiceng.reporting.import_urls")),
    path("reports/", include("jiceng.reporting.urls")),
    path("indicators/", include("jiceng.indicators.urls")),
    path("summaries/", include("jiceng.summaries.urls")),
    path("registers/", include("jiceng.nutrition.excel_urls")),
    path("activities/", include("jiceng.activities.urls")),
    path("benefits/", include("jiceng.benefits.urls")),
    path("jobs/", include("jiceng.jobs.urls")),
    path("supervision/", include("jiceng.supervision.urls")),
    path("healthz", views.healthz, name="healthz"),
]
