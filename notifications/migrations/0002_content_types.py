"""The content types of the moved models follow them to this app, so every permission row that points at them
(the office, leadership and top leaders' view_notice, the system admin's and the office's webhook rights; see
departments 0002 and incidents 0003) keeps its groups and is now `notifications.<codename>`."""

from django.db import migrations

MODELS = ("notice", "webhookendpoint", "historicalwebhookendpoint")


def move(apps, from_label: str, to_label: str) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=from_label, model=model).first()
        if old is None:
            continue  # a new database: post_migrate makes it under the new label
        new = ContentType.objects.filter(app_label=to_label, model=model).first()
        if new is None:
            old.app_label = to_label
            old.save(update_fields=["app_label"])
            continue
        # Both exist (a permission was made under the new label first): the groups' grants go to the new rows.
        for perm in Permission.objects.filter(content_type=old):
            twin = Permission.objects.filter(content_type=new, codename=perm.codename).first()
            if twin is None:
                perm.content_type = new
                perm.save(update_fields=["content_type"])
            else:
                twin.group_set.add(*perm.group_set.all())
                twin.user_set.add(*perm.user_set.all())
                perm.delete()
        # The old content type stays, stale (remove_stale_contenttypes clears it): deleting it here would cascade.


def forwards(apps, schema_editor):
    move(apps, "incidents", "notifications")


def backwards(apps, schema_editor):
    move(apps, "notifications", "incidents")


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("incidents", "0010_notices_to_notifications"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
