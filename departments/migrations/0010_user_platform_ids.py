"""A person's WeCom and DingTalk accounts (unique when filled) and the history of a person (append-only)."""

import django.contrib.auth.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models

from audit.append_only import guard_history


class Migration(migrations.Migration):

    dependencies = [
        ('auth', '0012_alter_user_first_name_max_length'),
        ('departments', '0009_department_duty_info_center'),
        ('audit', '0002_history_append_only'),  # audit_append_only(), the trigger function
    ]

    operations = [
        migrations.CreateModel(
            name='HistoricalUser',
            fields=[
                ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                ('username', models.CharField(db_index=True, error_messages={'unique': 'A user with that username already exists.'}, help_text='Required. 150 characters or fewer. Letters, digits and @/./+/-/_ only.', max_length=150, validators=[django.contrib.auth.validators.UnicodeUsernameValidator()], verbose_name='username')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='email address')),
                ('is_active', models.BooleanField(default=True, help_text='Designates whether this user should be treated as active. Unselect this instead of deleting accounts.', verbose_name='active')),
                ('full_name', models.CharField(blank=True, max_length=50, verbose_name='姓名')),
                ('phone', models.CharField(blank=True, max_length=30, verbose_name='联系电话')),
                ('wecom_userid', models.CharField(blank=True, help_text='企业微信通讯录中的账号（UserID），用于发送企业微信应用消息；留空则不发', max_length=64, verbose_name='企业微信账号')),
                ('dingtalk_userid', models.CharField(blank=True, help_text='钉钉通讯录中的 userid，用于发送钉钉工作通知；留空则不发', max_length=64, verbose_name='钉钉账号')),
                ('history_id', models.AutoField(primary_key=True, serialize=False)),
                ('history_date', models.DateTimeField(db_index=True)),
                ('history_change_reason', models.CharField(max_length=100, null=True)),
                ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
            ],
            options={
                'verbose_name': 'historical 用户',
                'verbose_name_plural': 'historical 用户',
                'ordering': ('-history_date', '-history_id'),
                'get_latest_by': ('history_date', 'history_id'),
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.AddField(
            model_name='user',
            name='dingtalk_userid',
            field=models.CharField(blank=True, help_text='钉钉通讯录中的 userid，用于发送钉钉工作通知；留空则不发', max_length=64, verbose_name='钉钉账号'),
        ),
        migrations.AddField(
            model_name='user',
            name='wecom_userid',
            field=models.CharField(blank=True, help_text='企业微信通讯录中的账号（UserID），用于发送企业微信应用消息；留空则不发', max_length=64, verbose_name='企业微信账号'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(condition=models.Q(('wecom_userid', ''), _negated=True), fields=('wecom_userid',), name='user_unique_wecom_userid'),
        ),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.UniqueConstraint(condition=models.Q(('dingtalk_userid', ''), _negated=True), fields=('dingtalk_userid',), name='user_unique_dingtalk_userid'),
        ),
        migrations.AddField(
            model_name='historicaluser',
            name='department',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.department', verbose_name='所在部门'),
        ),
        migrations.AddField(
            model_name='historicaluser',
            name='history_user',
            field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        guard_history('departments_historicaluser'),
    ]
