"""The history tables of this app's newer models are append-only on PostgreSQL, like every other."""

from django.db import migrations

from audit.append_only import guard_history


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_history_append_only"),  # audit_append_only(), the trigger function
        ("incidents", "0014_review_waiver_and_team"),
    ]

    operations = [
        guard_history(
            "incidents_historicalcontactlog",
            "incidents_historicaldisposalteammember",
            "incidents_historicalreviewwaiver",
            "incidents_historicalupwardreport",
        )
    ]
