from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与密码"

    def ready(self):
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from .cas import forget_ticket
        from .middleware import stamp_sign_in

        # The session clock starts at sign-in; login() writes the session anyway, so this costs no query.
        user_logged_in.connect(stamp_sign_in, dispatch_uid="accounts.stamp_sign_in")
        user_logged_out.connect(forget_ticket, dispatch_uid="accounts.forget_cas_ticket")
