from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from accounts.forms import AdminLoginForm
from departments.access import may_administer

admin.site.site_header = "网络舆情处置管理系统"
admin.site.site_title = "舆情处置系统管理"
admin.site.index_title = "配置与数据"
# The admin is for those who administer (departments.access.may_administer), not for every staff account:
# a leader marked staff still works in the pages built for leaders.
admin.site.has_permission = lambda request: may_administer(request.user)
admin.site.login_form = AdminLoginForm  # LOCAL_LOGIN_ENABLED holds on the admin's sign-in page too

urlpatterns = [
    path("", include("incidents.urls")),
    path("", include("notifications.urls")),
    path("registers/", include("departments.urls")),
    path("reports/", include("reports.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("meetings/", include("meetings.urls")),
    path("bulletins/", include("bulletins.urls")),
    path("leads/", include("leads.urls")),
    path("audit/", include("audit.urls")),
    path("api/", include("api.urls")),
    path("accounts/login/", account_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", account_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("accounts.urls")),
    path("admin/", admin.site.urls),
]
