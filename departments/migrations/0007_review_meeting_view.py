"""The review meeting (复盘会, 第十四条) came after the roles' grants: whoever sees the incident records in the admin
sees its review meetings too."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("office", "leadership", "top_leaders")


def _permission(apps):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    return apps.get_model("auth", "Permission").objects.get(
        content_type__app_label="incidents", codename="view_reviewmeeting"
    )


def grant(apps, schema_editor):
    permission = _permission(apps)
    for role in apps.get_model("departments", "RoleGroup").objects.filter(code__in=ROLES).select_related("group"):
        role.group.permissions.add(permission)


def revoke(apps, schema_editor):
    permission = _permission(apps)
    for role in apps.get_model("departments", "RoleGroup").objects.filter(code__in=ROLES).select_related("group"):
        role.group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0006_user_password_changed_at"),
        ("incidents", "0006_alter_incidentevent_kind_historicalreviewmeeting_and_more"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
