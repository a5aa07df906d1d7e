"""三员分立: registering a liaison gives them the department's rights, so it is the office's (第五条 备案), not the
system administrator's; the system administrator keeps looking at the register."""

from django.db import migrations

TAKEN = ("add_liaison", "change_liaison")


def _permissions(apps):
    return apps.get_model("auth", "Permission").objects.filter(
        content_type__app_label="departments", codename__in=TAKEN
    )


def take(apps, schema_editor):
    role = apps.get_model("departments", "RoleGroup").objects.filter(code="system_admin").first()
    if role is not None:
        apps.get_model("auth", "Group").objects.get(pk=role.group_id).permissions.remove(*_permissions(apps))


def give_back(apps, schema_editor):
    role = apps.get_model("departments", "RoleGroup").objects.filter(code="system_admin").first()
    if role is not None:
        apps.get_model("auth", "Group").objects.get(pk=role.group_id).permissions.add(*_permissions(apps))


class Migration(migrations.Migration):
    dependencies = [("departments", "0007_review_meeting_view")]

    operations = [migrations.RunPython(take, give_back)]
