"""Every write of 舆情通报 (第四条): draft, send for approval, approve or return, issue, open, remind; the template.

草稿 → 待审批 → 已批准 → 已印发, and 待审批 → 草稿 when a leader returns it with a comment (TRANSITIONS).
"""

import datetime as dt
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from departments.access import ACT_PERM, department_ids
from departments.models import Department, User
from departments.roles import Role
from departments.selectors import department_people, users_with_role
from incidents.models import Incident
from notifications.services import Message, build_rows, save_rows
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject, TransitionNotAllowed
from opinion_system.stamps import stamp

from . import access, selectors
from .models import Bulletin, BulletinCounter, BulletinReading, BulletinReceipt, BulletinTemplate

S = Bulletin.Status
# The moves a bulletin may make: action → (from, to).
TRANSITIONS = {
    "submit": (S.DRAFT, S.PENDING),
    "approve": (S.PENDING, S.APPROVED),
    "return": (S.PENDING, S.DRAFT),
    "issue": (S.APPROVED, S.ISSUED),
}
ACTION_LABELS = {"submit": "送审", "approve": "批准", "return": "退回", "issue": "印发"}
MAX_PERIOD_DAYS = 366


def _notify(
    bulletin: Bulletin,
    users: Iterable[User],
    *,
    actor: User | None,
    kind: str,
    key: str,
    subject: str,
    text: str,
) -> None:
    message = Message(
        kind=kind,
        subject=subject,
        text=text,
        incident=None,
        key=f"{kind}:b{bulletin.pk}:{key}",
        created_at=clock.now(),
        link=bulletin.page_path,
    )
    save_rows(build_rows(message, users, actor=actor))


def _lock(bulletin: Bulletin, *, expected_version: int | None = None) -> Bulletin:
    locked = Bulletin.objects.select_for_update().get(pk=bulletin.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleObject(
            "这份通报在您打开页面后已被他人修改，请刷新页面后再提交；您填写的内容仍保留在表单中。"
        )
    return locked


def _move(locked: Bulletin, action: str) -> None:
    source, target = TRANSITIONS[action]
    if locked.status != source:
        raise TransitionNotAllowed(
            f"通报当前为“{locked.get_status_display()}”，不能{ACTION_LABELS[action]}。"
        )
    locked.status = target
    locked.version += 1


def _check_content(*, title: str, body: str, period_start: dt.date, period_end: dt.date) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise DomainError("请填写通报标题。")
    if not body:
        raise DomainError("请填写通报正文。")
    if period_start > period_end:
        raise DomainError("统计期间的起始日期不能晚于截止日期。")
    if (period_end - period_start).days >= MAX_PERIOD_DAYS:
        raise DomainError(f"统计期间不能超过 {MAX_PERIOD_DAYS} 天。")
    return title, body


@transaction.atomic
def bulletin_create(
    *,
    actor: User,
    title: str,
    body: str,
    period_start: dt.date,
    period_end: dt.date,
    incidents: Iterable[Incident] = (),
    recipients: Iterable[Department] | None = None,
) -> Bulletin:
    """The office drafts a bulletin; the period's figures are taken from the dashboard's count now."""
    access.require_office(actor)
    title, body = _check_content(title=title, body=body, period_start=period_start, period_end=period_end)
    now = clock.now()
    bulletin = Bulletin(
        title=title,
        body=body,
        period_start=period_start,
        period_end=period_end,
        figures=selectors.figures_snapshot(user=actor, first=period_start, last=period_end, now=now),
        drafted_by=actor,
        drafted_at=now,
    )
    stamp(bulletin, actor=actor, reason="拟稿")
    bulletin.save()
    bulletin.incidents.set(list(incidents))
    bulletin.recipients.set(
        list(recipients) if recipients is not None else list(selectors.active_departments())
    )
    return bulletin


@transaction.atomic
def bulletin_update(
    *,
    actor: User,
    bulletin: Bulletin,
    expected_version: int | None,
    title: str,
    body: str,
    period_start: dt.date,
    period_end: dt.date,
    incidents: Iterable[Incident],
    recipients: Iterable[Department],
) -> Bulletin:
    """A draft (new, or returned by a leader) is edited by the office; the figures are counted again."""
    access.require_office(actor)
    locked = _lock(bulletin, expected_version=expected_version)
    if locked.status != S.DRAFT:
        raise TransitionNotAllowed(f"通报当前为“{locked.get_status_display()}”，只有草稿可以修改。")
    title, body = _check_content(title=title, body=body, period_start=period_start, period_end=period_end)
    locked.title, locked.body = title, body
    locked.period_start, locked.period_end = period_start, period_end
    locked.figures = selectors.figures_snapshot(
        user=actor, first=period_start, last=period_end, now=clock.now()
    )
    locked.version += 1
    stamp(locked, actor=actor, reason="修改草稿")
    locked.save()
    locked.incidents.set(list(incidents))
    locked.recipients.set(list(recipients))
    return locked


@transaction.atomic
def bulletin_submit(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """The office sends the draft to the leadership group for approval."""
    access.require_office(actor)
    locked = _lock(bulletin)
    if not locked.recipients.exists():
        raise DomainError("请至少选择一个印发部门。")
    _move(locked, "submit")
    locked.submitted_at = clock.now()
    locked.return_comment = ""
    stamp(locked, actor=actor, reason="送领导小组审批")
    locked.save()
    leaders = users_with_role(Role.LEADERSHIP)
    _notify(
        locked,
        leaders,
        actor=actor,
        kind="bulletin_submitted",
        key=f"v{locked.version}",
        subject=f"舆情通报待审批：{locked.title}",
        text=f"领导小组办公室报送舆情通报《{locked.title}》，请审批。",
    )
    return locked


@transaction.atomic
def bulletin_approve(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """第四条: a bulletin is published by the leadership group — one of its members approves it."""
    access.require_leadership(actor)
    locked = _lock(bulletin)
    _move(locked, "approve")
    locked.approved_by, locked.approved_at = actor, clock.now()
    stamp(locked, actor=actor, reason="批准")
    locked.save()
    _notify(
        locked,
        [locked.drafted_by, *users_with_role(Role.OFFICE)],
        actor=actor,
        kind="bulletin_approved",
        key=f"v{locked.version}",
        subject=f"舆情通报已批准：{locked.title}",
        text=f"{actor.display_name}已批准舆情通报《{locked.title}》，请印发。",
    )
    return locked


@transaction.atomic
def bulletin_return(*, actor: User, bulletin: Bulletin, comment: str) -> Bulletin:
    """A leader returns the bulletin to the office with a comment; it is a draft again."""
    access.require_leadership(actor)
    comment = (comment or "").strip()
    if not comment:
        raise DomainError("退回须填写意见。")
    locked = _lock(bulletin)
    _move(locked, "return")
    locked.return_comment = comment
    locked.submitted_at = None
    stamp(locked, actor=actor, reason=f"退回：{comment}")
    locked.save()
    _notify(
        locked,
        [locked.drafted_by, *users_with_role(Role.OFFICE)],
        actor=actor,
        kind="bulletin_returned",
        key=f"v{locked.version}",
        subject=f"舆情通报被退回：{locked.title}",
        text=f"{actor.display_name}退回了舆情通报《{locked.title}》：{comment}",
    )
    return locked


def _next_number(year: int) -> int:
    """The year's next number. The counter row is created if missing (a concurrent creator waits on the unique
    key and then finds it), then locked: a second issue waits here until the first commits, so numbers never
    repeat and never skip."""
    BulletinCounter.objects.bulk_create([BulletinCounter(year=year)], ignore_conflicts=True)
    counter = BulletinCounter.objects.select_for_update().get(year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


@transaction.atomic
def bulletin_issue(*, actor: User, bulletin: Bulletin) -> Bulletin:
    """The office issues the approved bulletin: it takes the year's next number, a receipt per recipient
    department, and a notice to each department's head and liaisons."""
    access.require_office(actor)
    locked = _lock(bulletin)
    _move(locked, "issue")
    recipients = list(locked.recipients.order_by("sort_order", "id"))
    if not recipients:
        raise DomainError("请至少选择一个印发部门。")
    now = clock.now()
    locked.year = timezone.localtime(now).year  # the Beijing year of issue
    locked.number = _next_number(locked.year)
    locked.issued_by, locked.issued_at = actor, now
    stamp(locked, actor=actor, reason=f"印发 {locked.number_text}")
    locked.save()
    BulletinReceipt.objects.bulk_create([BulletinReceipt(bulletin=locked, department=d) for d in recipients])
    for department in recipients:
        _notify(
            locked,
            department_people(department),
            actor=actor,
            kind="bulletin_issued",
            key=f"d{department.pk}",
            subject=f"舆情通报 {locked.number_text}：{locked.title}",
            text=f"领导小组办公室印发舆情通报 {locked.number_text}《{locked.title}》，请{department.name}及时阅知。",
        )
    return locked


@transaction.atomic
def bulletin_open(*, user: User, bulletin: Bulletin) -> int:
    """Record this person's first opening for each recipient department whose rights they hold, and the
    department's first reader. Returns how many departments this opening marked read (0 for later ones)."""
    if bulletin.status != S.ISSUED:
        return 0
    readable = access.recipient_department_ids(user)
    if not readable:
        return 0
    receipts = list(BulletinReceipt.objects.filter(bulletin=bulletin, department_id__in=readable))
    if not receipts:
        return 0
    now = clock.now()
    BulletinReading.objects.bulk_create(
        [BulletinReading(receipt=r, user=user, opened_at=now) for r in receipts], ignore_conflicts=True
    )
    # The department has read it once its head or a registered liaison has (those the reminders go to); its
    # supervising leader's reading is listed, not counted. A conditional update: two people opening at once
    # leave one name.
    answering = department_ids(user, ACT_PERM)
    return BulletinReceipt.objects.filter(
        pk__in=[r.pk for r in receipts if r.department_id in answering], first_opened_at__isnull=True
    ).update(first_opened_by=user, first_opened_at=now)


def remind_unread(*, now: dt.datetime | None = None) -> int:
    """Tell the head and liaisons of every recipient department that has not opened an issued bulletin; once a
    (Beijing) day per department and bulletin, whoever runs it and however often. Returns the reminders sent."""
    now = now or clock.now()
    today = timezone.localtime(now).date()
    sent = 0
    for receipt in selectors.unread_receipts().filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today)):
        if receipt.bulletin.issued_at and timezone.localtime(receipt.bulletin.issued_at).date() >= today:
            continue  # issued today: the notice of issue is today's word
        with transaction.atomic():
            # The claim: only the run whose UPDATE changes the row sends the day's reminder.
            claimed = (
                BulletinReceipt.objects.filter(pk=receipt.pk, first_opened_at__isnull=True)
                .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today))
                .update(reminded_on=today, reminders=F("reminders") + 1)
            )
            if not claimed:
                continue
            bulletin = receipt.bulletin
            _notify(
                bulletin,
                department_people(receipt.department),
                actor=None,  # a daily reminder: nobody acted
                kind="bulletin_unread",
                key=f"d{receipt.department_id}:{today.isoformat()}",
                subject=f"请阅知舆情通报 {bulletin.number_text}：{bulletin.title}",
                text=f"{receipt.department.name}尚未阅读舆情通报 {bulletin.number_text}《{bulletin.title}》，请及时阅知。",
            )
            sent += 1
    return sent


# --- the Word template ---------------------------------------------------------------------------------------


@transaction.atomic
def template_replace(*, actor: User, upload) -> BulletinTemplate:
    """The office's own template replaces the one shipped; it must open with docxtpl and render a sample."""
    access.require_office(actor)
    from . import rendering

    data = upload.read()
    rendering.check_template(data)  # raises DomainError with the reason
    upload.seek(0)
    old = BulletinTemplate.objects.select_for_update().filter(pk=1).first()
    if old is not None:
        old_file = old.file
        transaction.on_commit(lambda: old_file.delete(save=False))
        old.delete()
    template = BulletinTemplate(
        pk=1, original_name=upload.name[:200], uploaded_by=actor, uploaded_at=clock.now()
    )
    template.file.save("bulletin.docx", upload, save=False)
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:  # a colleague's upload of the first custom template committed just now
        template.file.delete(save=False)
        raise DomainError("另一位同事刚刚更换了模板，请刷新页面后再上传。") from None
    return template


@transaction.atomic
def template_reset(*, actor: User) -> bool:
    """恢复默认模板: the office's template is removed; the one shipped in the app is used again."""
    access.require_office(actor)
    old = BulletinTemplate.objects.select_for_update().filter(pk=1).first()
    if old is None:
        return False
    old_file = old.file
    old.delete()
    transaction.on_commit(lambda: old_file.delete(save=False))
    return True
