"""Hostile input on every form of every page of the application (the admin is tested on its own): never a 500,
and a redirect never leaves the site. Also the rule of `next` itself (opinion_system/redirects.py).

Every URL pattern of incidents, reports and departments is visited, its path filled with a real object of a small
college (an incident in each status, one of another department as a forged id). For each page, the person who may
use it posts every field of its form with every value of HOSTILE (the rest of the form valid); the other roles post
a sample, and every role opens every page with hostile query strings. Each request runs in a savepoint rolled back
afterwards, so every one meets the same data. One run reports every failure: url, role, field, value, status and
the exception the view raised.
"""

import datetime as dt
import logging
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from django import forms as django_forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import transaction
from django.shortcuts import redirect
from django.test import Client, RequestFactory
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict

from bulletins.forms import BulletinForm, TemplateForm
from departments import services as dept_services
from departments.forms import LiaisonDeactivateForm, LiaisonRegisterForm, MediaAccountForm
from departments.models import Liaison, OfficialMediaAccount
from incidents import engine, services
from incidents.actions import REGISTRY
from incidents.filters import IncidentFilter
from incidents.forms import ReportForm
from incidents.models import Incident, LevelOneDuty, Status
from leads import services as lead_services
from leads.forms import DismissForm, MergeForm, PromoteForm
from notifications.models import Notice
from opinion_system.redirects import safe_next
from reports import services as report_services
from reports.forms import ExportForm, UpwardBriefForm
from tests.bulletins.conftest import draft as bulletin_draft
from tests.bulletins.conftest import issued as bulletin_issued
from tests.factories import (
    approved_statement,
    archived,
    assessed,
    ended,
    filed,
    png_upload,
    report,
    submitted,
    submitted_statement,
)
from tests.leads.conftest import add_info_center
from tests.leads.conftest import push as push_lead

APPS = ("incidents", "notifications", "reports", "departments", "bulletins", "leads")

# `next` values that must never take the browser off the site, nor make redirect() raise.
HOSTILE_NEXT = [
    "javascript:alert(1)",
    "\\\\evil.com",
    "///evil.com",
    "//evil.com",
    "/\\evil.com",
    "http://testserver@evil.com",
    "https://evil.com/",
    "%00",
    "abc",
    "incidents:list",
    "/ok\r\nSet-Cookie: a=1",
    "/\x00",
    "/" + "a" * 100_000,
    ["/statements/", "//evil.com"],
]

# What a person or a script may type into any field.
HOSTILE = {
    "empty": "",
    "long": "长" * 100_000,
    "nul": "a\x00b",
    "control": "\x01\x07\x08\x1b\x7f\u202e",
    "astral": "😀𠀀\U0010ffff",
    "sql": "'; DROP TABLE incidents_incident; --",
    "script": "<script>alert(1)</script>",
    "minus one": "-1",
    "2**63": str(2**63),
    "1e309": "1e309",
    "NaN": "NaN",
    "arabic digits": "١٢",
    "0000-00-00": "0000-00-00",
    "9999-99-99": "9999-99-99",
    "a list": ["1", "2"],
}

# Hostile query strings for every page (GET).
QUERIES = [
    {"page": "١٢", "next": "//evil.com"},
    {"page": str(2**63), "q": "\x00'; DROP TABLE x; --"},
    {"page": ["1", "-1"], "ordering": "-password", "status": "<script>"},
    {"reported_after": "0000-00-00", "reported_before": "9999-99-99", "level": "NaN", "overdue": "1e309"},
    {"responsible_department": "99999999999999999999", "category": "😀", "q": "长" * 5000},
]


@dataclass
class Form:
    """One form of one page: where it goes, who uses it, a valid body, and the page's own form class as a check
    (does it accept a body? then the body reaches the view's code past the form)."""

    url: str
    actor: str
    base: dict
    check: Callable[[MultiValueDict], bool] | None = None
    text: frozenset = frozenset()  # the fields of free text
    forged: dict = field(default_factory=dict)  # a field's forged value: another department's object
    method: str = "POST"
    deep: bool = True  # the fields the view reads itself (token, next) get every value here


@dataclass
class Failure:
    method: str
    url: str
    role: str
    field: str
    value: str
    status: int
    problem: str

    def __str__(self) -> str:
        return f"{self.method} {self.url} as {self.role}, {self.field}={self.value}: {self.status} {self.problem}"


def shown(value) -> str:
    text = repr(value)
    return text if len(text) < 60 else f"{text[:40]}… ({len(value)} long)"


def app_url_names() -> list[tuple[str, URLPattern]]:
    """Every URL pattern of the application's apps, as (namespaced name, pattern), from the resolver itself."""
    found = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace in APPS:
            found += [
                (f"{entry.namespace}:{p.name}", p) for p in entry.url_patterns if isinstance(p, URLPattern)
            ]
    return found


# --- the college ------------------------------------------------------------------------------------------


@pytest.fixture
def college(org, settings, tmp_path):
    """An incident in each status of 学生处, one of 人事处 (the forged id), a statement in each state, evidence,
    notices, an export, a media account: what the pages' paths and forms point at."""
    settings.MEDIA_ROOT = tmp_path
    p = org.p
    c = {"org": org}
    c["reported"] = report(org, title="待研判的一条")
    c["duplicate_target"] = report(org, title="重复上报的原件")
    c["in_disposal"] = assessed(org, level=2)
    c["submitted_statement"] = submitted_statement(org, c["in_disposal"], "待审定的通稿")
    c["level_one"] = assessed(org, level=1, category="A")
    with_approved = assessed(org, level=2)
    c["approved_statement"] = approved_statement(org, with_approved)
    c["with_approved"] = with_approved
    c["ended"] = ended(org)
    signed = ended(org)
    services.disposal_form_save(
        incident=signed, actor=p.xsc_liaison, team_members="张三", disposal_situation="已处置"
    )
    services.disposal_form_sign(incident=signed, actor=p.xsc_head)
    c["signed"] = Incident.objects.get(pk=signed.pk)
    c["submitted"] = submitted(org)
    c["filed"] = filed(org)
    c["archived"] = archived(org)
    merged = report(org, title="合并掉的一条")
    c["merged"] = services.incident_merge(
        incident=merged, into=c["duplicate_target"], actor=p.clerk, reason="重复"
    )
    c["other_department"] = assessed(org, level=2, department=org.rsc)
    draft = services.statement_save_draft(
        incident=c["other_department"], actor=p.rsc_liaison, text="别部门的通稿"
    )
    c["other_statement"] = services.statement_submit(statement=draft, actor=p.rsc_liaison)
    c["evidence"] = services.evidence_add(incident=c["in_disposal"], actor=p.xsc_liaison, upload=png_upload())
    c["other_evidence"] = services.evidence_add(
        incident=c["other_department"], actor=p.rsc_liaison, upload=png_upload()
    )
    c["export"] = report_services.export_request(
        actor=p.clerk, start=timezone.localdate() - dt.timedelta(days=30), end=timezone.localdate()
    )
    c["liaison"] = Liaison.objects.get(user=p.xsc_liaison)
    c["media_account"] = dept_services.media_account_save(
        actor=p.clerk,
        account=OfficialMediaAccount(
            platform=OfficialMediaAccount.Platform.choices[0][0],
            name="学生处官微",
            department=org.xsc,
            editor=c["liaison"],
        ),
    )
    c["notice"] = Notice.objects.filter(recipient=p.xsc_head).order_by("pk").first()
    c["other_notice"] = Notice.objects.exclude(recipient=p.xsc_head).order_by("pk").first()
    # 舆情通报: a draft (the office edits it) and one issued to 学生处 naming 人事处's incident.
    c["bulletin_draft"] = bulletin_draft(org, incidents=[c["reported"]])
    c["bulletin_issued"] = bulletin_issued(org, incidents=[c["other_department"]], recipients=[org.xsc])
    # 线索: one waiting (the office's forms), one already dismissed.
    monitor = add_info_center(org).monitor
    c["lead"], _ = push_lead(monitor, screenshot=png_upload())
    done, _ = push_lead(monitor, url="https://tieba.example/p/2", external_id="MON-2")
    c["lead_done"] = lead_services.lead_dismiss(lead=done, actor=p.clerk, reason="广告")
    engine.sweep()  # the health endpoint answers 503 when no sweep ran: a sweep has run here
    for status in Status:
        assert Incident.objects.filter(status=status).exists() or status == Status.RETURNED, status
    return c


# --- the forms, by URL name ------------------------------------------------------------------------------

# Who posts each action of the incident page, and on which incident it is allowed.
ACTION_USE = {
    "assess": ("clerk", "reported"),
    "merge": ("clerk", "reported"),
    "change_level": ("clerk", "in_disposal"),
    "reassign": ("clerk", "in_disposal"),
    "progress": ("xsc_liaison", "in_disposal"),
    "statement": ("xsc_liaison", "in_disposal"),
    "review": ("approver", "in_disposal"),
    "publish": ("xsc_liaison", "with_approved"),
    "end_disposal": ("xsc_liaison", "in_disposal"),
    "disposal_form": ("xsc_liaison", "ended"),
    "leader_opinion": ("xsc_leader", "ended"),
    "sign": ("xsc_head", "ended"),
    "submit_form": ("xsc_liaison", "signed"),
    "file": ("clerk", "submitted"),
    "return_form": ("clerk", "submitted"),
    "review_meeting": ("clerk", "filed"),
    "archive": ("clerk", "filed"),
    "duty": ("clerk", "level_one"),
    "evidence": ("xsc_liaison", "in_disposal"),
    "source": ("xsc_liaison", "in_disposal"),
    "request_signature": ("xsc_liaison", "ended"),
    "waive_opinion": ("clerk", "submitted"),
    "waive_duty": ("clerk", "level_one"),
    "upward_report": ("clerk", "level_one"),
    "contact": ("xsc_liaison", "in_disposal"),
    "waive_review": ("clerk", "submitted"),
    "team": ("xsc_liaison", "in_disposal"),
}


def action_body(c, name: str) -> tuple[dict, dict]:
    """A valid body for an action (all but version and token) and the forged value of its object fields."""
    org = c["org"]
    bodies = {
        "assess": {"category": "C", "level": "3", "responsible_department": org.xsc.pk, "reason": "研判"},
        "merge": {"into": c["duplicate_target"].number, "reason": "重复上报"},
        "change_level": {"to_level": "2", "reason": "转发量上升"},
        "reassign": {"department": org.rsc.pk, "reason": "职责调整"},
        "progress": {"content": "已联系当事学生"},
        "statement": {"text": "回复通稿", "submit_for_review": "1"},
        "review": {"statement": c["submitted_statement"].pk, "decision": "approve", "comment": "同意"},
        "publish": {"statement": c["approved_statement"].pk, "where": "学院官方微博", "published_at": ""},
        "end_disposal": {"summary": "已平息"},
        "disposal_form": {
            "team_members": "张三",
            "disposal_situation": "已处置",
            "follow_up": "",
            "form_version": "",
        },
        "leader_opinion": {"opinion": "同意", "form_version": ""},
        "sign": {"form_version": ""},
        "request_signature": {"form_version": ""},
        "waive_opinion": {"reason": "分管院领导外出", "form_version": ""},
        "waive_review": {"reason": "个案，无需复盘"},
        "team": {
            "member-TOTAL_FORMS": "1",
            "member-INITIAL_FORMS": "0",
            "member-0-role": "leader",
            "member-0-name": "张三",
            "member-0-unit": "学生处",
            "member-0-phone": "",
        },
        "submit_form": {},
        "file": {"comment": "备案"},
        "return_form": {"comment": "请补充处置情况"},
        "review_meeting": {
            "held_at": "2026-01-05T10:00",
            "place": "302",
            "attendees": "党群工作部",
            "summary": "总结",
            "improvements": "",
        },
        "archive": {"comment": ""},
        "duty": {
            "kind": LevelOneDuty.Kind.choices[0][0],
            "done_at": "2026-01-05T10:00",
            "method": "电话",
            "recipient": "书记",
            "note": "",
        },
        "evidence": {"files": "FILE"},
        "source": {"platform": "微博", "url": "https://weibo.example/post/9"},
        "waive_duty": {"kind": LevelOneDuty.Kind.EMERGENCY_PLAN, "reason": "上级已统一启动应急预案"},
        "upward_report": {
            "authority": "省委教育工委",
            "channel": "phone",
            "reported_at": "2026-01-05T10:00",
            "reported_by_text": "",
            "content": "首报",
        },
        "contact": {
            "counterpart": "自贡日报社",
            "kind": "media",
            "channel": "phone",
            "contacted_at": "",
            "content": "沟通进展",
        },
    }
    forged = {
        "statement": c["other_statement"].pk,
        "into": c["other_department"].number,
        "responsible_department": 2**31 - 1,
        "department": 2**31 - 1,
    }
    return bodies[name], forged


def accepts(make_form) -> Callable[[MultiValueDict], bool]:
    return lambda data: make_form(data).is_valid()


def text_fields(form_class) -> frozenset:
    """The fields of free text of a form class (a CharField with no choices, not one the view reads itself)."""
    return frozenset(
        name
        for name, f in form_class.base_fields.items()
        if type(f) in (django_forms.CharField, django_forms.URLField) and name not in VIEW_READS
    )


def forms_by_url(c) -> dict[str, list[Form]]:
    """Every form of every page, by URL name: where it goes, the person who uses it, a valid body, its check."""
    org, p, forms = c["org"], c["org"].p, {}
    actions = []
    for name, (actor, incident_key) in ACTION_USE.items():
        incident = c[incident_key]
        body, forged = action_body(c, name)
        form_class = REGISTRY[name].form
        base = {
            **{f: "" for f in form_class.base_fields},
            **body,
            "version": incident.version,
            "token": "TOKEN",
        }
        base["next"] = reverse("incidents:statement_queue")
        url = reverse("incidents:action", args=[incident.pk, name])
        check = accepts(lambda data, form_class=form_class: form_class(data, MultiValueDict()))
        forged = {k: v for k, v in forged.items() if k in base}
        # One view serves every action: what it reads itself (token, next) is tried in full on one of them.
        text = text_fields(form_class)
        actions.append(Form(url, actor, base, check, text, forged, deep=name == "progress"))
    forms["incidents:action"] = actions
    report_base = {"title": "新的一条", "summary": "内容", "discovered_at": "2026-01-05T08:00", "platform": "微博",
                   "url": "https://weibo.example/1", "platform_2": "", "url_2": "", "department": org.xsc.pk,
                   "files": "FILE", "token": "TOKEN"}  # fmt: skip
    report_check = accepts(lambda data: ReportForm(data, MultiValueDict(), user=p.xsc_liaison))
    forms["incidents:report"] = [
        Form(reverse("incidents:report"), "xsc_liaison", report_base, report_check, text_fields(ReportForm))
    ]
    notice = {"id": c["notice"].pk, "next": reverse("notifications:list")}
    forged = {"id": c["other_notice"].pk}
    forms["notifications:read"] = [
        Form(reverse("notifications:read"), "xsc_head", notice, None, forged=forged)
    ]
    filters = {name: "" for name in IncidentFilter.base_filters} | {"page": "1"}
    listed = accepts(lambda data: IncidentFilter(data, queryset=Incident.objects.none()).form)
    forms["incidents:list"] = [Form(reverse("incidents:list"), "clerk", filters, listed, method="GET")]
    period = {"start": "2025-01-01", "end": "2025-12-31"}
    forms["reports:archive"] = [
        Form(reverse("reports:archive"), "clerk", period, accepts(ExportForm), text_fields(ExportForm))
    ]
    brief = {
        "title": "专报",
        "text": "正文",
        "format": "docx",
    }  # Word: quick to build, the PDF has its own tests
    forms["reports:upward_brief"] = [
        Form(
            reverse("reports:upward_brief", args=[c["level_one"].pk]),
            "clerk",
            brief,
            accepts(UpwardBriefForm),
            text_fields(UpwardBriefForm),
        )
    ]
    liaison = {"department": org.xsc.pk, "user": p.xsc_staff.pk, "phone": "13800000000"}
    forms["departments:liaisons"] = [
        Form(
            reverse("departments:liaisons"),
            "clerk",
            liaison,
            accepts(LiaisonRegisterForm),
            text_fields(LiaisonRegisterForm),
        )
    ]
    deactivate = reverse("departments:liaison_deactivate", args=[c["liaison"].pk])
    forms["departments:liaison_deactivate"] = [
        Form(
            deactivate,
            "clerk",
            {"reason": "调岗"},
            accepts(LiaisonDeactivateForm),
            text_fields(LiaisonDeactivateForm),
        )
    ]
    account = {"platform": c["media_account"].platform, "name": "官微", "url": "https://weibo.example/x",
               "department": org.xsc.pk, "editor": c["liaison"].pk, "is_active": "on"}  # fmt: skip
    forms["departments:media_accounts"] = [
        Form(
            reverse("departments:media_accounts"),
            "clerk",
            account,
            accepts(MediaAccountForm),
            text_fields(MediaAccountForm),
        )
    ]
    pk = c["media_account"].pk
    edit = accepts(lambda data: MediaAccountForm(data, instance=OfficialMediaAccount.objects.get(pk=pk)))
    forms["departments:media_account_edit"] = [
        Form(
            reverse("departments:media_account_edit", args=[pk]),
            "clerk",
            account,
            edit,
            text_fields(MediaAccountForm),
        )
    ]
    bulletin = c["bulletin_draft"]
    bulletin_base = {"title": "通报", "body": "正文", "period_start": bulletin.period_start.isoformat(),
                     "period_end": bulletin.period_end.isoformat(), "incidents": c["reported"].pk,
                     "recipients": org.xsc.pk, "version": bulletin.version}  # fmt: skip
    period = (bulletin.period_start, bulletin.period_end)
    bulletin_check = accepts(lambda data: BulletinForm(data, period=period))
    forms["bulletins:create"] = [
        Form(reverse("bulletins:create"), "clerk", bulletin_base, bulletin_check, text_fields(BulletinForm))
    ]
    forms["bulletins:edit"] = [
        Form(
            reverse("bulletins:edit", args=[bulletin.pk]),
            "clerk",
            bulletin_base,
            bulletin_check,
            text_fields(BulletinForm),
        )
    ]
    lead = c["lead"]
    promote_check = accepts(lambda data: PromoteForm(data, MultiValueDict(), user=p.clerk, lead=lead))
    forms["leads:promote"] = [
        Form(
            reverse("leads:promote", args=[lead.pk]),
            "clerk",
            report_base,
            promote_check,
            text_fields(PromoteForm),
        )
    ]
    merge = {"number": c["in_disposal"].number, "token": "TOKEN"}
    forms["leads:merge"] = [
        Form(
            reverse("leads:merge", args=[lead.pk]), "clerk", merge, accepts(MergeForm), text_fields(MergeForm)
        )
    ]
    dismiss = {"reason": "广告", "token": "TOKEN"}
    forms["leads:dismiss"] = [
        Form(
            reverse("leads:dismiss", args=[lead.pk]),
            "clerk",
            dismiss,
            accepts(DismissForm),
            text_fields(DismissForm),
        )
    ]
    template_check = accepts(lambda data: TemplateForm(data, MultiValueDict()))
    forms["bulletins:template"] = [
        Form(reverse("bulletins:template"), "clerk", {"file": "FILE"}, template_check, frozenset())
    ]
    return forms


def paths_by_url(c) -> dict[str, list[str]]:
    """The paths each URL pattern is visited at: real objects of each kind, another department's, a huge id."""
    incidents = [c[k] for k in ("reported", "in_disposal", "ended", "submitted", "archived", "merged")]
    incidents.append(c["other_department"])
    huge = 2**63
    by_kind = {
        "incident": [i.pk for i in incidents] + [huge],
        "evidence": [c["evidence"].pk, c["other_evidence"].pk, huge],
        "export": [c["export"].pk, huge],
        "liaison": [c["liaison"].pk, huge],
        "media_account": [c["media_account"].pk, huge],
        "bulletin": [c["bulletin_draft"].pk, c["bulletin_issued"].pk, huge],
        "lead": [c["lead"].pk, c["lead_done"].pk, huge],
    }
    kinds = {
        "incidents:detail": "incident",
        # the earlier rows of the detail page's lists (their bad cursors: tests/incidents/test_detail_pages.py)
        **{f"incidents:{n}": "incident" for n in ("events", "progress", "statements")},
        "incidents:evidence_download": "evidence",
        "reports:export_row": "export",
        "reports:export_download": "export",
        "departments:liaison_register": "liaison",
        "departments:liaison_deactivate": "liaison",
        "departments:media_account_edit": "media_account",
        **{f"bulletins:{n}": "bulletin" for n in ("detail", "edit", "pdf", "docx")},
        **{f"leads:{n}": "lead" for n in ("detail", "promote", "merge", "dismiss")},
    }
    paths = {}
    for name, pattern in app_url_names():
        params = set(pattern.pattern.converters)
        if not params:
            paths[name] = [reverse(name)]
        elif name == "reports:dossier_version_download":
            # an earlier file of a dossier: none kept here, so every path asks for one that does not exist
            paths[name] = [reverse(name, args=[i.pk, version]) for i in incidents for version in (1, huge)]
        elif name == "incidents:action":
            paths[name] = [
                reverse(name, args=[c[key].pk, action])
                for action, (_, key) in ACTION_USE.items()
                for key in (key, "other_department")
            ] + [reverse(name, args=[c["in_disposal"].pk, "no-such-action"])]
        elif name == "leads:screenshot":
            shot = c["lead"].screenshots.get().pk
            paths[name] = [reverse(name, args=[lead, s]) for lead in by_kind["lead"] for s in (shot, huge)]
        elif name == "bulletins:action":
            paths[name] = [
                reverse(name, args=[c[key].pk, action])
                for action in ("submit", "approve", "return", "issue", "no-such-action")
                for key in ("bulletin_draft", "bulletin_issued")
            ]
        else:
            assert params == {"pk"}, f"{name}: fill its path parameters {params} in this test"
            kind = kinds.get(name, "incident" if name.startswith("reports:") else None)
            assert kind, f"{name}: say in this test which object its pk names"
            paths[name] = [reverse(name, args=[pk]) for pk in by_kind[kind]]
    return paths


# --- the requests -----------------------------------------------------------------------------------------

# The office clerk, a liaison, a department head, 党政办, the leader who supervises 学生处, another department's
# member of staff (the outsider).
ROLES = ("clerk", "xsc_liaison", "xsc_head", "approver", "xsc_leader", "outsider")
PDF_URLS = {
    "reports:disposal_form_pdf",
    "reports:blank_disposal_form_pdf",
    "reports:dossier_download",
    "bulletins:pdf",
    "bulletins:docx",
}
VIEW_READS = {
    "token",
    "next",
    "submit_for_review",
    "id",
}  # read by the view itself, before or beside the form
SAMPLE = ("nul", "a list")  # what the other actions' token and next get
# Values that mean something only to a number, a date or a choice: in free text they are text like any other,
# tried there as `'; DROP TABLE`.
NOT_TEXT = ("minus one", "2**63", "1e309", "NaN", "arabic digits", "0000-00-00", "9999-99-99")
WIDE = ("clerk", "xsc_liaison", "outsider")  # who opens every path of a page with every query string
NEXT_SAMPLE = ("abc", "//evil.com", "javascript:alert(1)")


class Fuzzer:
    """Sends the requests, each in a savepoint rolled back after it, and collects what went wrong."""

    def __init__(self, org):
        self.clients = {}
        for role in ROLES:
            client = Client(raise_request_exception=False)
            client.force_login(getattr(org.p, role))
            self.clients[role] = client
        self.failures: list[Failure] = []
        self.requests = 0
        self.refused_by_form = (
            0  # (field, value) pairs the page's form refuses: drawn by the all-fields request
        )
        self.exception = ""
        got_request_exception.connect(self.record, dispatch_uid="fuzz-forms")

    def record(self, sender, request=None, **kwargs):
        exc = sys.exc_info()[1]
        self.exception = f"{type(exc).__name__}: {exc}"[:300] if exc else ""

    def close(self):
        got_request_exception.disconnect(dispatch_uid="fuzz-forms")

    def send(self, method: str, url: str, role: str, data: dict, what: tuple[str, object]) -> int:
        """One request; a status of 500 or more, or a redirect off the site, is a failure."""
        self.requests += 1
        self.exception = ""
        data = {k: fill(v) for k, v in data.items()}
        client = self.clients[role]
        with transaction.atomic():
            response = client.get(url, data) if method == "GET" else client.post(url, data)
            transaction.set_rollback(True)
        where = response.get("Location", "")
        problem = ""
        if response.status_code >= 500:
            problem = self.exception or "(no exception recorded)"
        elif where and not on_site(where):
            problem = f"redirect off the site: {where[:100]}"
        if problem:
            name, value = what
            self.failures.append(
                Failure(method, url, role, name, shown(value), response.status_code, problem)
            )

    def fuzz(self, form: Form, role: str) -> None:
        """The person who uses the form: every field with every value; the others: a sample of all fields."""
        status = self.send(form.method, form.url, role, form.base, ("(a valid body)", ""))
        if role != form.actor:
            # Refused (403, 404, 405) by a view that asks the access module before it reads the form: the
            # hostile bodies are tried on the roles the view lets through.
            if status not in (403, 404, 405):
                self.send_every_field(form, role, "nul")
            return
        refused = set()
        for name in form.base:
            for label, value in values_for(form, name):
                if name in form.text and label in NOT_TEXT:
                    continue
                if name in VIEW_READS and not form.deep and label not in (*SAMPLE, *NEXT_SAMPLE):
                    continue
                body = {**form.base, name: value}
                if (
                    label in HOSTILE
                    and name not in VIEW_READS
                    and form.check
                    and not form.check(as_data(body))
                ):
                    refused.add(label)
                    self.refused_by_form += 1
                    continue
                self.send(form.method, form.url, role, body, (name, label))
        # What the page's own form refuses takes one road in the view: the page drawn again with the form as
        # typed and the errors. One request per such value draws it, with the value in every field.
        for label in HOSTILE:
            if label in refused:
                self.send_every_field(form, role, label)

    def send_every_field(self, form: Form, role: str, label: str) -> None:
        body = {name: HOSTILE[label] for name in form.base}
        self.send(form.method, form.url, role, body, ("every field", label))

    def get_pages(self, name: str, urls: list[str], role: str) -> None:
        """A page with hostile query strings: all of them on its first path, one on the others."""
        if name in PDF_URLS and role not in ("clerk", "outsider"):
            return  # a PDF takes a while to draw: the office and a refusal are enough
        for n, url in enumerate(urls):
            if n and role not in WIDE:
                break
            full = n == 0 and name not in PDF_URLS and name != "incidents:action"
            for query in QUERIES if full and role in WIDE else QUERIES[:1]:
                self.send("GET", url, role, query, ("query", query))
            if name == "incidents:action":
                break  # a GET of an action is refused before anything else


def as_data(body: dict) -> MultiValueDict:
    """The body as a form sees it from a request (a list is several values of one field)."""
    return MultiValueDict(
        {k: [str(x) for x in v] if isinstance(v, list) else [str(v)] for k, v in body.items()}
    )


def fill(value):
    """Fresh one-time tokens and files per request (a file is read once)."""
    if value == "TOKEN":
        return uuid.uuid4().hex
    if value == "FILE":
        return png_upload()
    return value


def on_site(location: str) -> bool:
    parts = urlsplit(location)
    return (
        parts.scheme in ("", "http", "https")
        and parts.netloc in ("", "testserver")
        and location.startswith(("/", "http://testserver/", "https://testserver/"))
        and not location.startswith("//")
        and "\\" not in location
    )


HOSTILE_FILES = {
    "a text instead of a file": "not a file",
    "an empty file": lambda: SimpleUploadedFile("空.png", b"", content_type="image/png"),
    "a script as an image": lambda: SimpleUploadedFile("x.png", b"<script>alert(1)</script>", "image/png"),
    "a NUL in the name": lambda: SimpleUploadedFile(
        "a\x00.png", png_upload().read(), content_type="image/png"
    ),
    "a very long name": lambda: SimpleUploadedFile("长" * 300 + ".png", png_upload().read(), "image/png"),
    "two files": lambda: [png_upload(), png_upload("二.png")],
}


def values_for(form: Form, name: str) -> list[tuple[str, object]]:
    """The hostile values tried in one field."""
    if form.base.get(name) == "FILE":
        return [(label, v() if callable(v) else v) for label, v in HOSTILE_FILES.items()]
    values = list(HOSTILE.items())
    if name == "next":
        values += [(v if isinstance(v, str) and len(v) < 30 else shown(v), v) for v in HOSTILE_NEXT]
    if name in form.forged:
        values.append(("another department's", form.forged[name]))
    return values


@pytest.mark.django_db
def test_every_registered_action_is_fuzzed():
    assert set(ACTION_USE) == set(REGISTRY), "a new action needs its user, its incident and a valid body here"


def test_no_page_answers_500_or_leaves_the_site_on_hostile_input(college, settings):
    # The run takes minutes on a loaded machine, longer than the sweep's freshness window: /health/ would then
    # rightly answer 503 for a stopped scheduler, which is not what this test is about (test_scheduler_banner is).
    settings.SCHEDULER_STALE_MINUTES = 24 * 60
    started, cpu = time.monotonic(), time.process_time()
    fuzzer = Fuzzer(college["org"])
    logging.disable(logging.CRITICAL)  # thousands of 4xx lines; a 500 is caught by the signal
    try:
        forms = forms_by_url(college)
        paths = paths_by_url(college)
        assert set(forms) <= set(paths), set(forms) - set(paths)
        for name, urls in paths.items():
            for role in ROLES:
                fuzzer.get_pages(name, urls, role)
                for form in forms.get(name, []):
                    fuzzer.fuzz(form, role)
                if name not in forms:  # no form: a post with hostile fields is refused, never a 500
                    for url in urls[:1]:
                        fuzzer.send(
                            "POST", url, role, {"next": "//evil.com", "x": "\x00"}, ("next, x", "hostile")
                        )
    finally:
        logging.disable(logging.NOTSET)
        fuzzer.close()
    seconds, cpu = time.monotonic() - started, time.process_time() - cpu
    print(  # the size of the run, for whoever reads the output with -s
        f"\nfuzz: {fuzzer.requests} requests as {len(ROLES)} roles over {len(paths)} URL patterns in {seconds:.1f} s"
        f" ({cpu:.1f} s of this process);"
        f" {fuzzer.refused_by_form} (field, value) pairs refused by the page's own form"
    )
    assert not fuzzer.failures, (
        f"{len(fuzzer.failures)} failure(s) in {fuzzer.requests} requests:\n"
        + "\n".join(map(str, fuzzer.failures))
    )


# --- the rule of `next` -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", HOSTILE_NEXT + list(HOSTILE.values()), ids=shown)
def test_a_hostile_next_falls_back_and_redirect_takes_the_answer(value):
    request = RequestFactory().post("/notices/read/", {"next": value})
    target = safe_next(request, "/notices/")
    assert target == "/notices/"
    assert redirect(target)["Location"] == "/notices/"


@pytest.mark.parametrize(
    "value",
    [
        "/statements/",
        "/notices/?page=2",
        "/incidents/?q=%E9%A3%9F%E5%A0%82",
        "http://testserver/x/",
        "/舆情/",
    ],
)
def test_a_path_of_this_site_is_kept(value):
    request = RequestFactory().post("/notices/read/", {"next": value})
    target = safe_next(request, "/notices/")
    assert target == value
    assert on_site(redirect(target)["Location"])


def test_an_http_url_is_refused_on_an_https_request():
    request = RequestFactory().post("/notices/read/", {"next": "http://testserver/x/"}, secure=True)
    assert safe_next(request, "/notices/") == "/notices/"
    request = RequestFactory().post("/notices/read/", {"next": "https://testserver/x/"}, secure=True)
    assert safe_next(request, "/notices/") == "https://testserver/x/"


def test_an_action_with_a_hostile_next_is_saved_once_and_lands_on_the_incident(client, org):
    incident = assessed(org, level=2)
    client.force_login(org.p.xsc_liaison)
    url = reverse("incidents:action", args=[incident.pk, "progress"])
    data = {"version": incident.version, "token": uuid.uuid4().hex, "content": "进展", "next": "abc"}
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"] == reverse(
        "incidents:detail", args=[incident.pk]
    )
    assert incident.progress_reports.count() == 1


def test_marking_a_notice_read_with_a_hostile_next_lands_on_the_notices(client, org):
    assessed(org)
    client.force_login(org.p.xsc_head)
    response = client.post(reverse("notifications:read"), {"next": "javascript:alert(1)"})
    assert response.status_code == 302 and response["Location"] == reverse("notifications:list")
    assert not Notice.objects.filter(recipient=org.p.xsc_head, read_at__isnull=True).exists()


def test_a_token_with_a_nul_byte_is_refused_as_an_outdated_page_and_keeps_what_was_typed(client, org):
    incident = assessed(org, level=2)
    client.force_login(org.p.xsc_liaison)
    url = reverse("incidents:action", args=[incident.pk, "progress"])
    response = client.post(url, {"version": incident.version, "token": "a\x00b", "content": "已联系当事学生"})
    page = response.content.decode()
    assert response.status_code == 400 and "页面信息有误或已过期" in page and "已联系当事学生" in page
    assert not incident.progress_reports.exists()
