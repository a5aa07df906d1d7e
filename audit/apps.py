from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - sign-in, sign-out, failed sign-in and lockout are recorded
