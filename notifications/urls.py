from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("notices/", views.notice_list, name="list"),
    path("notices/read/", views.notice_mark_read, name="read"),
]
