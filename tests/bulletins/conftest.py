"""A bulletin at each stage, drafted, approved and issued by the org's named people."""

import datetime as dt

import pytest
from django.utils import timezone

from bulletins import services
from tests.factories import report

BODY = "近期我校网络舆情总体平稳。\n各部门要进一步落实属地管理责任，做好网络舆情的监测与处置工作。"


def draft(org, *, title="关于近期网络舆情情况的通报", incidents=(), recipients=None):
    today = timezone.localdate()
    return services.bulletin_create(
        actor=org.p.clerk,
        title=title,
        body=BODY,
        period_start=today - dt.timedelta(days=30),
        period_end=today,
        incidents=incidents,
        recipients=[org.xsc, org.rsc] if recipients is None else recipients,
    )


def approved(org, **kw):
    bulletin = services.bulletin_submit(actor=org.p.clerk, bulletin=draft(org, **kw))
    return services.bulletin_approve(actor=org.p.leader, bulletin=bulletin)


def issued(org, **kw):
    return services.bulletin_issue(actor=org.p.clerk, bulletin=approved(org, **kw))


@pytest.fixture
def incident(org):
    return report(org, title="食堂饭菜涨价引发学生吐槽")
