"""The history tables of this app's newer models are append-only on PostgreSQL, like every other."""

from django.db import migrations

from audit.append_only import guard_history


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_history_append_only"),  # audit_append_only(), the trigger function
        ("monitoring", "0001_initial"),
    ]

    operations = [
        guard_history(
            "monitoring_historicaldutyshift",
            "monitoring_historicalkeymonitoringperiod",
            "monitoring_historicalnilreport",
        )
    ]
