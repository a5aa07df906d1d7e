"""manage.py api_client_create --user 工号 --name 名称 [--rate N]: a new API client; prints its token once."""

from django.core.management.base import BaseCommand, CommandError

from departments.models import User
from opinion_system.errors import DomainError

from ...services import api_client_create


class Command(BaseCommand):
    help = "创建接口客户端（代表一个账号调用接口），令牌只打印这一次。"

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="代表的账号（工号/用户名）")
        parser.add_argument("--name", required=True, help="客户端名称，如：实训（信息）中心舆情监测系统")
        parser.add_argument(
            "--rate", type=int, default=None, help="每分钟请求上限（默认用 API_RATE_PER_MINUTE）"
        )

    def handle(self, *args, user, name, rate, **options):
        account = User.objects.filter(username=user).first()
        if account is None:
            raise CommandError(f"账号 {user} 不存在。")
        try:
            client, token = api_client_create(actor=None, user=account, name=name, rate_per_minute=rate)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已创建接口客户端「{client.name}」，代表账号 {account.username}。")
        self.stdout.write("令牌（只显示这一次，请立即保存到监测系统的配置中）：")
        self.stdout.write(token)
