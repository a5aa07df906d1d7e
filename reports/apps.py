from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表与档案"

    def ready(self) -> None:
        from . import receivers  # noqa: F401 - an archived incident gets its dossier
