from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("new/", views.period_create, name="period_create"),
    path("seed/", views.seed, name="seed"),
    path("<int:pk>/", views.period_detail, name="period_detail"),
    path("<int:pk>/edit/", views.period_edit, name="period_edit"),
    path("<int:pk>/delete/", views.period_delete, name="period_delete"),
    path("<int:pk>/roster/", views.roster, name="roster"),
    path("nil-report/", views.nil_report, name="nil_report"),
    path("nil-reports/", views.nil_report_status, name="nil_report_status"),
]
