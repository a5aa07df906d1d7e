"""Every admin page and action, as every staff role: only what the role may, and always through the services.

The expected outcome of each request comes from what the product intends for the role (the table below), not
from the response: view-only roles change nothing, nobody but a superuser deletes (the security administrator
clears lockouts), the registers, accounts and group robots are the only things added or changed here, and the
incident records are never changed in the admin, a superuser's included. An allowed change is checked by what
its service writes and a plain save would not; a refused one by the tables being exactly as they were. All
mismatches are collected and reported together.
"""

import datetime as dt
import hashlib
from collections.abc import Callable

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from guardian.models import UserObjectPermission

from api.models import ApiClient
from api.services import api_client_create
from audit.models import SecurityEvent
from departments import access as dept_access
from departments import services as dept_services
from departments.access import roles_of
from departments.models import Department, Liaison, OfficialMediaAccount, User
from departments.roles import Role
from incidents import services as incident_services
from incidents.access import incidents_visible_to
from incidents.models import (
    DisposalForm,
    Incident,
    IncidentEvent,
    SchedulerHeartbeat,
    Status,
)
from notifications.models import Notice, WebhookEndpoint
from reports import services as report_services
from reports.models import Dossier
from tests.admin_forms import form_data
from tests.factories import archived, assessed, fresh, report, rich_case, submitted, submitted_statement

ROLES = ["clerk", "approver", "leader", "top_leader", "sysadmin", "secadmin", "auditor", "root", "liaison"]
STAFF_ROLES = [r for r in ROLES if r != "liaison"]
# Never let into the admin, staff or not: the admin is for those who administer (departments.access.may_administer);
# leaders and 党政办 work in their own pages.
KEPT_OUT = {"liaison", "approver", "leader", "top_leader"}

REGISTERS = {"departments.department", "departments.liaison", "departments.officialmediaaccount"}
AXES = {"axes.accessattempt", "axes.accesslog", "axes.accessfailurelog"}
CONFIG = {"notifications.webhookendpoint", "incidents.schedulerheartbeat"}
OWN_ROWS = {"notifications.notice"}  # a person's own notices, the superuser's all
ARCHIVE = {"reports.dossier", "reports.archiveexport"}


def incident_records() -> set[str]:
    """The incident, every record of its case and its notices: written by the workflow's services only."""
    labels = {
        m._meta.label_lower
        for m in admin.site._registry
        if m._meta.app_label in ("incidents", "notifications")
    }
    return labels - CONFIG


# What each role may do in the admin, as the product intends it (三员分立, 第三条–第五条, 第十三条).
def intended(role: str, label: str, op: str) -> bool:
    records = incident_records()
    if role in KEPT_OUT:
        return False  # not theirs at all, even when marked staff
    if role == "root":
        if op == "view":
            return True
        if op in ("add", "change"):
            return label in REGISTERS | {"departments.user", "notifications.webhookendpoint", "auth.group"}
        # delete: sign-in records are kept (the security log has them append-only); a lockout may be cleared
        return label in {"axes.accessattempt", "departments.user", "auth.group"}
    views = {
        "clerk": records | REGISTERS | CONFIG | {"departments.user", "reports.archiveexport"},
        "approver": {"incidents.incident", "incidents.replystatement"},
        "leader": records,
        "top_leader": records,
        "sysadmin": REGISTERS | CONFIG | {"departments.user", "auth.group"},
        "secadmin": AXES | {"departments.user", "auth.group"},
        "auditor": set(),
    }
    # The system administrator keeps the register of liaisons in view only: registering one gives rights (第五条).
    sysadmin_registers = REGISTERS - {"departments.liaison"}
    changes = {
        "clerk": REGISTERS,
        "sysadmin": sysadmin_registers | {"departments.user", "notifications.webhookendpoint"},
        "secadmin": {"departments.user"},
    }
    adds = {
        "clerk": REGISTERS,
        "sysadmin": sysadmin_registers | {"departments.user", "notifications.webhookendpoint"},
    }
    deletes = {"secadmin": {"axes.accessattempt"}}  # clearing a lockout is the security administrator's work
    table = {"view": views, "add": adds, "change": changes, "delete": deletes}[op]
    return label in table.get(role, set())


def expected_rows(user, model) -> set:
    """The rows of the model the access module lets this user see."""
    queryset = model._default_manager.all()
    if model is Incident:
        queryset = incidents_visible_to(user)
    elif model._meta.label_lower in OWN_ROWS:
        queryset = queryset if user.is_superuser else queryset.filter(recipient=user)
    elif any(f.name == "incident" and f.related_model is Incident for f in model._meta.fields):
        queryset = queryset.filter(incident__in=incidents_visible_to(user).values("pk"))
    return set(queryset.values_list("pk", flat=True))


# --- what the browser sends back ----------------------------------------------------------------------------


def tampered(obj) -> dict:
    """A forged body for a page that showed no form: the object's values with its text changed."""
    data = {}
    for field in obj._meta.concrete_fields:
        if not field.editable or field.primary_key or field.get_internal_type() == "FileField":
            continue
        value = getattr(obj, field.attname)
        text = field.get_internal_type() in ("CharField", "TextField") and not field.choices
        data[field.name] = "篡改" if text else ("" if value is None else value)
    return data


# --- fingerprints of what a refused request must leave alone ------------------------------------------------

HASHED = [Incident, DisposalForm, Department, Liaison, OfficialMediaAccount, WebhookEndpoint]
COUNTED = [IncidentEvent, Dossier, Notice, User.groups.through, UserObjectPermission]  # only ever added to


def fingerprint(model) -> tuple:
    rows = [(m._meta.label, m._default_manager.count()) for m in COUNTED]
    for m in dict.fromkeys([model, *HASHED]):
        exclude = {"last_login"} if m is User else set()
        names = [f.attname for f in m._meta.concrete_fields if f.attname not in exclude]
        values = list(m._default_manager.order_by("pk").values_list(*names))
        rows.append((m._meta.label, len(values), hashlib.sha256(repr(values).encode()).hexdigest()))
    return tuple(rows)


# --- the college, with a record of every kind ---------------------------------------------------------------


def login(org, role: str) -> tuple[Client, User]:
    user = getattr(org.p, role)
    user.is_staff = role != "liaison"
    user.save(update_fields=["is_staff"])
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client, fresh(user)


def build_records(org) -> dict:
    """Incidents in several statuses and every record around them; a label -> the object each admin opens."""
    case = rich_case(org, progress_reports=1)  # archived: escalation, evidence, reports, statements, meeting
    live = assessed(org, level=2)
    submitted_statement(org, live)  # in 党政办's queue: they see this incident, not the others
    assessed(org, department=org.rsc)
    report(org, title="新上报的舆情")
    level_one = assessed(org, level=1, category="A")
    submitted(org)
    archived(org, waive=True)  # 第十四条: archived on the office's recorded waiver of the 复盘会
    incident_services.team_save(  # 舆情处置小组: a user and an outsider by name
        incident=live,
        actor=org.p.xsc_liaison,
        rows=[
            incident_services.TeamRow("leader", user=org.p.xsc_head),
            incident_services.TeamRow("member", name="王老师"),
        ],
    )
    report_services.export_request(
        actor=org.p.clerk, start=timezone.localdate() - dt.timedelta(days=30), end=timezone.localdate()
    )
    SchedulerHeartbeat.objects.create(last_sweep_at=timezone.now())
    WebhookEndpoint.objects.create(
        name="学生处群机器人", flavor="wecom", url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
        department=org.xsc,
    )  # fmt: skip
    xsc_liaison = Liaison.objects.get(user=org.p.xsc_liaison)
    dept_services.media_account_save(
        actor=org.p.root,
        account=OfficialMediaAccount(
            platform="weibo", name="学生处官方微博", url="https://weibo.example/xsc", department=org.xsc,
            editor=xsc_liaison,
        ),
    )  # fmt: skip
    AccessAttempt.objects.create(username="office1", ip_address="10.0.0.9", failures_since_start=3)
    api_client_create(actor=org.p.root, user=org.p.clerk, name="党群工作部脚本")
    AccessLog.objects.create(username="office1", ip_address="10.0.0.9")
    AccessFailureLog.objects.create(username="office1", ip_address="10.0.0.9", locked_out=False)
    objects = {}
    for model in admin.site._registry:
        label = model._meta.label_lower
        queryset = model._default_manager.order_by("pk")
        if any(f.name == "incident" for f in model._meta.fields):
            queryset = queryset.filter(incident__in=[case, live, level_one]) or queryset
        objects[label] = queryset.first()
    objects["incidents.incident"] = Incident.objects.get(pk=live.pk)
    objects["departments.department"] = Department.objects.get(pk=org.rsc.pk)
    objects["departments.user"] = fresh(org.p.xsc_staff)
    objects["auth.group"] = Group.objects.create(name="临时工作组")
    objects["submitted"] = Incident.objects.filter(status=Status.FORM_SUBMITTED).first()
    objects["pending liaison"] = dept_services.liaison_propose(
        actor=org.p.root, department=org.rsc, user=User.objects.create_user("proposed", password="pw")
    )
    objects["expired attempt"] = AccessAttempt.objects.create(
        username="old", ip_address="10.0.0.7", failures_since_start=1
    )
    AccessAttempt.objects.filter(username="old").update(attempt_time=timezone.now() - dt.timedelta(days=2))
    objects["departments.liaison"] = Liaison.objects.get(user=org.p.rsc_liaison)
    for label, obj in objects.items():
        assert obj is not None, f"no {label} to open"
    return objects


class Matrix:
    """Runs the requests of one role and collects what differs from the intended outcome."""

    def __init__(self, org, objects):
        self.org, self.objects, self.problems, self.requests = org, objects, [], 0
        self.counter = 0

    def unique(self) -> str:
        self.counter += 1
        return f"{self.counter:03d}"

    def fail(self, role, label, what, detail):
        self.problems.append(f"{role:10} {label:32} {what:26} {detail}")

    def call(self, client, method, url, data=None):
        self.requests += 1
        return client.post(url, data or {}) if method == "POST" else client.get(url)

    def shown(self, role, label, what, response, allowed: bool):
        """A GET: 200 when the role may see it; a refusal (403, 404, back to the index or the login) if not."""
        if response.status_code == 500:
            self.fail(role, label, what, "500")
        elif allowed and response.status_code != 200:
            self.fail(role, label, what, f"expected 200, got {response.status_code}")
        elif not allowed and response.status_code == 200:
            self.fail(role, label, what, "expected a refusal, got 200")
        elif role in KEPT_OUT and "/login/" not in response.get("Location", ""):
            self.fail(role, label, what, f"not sent to the login: {response.status_code}")

    def posted(self, role, label, what, model, send: Callable, allowed: bool, check: Callable | None = None):
        """A POST: refused ones change nothing; allowed ones redirect and leave their service's marks."""
        before = fingerprint(model)
        response = send()
        if response.status_code == 500:
            self.fail(role, label, what, "500")
            return response
        if not allowed:
            if fingerprint(model) != before:
                self.fail(role, label, what, f"refused but the data changed ({response.status_code})")
            return response
        if response.status_code != 302:
            errors = ""
            if response.context and "adminform" in response.context:
                errors = dict(response.context["adminform"].form.errors)
            self.fail(role, label, what, f"expected 302, got {response.status_code} {errors}")
        elif check is not None:
            for problem in check():
                self.fail(role, label, what, problem)
        return response


# --- the changes each allowed role makes, with what only the service writes ---------------------------------


def grant_events() -> int:
    return SecurityEvent.objects.filter(kind=SecurityEvent.Kind.GRANT_CHANGE).count()


def reason_of(obj) -> str:
    return obj.history.order_by("-history_id").first().history_change_reason or ""


def test_every_admin_page_and_action_as_every_role(org):
    org.p.auditor = User.objects.create_user("auditor", password="pw", full_name="审计员")
    dept_services.user_set_roles(actor=org.p.root, user=org.p.auditor, roles=[Role.AUDIT_ADMIN])
    org.p.liaison = org.p.xsc_liaison
    objects = build_records(org)
    matrix = Matrix(org, objects)
    factory = RequestFactory()
    for role in ROLES:
        client, user = login(org, role)
        for model, model_admin in admin.site._registry.items():
            run_admin(matrix, role, client, user, model, model_admin, factory)
    report_text = "\n".join(matrix.problems)
    print(f"{len(admin.site._registry)} admins × {len(ROLES)} roles: {matrix.requests} requests")
    assert not matrix.problems, f"{len(matrix.problems)} mismatches:\n{report_text}"


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def run_admin(matrix, role, client, user, model, model_admin, factory):
    label = model._meta.label_lower
    obj = type(matrix.objects[label])._default_manager.get(pk=matrix.objects[label].pk)
    may_view = intended(role, label, "view")
    visible = expected_rows(user, model) if may_view else set()

    response = matrix.call(client, "GET", url(model, "changelist"))
    matrix.shown(role, label, "changelist", response, may_view)
    if response.status_code == 200 and response.context and "cl" in response.context:
        shown = set(response.context["cl"].queryset.values_list("pk", flat=True))
        if shown != visible:
            matrix.fail(
                role, label, "changelist rows", f"shows {len(shown)}, the access module gives {len(visible)}"
            )

    check_add(matrix, role, client, user, model, obj)
    sees_obj = may_view and obj.pk in visible
    response = matrix.call(client, "GET", url(model, "change", obj.pk))
    matrix.shown(role, label, "change page", response, sees_obj)
    check_change(matrix, role, client, user, model, obj, response)
    hidden = None
    if may_view:
        hidden = model._default_manager.exclude(pk__in=expected_rows(user, model)).order_by("pk").first()
    if hidden is not None:
        response = matrix.call(client, "GET", url(model, "change", hidden.pk))
        matrix.shown(role, label, "change page of a hidden row", response, False)
        response = matrix.call(client, "GET", url(model, "history", hidden.pk))
        matrix.shown(role, label, "history of a hidden row", response, False)
    response = matrix.call(client, "GET", url(model, "history", obj.pk))
    matrix.shown(role, label, "history", response, sees_obj)
    check_delete(matrix, role, client, user, model, obj)
    superuser_request = factory.get("/")
    superuser_request.user = matrix.org.p.root
    for action in model_admin.get_actions(superuser_request):
        check_action(matrix, role, client, user, model, action)


def check_add(matrix, role, client, user, model, obj):
    label = model._meta.label_lower
    allowed = intended(role, label, "add")
    shown = matrix.call(client, "GET", url(model, "add"))
    matrix.shown(role, label, "add page", shown, allowed)
    k = matrix.unique()
    values, check = ADDS[label](matrix, user, k) if label in ADDS else (tampered(obj), None)
    body = form_data(shown, **values) if shown.status_code == 200 else values
    matrix.posted(
        role,
        label,
        "add (POST)",
        model,
        lambda: matrix.call(client, "POST", url(model, "add"), body),
        allowed,
        check,
    )


def check_change(matrix, role, client, user, model, obj, shown):
    label = model._meta.label_lower
    allowed = intended(role, label, "change")
    k = matrix.unique()
    values, check = CHANGES[label](matrix, user, obj, k) if label in CHANGES else (tampered(obj), None)
    body = form_data(shown, **values) if shown.status_code == 200 else values
    matrix.posted(
        role, label, "change (POST)", model,
        lambda: matrix.call(client, "POST", url(model, "change", obj.pk), body), allowed, check,
    )  # fmt: skip
    if label == "departments.officialmediaaccount" and allowed:
        # 第十三条: an editor from another department is refused with the rule's words, and nothing is saved.
        other = Liaison.objects.get(user=matrix.org.p.rsc_liaison)
        body = form_data(shown, editor=str(other.pk))
        response = matrix.posted(
            role, label, "第十三条 other editor", model,
            lambda: matrix.call(client, "POST", url(model, "change", obj.pk), body), False,
        )  # fmt: skip
        if "第十三条：编辑发布权只能由本部门联络员负责" not in response.content.decode():
            matrix.fail(role, label, "第十三条 other editor", f"no rule message ({response.status_code})")


def victim(matrix, model, obj):
    """The row a delete is tried on: a spare one where a delete may succeed, the real one elsewhere."""
    k = matrix.unique()
    if model is User:
        return User.objects.create_user(f"spare{k}", password="pw")
    if model is Group:
        return Group.objects.create(name=f"备用组{k}")
    if model is AccessAttempt:
        return AccessAttempt.objects.create(
            username=f"spare{k}", ip_address="10.0.0.8", failures_since_start=5
        )
    if model is AccessLog:
        return AccessLog.objects.create(username=f"spare{k}", ip_address="10.0.0.8")
    if model is AccessFailureLog:
        return AccessFailureLog.objects.create(username=f"spare{k}", ip_address="10.0.0.8", locked_out=True)
    return obj


def check_delete(matrix, role, client, user, model, obj):
    label = model._meta.label_lower
    allowed = intended(role, label, "delete")
    target = victim(matrix, model, obj)
    sees = intended(role, label, "view") and target.pk in expected_rows(user, model)
    response = matrix.call(client, "GET", url(model, "delete", target.pk))
    matrix.shown(role, label, "delete page", response, allowed and sees)

    def gone():
        if model._default_manager.filter(pk=target.pk).exists():
            yield "the delete did not delete"

    matrix.posted(
        role, label, "delete (POST)", model,
        lambda: matrix.call(client, "POST", url(model, "delete", target.pk), {"post": "yes"}), allowed, gone,
    )  # fmt: skip


def check_action(matrix, role, client, user, model, action):
    label = model._meta.label_lower
    target, allowed, check = ACTIONS[action](matrix, role, user, model)
    body = {"action": action, "_selected_action": [str(target.pk)], "index": "0"}
    response = matrix.posted(
        role, label, f"action {action}", model,
        lambda: matrix.call(client, "POST", url(model, "changelist"), body),
        allowed and action != "delete_selected", check,
    )  # fmt: skip
    if action == "delete_selected" and allowed and response.status_code != 200:
        matrix.fail(role, label, "action delete_selected", f"no confirmation page: {response.status_code}")
    if check is not None and not allowed and response.status_code != 500:
        refusal = getattr(check, "refusal", None)
        if (
            refusal
            and refusal(role)
            and not any(
                "只有领导小组办公室（党群工作部）可以" in str(m) for m in get_messages(response.wsgi_request)
            )
        ):
            matrix.fail(role, label, f"action {action}", "no Chinese refusal message")


# --- allowed adds and changes, with the marks their services leave -------------------------------------------


def add_department(matrix, user, k):
    head = User.objects.create_user(f"head{k}", password="pw", full_name=f"负责人{k}")
    events = grant_events()
    gives_rights = dept_access.may_set_department_people(user)

    def check():
        department = Department.objects.filter(code=f"t{k}").first()
        if department is None:
            yield "not saved"
            return
        if not gives_rights:  # the system administrator: the head field is read-only, nobody got rights
            if department.head_id is not None or grant_events() > events:
                yield "the system administrator set a head (a grant)"
            return
        if not UserObjectPermission.objects.filter(user=head, object_pk=str(department.pk)).exists():
            yield "the head got no department grant (department_save not called)"
        if grant_events() <= events:
            yield "no grant_change in the security log"
        if Role.DEPARTMENT_HEADS not in roles_of(fresh(head)):
            yield "the head has no 部门负责人 role"

    return {"name": f"测试部门{k}", "code": f"t{k}", "kind": "functional", "head": str(head.pk)}, check


def change_department(matrix, user, department, k):
    head = User.objects.create_user(f"newhead{k}", password="pw", full_name=f"新负责人{k}")
    previous = department.head
    events = grant_events()
    gives_rights = dept_access.may_set_department_people(user)

    def check():
        if not gives_rights:  # the system administrator: the head field is read-only, nobody got rights
            if Department.objects.get(pk=department.pk).head_id != (previous.pk if previous else None):
                yield "the system administrator changed the head (a grant)"
            return
        if Department.objects.get(pk=department.pk).head_id != head.pk:
            yield "head not changed"
        if not UserObjectPermission.objects.filter(user=head, object_pk=str(department.pk)).exists():
            yield "the new head got no grant (department_save not called)"
        if (
            previous
            and UserObjectPermission.objects.filter(user=previous, object_pk=str(department.pk)).exists()
        ):
            yield "the previous head kept the grant"
        if grant_events() <= events:
            yield "no grant_change in the security log"

    return {"head": str(head.pk)}, check


def add_liaison(matrix, user, k):
    person = User.objects.create_user(f"newliaison{k}", password="pw", full_name=f"联络员{k}")

    def check():
        liaison = Liaison.objects.filter(user=person).first()
        if liaison is None:
            yield "not saved"
            return
        if liaison.status != Liaison.Status.REGISTERED or liaison.registered_by_id != user.pk:
            yield f"not registered by the actor ({liaison.status}, {liaison.registered_by_id})"
        if Role.LIAISONS not in roles_of(fresh(person)):
            yield "no 联络员 role (liaison_register not called)"
        if reason_of(liaison) != "联络员备案":
            yield "history has no 联络员备案 reason"

    return {"user": str(person.pk), "department": str(matrix.org.rsc.pk), "phone": "13800000000"}, check


def change_liaison(matrix, user, liaison, k):
    phone = f"13900000{k}"

    def check():
        saved = Liaison.objects.get(pk=liaison.pk)
        if saved.phone != phone:
            yield "phone not changed"
        if saved.registered_by_id != user.pk or reason_of(saved) != "联络员备案":
            yield "not saved through liaison_register"

    return {"phone": phone}, check


def add_media_account(matrix, user, k):
    editor = Liaison.objects.get(user=matrix.org.p.xsc_liaison)

    def check():
        account = OfficialMediaAccount.objects.filter(name=f"官方号{k}").first()
        if account is None:
            yield "not saved"
        elif reason_of(account) != "登记官方媒体账号":
            yield "not saved through media_account_save"

    values = {"platform": "wechat", "name": f"官方号{k}", "url": f"https://mp.example/{k}"}
    return {
        **values,
        "department": str(matrix.org.xsc.pk),
        "editor": str(editor.pk),
        "is_active": "on",
    }, check


def change_media_account(matrix, user, account, k):
    def check():
        saved = OfficialMediaAccount.objects.get(pk=account.pk)
        if saved.name != f"学生处官方微博{k}":
            yield "name not changed"
        if reason_of(saved) != "登记官方媒体账号" or saved.history.first().history_user_id != user.pk:
            yield "not saved through media_account_save"

    return {"name": f"学生处官方微博{k}"}, check


def add_user(matrix, user, k):
    def check():
        created = User.objects.filter(username=f"new{k}").first()
        if created is None:
            yield "not saved"
        elif not created.must_change_password or created.is_superuser:
            yield "an initial password not marked for change, or a superuser made"

    password = "Zk-7qv!Lw93p"
    return {
        "username": f"new{k}", "password1": password, "password2": password, "usable_password": "true",
        "full_name": f"新用户{k}", "department": str(matrix.org.xsc.pk),
    }, check  # fmt: skip


def change_user(matrix, user, target, k):
    roles = roles_of(fresh(target))

    def check():
        saved = fresh(target)
        if saved.full_name != f"改名{k}":
            yield "not changed"
        if roles_of(saved) != roles:
            yield "roles changed by a plain save"
        if saved.is_superuser != user.is_superuser:  # only a superuser makes one
            yield f"is_superuser became {saved.is_superuser}"

    return {"full_name": f"改名{k}", "is_superuser": "on"}, check


def add_webhook(matrix, user, k):
    def check():
        if not WebhookEndpoint.objects.filter(name=f"机器人{k}").exists():
            yield "not saved"

    return {
        "name": f"机器人{k}", "flavor": "dingtalk", "url": f"https://oapi.dingtalk.com/robot/send?access_token={k}",
        "department": str(matrix.org.rsc.pk), "is_active": "on",
    }, check  # fmt: skip


def change_webhook(matrix, user, endpoint, k):
    def check():
        if WebhookEndpoint.objects.get(pk=endpoint.pk).name != f"学生处群机器人{k}":
            yield "not changed"

    return {"name": f"学生处群机器人{k}"}, check


def add_group(matrix, user, k):
    def check():
        if not Group.objects.filter(name=f"新组{k}").exists():
            yield "not saved"

    return {"name": f"新组{k}"}, check


def change_group(matrix, user, group, k):
    def check():
        if Group.objects.get(pk=group.pk).name != f"临时工作组{k}":
            yield "not changed"

    return {"name": f"临时工作组{k}"}, check


ADDS = {
    "departments.department": add_department,
    "departments.liaison": add_liaison,
    "departments.officialmediaaccount": add_media_account,
    "departments.user": add_user,
    "notifications.webhookendpoint": add_webhook,
    "auth.group": add_group,
}
CHANGES = {
    "departments.department": change_department,
    "departments.liaison": change_liaison,
    "departments.officialmediaaccount": change_media_account,
    "departments.user": change_user,
    "notifications.webhookendpoint": change_webhook,
    "auth.group": change_group,
}


# --- admin actions: a fresh target for each, the intended outcome, and the service's marks ------------------


def with_opinion(org, incident):
    """Filing needs the supervising leader's opinion: 学生处's leader writes it."""
    incident_services.disposal_form_leader_opinion(incident=incident, actor=org.p.xsc_leader, opinion="同意")
    return incident


def office_refusal(role: str) -> bool:
    """Roles that see the incident but are not the office: the service refuses them in Chinese."""
    return role == "root"


def action_file_forms(matrix, role, user, model):
    allowed = role == "clerk"
    incident = with_opinion(matrix.org, submitted(matrix.org)) if allowed else matrix.objects["submitted"]

    def check():
        saved = Incident.objects.get(pk=incident.pk)
        if saved.status != Status.FILED:
            yield f"not filed ({saved.status})"
        if not IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.FORM_FILED).exists():
            yield "no case-log line (disposal_form_file not called)"

    check.refusal = office_refusal
    return incident, allowed, check


def action_archive(matrix, role, user, model):
    allowed = role == "clerk"
    incident = matrix.objects["submitted"]
    if allowed:
        incident = with_opinion(matrix.org, submitted(matrix.org))
        incident_services.disposal_form_file(incident=incident, actor=matrix.org.p.clerk)
        # 第十四条: archiving needs a 复盘会 or the office's waiver
        incident_services.review_waive(incident=incident, actor=matrix.org.p.clerk, reason="个案，无需复盘")

    def check():
        saved = Incident.objects.get(pk=incident.pk)
        if saved.status != Status.ARCHIVED:
            yield f"not archived ({saved.status})"
        if not IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.ARCHIVED).exists():
            yield "no case-log line (incident_archive not called)"
        if not Dossier.objects.filter(incident=incident).exists():
            yield "no dossier requested"

    check.refusal = office_refusal
    return incident, allowed, check


def action_register(matrix, role, user, model):
    allowed = intended(role, "departments.liaison", "change")
    if not allowed:
        return matrix.objects["pending liaison"], False, None
    person = User.objects.create_user(f"proposed{matrix.unique()}", password="pw")
    liaison = dept_services.liaison_propose(actor=matrix.org.p.root, department=matrix.org.rsc, user=person)

    def check():
        saved = Liaison.objects.get(pk=liaison.pk)
        if saved.status != Liaison.Status.REGISTERED or Role.LIAISONS not in roles_of(fresh(person)):
            yield "not registered through liaison_register"

    return liaison, True, check


def action_deactivate(matrix, role, user, model):
    if not intended(role, "departments.liaison", "change"):
        return matrix.objects["departments.liaison"], False, None
    person = User.objects.create_user(f"leaving{matrix.unique()}", password="pw")
    liaison = dept_services.liaison_register(actor=matrix.org.p.root, department=matrix.org.rsc, user=person)

    def check():
        saved = Liaison.objects.get(pk=liaison.pk)
        if saved.status != Liaison.Status.INACTIVE or Role.LIAISONS in roles_of(fresh(person)):
            yield "not deactivated through liaison_deactivate"

    return liaison, True, check


def action_cleanup(matrix, role, user, model):
    if not intended(role, "axes.accessattempt", "delete"):
        return matrix.objects["expired attempt"], False, None
    old = AccessAttempt.objects.create(
        username=f"old{matrix.unique()}", ip_address="10.0.0.7", failures_since_start=1
    )
    AccessAttempt.objects.filter(pk=old.pk).update(attempt_time=timezone.now() - dt.timedelta(days=2))

    def check():
        if AccessAttempt.objects.filter(pk=old.pk).exists():
            yield "the expired attempt is still there"

    return old, True, check


def api_client_action(changed: Callable[[ApiClient, ApiClient], bool], what: str) -> Callable:
    """An API client's action: a superuser's only (a client acts as an account: 三员分立), through the service."""

    def action(matrix, role, user, model):
        client, _ = api_client_create(
            actor=matrix.org.p.root, user=matrix.org.p.clerk, name=f"脚本{matrix.unique()}"
        )

        def check():
            if not changed(client, ApiClient.objects.get(pk=client.pk)):
                yield f"not {what}"
            latest = ApiClient.history.filter(id=client.pk).order_by("-history_id").first()
            if not latest.history_change_reason or latest.history_user_id != user.pk:
                yield "no history row with its reason (the service was not called)"

        return client, role == "root", check

    return action


def action_delete_selected(matrix, role, user, model):
    label = model._meta.label_lower
    return victim(matrix, model, matrix.objects[label]), intended(role, label, "delete"), None


ACTIONS = {
    "file_forms": action_file_forms,
    "archive": action_archive,
    "register": action_register,
    "deactivate": action_deactivate,
    "cleanup_expired_attempts": action_cleanup,
    "delete_selected": action_delete_selected,
    "deactivate_clients": api_client_action(lambda old, new: not new.is_active, "switched off"),
    "issue_tokens": api_client_action(lambda old, new: new.token_hash != old.token_hash, "given a new token"),
}
