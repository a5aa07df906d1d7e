from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "重点监测（第八条）"

    def ready(self) -> None:
        # incidents asks notifications.hooks, never this app: who is on duty, how early to remind (第八条).
        from notifications import hooks

        from . import selectors

        hooks.register_duty_recipients(selectors.on_duty)
        hooks.register_reminder_lead(selectors.reminder_lead)
