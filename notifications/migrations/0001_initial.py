"""The notices and the group robots, taken over from incidents without touching the database.

State only (SeparateDatabaseAndState): the tables keep their names (db_table incidents_notice,
incidents_webhookendpoint, incidents_historicalwebhookendpoint) and their constraints and indexes keep theirs, so
no row, index or trigger is rebuilt. incidents 0010 removes the same models from incidents' state; 0002 moves their
content types (and so the groups' permissions) to this app.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('departments', '0008_system_admin_no_liaisons'),
        ('incidents', '0009_event_related'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='HistoricalWebhookEndpoint',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='名称')),
                        ('flavor', models.CharField(choices=[('wecom', '企业微信群机器人'), ('dingtalk', '钉钉群机器人'), ('feishu', '飞书群机器人')], max_length=20, verbose_name='类型')),
                        ('url', models.URLField(max_length=500, verbose_name='Webhook 地址')),
                        ('role', models.CharField(blank=True, help_text='发给该角色的通知也发到此群（如 office、admin_office）', max_length=30, verbose_name='角色')),
                        ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('department', models.ForeignKey(blank=True, db_constraint=False, help_text='该部门负责的舆情的通知发到此群', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='departments.department', verbose_name='部门')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'historical 群机器人',
                        'verbose_name_plural': 'historical 群机器人',
                        'db_table': 'incidents_historicalwebhookendpoint',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='WebhookEndpoint',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=100, verbose_name='名称')),
                        ('flavor', models.CharField(choices=[('wecom', '企业微信群机器人'), ('dingtalk', '钉钉群机器人'), ('feishu', '飞书群机器人')], max_length=20, verbose_name='类型')),
                        ('url', models.URLField(max_length=500, verbose_name='Webhook 地址')),
                        ('secret', models.CharField(blank=True, help_text='钉钉、飞书的签名校验密钥（可选）', max_length=200, verbose_name='加签密钥')),
                        ('role', models.CharField(blank=True, help_text='发给该角色的通知也发到此群（如 office、admin_office）', max_length=30, verbose_name='角色')),
                        ('is_active', models.BooleanField(default=True, verbose_name='启用')),
                        ('department', models.ForeignKey(blank=True, help_text='该部门负责的舆情的通知发到此群', null=True, on_delete=django.db.models.deletion.PROTECT, related_name='webhooks', to='departments.department', verbose_name='部门')),
                    ],
                    options={
                        'verbose_name': '群机器人',
                        'verbose_name_plural': '群机器人',
                        'db_table': 'incidents_webhookendpoint',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Notice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('channel', models.CharField(choices=[('in_app', '站内消息'), ('email', '邮件'), ('webhook', '群机器人')], default='in_app', max_length=20, verbose_name='渠道')),
                        ('kind', models.CharField(max_length=40, verbose_name='类型')),
                        ('subject', models.CharField(max_length=200, verbose_name='标题')),
                        ('text', models.TextField(verbose_name='内容')),
                        ('link', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                        ('dedupe_key', models.CharField(max_length=200, unique=True)),
                        ('created_at', models.DateTimeField(verbose_name='创建时间')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='发送时间')),
                        ('read_at', models.DateTimeField(blank=True, null=True, verbose_name='已读时间')),
                        ('cancelled_at', models.DateTimeField(blank=True, help_text='时限已完成或撤销，不再发送', null=True, verbose_name='取消时间')),
                        ('queued_at', models.DateTimeField(blank=True, null=True, verbose_name='排队时间')),
                        ('claimed_until', models.DateTimeField(blank=True, null=True, verbose_name='发送锁定至')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='尝试次数')),
                        ('last_error', models.TextField(blank=True, verbose_name='最近错误')),
                        ('deadline', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='incidents.deadline')),
                        ('incident', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='notices', to='incidents.incident')),
                        ('recipient', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='notices', to=settings.AUTH_USER_MODEL, verbose_name='接收人')),
                        ('endpoint', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='notifications.webhookendpoint', verbose_name='群机器人')),
                    ],
                    options={
                        'verbose_name': '通知',
                        'verbose_name_plural': '通知',
                        'db_table': 'incidents_notice',
                        'ordering': ['-created_at', '-id'],
                        'default_permissions': ('view',),
                    },
                ),
                migrations.AddConstraint(
                    model_name='webhookendpoint',
                    constraint=models.CheckConstraint(condition=models.Q(('department__isnull', False), models.Q(('role', ''), _negated=True), _connector='OR'), name='webhook_has_audience'),
                ),
                migrations.AddIndex(
                    model_name='notice',
                    index=models.Index(condition=models.Q(('cancelled_at__isnull', True), ('sent_at__isnull', True)), fields=['created_at'], name='notice_pending'),
                ),
                migrations.AddIndex(
                    model_name='notice',
                    index=models.Index(fields=['recipient', '-created_at'], name='notice_recipient_recent'),
                ),
                migrations.AddIndex(
                    model_name='notice',
                    index=models.Index(condition=models.Q(('cancelled_at__isnull', True), ('channel', 'in_app'), ('read_at__isnull', True)), fields=['recipient'], name='notice_unread'),
                ),
                migrations.AddConstraint(
                    model_name='notice',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('channel', 'webhook'), ('endpoint__isnull', False), ('recipient__isnull', True)), models.Q(models.Q(('channel', 'webhook'), _negated=True), ('recipient__isnull', False), ('endpoint__isnull', True)), _connector='OR'), name='notice_has_one_addressee'),
                ),
            ],
        ),
    ]
