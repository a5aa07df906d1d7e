"""Every page of every menu, as every demo login, right after a sweep: never a 500; 200, 403 or 404 as the role
allows. The expected answer comes from the access rules, never from the response; one run lists every mismatch.

Runs on both tested databases: the demo on SQLite is what a newcomer sees first, production is PostgreSQL.
"""

from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import ResolverMatch, resolve, reverse

from audit import access as audit_access
from bulletins import access as bulletin_access
from bulletins.models import Bulletin
from departments.access import may_administer, may_keep_registers
from departments.models import User
from evaluation import access as evaluation_access
from incidents import access, engine
from incidents.management.commands.seed_demo import LOGINS
from incidents.models import DisposalForm, Incident, Status
from leads import access as lead_access
from meetings import access as meeting_access
from meetings.models import JointMeeting
from monitoring import access as monitoring_access
from monitoring import selectors as monitoring_selectors
from reports import access as archive_access

SCHEDULER_STOPPED = "定时任务已停止"  # the office's red banner (templates/base.html)


@dataclass(frozen=True)
class Answer:
    """A status code and, for a redirect, where it leads (a prefix is enough to expect)."""

    status: int
    to: str = ""

    def matches(self, got: "Answer") -> bool:
        return got.status == self.status and got.to.startswith(self.to)

    def __str__(self) -> str:
        if not self.to:
            return str(self.status)
        return f"{self.status} ({self.to})" if self.status >= 500 else f"{self.status} → {self.to}"


OK = Answer(200)


def allowed(may: bool, refusal: int) -> Answer:
    return OK if may else Answer(refusal)


def may_see_incident(user: User, match: ResolverMatch) -> bool:
    return access.can_view(user, Incident.objects.get(pk=match.kwargs["pk"]))


def admin_index(user: User, match: ResolverMatch) -> Answer:
    """Those who administer see the admin index; anyone else (a leader marked staff too) is sent to its sign-in."""
    return OK if may_administer(user) else Answer(302, reverse("admin:login"))


# What each page answers each person, by the page's URL name. A menu entry with no rule here fails the walk:
# whoever adds a page to a menu says here who may open it.
RULES: dict[str, Callable[[User, ResolverMatch], Answer]] = {
    "incidents:home": lambda user, match: OK,
    "incidents:list": lambda user, match: OK,  # everyone; the rows are what they may see
    "incidents:report": lambda user, match: OK,  # 第七条: every member of staff may report
    "notifications:list": lambda user, match: OK,
    "accounts:password_change": lambda user, match: OK,  # 修改密码: everyone, their own
    "incidents:detail": lambda user, match: allowed(may_see_incident(user, match), 404),
    # the earlier rows of the detail page's lists (htmx, or a page of their own without script): as the page
    "incidents:events": lambda user, match: allowed(may_see_incident(user, match), 404),
    "incidents:progress": lambda user, match: allowed(may_see_incident(user, match), 404),
    "incidents:statements": lambda user, match: allowed(may_see_incident(user, match), 404),
    "dashboard:index": lambda user, match: allowed(access.can_see_overview(user), 403),
    "evaluation:index": lambda user, match: allowed(evaluation_access.may_see_evaluation(user), 403),
    "evaluation:ledger": lambda user, match: allowed(evaluation_access.may_read_ledger(user), 403),
    "incidents:statement_queue": lambda user, match: allowed(access.can_review_statements(user), 403),
    "departments:liaisons": lambda user, match: allowed(may_keep_registers(user), 403),
    "departments:media_accounts": lambda user, match: allowed(may_keep_registers(user), 403),
    "reports:archive": lambda user, match: allowed(archive_access.can_manage_archive(user), 403),
    "reports:cases": lambda user, match: allowed(archive_access.can_see_case_library(user), 403),
    "reports:disposal_form_pdf": lambda user, match: allowed(may_see_incident(user, match), 404),
    "admin:index": admin_index,
    "audit:log": lambda user, match: allowed(audit_access.can_read_log(user), 403),
    "bulletins:list": lambda user, match: allowed(bulletin_access.may_open_list(user), 403),
    "bulletins:detail": lambda user, match: allowed(
        bulletin_access.bulletins_visible_to(user).filter(pk=match.kwargs["pk"]).exists(), 404
    ),
    # 第四条: every signed-in person has a meetings list (the meetings they attend) and their risk items
    "meetings:list": lambda user, match: OK,
    "meetings:risks": lambda user, match: OK,
    "meetings:detail": lambda user, match: allowed(
        meeting_access.meetings_visible_to(user).filter(pk=match.kwargs["pk"]).exists(), 404
    ),
    "monitoring:calendar": lambda user, match: allowed(monitoring_access.may_read_calendar(user), 403),
    "leads:inbox": lambda user, match: allowed(lead_access.may_handle_leads(user), 403),
    "monitoring:nil_report_status": lambda user, match: allowed(
        monitoring_access.may_read_calendar(user), 403
    ),
    "monitoring:nil_report": lambda user, match: allowed(
        bool(monitoring_selectors.liaison_departments(user)), 403
    ),
}


class NavLinks(HTMLParser):
    """The href of every link inside the page's navigation bar (<nav class="navbar …">)."""

    def __init__(self):
        super().__init__()
        self.depth, self.links = 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav" and (self.depth or "navbar" in (attrs.get("class") or "").split()):
            self.depth += 1
        elif tag == "a" and self.depth and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "nav" and self.depth:
            self.depth -= 1


def nav_links(page: str) -> list[str]:
    parser = NavLinks()
    parser.feed(page)
    return [href for href in parser.links if urlsplit(href).path.startswith("/")]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo college and one sweep, built once for the module and rolled back after it (seeding takes seconds).

    Nothing is committed, so the dossiers seed_demo queues on commit are never drawn: this walks pages, not PDFs.
    """
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", verbosity=0)
        call_command("seed_demo_bulletins", verbosity=0)
        call_command("seed_demo_meetings", verbosity=0)
        engine.run_once()
        try:
            yield
        finally:
            transaction.set_rollback(True)


def fixed_pages() -> list[str]:
    """The pages issue 10 names: the menus' pages, one incident of each status, one 处置表."""
    names = [
        "incidents:home",
        "incidents:list",
        "incidents:report",
        "notifications:list",
        "dashboard:index",
        "evaluation:index",
        "evaluation:ledger",
        "incidents:statement_queue",
        "meetings:list",
        "meetings:risks",
        "monitoring:calendar",
        "monitoring:nil_report_status",
        "monitoring:nil_report",
    ]
    pages = [reverse(name) for name in names]
    pages += [reverse(f"departments:{name}") for name in ["liaisons", "media_accounts"]]
    pages += [
        reverse("reports:archive"),
        reverse("reports:cases"),
        reverse("admin:index"),
        reverse("audit:log"),
    ]
    for status in Status:
        incident = Incident.objects.filter(status=status).order_by("pk").first()
        assert incident is not None, f"the demo has no incident {status.label}"
        pages.append(reverse("incidents:detail", args=[incident.pk]))
        if status in (Status.IN_DISPOSAL, Status.ARCHIVED):  # a sample: the same code for every status
            pages += [
                reverse(f"incidents:{name}", args=[incident.pk])
                for name in ("events", "progress", "statements")
            ]
    with_form = DisposalForm.objects.order_by("incident_id").values_list("incident_id", flat=True).first()
    assert with_form is not None, "the demo has no 处置表"
    pages.append(reverse("reports:disposal_form_pdf", args=[with_form]))
    for status in (Bulletin.Status.ISSUED, Bulletin.Status.DRAFT):  # 舆情通报: one issued, one draft
        pages.append(reverse("bulletins:detail", args=[Bulletin.objects.get(status=status).pk]))
    meeting = JointMeeting.objects.order_by("pk").first()
    assert meeting is not None, "the demo has no joint meeting"
    pages.append(reverse("meetings:detail", args=[meeting.pk]))
    return pages


def visit(client: Client, path: str):
    """The answer and the response; a view that raises is a 500 named by its exception."""
    try:
        response = client.get(path)
    except Exception as exc:  # collected with the rest: one run shows every broken page
        return Answer(500, f"{type(exc).__name__}: {exc}"), None
    return Answer(response.status_code, response.get("Location", "")), response


def page_problems(user: User, client: Client, path: str, own_menu: list[str]) -> list[str]:
    """What is wrong with one page for one person: its answer, a menu entry they may not open, the banner."""
    match = resolve(urlsplit(path).path)
    rule = RULES.get(match.view_name)
    if rule is None:
        return [f"{path} ({match.view_name}) is in a menu but has no rule in this test"]
    expected = rule(user, match)
    got, response = visit(client, path)
    problems = []
    if not expected.matches(got):
        if got.status == 302 and got.to.startswith(resolve_url(settings.LOGIN_URL)):
            got = Answer(302, f"the sign-in page: {got.to}")  # a signed-in person sent to sign in
        problems.append(f"{user.username}: {path} answered {got}, expected {expected}")
    if path in own_menu and expected != OK:
        problems.append(f"{user.username}: the menu links to {path}, which the role may not open")
    page = (
        response.content.decode()
        if response is not None and "text/html" in response.get("Content-Type", "")
        else ""
    )
    if SCHEDULER_STOPPED in page:
        problems.append(f"{user.username}: {path} says the scheduler stopped right after a sweep")
    return problems


def test_every_demo_login_opens_every_menu_page_as_its_role_allows(demo, db):
    users = list(User.objects.filter(is_active=True).order_by("username"))
    assert set(LOGINS) <= {user.username for user in users}  # the README's logins, and everyone else
    clients = {}
    menus: dict[str, list[str]] = {}
    problems: list[str] = []

    for user in users:  # first each home page, for the menu this person sees
        clients[user.username] = client = Client()
        client.force_login(user)
        got, response = visit(client, reverse("incidents:home"))
        menus[user.username] = nav_links(response.content.decode()) if got == OK else []
    every_menu_page = {href for links in menus.values() for href in links}
    pages = list(dict.fromkeys([*fixed_pages(), *sorted(every_menu_page)]))

    for user in users:
        for path in pages:
            problems += page_problems(user, clients[user.username], path, menus[user.username])

    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_the_office_sees_the_scheduler_running_after_the_sweep(demo, db):
    office = [
        user
        for user in User.objects.filter(is_active=True).order_by("username")
        if archive_access.can_manage_archive(user) or user.is_superuser  # who the banner is for
    ]
    assert {"office1", "office2", "dqgzb_head", "admin"} <= {user.username for user in office}
    for user in office:
        client = Client(raise_request_exception=False)
        client.force_login(user)
        response = client.get(reverse("incidents:home"))
        assert response.status_code == 200, user.username
        assert response.context["scheduler"]["ok"], user.username
        assert SCHEDULER_STOPPED not in response.content.decode(), user.username
