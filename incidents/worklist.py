"""待办: what waits for one person, with how long it has waited; the home page lists it, the navigation counts it.

Each section is one kind of work and whose it is:
- the department head's 待签字: forms whose signature the department asked for (请负责人签字);
- the supervising leader's 待填写处置意见: the opinion asked when the disposal ended (an open deadline);
- 党政办's 待审定: reply statements sent for review;
- the office's 待研判 / 待审核备案 / 待归档;
- the department's (liaison's and head's) 待报送处置表 and 待互通信息.
A section costs one query for its first rows, whatever the numbers; the navigation's counts are one statement for
every kind of work the person can have (`counts`), remembered until the work changes (`work_changed`).
"""

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import F, Func, IntegerField, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from departments.access import ACT_PERM, department_ids, roles_of
from departments.models import User
from departments.roles import Role

from .models import Deadline, DisposalForm, Incident, ReplyStatement, Status

ROWS = 8  # per section on the home page; the section links to the full list

FORM_WORK = (Status.IN_DISPOSAL, Status.DISPOSAL_ENDED, Status.RETURNED)
TO_SUBMIT = (Status.DISPOSAL_ENDED, Status.RETURNED)
EXCHANGES = (Deadline.Kind.DAILY_EXCHANGE, Deadline.Kind.ROUND_THE_CLOCK)


@dataclass(frozen=True)
class WorkItem:
    url: str
    number: str
    title: str
    department: str
    since: dt.datetime  # waiting since
    due_at: dt.datetime | None = None
    note: str = ""

    @property
    def waited(self) -> str:
        """How long it has waited, as people say it (天 / 小时 / 分钟)."""
        minutes = max(0, int((timezone.now() - self.since).total_seconds() // 60))
        if minutes >= 24 * 60:
            return f"{minutes // (24 * 60)}天{minutes % (24 * 60) // 60}小时"
        if minutes >= 60:
            return f"{minutes // 60}小时{minutes % 60}分钟"
        return f"{minutes}分钟"

    @property
    def overdue(self) -> bool:
        return self.due_at is not None and self.due_at < timezone.now()


@dataclass
class Section:
    key: str
    label: str
    count: int
    items: list[WorkItem] = field(default_factory=list)
    more_url: str = ""


def _item(incident: Incident, since, due_at=None, note: str = "") -> WorkItem:
    return WorkItem(
        url=reverse("incidents:detail", args=[incident.pk]),
        number=incident.number,
        title=incident.title,
        department=incident.responsible_department.name,
        since=since,
        due_at=due_at,
        note=note,
    )


# --- who has which work ------------------------------------------------------------------------------------


def _signatures(user) -> QuerySet[DisposalForm]:
    """Forms of the departments he heads that wait for his signature (asked, not yet signed)."""
    return DisposalForm.objects.filter(
        incident__responsible_department__head=user,
        incident__status__in=FORM_WORK,
        head_signed_by__isnull=True,
        signature_requested_at__isnull=False,
    )


def _opinions(user) -> QuerySet[Deadline]:
    """The opinions asked of him as supervising leader when the disposal ended (open deadlines)."""
    return Deadline.objects.filter(
        kind=Deadline.Kind.LEADER_OPINION,
        state=Deadline.State.OPEN,
        incident__responsible_department__supervising_leader=user,
    )


def _department_incidents(user) -> QuerySet[Incident]:
    return Incident.objects.filter(responsible_department_id__in=department_ids(user, ACT_PERM))


# An exchange is work once its report is near: a level-2 case always has one open, and a badge that never goes
# away is not read.
EXCHANGE_SOON = dt.timedelta(hours=12)


def _exchanges(user) -> QuerySet[Deadline]:
    """The department's progress reports due within EXCHANGE_SOON, or overdue."""
    return Deadline.objects.filter(
        kind__in=EXCHANGES,
        state=Deadline.State.OPEN,
        due_at__lt=timezone.now() + EXCHANGE_SOON,
        incident__responsible_department_id__in=department_ids(user, ACT_PERM),
    )


OFFICE_QUEUES = (
    # key, label, status, waiting since
    ("to_assess", "待研判", Status.REPORTED, "reported_at"),
    ("to_file", "待审核备案", Status.FORM_SUBMITTED, "disposal_form__submitted_at"),
    ("to_archive", "待归档", Status.FILED, "filed_at"),
)


def _count_of(queryset: QuerySet) -> Subquery:
    """COUNT(*) of a queryset as a scalar subquery: one row whatever matches (0 when none).

    COUNT is a plain Func here, not the Count aggregate: an aggregate would add a GROUP BY and return no row at
    all when nothing matches.
    """
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def _queues(user) -> dict[str, QuerySet]:
    """Each kind of work this person can have, as the queryset of its rows."""
    roles = roles_of(user)
    queues: dict[str, QuerySet] = {
        # Heads and supervising leaders are appointments on a department, not roles: everyone is asked.
        "to_sign": _signatures(user),
        "to_give_opinion": _opinions(user),
    }
    if Role.ADMIN_OFFICE in roles:
        queues["to_review"] = ReplyStatement.objects.filter(status=ReplyStatement.Status.SUBMITTED)
    if Role.OFFICE in roles:
        queues.update({key: Incident.objects.filter(status=status) for key, _, status, _ in OFFICE_QUEUES})
    if department_ids(user, ACT_PERM):
        queues["to_submit"] = _department_incidents(user).filter(status__in=TO_SUBMIT)
        queues["to_exchange"] = _exchanges(user)
    return queues


# The counts are on every page of everyone, and counting is most of what a page costs. They are remembered per person
# with the generation of the work: every change to a case writes its case log (services.common.log_event), which
# starts a new generation once committed, so one's own action shows at once (the deadline sweep changes no count). What changes
# with the clock alone (an exchange coming within EXCHANGE_SOON) or with a person's roles and departments shows
# within COUNTS_CACHE_SECONDS.
COUNTS_CACHE_SECONDS = 30
GENERATION_KEY = "worklist:generation"


def work_changed() -> None:
    """Someone's work changed: every remembered count is stale (call it once the change is committed)."""
    cache.set(GENERATION_KEY, uuid.uuid4().hex, 24 * 3600)  # lost: counted afresh under a new one


def _count(user) -> dict[str, int]:
    queues = _queues(user)
    row = (
        User.objects.filter(pk=user.pk)
        .annotate(**{f"n_{key}": _count_of(queryset) for key, queryset in queues.items()})
        .values(*(f"n_{key}" for key in queues))
        .first()
        or {}
    )
    return {key[2:]: n for key, n in row.items() if n}


def kept_until_work_changes(key: str, compute, *, seconds: int):
    """compute(), remembered under `key` until the next committed change to a case (the generation of the work)
    and at most `seconds`; computed live while the cache (Redis) is down."""
    found = cache.get_many([GENERATION_KEY, key])  # one round trip; {} while Redis is down
    generation, kept = found.get(GENERATION_KEY), found.get(key)
    if generation is not None and kept is not None and kept[0] == generation:
        return kept[1]
    # The generation is read before computing: a change committed after the computation began leaves a newer one,
    # so what is kept here is never taken for current after it.
    if generation is None:
        work_changed()
        generation = cache.get(GENERATION_KEY)
    computed = compute()
    if generation is not None:
        cache.set(key, (generation, computed), seconds)
    return computed


def _remembered(user) -> dict[str, int]:
    if not COUNTS_CACHE_SECONDS:
        return _count(user)
    return kept_until_work_changes(
        f"worklist:counts:{user.pk}", lambda: _count(user), seconds=COUNTS_CACHE_SECONDS
    )


def counts(*, user) -> dict[str, int]:
    """How much of each kind of work waits for this person (non-zero only).

    Every page's navigation shows the total, so the counts are one statement of scalar subqueries, remembered
    until the work changes and on the user object for the request (the home page asks again for its sections).
    """
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    if "_worklist_counts" not in user.__dict__:
        user.__dict__["_worklist_counts"] = _remembered(user)
    return user.__dict__["_worklist_counts"]


def _rows(key: str, queryset: QuerySet) -> list[WorkItem]:
    """The first rows of one kind of work, oldest first, each as the home page lists it (one query)."""
    if key == "to_sign":
        forms = queryset.select_related("incident__responsible_department", "signature_requested_by")
        return [
            _item(f.incident, f.signature_requested_at,
                  note=f"{f.signature_requested_by.display_name}请签字" if f.signature_requested_by else "")
            for f in forms.order_by("signature_requested_at", "pk")[:ROWS]
        ]  # fmt: skip
    if key == "to_give_opinion":
        opinions = queryset.select_related("incident__responsible_department").order_by("due_at", "pk")
        return [_item(d.incident, d.created_at, d.due_at) for d in opinions[:ROWS]]
    if key == "to_review":
        statements = queryset.select_related("incident__responsible_department").order_by(
            "submitted_at", "pk"
        )
        return [_item(s.incident, s.submitted_at, note=f"第{s.number}版") for s in statements[:ROWS]]
    if key == "to_exchange":
        exchanges = queryset.select_related("incident__responsible_department").order_by("due_at", "pk")
        return [_item(d.incident, d.created_at, d.due_at, d.get_kind_display()) for d in exchanges[:ROWS]]
    if key == "to_submit":
        incidents = queryset.select_related("responsible_department").order_by("disposal_ended_at", "pk")
        return [
            _item(i, i.disposal_ended_at, note="已退回修改" if i.status == Status.RETURNED else "")
            for i in incidents[:ROWS]
        ]
    since = next(field for k, _, _, field in OFFICE_QUEUES if k == key)
    queue = queryset.select_related("responsible_department").annotate(since=F(since)).order_by("since", "pk")
    return [_item(i, i.since or i.reported_at) for i in queue[:ROWS]]


LABELS = {
    "to_sign": "待签字的处置表",
    "to_give_opinion": "待填写处置意见",
    "to_review": "待审定的回复通稿",
    **{key: label for key, label, _, _ in OFFICE_QUEUES},
    "to_submit": "待报送的处置表",
    "to_exchange": "待报送的互通信息（12小时内到期或已逾期）",
}


def _more_url(key: str) -> str:
    if key == "to_review":
        return reverse("incidents:statement_queue")
    status = next((status for k, _, status, _ in OFFICE_QUEUES if k == key), None)
    return f"{reverse('incidents:list')}?status={status}" if status else ""


def sections(*, user) -> list[Section]:
    """The home page's 待办 in the order the work should be done: the counts (one query), then the first rows of
    each kind of work that has any (one query each); empty sections are left out."""
    waiting = counts(user=user)
    if not waiting:
        return []
    return [
        Section(key, LABELS[key], waiting[key], _rows(key, queryset), _more_url(key))
        for key, queryset in _queues(user).items()
        if key in waiting
    ]
