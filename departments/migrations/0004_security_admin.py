"""三员分立: a security administrator gives roles and passwords and clears lockouts; the system administrator no
longer holds auth.change_group (with it, one granted their own group every permission)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

SECURITY_ADMIN = ("security_admin", "安全管理员")
SECURITY_GRANTS = [
    "departments.view_user",
    "departments.change_user",
    "auth.view_group",
    "axes.view_accessattempt",
    "axes.delete_accessattempt",
    "axes.view_accessfailurelog",
    "axes.view_accesslog",
]


def _permission(apps, name):
    app_label, codename = name.split(".")
    return apps.get_model("auth", "Permission").objects.get(content_type__app_label=app_label, codename=codename)


def forward(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    RoleGroup = apps.get_model("departments", "RoleGroup")
    code, name = SECURITY_ADMIN
    group, _ = Group.objects.get_or_create(name=name)
    RoleGroup.objects.get_or_create(code=code, defaults={"group": group})
    group.permissions.add(*(_permission(apps, p) for p in SECURITY_GRANTS))
    system_admin = RoleGroup.objects.filter(code="system_admin").select_related("group").first()
    if system_admin is not None:
        system_admin.group.permissions.remove(_permission(apps, "auth.change_group"))


def backward(apps, schema_editor):
    RoleGroup = apps.get_model("departments", "RoleGroup")
    system_admin = RoleGroup.objects.filter(code="system_admin").select_related("group").first()
    if system_admin is not None:
        system_admin.group.permissions.add(_permission(apps, "auth.change_group"))
    security = RoleGroup.objects.filter(code=SECURITY_ADMIN[0]).select_related("group").first()
    if security is not None:
        security.group.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("departments", "0003_rolegroup"),
        ("axes", "0010_accessattemptexpiration"),
    ]

    operations = [
        migrations.AlterField(
            model_name="rolegroup",
            name="code",
            field=models.CharField(
                choices=[
                    ("office", "领导小组办公室（党群工作部）"),
                    ("admin_office", "党政办（回复通稿审定）"),
                    ("leadership", "网络舆情处置工作领导小组"),
                    ("top_leaders", "学校党政主要领导"),
                    ("department_heads", "部门负责人"),
                    ("supervising_leaders", "分管院领导"),
                    ("liaisons", "联络员"),
                    ("system_admin", "系统管理员"),
                    ("security_admin", "安全管理员"),
                ],
                max_length=30,
                unique=True,
                verbose_name="角色代码",
            ),
        ),
        migrations.RunPython(forward, backward),
    ]
