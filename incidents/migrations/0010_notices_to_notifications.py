"""Notice, WebhookEndpoint and the robots' history now belong to the notifications app: removed from incidents'
state only. The tables (incidents_notice, incidents_webhookendpoint, incidents_historicalwebhookendpoint), their
rows, constraints, indexes and append-only trigger stay as they are; notifications 0001 takes them over by name.
"""

from django.db import migrations

STATE = [
    migrations.RemoveField(model_name="notice", name="deadline"),
    migrations.RemoveField(model_name="notice", name="endpoint"),
    migrations.RemoveField(model_name="notice", name="incident"),
    migrations.RemoveField(model_name="notice", name="recipient"),
    migrations.RemoveField(model_name="webhookendpoint", name="department"),
    migrations.DeleteModel(name="HistoricalWebhookEndpoint"),
    migrations.DeleteModel(name="Notice"),
    migrations.DeleteModel(name="WebhookEndpoint"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("incidents", "0009_event_related"),
        ("notifications", "0001_initial"),
        # The append-only trigger is put on the history tables the state names in incidents at that point: the
        # robots' history must still be there when it runs.
        ("audit", "0002_history_append_only"),
    ]

    operations = [migrations.SeparateDatabaseAndState(state_operations=STATE, database_operations=[])]
