from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    # 统一身份认证: the service URL registered at the CAS server (its back-channel logout posts here too).
    path("cas/login/", views.CASLoginView.as_view(), name="cas_login"),
]
