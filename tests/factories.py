"""Bring an incident to a status through the real services, with the right person at each step."""

import datetime as dt
import io
from types import SimpleNamespace

from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from departments import services as dept_services
from departments.models import Department, RoleGroup, User
from departments.roles import Role
from incidents import services
from incidents.models import DUTY_DEADLINE_KINDS, Deadline, Incident
from tests.org_snapshot import build_once


def fresh(user: User) -> User:
    """A new object for the user, with no remembered roles or grants."""
    return User.objects.get(pk=user.pk)


def build_org() -> SimpleNamespace:
    """The college: the office, 党政办, 学生处 and 人事处, with the people of every role (built through the
    services once per run, then restored: tests/org_snapshot.py)."""
    return build_once(_build_org, _org_by_keys)


def _org_by_keys(org: SimpleNamespace):
    departments = {name: getattr(org, name).pk for name in ("office", "admin_office", "xsc", "rsc")}
    people = {name: user.pk for name, user in vars(org.p).items()}

    def rebuild() -> SimpleNamespace:
        found, users = Department.objects.in_bulk(departments.values()), User.objects.in_bulk(people.values())
        return SimpleNamespace(
            **{name: found[pk] for name, pk in departments.items()},
            p=SimpleNamespace(**{name: users[pk] for name, pk in people.items()}),
        )

    return rebuild


def ensure_role_groups() -> None:
    """A transactional test elsewhere may have flushed what the migrations created; the roles must exist."""
    for role in Role:
        group, _ = Group.objects.get_or_create(name=role.label)
        RoleGroup.objects.get_or_create(code=role, defaults={"group": group})


def _build_org() -> SimpleNamespace:
    ensure_role_groups()
    root = User.objects.create_superuser("root", password="x")

    def dept(name, code, **kw):
        return dept_services.department_save(actor=root, department=Department(name=name, code=code, **kw))

    office = dept("党群工作部", "dqgzb", duty=Department.Duty.OFFICE)
    admin_office = dept("党政办", "dzb", duty=Department.Duty.ADMIN_OFFICE)
    xsc = dept("学生处", "xsc")
    rsc = dept("人事处", "rsc")

    def person(username, department=None, roles=()):
        user = User.objects.create_user(username, password="pw", full_name=username, department=department)
        if roles:
            dept_services.user_set_roles(actor=root, user=user, roles=roles)
        return fresh(user)

    people = SimpleNamespace(
        root=root,
        clerk=person("office_clerk", office, [Role.OFFICE]),
        approver=person("dzb_approver", admin_office, [Role.ADMIN_OFFICE]),
        leader=person("leader", None, [Role.LEADERSHIP]),
        top_leader=person("top_leader", None, [Role.TOP_LEADERS]),
        xsc_head=person("xsc_head", xsc),
        xsc_liaison=person("xsc_liaison", xsc),
        xsc_leader=person("xsc_leader"),
        rsc_head=person("rsc_head", rsc),
        rsc_liaison=person("rsc_liaison", rsc),
        rsc_leader=person("rsc_leader"),
        xsc_staff=person("xsc_staff", xsc),
        outsider=person("outsider", rsc),
        sysadmin=person("sysadmin", None, [Role.SYSTEM_ADMIN]),
        secadmin=person("secadmin", None, [Role.SECURITY_ADMIN]),
    )
    dept_services.department_set_head(actor=root, department=xsc, head=people.xsc_head)
    dept_services.department_set_supervising_leader(actor=root, department=xsc, leader=people.xsc_leader)
    dept_services.liaison_register(actor=people.clerk, department=xsc, user=people.xsc_liaison)
    dept_services.department_set_head(actor=root, department=rsc, head=people.rsc_head)
    dept_services.department_set_supervising_leader(actor=root, department=rsc, leader=people.rsc_leader)
    dept_services.liaison_register(actor=people.clerk, department=rsc, user=people.rsc_liaison)
    for name, user in vars(people).items():
        setattr(people, name, fresh(user))
    return SimpleNamespace(office=office, admin_office=admin_office, xsc=xsc, rsc=rsc, p=people)


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


def submitted_statement(org, incident, text="回复通稿"):
    """A statement drafted and sent to 党政办 by the department's liaison."""
    draft = services.statement_save_draft(incident=incident, actor=org.p.xsc_liaison, text=text)
    return services.statement_submit(statement=draft, actor=org.p.xsc_liaison)


def approved_statement(org, incident, text="回复通稿"):
    statement = submitted_statement(org, incident, text)
    return services.statement_approve(statement=statement, actor=org.p.approver)


def exchange_deadlines(incident):
    """The incident's deadlines other than the level-1 duties' (which run beside the exchange at level 1)."""
    return Deadline.objects.filter(incident=incident).exclude(kind__in=DUTY_DEADLINE_KINDS)


def level_one_duties_done(org, incident) -> None:
    """第九条、第十条 一级: the office records the four duties (the report upward as an UpwardReport)."""
    services.upward_report_add(
        incident=incident, actor=org.p.clerk, authority="省委教育工委网络舆情处置办公室", channel="phone",
        content="报告舆情基本情况及已采取的措施。",
    )  # fmt: skip
    for kind in ("report_top_leaders", "special_meeting", "emergency_plan"):
        services.level_one_duty_record(
            incident=incident, actor=org.p.clerk, kind=kind, method="电话", recipient="学校党政主要领导"
        )


def ended(org, *, level=3, category="C") -> Incident:
    incident = assessed(org, level=level, category=category)
    if level < 3:
        approved_statement(org, incident)
    if level == 1:
        level_one_duties_done(org, incident)
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
    # Filing needs the supervising leader's opinion (or a waiver): 学生处's leader writes it.
    services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意处置意见")
    services.disposal_form_file(incident=incident, actor=org.p.clerk)
    return Incident.objects.get(pk=incident.pk)


def reviewed(org, incident: Incident, *, waive: bool = False) -> Incident:
    """第十四条: the 复盘会 recorded by the office (or, with `waive`, its recorded waiver), as archiving needs."""
    if waive:
        services.review_waive(incident=incident, actor=org.p.clerk, reason="个案已妥善处理，无普遍性问题")
    else:
        services.review_meeting_record(
            incident=incident,
            actor=org.p.clerk,
            held_at=timezone.now().replace(second=0, microsecond=0),
            place="行政楼会议室",
            attendees="党群工作部、学生处",
            summary="回应及时，信息发布需更主动",
            improvements="建立食堂价格公示制度",
        )
    return Incident.objects.get(pk=incident.pk)


def archived(org, *, waive: bool = False, **kw) -> Incident:
    incident = reviewed(org, filed(org, **kw), waive=waive)
    return services.incident_archive(incident=incident, actor=org.p.clerk)


def png_upload(name: str = "截图.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


RICH = {
    "title": "宿舍楼热水停供引发学生集中投诉",
    "escalation": "相关话题转发量两小时内超过五千，升为二级",
    "rejection": "第二段措辞不当，请删去推测性表述",
    "statement_1": "关于宿舍热水停供的情况说明（第一稿）",
    "statement_2": "关于宿舍热水停供的情况说明：已于当日恢复供应，并向同学致歉。",
    "opinion": "同意处置方案，做好后续解释工作。",
    "meeting": "热水系统故障预警机制不足，信息发布偏慢",
}


def rich_case(org, *, progress_reports: int = 11, start: dt.datetime | None = None) -> Incident:
    """A level-2 case with a full record (30 events by default), laid down over two days and archived:
    a level change with its reason, evidence, daily reports, a rejected then an approved statement, the form
    submitted 13 hours after the end (the 12-hour deadline missed), filing and a review meeting."""
    from opinion_system import clock

    base = start or timezone.now() - dt.timedelta(days=3)
    step = iter(range(1, 1000))

    def at(hours: float = 0):
        return clock.travel(base + dt.timedelta(hours=hours, seconds=next(step)))

    with at():
        incident = report(
            org,
            title=RICH["title"],
            summary="多名学生在贴吧发帖称宿舍楼热水连续三天停供，无人回应。",
            discovered_at=base - dt.timedelta(hours=1),
        )
    with at(0.5):
        services.incident_assess(
            incident=incident, actor=org.p.clerk, category="C", level=3, responsible_department=org.xsc
        )
    with at(1):
        services.incident_change_level(
            incident=incident, actor=org.p.clerk, to_level=2, reason=RICH["escalation"]
        )
    with at(1.2):
        services.evidence_add(incident=incident, actor=org.p.xsc_liaison, upload=png_upload("贴吧截图.png"))
    for n in range(progress_reports):
        with at(2 + n * 2):
            services.progress_report_add(
                incident=incident,
                actor=org.p.xsc_liaison,
                content=f"第{n + 1}次互通：已联系后勤处抢修，持续关注。",
            )
    with at(3):
        first = services.statement_save_draft(
            incident=incident, actor=org.p.xsc_liaison, text=RICH["statement_1"]
        )
        services.statement_submit(statement=first, actor=org.p.xsc_liaison)
    with at(3.5):
        services.statement_reject(statement=first, actor=org.p.approver, comment=RICH["rejection"])
    with at(4):
        second = services.statement_save_draft(
            incident=incident, actor=org.p.xsc_liaison, text=RICH["statement_2"]
        )
        services.statement_submit(statement=second, actor=org.p.xsc_liaison)
    with at(4.5):
        second = services.statement_approve(statement=second, actor=org.p.approver)
    with at(5):
        services.statement_publish(statement=second, actor=org.p.xsc_liaison, where="学院官方微博")
    end = 2 + progress_reports * 2
    with at(end):
        services.disposal_end(incident=incident, actor=org.p.xsc_liaison)
        services.disposal_form_save(
            incident=incident,
            actor=org.p.xsc_liaison,
            team_members="组长：学生处处长；成员：后勤处、宿管中心",
            disposal_situation="抢修热水管道，发布情况说明，逐一回复投诉学生。",
            follow_up="每周巡检热水系统。",
        )
        services.disposal_form_leader_opinion(
            incident=incident, actor=org.p.xsc_leader, opinion=RICH["opinion"]
        )
        services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    with at(end + 13):  # 第九条: due 12 hours after the end
        services.disposal_form_submit(incident=incident, actor=org.p.xsc_liaison)
    with at(end + 14):
        services.disposal_form_file(incident=incident, actor=org.p.clerk)
        services.review_meeting_record(
            incident=incident,
            actor=org.p.clerk,
            held_at=base + dt.timedelta(hours=end + 13.5),
            place="行政楼 302 会议室",
            attendees="党群工作部、学生处、后勤处",
            summary=RICH["meeting"],
            improvements="建立热水系统故障预警，两小时内发布说明。",
        )
    with at(end + 15):
        services.incident_archive(incident=incident, actor=org.p.clerk)
    return Incident.objects.get(pk=incident.pk)
