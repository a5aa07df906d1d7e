"""Every write of the ledger and of the weights: keyword-only, atomic, access-checked, stamped for the history."""

from collections.abc import Sequence
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from departments.models import Department, User
from incidents.models import Incident
from incidents.uploads import check_uploads, store_attachments
from opinion_system import clock
from opinion_system.errors import DomainError, StaleObject
from opinion_system.forms import EARLIEST
from opinion_system.stamps import stamp

from . import access
from .models import (
    WEIGHT_LIMIT,
    WEIGHTED_FIGURES,
    EvaluationWeights,
    LedgerAttachment,
    LedgerEntry,
    LedgerLink,
)

MAX_ATTACHMENTS_PER_SAVE = 10  # a decision and its annexes; more at once is a mistaken selection


def _text(value: str, what: str, limit: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(f"请填写{what}。")
    if limit and len(value) > limit:
        raise DomainError(f"{what}不能超过 {limit} 个字。")
    return value


def _clean_entry(*, kind, person, subject_name, department, decision, decided_by, decided_on) -> dict:
    if kind not in LedgerEntry.Kind.values:
        raise DomainError("请选择台账类别：表彰、奖励、批评教育、问责或纪律处分。")
    subject_name = (subject_name or "").strip()
    if person is None and not subject_name:
        raise DomainError("请选择人员，或填写对象名称（如信息平台、非系统用户的姓名）。")
    if len(subject_name) > 100:
        raise DomainError("对象名称不能超过 100 个字。")
    if not isinstance(department, Department):
        raise DomainError("请选择部门。")
    today = timezone.localdate(clock.now())
    if decided_on is None or not EARLIEST <= decided_on <= today:
        raise DomainError(f"决定日期应在 {EARLIEST:%Y-%m-%d} 至今天（{today:%Y-%m-%d}）之间。")
    return {
        "kind": kind,
        "person": person,
        "subject_name": subject_name,
        "department": department,
        "decision": _text(decision, "决定内容"),
        "decided_by": _text(decided_by, "决定机关", 100),
        "decided_on": decided_on,
    }


def _link(entry: LedgerEntry, incidents: Sequence[Incident], *, actor: User) -> None:
    """Make the entry's linked incidents exactly these; each link added or removed leaves a history row."""
    wanted = {incident.pk for incident in incidents}
    for link in LedgerLink.objects.filter(entry=entry).exclude(incident_id__in=wanted):
        stamp(link, actor=actor, reason="取消关联舆情")
        link.delete()
    have = set(LedgerLink.objects.filter(entry=entry).values_list("incident_id", flat=True))
    for incident_id in sorted(wanted - have):
        link = LedgerLink(entry=entry, incident_id=incident_id)
        stamp(link, actor=actor, reason="关联舆情")
        link.save()


@transaction.atomic
def ledger_entry_create(
    *,
    actor: User,
    kind: str,
    department: Department,
    decision: str,
    decided_by: str,
    decided_on,
    person: User | None = None,
    subject_name: str = "",
    incidents: Sequence[Incident] = (),
    uploads: Sequence = (),
) -> LedgerEntry:
    """第十五条: record a commendation or an accountability decision (the office only)."""
    access.require_ledger_keeper(actor)
    fields = _clean_entry(kind=kind, person=person, subject_name=subject_name, department=department,
                          decision=decision, decided_by=decided_by, decided_on=decided_on)  # fmt: skip
    checked = check_uploads(uploads, most=MAX_ATTACHMENTS_PER_SAVE)
    entry = LedgerEntry(**fields, recorded_by=actor, recorded_at=clock.now())
    stamp(entry, actor=actor, reason=f"登记{entry.get_kind_display()}")
    entry.save()
    _link(entry, incidents, actor=actor)
    store_attachments(LedgerAttachment, checked, actor=actor, reason="上传台账附件", entry=entry)
    return entry


@transaction.atomic
def ledger_entry_update(
    *,
    actor: User,
    entry: LedgerEntry,
    expected_version: int | None,
    kind: str,
    department: Department,
    decision: str,
    decided_by: str,
    decided_on,
    person: User | None = None,
    subject_name: str = "",
    incidents: Sequence[Incident] = (),
    uploads: Sequence = (),
    reason: str = "",
) -> LedgerEntry:
    """Correct an entry; refused when somebody else saved it since the form was opened."""
    access.require_ledger_keeper(actor)
    locked = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
    if expected_version is None or locked.version != expected_version:
        raise StaleObject(
            f"这条台账记录在您打开页面后已被他人修改（当前第 {locked.version} 版），"
            "请刷新页面查看最新内容后再提交；您填写的内容仍保留在表单中。"
        )
    fields = _clean_entry(kind=kind, person=person, subject_name=subject_name, department=department,
                          decision=decision, decided_by=decided_by, decided_on=decided_on)  # fmt: skip
    checked = check_uploads(uploads, most=MAX_ATTACHMENTS_PER_SAVE)
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.version += 1
    stamp(locked, actor=actor, reason=(reason or "").strip() or "修改台账记录")
    locked.save()
    _link(locked, incidents, actor=actor)
    store_attachments(LedgerAttachment, checked, actor=actor, reason="上传台账附件", entry=locked)
    return locked


@transaction.atomic
def weights_save(
    *, actor: User, year: int, values: dict[str, Decimal], expected_version: int | None
) -> EvaluationWeights:
    """The office sets the year's weights (the score appears from then on); `expected_version` None for a new
    year, the form's version otherwise."""
    access.require_weights(actor)
    if not 2000 <= year <= 2099:
        raise DomainError("年度应在 2000 年至 2099 年之间。")
    for name in ("base", *WEIGHTED_FIGURES):
        value = values.get(name)
        if not isinstance(value, Decimal) or not value.is_finite() or abs(value) > WEIGHT_LIMIT:
            raise DomainError(
                f"{EvaluationWeights._meta.get_field(name).verbose_name}应为 -{WEIGHT_LIMIT} 至 {WEIGHT_LIMIT} 之间的数。"
            )
    weights = EvaluationWeights.objects.select_for_update().filter(year=year).first()
    current = weights.version if weights else None
    if current != expected_version:
        raise StaleObject(
            f"{year} 年度的考核权重在您打开页面后已被他人修改，请刷新页面查看最新权重后再提交；您填写的内容仍保留在表单中。"
        )
    weights = weights or EvaluationWeights(year=year, version=0)
    for name in ("base", *WEIGHTED_FIGURES):
        setattr(weights, name, values[name].quantize(Decimal("0.01")))
    weights.version += 1
    weights.updated_by, weights.updated_at = actor, clock.now()
    stamp(weights, actor=actor, reason=f"设置{year}年度考核权重")
    try:
        with transaction.atomic():  # two first savings of one year at once: the second is told, not a 500
            weights.save()
    except IntegrityError as exc:
        raise StaleObject(f"{year} 年度的考核权重刚由他人设置，请刷新页面后再提交。") from exc
    return weights
