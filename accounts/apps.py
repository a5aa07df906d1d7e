from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与密码"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from .middleware import stamp_sign_in

        # The session clock starts at sign-in; login() writes the session anyway, so this costs no query.
        user_logged_in.connect(stamp_sign_in, dispatch_uid="accounts.stamp_sign_in")
