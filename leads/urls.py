from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/promote/", views.promote, name="promote"),
    path("<int:pk>/merge/", views.merge, name="merge"),
    path("<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("<int:pk>/screenshots/<int:shot>/", views.screenshot, name="screenshot"),
]
