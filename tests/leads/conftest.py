"""The 实训（信息）中心 and its monitoring tool's account, beside the college of tests/factories.py."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from departments import services as dept_services
from departments.models import Department, User
from leads import services


def add_info_center(org) -> SimpleNamespace:
    """第七条: the department that does technical monitoring, with the account its tool pushes leads as."""
    center = dept_services.department_save(
        actor=org.p.root,
        department=Department(name="实训（信息）中心", code="sxzx", duty=Department.Duty.INFO_CENTER),
    )
    monitor = User.objects.create_user(
        "sxzx_monitor", password="pw", full_name="舆情监测系统", department=center
    )
    return SimpleNamespace(department=center, monitor=monitor)


@pytest.fixture
def center(org):
    return add_info_center(org)


def push(monitor, **kw):
    """A detected item as a tool sends it; (lead, created)."""
    fields = {
        "platform": "微博",
        "url": "https://weibo.com/1234567/AbCdEf",
        "title": "网传学校食堂饭菜涨价",
        "text": "有网友发帖称学校食堂饭菜普遍涨价三成，引发转发。",
        "captured_at": timezone.now() - dt.timedelta(minutes=30),
        "source_system": "舆情监测平台",
        "external_id": "MON-0001",
    }
    return services.lead_receive(submitted_by=monitor, **(fields | kw))
