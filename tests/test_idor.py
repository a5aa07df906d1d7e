"""No insecure direct object reference: every URL pattern of the application × every role × GET and POST.

The path names real objects of two departments (学生处 and 人事处): an incident in each status, its statements,
evidence, 处置表 and dossier, a merged duplicate and an incident moved to the other department, a liaison, a
media account, an export, another person's notice. Each request's expected answer comes from the project's own
rules (incidents.access, reports.access, audit.access, the registers' rule), computed before the request and
never from the response. One run lists every mismatch (role, method, url, got, expected); it fails when

- a request answers 500;
- the rule refuses and the answer is not that refusal (a leak: 200 or a redirect of success);
- any page shows the number or title of an incident the person may not see (a list, a notice, an error page);
- a refused request, a GET, or a POST naming another department's object in its body writes a row.

Every request runs in a savepoint rolled back after it, so each one meets the same college; every statement
that writes a row is seen as the database sees it (connection.execute_wrapper), before the rollback. The admin
is tested on its own (test_admin_history.py).
"""

import datetime as dt
import logging
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.core.signals import got_request_exception
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.services import api_client_create
from audit import access as audit_access
from bulletins import access as bulletin_access
from departments import services as dept_services
from departments.access import roles_of
from departments.models import Liaison, OfficialMediaAccount, User
from departments.roles import Role
from evaluation import access as evaluation_access
from evaluation import services as evaluation_services
from incidents import access, engine, services
from incidents.actions import REGISTRY
from incidents.models import FormToken, Incident, LevelOneDuty, ReplyStatement
from incidents.workflow import Action
from leads import access as lead_access
from leads import services as lead_services
from meetings import access as meeting_access
from meetings import services as meeting_services
from monitoring import access as monitoring_access
from monitoring import services as monitoring_services
from notifications.models import Notice
from reports import access as archive_access
from reports import services as report_services
from reports.models import Dossier
from tests.bulletins.conftest import draft as bulletin_draft
from tests.bulletins.conftest import issued as bulletin_issued
from tests.factories import fresh, png_upload, report
from tests.leads.conftest import add_info_center
from tests.leads.conftest import push as push_lead

SKIPPED_PREFIXES = ("admin/",)  # the admin has its own tests; static files are not in the urlconf under test
ANONYMOUS = "anonymous"
ROLES = (
    "clerk", "approver", "leader", "top_leader", "xsc_head", "xsc_liaison", "xsc_leader", "rsc_head",
    "rsc_liaison", "rsc_leader", "xsc_staff", "outsider", "sysadmin", "secadmin", "auditor", "root", "monitor",
    ANONYMOUS,
)  # fmt: skip
LOGIN = reverse("login")
TEXT_TYPES = ("text/", "application/json")

# Who may take each action on which incident of a department (its status allows the action there).
ACTION_ON = {
    "assess": "reported", "merge": "reported", "change_level": "in_disposal", "reassign": "in_disposal",
    "progress": "in_disposal", "statement": "in_disposal", "review": "in_disposal", "publish": "approved",
    "end_disposal": "in_disposal", "disposal_form": "ended", "leader_opinion": "ended", "sign": "ended",
    "submit_form": "signed", "file": "submitted", "return_form": "submitted", "review_meeting": "filed",
    "archive": "filed", "duty": "level_one", "evidence": "in_disposal", "source": "in_disposal",
    "request_signature": "ended", "waive_opinion": "submitted", "waive_duty": "level_one",
    "upward_report": "level_one", "contact": "in_disposal", "waive_review": "submitted", "team": "in_disposal",
}  # fmt: skip


# --- the college --------------------------------------------------------------------------------------------


def department_cases(org, key: str, titles: Callable[[str], str]) -> dict:
    """A department's incidents in every status, reported and handled by its own people."""
    dept, p = getattr(org, key), org.p
    liaison, head = getattr(p, f"{key}_liaison"), getattr(p, f"{key}_head")

    def new(label: str, *, level: int | None = None, category: str = "C") -> Incident:
        incident = report(org, reporter=liaison, title=titles(label))
        if level is None:
            return incident
        return services.incident_assess(
            incident=incident, actor=p.clerk, category=category, level=level, responsible_department=dept
        )

    def statement(incident, *, approve: bool) -> ReplyStatement:
        draft = services.statement_save_draft(incident=incident, actor=liaison, text=f"{dept.name}的回复通稿")
        submitted = services.statement_submit(statement=draft, actor=liaison)
        return services.statement_approve(statement=submitted, actor=p.approver) if approve else submitted

    def after_end(label: str, stage: str) -> Incident:
        incident = services.disposal_end(incident=new(label, level=3), actor=liaison)
        if stage == "ended":
            return incident
        services.disposal_form_save(
            incident=incident, actor=liaison, team_members="张三", disposal_situation="已处置"
        )
        services.disposal_form_sign(incident=incident, actor=head)
        if stage != "signed":
            services.disposal_form_submit(incident=incident, actor=liaison)
        if stage in ("filed", "archived"):
            supervising = getattr(p, f"{key}_leader")
            services.disposal_form_leader_opinion(incident=incident, actor=supervising, opinion="同意")
            services.disposal_form_file(incident=incident, actor=p.clerk)
        if stage == "filed":  # 第十四条: archiving needs the 复盘会 (or a waiver, as the archived case has)
            services.review_meeting_record(
                incident=incident,
                actor=p.clerk,
                held_at=timezone.now(),
                attendees="党群工作部",
                summary="总结",
            )
        if stage == "archived":
            services.review_waive(incident=incident, actor=p.clerk, reason="个案，无需复盘")
            services.incident_archive(incident=incident, actor=p.clerk)
            report_services.dossier_build(dossier_id=Dossier.objects.get(incident=incident).pk)
        return Incident.objects.get(pk=incident.pk)

    c = {
        "reported": new("已上报"),
        "in_disposal": new("处置中", level=2),
        "approved": new("通稿已审定", level=2),
    }
    c["submitted_statement"] = statement(c["in_disposal"], approve=False)
    c["approved_statement"] = statement(c["approved"], approve=True)
    c["evidence"] = services.evidence_add(incident=c["in_disposal"], actor=liaison, upload=png_upload())
    for stage, label in [("ended", "处置结束"), ("signed", "已签字"), ("submitted", "处置表已报"),
                         ("filed", "已备案"), ("archived", "已归档")]:  # fmt: skip
        c[stage] = after_end(label, stage)
    c["level_one"] = new("一级响应", level=1, category="A")
    c["liaison"] = Liaison.objects.get(user=liaison, department=dept)
    c["media_account"] = dept_services.media_account_save(
        actor=p.clerk,
        account=OfficialMediaAccount(
            platform=OfficialMediaAccount.Platform.choices[0][0],
            name=f"{dept.name}官微",
            department=dept,
            editor=c["liaison"],
        ),
    )
    return {k: Incident.objects.get(pk=v.pk) if isinstance(v, Incident) else v for k, v in c.items()}


@pytest.fixture
def college(org, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    p = org.p
    p.auditor = User.objects.create_user("auditor", password="pw", full_name="审计管理员")
    dept_services.user_set_roles(actor=p.root, user=p.auditor, roles=[Role.AUDIT_ADMIN])
    p.auditor = fresh(p.auditor)
    serial = iter(range(1, 100))

    def titles(department: str) -> Callable[[str], str]:
        # The bracketed serial makes every title unique and never part of another.
        return lambda label: f"{department}舆情{label}【{next(serial):02d}】"

    world = {
        "xsc": department_cases(org, "xsc", titles("学生处")),
        "rsc": department_cases(org, "rsc", titles("人事处")),
    }
    # A duplicate of 学生处 merged into an incident of 人事处: neither side may see the other's number.
    target = world["rsc"]["reported"]
    duplicate = report(org, reporter=p.xsc_liaison, title=titles("学生处")("重复上报"))
    world["xsc"]["merged"] = services.incident_merge(
        incident=duplicate, into=target, actor=p.clerk, reason="重复"
    )
    # Reported by 学生处's member of staff, then moved to 人事处: 学生处's head keeps the notices, not the title.
    moved = report(org, reporter=p.xsc_staff, title=titles("学生处")("改由人事处处置"))
    services.incident_assess(
        incident=moved, actor=p.clerk, category="C", level=3, responsible_department=org.xsc
    )
    world["rsc"]["moved"] = services.incident_reassign(
        incident=moved, actor=p.clerk, department=org.rsc, reason="职责调整"
    )
    world["export"] = report_services.export_request(
        actor=p.clerk, start=timezone.localdate() - dt.timedelta(days=30), end=timezone.localdate()
    )
    # 第十五条: a decision about 人事处 with an attachment (its head reads it; 学生处's people may not).
    world["ledger"] = evaluation_services.ledger_entry_create(
        actor=p.clerk, kind="criticism", department=org.rsc, decision="处置不力，批评教育", decided_by="学校党委",
        decided_on=timezone.localdate(), person=p.rsc_head, incidents=[world["rsc"]["archived"]],
        uploads=[png_upload("决定.png")],
    )  # fmt: skip
    # 舆情通报: a draft naming 学生处's case, and one issued to 学生处 naming 人事处's case (its recipients read that
    # case's number and title in the bulletin, by design: bulletin_disclosed()).
    world["bulletin_draft"] = bulletin_draft(
        org, incidents=[world["xsc"]["in_disposal"]], recipients=[org.xsc]
    )
    world["bulletin_issued"] = bulletin_issued(
        org, incidents=[world["rsc"]["reported"]], recipients=[org.xsc]
    )
    # 第四条: a joint meeting on 人事处's case that its head attended (held, with a decision, a risk item he owns and
    # material), and one convened and not yet held; 学生处's people attend neither.
    held = meeting_services.meeting_convene(
        actor=p.clerk, title="联席会议（已召开）", held_at=timezone.now() - dt.timedelta(hours=2), place="会议室",
        attendees=[p.leader, p.rsc_head], agenda="研判", incidents=[world["rsc"]["in_disposal"]],
        uploads=[png_upload("会议材料.png")],
    )  # fmt: skip
    meeting_services.meeting_record_minutes(
        actor=p.clerk, meeting=held, minutes="纪要",
        decisions=[meeting_services.DecisionInput(incident=world["rsc"]["in_disposal"], decision="人事处牵头")],
        risks=[meeting_services.RiskInput(description="排查", owner=p.rsc_head, due_on=timezone.localdate())],
    )  # fmt: skip
    world["meeting_held"] = held
    world["meeting_open"] = meeting_services.meeting_convene(
        actor=p.clerk, title="联席会议（待召开）", held_at=timezone.now() - dt.timedelta(minutes=5), place="会议室",
        attendees=[p.rsc_head], agenda="研判", incidents=[world["rsc"]["in_disposal"]],
    )  # fmt: skip
    # 第八条: a key monitoring period covering today, with 零报告 and a duty roster.
    today = timezone.localdate()
    world["period"] = monitoring_services.period_create(
        actor=p.clerk, name="敏感时期", kind="sensitive", start_date=today, end_date=today + dt.timedelta(days=2),
        nil_report_required=True,
    )  # fmt: skip
    # 第七条 线索: one waiting with a screenshot, one the office dismissed.
    center = add_info_center(org)
    p.monitor = (
        center.monitor
    )  # the 实训（信息）中心's monitoring account, a role of the matrix (the API's pusher)
    world["lead"], _ = push_lead(center.monitor, screenshot=png_upload("线索截图.png"))
    dismissed, _ = push_lead(center.monitor, url="https://tieba.example/p/9", external_id="MON-9")
    world["lead_dismissed"] = lead_services.lead_dismiss(lead=dismissed, actor=p.clerk, reason="广告")
    engine.sweep()  # the health endpoint answers 503 until a sweep has run
    world["org"] = org
    world["incidents"] = list(Incident.objects.order_by("pk"))
    assert Notice.objects.filter(recipient=p.xsc_head, incident=moved).exists()
    return world


# --- the URL patterns ---------------------------------------------------------------------------------------


def url_patterns(resolver=None, prefix: str = "", namespace: str = "") -> list[tuple[str, str]]:
    """(namespaced name, route) of every pattern of the project's urlconf, walked recursively."""
    found = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            found += url_patterns(entry, route, inner)
        elif isinstance(entry, URLPattern):
            assert entry.name, f"{route}: a pattern without a name cannot be tested here"
            found.append((namespace + entry.name, route))
    return found


@dataclass
class Expect:
    """The answers the rules allow; `refused`: the rule says no, so nothing may change."""

    statuses: frozenset
    refused: bool
    to: str = ""  # a redirect's expected start

    def __str__(self) -> str:
        codes = "/".join(map(str, sorted(self.statuses)))
        return f"{codes}{' → ' + self.to if self.to else ''}{' (refused)' if self.refused else ''}"


def ok(*codes: int) -> Expect:
    return Expect(frozenset(codes or (200,)), refused=False)


def refuse(code: int, to: str = "") -> Expect:
    return Expect(frozenset({code}), refused=True, to=to)


TO_LOGIN = refuse(302, LOGIN)
DONE = ok(200, 302, 400, 409)  # a form the person may send: done, or refused by the form or the workflow


def rule(allowed: bool, code: int, when_allowed: Expect | None = None) -> Expect:
    return (when_allowed or ok()) if allowed else refuse(code)


def keeps_registers(user) -> bool:
    """The registers' rule (departments/views.py): the office, the system administrator, a superuser."""
    roles = roles_of(user)
    return Role.OFFICE in roles or Role.SYSTEM_ADMIN in roles or user.is_superuser


def may_report_for(user, department) -> bool:
    """第七条 (incidents.services.reporting): one's own department; the office and leaders for any."""
    return (
        user.department_id == department.pk
        or access.sees_all(user)
        or access.acts_for_department(user, department.pk)
    )


def on_incident(incident: Incident, allowed: Callable[[User], bool], when_allowed: Expect) -> Callable:
    """404 for whoever may not see the incident (as if it did not exist), 403 for whoever sees it but may not."""

    def check(user, method) -> Expect:
        if not access.can_view(user, incident):
            return refuse(404)
        return rule(allowed(user), 403, when_allowed)

    return check


def may_do(action, incident: Incident) -> Callable[[User], bool]:
    return lambda user: access.may(user, action, incident)


@dataclass
class Request:
    """One request of the matrix: the URL, its pattern, the body of its POST and how to judge the answer."""

    name: str
    url: str
    body: Callable[[User], dict] = lambda user: {}
    expect: Callable[[User, str], Expect] | None = None
    unchanged: bool = False  # the POST must change nothing whatever the answer (another's object in the body)
    form: bool = False  # a form the person may send: it claims its one-time token (and gives it back refused)
    methods: tuple = ("GET", "POST")
    label: str = ""
    writes: tuple = ()  # tables an allowed request writes by design even on GET (a bulletin's read receipt)
    only: str = ""  # sent as this role alone


def requests_for(w) -> list[Request]:
    """Every pattern, filled with the objects of both departments where its path names one."""
    org, p = w["org"], w["org"].p
    every = [*w["xsc"].items(), *w["rsc"].items()]
    incidents = [(k, v) for k, v in every if isinstance(v, Incident)]
    sent = []

    def add(name, args=(), **kw):
        sent.append(Request(name, reverse(name, args=args), **kw))

    def logged_in(check: Callable[[User, str], Expect]) -> Callable[[User, str], Expect]:
        return lambda user, method: check(user, method) if user.is_authenticated else TO_LOGIN

    def method_only(allowed: str, check) -> Callable[[User, str], Expect]:
        return logged_in(lambda user, method: check(user, method) if method == allowed else refuse(405))

    page = logged_in(lambda user, method: ok())
    # incidents
    add("incidents:home", expect=page)
    # The old 总览 sends everyone to the leaders' dashboard, which then asks who they are.
    add("incidents:overview", expect=lambda user, method: ok(302), methods=("GET",))
    add("dashboard:index", expect=method_only("GET", lambda u, m: rule(access.can_see_overview(u), 403)))
    add("incidents:list", expect=page)
    report_body = {"title": "新的一条舆情", "summary": "内容", "discovered_at": "2026-01-05T08:00",
                   "platform": "微博", "url": "https://weibo.example/1", "department": org.rsc.pk}  # fmt: skip
    add(
        "incidents:report",
        body=lambda user: {**report_body, "token": uuid.uuid4().hex},
        form=True,
        # 上报 to 人事处: its people, the office and the leaders may; anyone else is refused by the service
        expect=logged_in(
            lambda u, m: (
                ok()
                if m == "GET"
                else ok(302)
                if may_report_for(u, org.rsc)
                else Expect(frozenset({400}), True)
            )
        ),
    )
    for key, incident in incidents:
        seen = lambda u, m, i=incident: rule(access.can_view(u, i), 404)  # noqa: E731
        # the page takes any method; a POST is the page again (only a sample: it is the same code)
        methods = ("GET", "POST") if key in ("reported", "archived", "merged", "moved") else ("GET",)
        add("incidents:detail", [incident.pk], expect=logged_in(seen), methods=methods, label=key)
    # The earlier rows of the detail page's lists answer as the page does (a sample of statuses: the same code).
    for key in ("in_disposal", "approved", "archived"):
        for dept in ("xsc", "rsc"):
            incident = w[dept][key]
            seen = lambda u, m, i=incident: rule(access.can_view(u, i), 404)  # noqa: E731
            for name in ("incidents:events", "incidents:progress", "incidents:statements"):
                add(name, [incident.pk], expect=method_only("GET", seen), label=key)
    for name, key in ACTION_ON.items():
        for dept in ("xsc", "rsc"):
            incident = w[dept][key]
            add(
                "incidents:action",
                [incident.pk, name],
                body=lambda user, name=name, dept=dept: action_body(w, dept, name),
                expect=method_only(
                    "POST", on_incident(incident, may_do(REGISTRY[name].action, incident), DONE)
                ),
                label=f"{name} on {dept} {key}",
            )
    add(
        "incidents:action",
        [w["xsc"]["in_disposal"].pk, "no-such-action"],
        expect=method_only("POST", lambda u, m: refuse(404)),
    )
    add(
        "incidents:statement_queue", expect=logged_in(lambda u, m: rule(access.can_review_statements(u), 403))
    )
    for dept in ("xsc", "rsc"):
        evidence = w[dept]["evidence"]
        add(
            "incidents:evidence_download",
            [evidence.pk],
            expect=logged_in(lambda u, m, i=evidence.incident: rule(access.can_view(u, i), 404)),
            label=dept,
        )
    add("notifications:list", expect=page)
    add(
        "notifications:read",
        body=lambda user: {"id": someone_elses_notice(user).pk},
        expect=method_only("POST", lambda u, m: refuse(404)),
        unchanged=True,  # another person's notice: 404, and it stays unread
    )
    add("incidents:health", expect=lambda u, m: ok() if m == "GET" else refuse(405))
    # the registers
    registers = logged_in(lambda u, m: rule(keeps_registers(u), 403, ok() if m == "GET" else DONE))
    registers_post = method_only("POST", lambda u, m: rule(keeps_registers(u), 403, DONE))
    liaison, account = w["rsc"]["liaison"], w["rsc"]["media_account"]
    add(
        "departments:liaisons",
        body=lambda user: {"department": org.xsc.pk, "user": p.xsc_staff.pk, "phone": "13800000000"},
        expect=registers,
    )
    add("departments:liaison_register", [liaison.pk], expect=registers_post)
    add(
        "departments:liaison_deactivate",
        [liaison.pk],
        body=lambda user: {"reason": "调岗"},
        expect=registers_post,
    )
    account_body = {"platform": account.platform, "name": "人事处官微（新）", "url": "https://weibo.example/x",
                    "department": org.rsc.pk, "editor": liaison.pk, "is_active": "on"}  # fmt: skip
    add("departments:media_accounts", body=lambda user: account_body, expect=registers)
    add("departments:media_account_edit", [account.pk], body=lambda user: account_body, expect=registers)
    # reports
    for dept in ("xsc", "rsc"):
        for name, key in [("reports:disposal_form_pdf", "submitted"), ("reports:dossier_card", "archived"),
                          ("reports:dossier_download", "archived")]:  # fmt: skip
            incident = w[dept][key]
            add(
                name,
                [incident.pk],
                expect=method_only("GET", lambda u, m, i=incident: rule(access.can_view(u, i), 404)),
                label=dept,
            )
        archived = w[dept]["archived"]
        for name in ("reports:dossier_generate", "reports:dossier_verify"):
            add(
                name,
                [archived.pk],
                expect=method_only("POST", on_incident(archived, archive_access.can_manage_archive, ok(302))),
                label=dept,
            )
        # 专报 (第九条): the office's to draft and download; 403 for others who see the incident, 404 for the rest.
        level_one = w[dept]["level_one"]
        add(
            "reports:upward_brief",
            [level_one.pk],
            body=lambda user: {"title": "专报", "text": "正文", "format": "docx"},
            expect=logged_in(on_incident(level_one, may_do(Action.REPORT_UPWARD, level_one), ok(200))),
            label=dept,
        )
        # an earlier file of the dossier: none was kept here, so 404 for whoever may see the incident too
        add(
            "reports:dossier_version_download",
            [w[dept]["archived"].pk, 999999],
            expect=method_only("GET", lambda u, m: refuse(404)),
            label=dept,
        )
    add("reports:blank_disposal_form_pdf", expect=method_only("GET", lambda u, m: ok()))
    add(
        "reports:cases",
        expect=method_only("GET", lambda u, m: rule(archive_access.can_see_case_library(u), 403)),
    )
    manages = lambda u, m: rule(archive_access.can_manage_archive(u), 403, ok() if m == "GET" else DONE)  # noqa: E731
    add(
        "reports:archive",
        body=lambda user: {"start": "2025-01-01", "end": "2025-12-31"},
        expect=logged_in(manages),
    )
    export = w["export"]
    for name in ("reports:export_row", "reports:export_download"):
        # the export is still waiting for a worker: its download says so (409)
        answer = ok(200) if name == "reports:export_row" else ok(409)
        add(
            name,
            [export.pk],
            expect=method_only(
                "GET", lambda u, m, a=answer: rule(archive_access.can_manage_archive(u), 403, a)
            ),
        )
    # 第十五条: the yearly evaluation, its weights and the ledger (evaluation.access)
    get_only = lambda allowed: method_only("GET", lambda u, m: rule(allowed(u), 403))  # noqa: E731
    add("incidents:list_xlsx", expect=method_only("GET", lambda u, m: ok()))
    for name in ("evaluation:index", "evaluation:index_xlsx"):
        add(name, expect=get_only(evaluation_access.may_see_evaluation))
    for name in ("evaluation:ledger", "evaluation:ledger_xlsx"):
        add(name, expect=get_only(evaluation_access.may_read_ledger))
    keeps = lambda allowed: logged_in(lambda u, m: rule(allowed(u), 403, ok() if m == "GET" else DONE))  # noqa: E731
    add("evaluation:weights", expect=keeps(evaluation_access.may_set_weights))
    add("evaluation:ledger_create", expect=keeps(evaluation_access.may_keep_ledger))
    entry = w["ledger"]
    reads_entry = lambda u: evaluation_access.ledger_visible_to(u).filter(pk=entry.pk).exists()  # noqa: E731
    add("evaluation:ledger_detail", [entry.pk],
        expect=method_only("GET", lambda u, m: ok() if reads_entry(u) else refuse(404)))  # fmt: skip
    add("evaluation:attachment_download", [entry.attachments.get().pk],
        expect=method_only("GET", lambda u, m: ok() if reads_entry(u) else refuse(404)))  # fmt: skip
    add(
        "evaluation:ledger_edit",
        [entry.pk],
        expect=logged_in(
            lambda u, m: (
                rule(evaluation_access.may_keep_ledger(u), 403, ok() if m == "GET" else DONE)
                if reads_entry(u)
                else refuse(404)
            )
        ),
    )

    # 舆情通报 (bulletins.access): the office drafts and issues, the leadership approves, recipients read
    def sees_bulletin(b):
        return lambda u: bulletin_access.bulletins_visible_to(u).filter(pk=b.pk).exists()

    receipt = ("bulletins_bulletinreading", "bulletins_bulletinreceipt")
    add("bulletins:list", expect=get_only(bulletin_access.may_open_list))
    bulletin_body = {"title": "通报", "body": "正文", "period_start": "2026-01-01", "period_end": "2026-01-31",
                     "recipients": [org.xsc.pk]}  # fmt: skip
    add("bulletins:create", body=lambda user: bulletin_body, expect=keeps(bulletin_access.may_draft))
    add("bulletins:template", expect=keeps(bulletin_access.may_draft))
    add("bulletins:template_reset",
        expect=method_only("POST", lambda u, m: rule(bulletin_access.may_draft(u), 403, ok(302))))  # fmt: skip
    add("bulletins:template_download", expect=get_only(bulletin_access.may_draft))
    for key in ("bulletin_draft", "bulletin_issued"):
        b = w[key]
        sees = sees_bulletin(b)
        for name in ("bulletins:detail", "bulletins:pdf", "bulletins:docx"):
            add(name, [b.pk], expect=method_only("GET", lambda u, m, sees=sees: ok() if sees(u) else refuse(404)),
                writes=receipt, label=key)  # fmt: skip
        edited = (
            ok() if b.status == "draft" else ok(302)
        )  # an issued bulletin is not edited: back to its page
        add(
            "bulletins:edit",
            [b.pk],
            body=lambda user: {**bulletin_body, "version": 999},
            expect=logged_in(
                lambda u, m, sees=sees, edited=edited: (
                    rule(bulletin_access.may_draft(u), 403, edited if m == "GET" else ok(302, 400, 409))
                    if sees(u)
                    else refuse(404)
                )
            ),
            label=key,
        )
        for action, allowed in (("submit", bulletin_access.may_draft), ("approve", bulletin_access.may_approve),
                                ("return", bulletin_access.may_approve), ("issue", bulletin_access.may_draft)):  # fmt: skip
            add(
                "bulletins:action",
                [b.pk, action],
                body=lambda user: {"comment": "请修改"},
                expect=method_only(
                    "POST",
                    lambda u, m, sees=sees, allowed=allowed: (
                        rule(allowed(u), 403, ok(302)) if sees(u) else refuse(404)
                    ),
                ),
                label=f"{action} {key}",
            )
    # 第四条: joint meetings (meetings.access): the office convenes and minutes; who sees all or attends, reads
    sees_meeting = lambda u, pk: meeting_access.meetings_visible_to(u).filter(pk=pk).exists()  # noqa: E731
    held, open_ = w["meeting_held"], w["meeting_open"]
    add("meetings:list", expect=method_only("GET", lambda u, m: ok()))
    add("meetings:risks", expect=method_only("GET", lambda u, m: ok()))
    add("meetings:convene", body=lambda user: {"title": "", "token": uuid.uuid4().hex}, form=True,
        expect=keeps(meeting_access.may_convene))  # fmt: skip
    add("meetings:detail", [held.pk],
        expect=method_only("GET", lambda u, m: ok() if sees_meeting(u, held.pk) else refuse(404)))  # fmt: skip
    add("reports:meeting_minutes_pdf", [held.pk],
        expect=method_only("GET", lambda u, m: ok() if sees_meeting(u, held.pk) else refuse(404)))  # fmt: skip
    add("meetings:attachment_download", [held.attachments.get().pk],
        expect=method_only("GET", lambda u, m: ok() if sees_meeting(u, held.pk) else refuse(404)))  # fmt: skip
    add(
        "meetings:minutes",
        [open_.pk],
        body=lambda user: {
            "minutes": "",
            "decisions-TOTAL_FORMS": 0,
            "decisions-INITIAL_FORMS": 0,
            "risks-TOTAL_FORMS": 0,
            "risks-INITIAL_FORMS": 0,
        },
        expect=logged_in(
            lambda u, m: (
                rule(meeting_access.may_convene(u), 403, ok() if m == "GET" else DONE)
                if sees_meeting(u, open_.pk)
                else refuse(404)
            )
        ),
    )
    add(
        "meetings:cancel",
        [open_.pk],
        body=lambda user: {"reason": "改期", "version": open_.version},
        expect=method_only(
            "POST",
            lambda u, m: (
                rule(meeting_access.may_convene(u), 403, ok(302))
                if sees_meeting(u, open_.pk)
                else refuse(404)
            ),
        ),
    )
    item = held.risk_items.get()
    add(
        "meetings:risk_done",
        [item.pk],
        body=lambda user: {"note": "已排查"},
        expect=method_only(
            "POST",
            lambda u, m: (
                rule(item.owner_id == u.pk, 403, DONE)
                if meeting_access.risk_items_visible_to(u).filter(pk=item.pk).exists()
                else refuse(404)
            ),
        ),
    )
    # 第八条 重点监测 (monitoring.access): the office keeps, the leaders read, a liaison reports 零报告
    period = w["period"]
    reads = monitoring_access.may_read_calendar
    keeps_calendar = monitoring_access.may_keep_calendar
    period_body = {"name": "校庆", "kind": "school", "start_date": period.start_date.isoformat(),
                   "end_date": period.end_date.isoformat(), "nil_report_required": "on", "version": period.version}  # fmt: skip
    for name in ("monitoring:calendar", "monitoring:nil_report_status"):
        add(name, expect=get_only(reads))
    add("monitoring:period_create", body=lambda user: period_body, expect=keeps(keeps_calendar))
    add("monitoring:seed", body=lambda user: {"year": 2026},
        expect=method_only("POST", lambda u, m: rule(keeps_calendar(u), 403, ok(302))))  # fmt: skip
    on_period = lambda allowed: lambda u, m: allowed(u, m) if reads(u) else refuse(404)  # noqa: E731
    add("monitoring:period_detail", [period.pk], expect=method_only("GET", on_period(lambda u, m: ok())))
    for name in ("monitoring:period_edit", "monitoring:roster"):
        add(name, [period.pk], body=lambda user: period_body,
            expect=logged_in(on_period(lambda u, m: rule(keeps_calendar(u), 403, ok() if m == "GET" else DONE))))  # fmt: skip
    add("monitoring:period_delete", [period.pk],
        expect=method_only("POST", on_period(lambda u, m: rule(keeps_calendar(u), 403, ok(302)))))  # fmt: skip
    liaison_of = lambda u: Liaison.objects.filter(user=u, status=Liaison.Status.REGISTERED).exists()  # noqa: E731
    add("monitoring:nil_report", body=lambda user: {"department": org.rsc.pk, "note": ""},
        expect=logged_in(lambda u, m: rule(liaison_of(u), 403, ok() if m == "GET" else ok(302))))  # fmt: skip
    # 第七条 线索 (leads.access): the office's inbox; 403 for the page, 404 for a lead, to everyone else
    handles = lead_access.may_handle_leads
    add("leads:inbox", expect=get_only(handles))
    lead_page = lambda answer: lambda u, m: answer(u, m) if handles(u) else refuse(404)  # noqa: E731
    for key in ("lead", "lead_dismissed"):
        lead = w[key]
        add("leads:detail", [lead.pk], expect=method_only("GET", lead_page(lambda u, m: ok())), label=key)
        # 转为舆情 files to 学生处 for the office; a judged lead sends back to its page
        promoted = ok() if lead.is_open else ok(302)
        add(
            "leads:promote",
            [lead.pk],
            body=lambda user: {**report_body, "department": org.xsc.pk, "token": uuid.uuid4().hex},
            form=lead.is_open,
            expect=logged_in(lead_page(lambda u, m, a=promoted: a if m == "GET" else ok(302, 400))),
            label=key,
        )
        add("leads:merge", [lead.pk], body=lambda user: {"number": w["rsc"]["in_disposal"].number, "token": uuid.uuid4().hex},
            expect=method_only("POST", lead_page(lambda u, m: ok(302, 400))), label=key)  # fmt: skip
        add("leads:dismiss", [lead.pk], body=lambda user: {"reason": "广告", "token": uuid.uuid4().hex},
            expect=method_only("POST", lead_page(lambda u, m: ok(302, 400))), label=key)  # fmt: skip
    shot = w["lead"].screenshots.get()
    add("leads:screenshot", [w["lead"].pk, shot.pk], expect=method_only("GET", lead_page(lambda u, m: ok())))
    # audit
    for name in ("audit:log", "audit:export"):
        add(name, expect=method_only("GET", lambda u, m: rule(audit_access.can_read_log(u), 403)))
    # accounts
    add(
        "login",
        body=lambda user: {"username": "nobody", "password": "wrong-password"},
        expect=lambda u, m: ok(),  # the form again, with its error
    )
    add("logout", expect=lambda u, m: ok(302) if m == "POST" else refuse(405))
    # 统一身份认证: not there while CAS is off, as here (tests/accounts/test_cas.py has it on)
    add("accounts:cas_login", expect=lambda u, m: refuse(404))
    add(
        "accounts:password_change",
        body=lambda user: {
            "old_password": "wrong",
            "new_password1": "Qz7#pass-word-9",
            "new_password2": "Qz7#pass-word-9",
        },
        expect=logged_in(lambda u, m: ok()),  # everyone their own; a wrong old password is the form again
    )

    # The REST API: each role's client sends its own token (test below); no token is 401, never the login page.
    # Authentication and the method come before the object: an unknown method is 405 whoever asks.
    def api(check: Callable[[User, str], Expect], allowed: str = "GET") -> Callable[[User, str], Expect]:
        return lambda u, m: (
            refuse(401) if not u.is_authenticated else check(u, m) if m == allowed else refuse(405)
        )

    add("api:incident_list", expect=api(lambda u, m: ok()))
    add("api:notice_list", expect=api(lambda u, m: ok()))
    add("api:schema", expect=api(lambda u, m: ok()))
    for key, incident in incidents:
        seen = lambda u, m, i=incident: rule(access.can_view(u, i), 404)  # noqa: E731
        for name in ("api:incident_detail", "api:incident_deadlines"):
            add(name, [incident.pk], expect=api(seen), label=key)
    pushes = lead_access.may_push_leads
    add(
        "api:lead_list",
        body=lambda user: {"platform": "微博", "url": "https://weibo.example/api/1", "title": "网传",
                           "captured_at": "2026-01-05T08:00", "source_system": "监测", "external_id": "API-1"},
        expect=lambda u, m: refuse(401) if not u.is_authenticated else rule(pushes(u), 403, ok(201) if m == "POST" else ok()),
        writes=("leads_lead", "leads_historicallead", "incidents_notice"),  # a pushed lead, the office told
    )  # fmt: skip
    for key in ("lead", "lead_dismissed"):
        lead = w[key]
        visible = lambda u, m, pk=lead.pk: rule(lead_access.leads_visible_to(u).filter(pk=pk).exists(), 404)  # noqa: E731
        add("api:lead_detail", [lead.pk], expect=api(visible), label=key)
    add("api:docs", expect=method_only("GET", lambda u, m: ok()))
    # Another department's object in the body of a request the person may send: refused, nothing changes.
    xsc, rsc = w["xsc"], w["rsc"]
    forged = [
        ("incidents:action", [xsc["approved"].pk, "publish"], "publish", "xsc",
         {"statement": rsc["approved_statement"].pk}, "xsc_liaison"),
        ("incidents:action", [xsc["in_disposal"].pk, "review"], "review", "xsc",
         {"statement": rsc["submitted_statement"].pk}, "approver"),
        ("incidents:action", [xsc["in_disposal"].pk, "statement"], "statement", "xsc",
         {"statement": rsc["submitted_statement"].pk}, "xsc_liaison"),
    ]  # fmt: skip
    for name, args, action, dept, override, role in forged:
        add(
            name,
            args,
            body=lambda user, action=action, dept=dept, override=override: {
                **action_body(w, dept, action),
                **override,
            },
            expect=lambda u, m: ok(400),
            unchanged=True,
            form=True,
            methods=("POST",),
            label=f"{action} naming 人事处's statement",
            only=role,
        )
    return sent


def bulletin_disclosed(user) -> set[int]:
    """The incidents named in the bulletins this person reads: a bulletin shows their number and title to its
    recipients (第四条 舆情通报), never a link into them."""
    if not user.is_authenticated:
        return set()
    visible = bulletin_access.bulletins_visible_to(user)
    return set(Incident.objects.filter(bulletins__in=visible).values_list("pk", flat=True))


def someone_elses_notice(user) -> Notice:
    return Notice.objects.exclude(recipient_id=user.pk).filter(read_at__isnull=True).order_by("pk").first()


def action_body(w, dept: str, name: str) -> dict:
    """A valid body for an action on the department's incident (the one ACTION_ON names)."""
    org, c = w["org"], w[dept]
    incident = c[ACTION_ON[name]]
    other = org.rsc if dept == "xsc" else org.xsc
    form = Incident.objects.get(pk=incident.pk)
    form_version = str(getattr(getattr(form, "disposal_form", None), "version", ""))
    bodies = {
        "assess": {"category": "C", "level": "3", "responsible_department": incident.responsible_department_id or getattr(org, dept).pk, "reason": "研判"},
        "merge": {"into": c["in_disposal"].number, "reason": "重复上报"},
        "change_level": {"to_level": "1", "reason": "转发量上升"},
        "reassign": {"department": other.pk, "reason": "职责调整"},
        "progress": {"content": "已联系当事学生"},
        "statement": {"text": "回复通稿", "submit_for_review": "1"},
        "review": {"statement": c["submitted_statement"].pk, "decision": "approve", "comment": "同意"},
        "publish": {"statement": c["approved_statement"].pk, "where": "学院官方微博", "published_at": ""},
        "end_disposal": {"summary": "已平息"},
        "disposal_form": {"team_members": "张三", "disposal_situation": "已处置", "follow_up": "", "form_version": form_version},
        "leader_opinion": {"opinion": "同意", "form_version": form_version},
        "sign": {"form_version": form_version},
        "submit_form": {},
        "file": {"comment": "备案"},
        "return_form": {"comment": "请补充处置情况"},
        "review_meeting": {"held_at": "2026-01-05T10:00", "place": "302", "attendees": "党群工作部", "summary": "总结", "improvements": ""},
        "archive": {"comment": ""},
        "duty": {"kind": LevelOneDuty.Kind.choices[0][0], "done_at": "2026-01-05T10:00", "method": "电话", "recipient": "书记", "note": ""},
        "evidence": {"files": png_upload()},
        "source": {"platform": "微博", "url": "https://weibo.example/post/9"},
        "request_signature": {"form_version": form_version},
        "waive_opinion": {"reason": "分管院领导外出", "form_version": form_version},
        "waive_duty": {"kind": LevelOneDuty.Kind.EMERGENCY_PLAN, "reason": "上级已统一启动应急预案"},
        "upward_report": {"authority": "省委教育工委", "channel": "phone", "reported_at": "", "reported_by_text": "", "content": "首报"},
        "contact": {"counterpart": "自贡日报社", "kind": "media", "channel": "phone", "contacted_at": "", "content": "沟通进展"},
        "waive_review": {"reason": "个案，无需复盘"},
        "team": {"member-TOTAL_FORMS": "1", "member-INITIAL_FORMS": "0", "member-0-role": "member", "member-0-name": "王老师"},
    }  # fmt: skip
    return {**bodies[name], "version": incident.version, "token": uuid.uuid4().hex}


# --- what a request may change ------------------------------------------------------------------------------

WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# Written by design whatever the answer: the security log (every refusal is recorded, issue 11), the session,
# the sign-in throttle, an API client's last-use stamp.
UNTRACKED = ("audit_", "django_session", "axes_", "api_apiclient")


class Writes:
    """The tables a request wrote a row of (INSERT, UPDATE or DELETE touching a row), as the database saw the
    statements: a connection.execute_wrapper, so no write escapes it, whichever code issued it."""

    def __init__(self):
        self.tables: Counter = Counter()

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        match = WRITE.match(sql)
        if match and not match[1].startswith(UNTRACKED) and context["cursor"].rowcount != 0:
            self.tables[match[1]] += 1
        return result


def fingerprint() -> dict:
    """Every row of the application's tables (but the sign-in stamp): the college before and after the run."""
    rows = {}
    for label in (
        "departments",
        "incidents",
        "notifications",
        "reports",
        "accounts",
        "evaluation",
        "bulletins",
        "meetings",
        "monitoring",
    ):
        for model in apps.get_app_config(label).get_models():
            fields = [f.attname for f in model._meta.concrete_fields if f.attname != "last_login"]
            rows[model._meta.label] = list(model.objects.order_by("pk").values_list(*fields))
    return rows


# --- the run ------------------------------------------------------------------------------------------------


@dataclass
class Mismatch:
    role: str
    method: str
    url: str
    got: str
    expected: str
    label: str = ""

    def __str__(self) -> str:
        what = f" [{self.label}]" if self.label else ""
        return f"{self.role:11} {self.method:4} {self.url}{what}: got {self.got}, expected {self.expected}"


@dataclass
class Run:
    clients: dict
    users: dict
    markers: dict  # role → [(number or title, incident)] of the incidents the role may not see
    mismatches: list = field(default_factory=list)
    requests: int = 0
    exception: str = ""

    def record_exception(self, sender, request=None, **kwargs):
        exc = sys.exc_info()[1]
        self.exception = f"{type(exc).__name__}: {exc}"[:300] if exc else ""

    def send(self, role: str, method: str, item: Request) -> None:
        user, client = self.users[role], self.clients[role]
        expected = item.expect(user, method)
        must_not_write = expected.refused or item.unchanged or method == "GET"
        self.requests += 1
        self.exception = ""
        writes = Writes()
        with transaction.atomic(), connection.execute_wrapper(writes):
            response = client.get(item.url) if method == "GET" else client.post(item.url, item.body(user))
            body = b"".join(response.streaming_content) if response.streaming else response.content
            transaction.set_rollback(True)
        if item.form:
            writes.tables.pop(FormToken._meta.db_table, None)
        if not expected.refused:
            for table in item.writes:
                writes.tables.pop(table, None)
        problems = self.judge(role, response, body, expected, writes.tables if must_not_write else {})
        if item.name == "logout" and method == "POST" and role != ANONYMOUS:
            client.force_login(user)  # signed out by the request: signed in again for the rest of the run
        for problem in problems:
            self.mismatches.append(Mismatch(role, method, item.url, problem, str(expected), item.label))

    def judge(self, role, response, body: bytes, expected: Expect, wrote: Counter) -> list[str]:
        status, where = response.status_code, response.get("Location", "")
        problems = []
        if status >= 500:
            problems.append(f"{status} {self.exception or '(no exception recorded)'}")
        elif status not in expected.statuses or (expected.to and not where.startswith(expected.to)):
            got = f"{status}{' → ' + where if where else ''}"
            kind = "LEAK" if expected.refused and (status < 300 or status == 302) else "mismatch"
            problems.append(f"{kind}: {got}")
        if wrote:
            problems.append(f"WROTE {', '.join(sorted(wrote))} (status {status})")
        if response.get("Content-Type", "").startswith(TEXT_TYPES):
            text = body.decode("utf-8", "replace")
            shown = sorted({f"{m} ({i.responsible_department.name} {i.get_status_display()})"
                            for m, i in self.markers[role] if m in text})  # fmt: skip
            if shown:
                problems.append(f"DISCLOSES {status}: {'; '.join(shown)}")
        return problems


def test_every_registered_action_is_audited():
    assert set(ACTION_ON) == set(REGISTRY), (
        "a new action needs its place in ACTION_ON and a body in action_body"
    )


def test_no_role_reaches_what_the_rules_refuse_through_any_url(college):
    started = time.monotonic()
    org = college["org"]
    patterns = url_patterns()
    items = requests_for(college)
    covered = {item.name for item in items}
    assert covered == {name for name, _ in patterns}, (
        f"every pattern is requested; new or missing here: {sorted({name for name, _ in patterns} ^ covered)}"
    )
    users, clients = {}, {}
    for role in ROLES:
        if role == ANONYMOUS:
            clients[role] = Client(raise_request_exception=False)
            users[role] = AnonymousUser()
        else:
            users[role] = fresh(getattr(org.p, role))
            # The pages read the session, the API only the token of the role's own ApiClient.
            _, token = api_client_create(actor=None, user=users[role], name=role, rate_per_minute=100_000)
            clients[role] = Client(raise_request_exception=False, headers={"authorization": f"Token {token}"})
            clients[role].force_login(users[role])
    incidents = college["incidents"]
    markers = {
        role: [
            (m, i)
            for i in incidents
            if not access.can_view(user, i) and i.pk not in bulletin_disclosed(user)
            for m in (i.number, i.title)
        ]
        for role, user in users.items()
    }
    before = fingerprint()
    run = Run(clients, users, markers)
    got_request_exception.connect(run.record_exception, dispatch_uid="idor")
    logging.disable(logging.CRITICAL)  # thousands of 403/404 lines; a 500 is caught by the signal
    try:
        for item in items:
            for role in ROLES:
                if item.only and item.only != role:
                    continue
                for method in item.methods:
                    run.send(role, method, item)
    finally:
        logging.disable(logging.NOTSET)
        got_request_exception.disconnect(dispatch_uid="idor")
    seconds = time.monotonic() - started
    assert fingerprint() == before, "the savepoints kept the college as it was"
    print(
        f"\nidor: {len(patterns)} URL patterns × {len(ROLES)} roles × GET/POST: {run.requests} requests"
        f" ({len(items)} paths) in {seconds:.1f} s"
    )
    # The check can see a leak: the office's list shows every incident's number.
    whole = clients["clerk"].get(reverse("incidents:list"), {"page": 1}).content.decode()
    assert all(i.number in whole for i in incidents if i.status != "merged")
    assert not run.mismatches, (
        f"{len(run.mismatches)} mismatch(es) in {run.requests} requests:\n"
        + "\n".join(map(str, run.mismatches))
    )
