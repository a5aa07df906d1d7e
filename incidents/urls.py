from django.urls import path

from . import views

app_name = "incidents"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/<int:pk>/", views.incident_detail, name="detail"),
    path("evidence/<int:pk>/download/", views.evidence_download, name="evidence_download"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/read/", views.notice_mark_read, name="notices_read"),
    path("health/", views.health, name="health"),
]
