from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_convene, name="convene"),
    path("<int:pk>/", views.meeting_detail, name="detail"),
    path("<int:pk>/minutes/", views.meeting_minutes, name="minutes"),
    path("<int:pk>/cancel/", views.meeting_cancel, name="cancel"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
    path("risks/", views.risk_items, name="risks"),
    path("risks/<int:pk>/done/", views.risk_item_done, name="risk_done"),
]
