from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.home, name="home"),
    path("overview/", views.overview, name="overview"),
    path("incidents/", views.incident_list, name="list"),
    path("incidents/export.xlsx", views.incident_list_xlsx, name="list_xlsx"),
    path("incidents/report/", views.incident_report, name="report"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    # The earlier rows of the detail page's growing lists, a page at a time (the page shows the latest ones).
    path("incidents/<int:pk>/events/", views.incident_events, name="events"),
    path("incidents/<int:pk>/progress/", views.incident_progress, name="progress"),
    path("incidents/<int:pk>/statements/", views.incident_statements, name="statements"),
    path("incidents/<int:pk>/do/<slug:name>/", views.incident_action, name="action"),
    path("statements/", views.statement_queue, name="statement_queue"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("health/", views.health, name="health"),
]
