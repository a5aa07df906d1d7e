"""Create the role groups of the regulation and give the admin-facing ones their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "office": "领导小组办公室（党群工作部）",
    "admin_office": "党政办（回复通稿审定）",
    "leadership": "网络舆情处置工作领导小组",
    "top_leaders": "学校党政主要领导",
    "department_heads": "部门负责人",
    "supervising_leaders": "分管院领导",
    "liaisons": "联络员",
    "system_admin": "系统管理员",
}

INCIDENT_MODELS = [
    "incident", "incidentsource", "evidence", "incidentevent", "gradeescalation", "progressreport",
    "replystatement", "disposalform", "leveloneduty", "deadline", "notice",
]
REGISTERS = ["department", "liaison", "officialmediaaccount"]

# Model-level permissions only open admin pages; which incidents a person sees is decided per department
# by incidents.access (guardian with accept_global_perms=False), never by these.
GRANTS = {
    "office": [f"incidents.view_{m}" for m in INCIDENT_MODELS]
    + [f"departments.{a}_{m}" for m in REGISTERS for a in ("add", "change", "view")]
    + ["departments.view_user"],
    "leadership": [f"incidents.view_{m}" for m in INCIDENT_MODELS],
    "top_leaders": [f"incidents.view_{m}" for m in INCIDENT_MODELS],
    "admin_office": ["incidents.view_replystatement", "incidents.view_incident"],
    "system_admin": [f"departments.{a}_{m}" for m in [*REGISTERS, "user"] for a in ("add", "change", "view")]
    + ["auth.view_group", "auth.change_group"],
}


def create_roles(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for code, name in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for perm in GRANTS.get(code, []):
            app_label, codename = perm.split(".")
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES.values()).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0001_initial"),
        ("incidents", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
