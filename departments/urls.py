from django.urls import path

from . import views

app_name = "departments"

urlpatterns = [
    path("liaisons/", views.liaisons, name="liaisons"),
    path("liaisons/<int:pk>/register/", views.liaison_register, name="liaison_register"),
    path("liaisons/<int:pk>/deactivate/", views.liaison_deactivate, name="liaison_deactivate"),
    path("media-accounts/", views.media_accounts, name="media_accounts"),
    path("media-accounts/<int:pk>/", views.media_accounts, name="media_account_edit"),
]
