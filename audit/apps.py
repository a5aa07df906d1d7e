from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = "安全审计"

    def ready(self) -> None:
        from . import history_chain, receivers  # noqa: F401 - sign-ins and the like recorded; history sealed
