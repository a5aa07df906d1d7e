"""The history tables of this app's newer models are append-only on PostgreSQL, like every other."""

from django.db import migrations

from audit.append_only import guard_history


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_history_append_only"),  # audit_append_only(), the trigger function
        ("meetings", "0002_meeting_cancel"),
    ]

    operations = [
        guard_history(
            "meetings_historicaljointdecision",
            "meetings_historicaljointmeeting",
            "meetings_historicalmeetingattachment",
            "meetings_historicalriskitem",
        )
    ]
