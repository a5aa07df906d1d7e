"""Bring an incident to a status through the real services, with the right person at each step."""

import datetime as dt

from django.utils import timezone

from departments.models import User
from incidents import services
from incidents.models import Incident


def fresh(user: User) -> User:
    """A new object for the user, with no remembered roles or grants."""
    return User.objects.get(pk=user.pk)


def report(org, *, reporter=None, title="食堂饭菜涨价引发学生吐槽", **kw) -> Incident:
    reporter = reporter or org.p.xsc_liaison
    return services.incident_report(
        reporter=reporter,
        title=title,
        summary=kw.pop("summary", "有学生在微博发帖称食堂饭菜一周内涨价三成。"),
        discovered_at=kw.pop("discovered_at", timezone.now() - dt.timedelta(hours=1)),
        sources=kw.pop("sources", [("微博", "https://weibo.example/post/1")]),
        **kw,
    )


def assessed(org, *, level=3, category="C", department=None) -> Incident:
    incident = report(org)
    return services.incident_assess(
        incident=incident,
        actor=org.p.clerk,
        category=category,
        level=level,
        responsible_department=department or org.xsc,
    )


def approved_statement(org, incident):
    statement = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text="回复通稿")
    services.statement_submit(statement=statement, actor=org.p.xsc_liaison)
    return services.statement_approve(statement=statement, actor=org.p.approver)


def ended(org, *, level=3, category="C") -> Incident:
    incident = assessed(org, level=level, category=category)
    if level < 3:
        approved_statement(org, incident)
    return services.disposal_end(incident=incident, actor=org.p.xsc_liaison)


def submitted(org, **kw) -> Incident:
    incident = ended(org, **kw)
    services.disposal_form_save(
        incident=incident, actor=org.p.xsc_liaison, team_members="张三、李四", disposal_situation="已回应诉求"
    )
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    return Incident.objects.get(pk=incident.pk)


def filed(org, **kw) -> Incident:
    incident = submitted(org, **kw)
    services.disposal_form_file(incident=incident, actor=org.p.clerk)
    return Incident.objects.get(pk=incident.pk)


def archived(org, **kw) -> Incident:
    incident = filed(org, **kw)
    return services.incident_archive(incident=incident, actor=org.p.clerk)
