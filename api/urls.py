from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("v1/leads/", views.LeadList.as_view(), name="lead_list"),
    path("v1/leads/<int:pk>/", views.LeadDetail.as_view(), name="lead_detail"),
    path("v1/incidents/", views.IncidentList.as_view(), name="incident_list"),
    path("v1/incidents/<int:pk>/", views.IncidentDetail.as_view(), name="incident_detail"),
    path("v1/incidents/<int:pk>/deadlines/", views.IncidentDeadlines.as_view(), name="incident_deadlines"),
    path("v1/notices/", views.NoticeList.as_view(), name="notice_list"),
    path("schema/", views.SchemaView.as_view(), name="schema"),
    path("docs/", views.docs, name="docs"),
]
