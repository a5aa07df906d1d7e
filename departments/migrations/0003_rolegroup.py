"""Roles found by a stable code: each role group gets a RoleGroup row, matched once here by its original name."""

import django.db.models.deletion
from django.db import migrations, models

# The names 0002_roles gave the groups; from here on only the code matters.
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


def link_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    RoleGroup = apps.get_model("departments", "RoleGroup")
    for code, name in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        RoleGroup.objects.get_or_create(code=code, defaults={"group": group})


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("departments", "0002_roles"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoleGroup",
            fields=[
                (
                    "group",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="role",
                        serialize=False,
                        to="auth.group",
                        verbose_name="用户组",
                    ),
                ),
                (
                    "code",
                    models.CharField(
                        choices=[
                            ("office", "领导小组办公室（党群工作部）"),
                            ("admin_office", "党政办（回复通稿审定）"),
                            ("leadership", "网络舆情处置工作领导小组"),
                            ("top_leaders", "学校党政主要领导"),
                            ("department_heads", "部门负责人"),
                            ("supervising_leaders", "分管院领导"),
                            ("liaisons", "联络员"),
                            ("system_admin", "系统管理员"),
                        ],
                        max_length=30,
                        unique=True,
                        verbose_name="角色代码",
                    ),
                ),
            ],
            options={"verbose_name": "角色", "verbose_name_plural": "角色"},
        ),
        migrations.RunPython(link_groups, migrations.RunPython.noop),
    ]
