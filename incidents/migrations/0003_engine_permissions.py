"""Let the system admin configure group robots and everyone who uses the admin see the scheduler's heartbeat."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "系统管理员": ["add_webhookendpoint", "change_webhookendpoint", "view_webhookendpoint", "view_schedulerheartbeat"],
    "领导小组办公室（党群工作部）": ["view_webhookendpoint", "view_schedulerheartbeat"],
}


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        group = Group.objects.get(name=name)
        group.permissions.add(*Permission.objects.filter(content_type__app_label="incidents", codename__in=codenames))


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_deadline_engine"), ("departments", "0002_roles")]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
