"""The pages of joint meetings; the first line of each asks meetings.access."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents.tokens import claim_token, release_token
from incidents.uploads import attachment_response
from opinion_system.errors import DomainError, StaleObject

from . import access, selectors, services
from .forms import CancelForm, ConveneForm, DecisionFormSet, MinutesForm, RiskDoneForm, RiskFormSet
from .models import JointMeeting


def _new_token() -> str:
    return uuid.uuid4().hex


def _done_form(item, *, back: str) -> RiskDoneForm:
    # One form per item on a page: its own element ids.
    return RiskDoneForm(auto_id=f"done{item.pk}-%s", initial={"back": back})


@login_required
@require_GET
def meeting_list(request):
    """联席会议 and 专题会议: all of them for the office and the leaders, one's own for an attendee."""
    meetings = selectors.meeting_list(meetings=access.meetings_visible_to(request.user))
    context = {"meetings": meetings, "may_convene": access.may_convene(request.user)}
    return render(request, "meetings/list.html", context)


@login_required
def meeting_convene(request):
    access.require_convene(request.user)
    if request.method != "POST":
        form = ConveneForm(initial={"token": _new_token()})
        return render(request, "meetings/convene.html", {"form": form})
    form = ConveneForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "meetings/convene.html", {"form": form}, status=400)
    data = form.cleaned_data
    token = data["token"] or ""
    if not claim_token(request, token):
        messages.warning(request, "这张表单已经提交过，未重复召集。")
        return redirect("meetings:list")
    try:
        meeting = services.meeting_convene(
            actor=request.user,
            kind=data["kind"],
            special_incident=data.get("special_incident"),
            title=data["title"],
            held_at=data["held_at"],
            place=data["place"],
            attendees=list(data["attendees"]),
            invited_departments=list(data["invited_departments"]),
            outside_attendees=data["outside_attendees"],
            agenda=data["agenda"],
            incidents=data["incident_numbers"],
            uploads=data.get("files") or [],
        )
    except DomainError as exc:
        release_token(request, token)
        form.add_error(None, exc.message)
        return render(request, "meetings/convene.html", {"form": form}, status=400)
    messages.success(request, f"已召集{meeting.get_kind_display()}「{meeting.title}」，已通知参会人员。")
    return redirect("meetings:detail", pk=meeting.pk)


@login_required
@require_GET
def meeting_detail(request, pk: int):
    meeting = access.access_meeting(request.user, pk)
    record = selectors.meeting_record(meeting=meeting, viewer=request.user)
    context = {
        "m": meeting,
        "r": record,
        "may_record": access.may_convene(request.user) and meeting.status == JointMeeting.Status.CONVENED,
        "user_id": request.user.pk,
    }
    if context["may_record"]:
        context["cancel_form"] = CancelForm(initial={"version": meeting.version})
    for item in record.risks:
        if item.done_at is None and item.owner_id == request.user.pk:
            item.done_form = _done_form(item, back="meeting")
    return render(request, "meetings/detail.html", context)


def _decisions(formset: DecisionFormSet, incidents: dict) -> list[services.DecisionInput]:
    out = []
    for form in formset:
        data = form.cleaned_data
        if not data or not (data.get("decision") or "").strip():
            continue
        incident = incidents.get(data["incident"])
        if incident is None:
            raise DomainError("表单中有不属于本次会议的舆情，请刷新页面后重新填写。")
        out.append(
            services.DecisionInput(incident=incident, decision=data["decision"], plan=data.get("plan", ""))
        )
    return out


def _risks(formset: RiskFormSet) -> list[services.RiskInput]:
    return [
        services.RiskInput(
            description=f.cleaned_data["description"],
            owner=f.cleaned_data["owner"],
            due_on=f.cleaned_data["due_on"],
        )
        for f in formset
        if f.cleaned_data and f.is_filled
    ]


@login_required
def meeting_minutes(request, pk: int):
    """登记会议纪要: the minutes, a decision and 处置方案 per discussed incident, the risks screened."""
    meeting = access.access_meeting(request.user, pk, record=True)
    if meeting.status != JointMeeting.Status.CONVENED:
        cancelled = meeting.status == JointMeeting.Status.CANCELLED
        messages.info(request, "该会议已取消，不能登记纪要。" if cancelled else "该会议的纪要已登记。")
        return redirect("meetings:detail", pk=meeting.pk)
    incidents = list(meeting.incidents.order_by("number"))
    post = request.method == "POST"
    form = MinutesForm(request.POST if post else None, request.FILES if post else None,
                       initial={"version": meeting.version, "token": _new_token()})  # fmt: skip
    decisions = DecisionFormSet(request.POST if post else None, incidents=incidents, prefix="decisions")
    risks = RiskFormSet(request.POST if post else None, prefix="risks")
    context = {"m": meeting, "form": form, "decisions": decisions, "risks": risks}
    if not post:
        return render(request, "meetings/minutes.html", context)
    status = 400
    if form.is_valid() and decisions.is_valid() and risks.is_valid():
        token = form.cleaned_data["token"] or ""
        if not claim_token(request, token):
            messages.warning(request, "这张表单已经提交过，未重复登记。")
            return redirect("meetings:detail", pk=meeting.pk)
        try:
            meeting = services.meeting_record_minutes(
                actor=request.user,
                meeting=meeting,
                minutes=form.cleaned_data["minutes"],
                decisions=_decisions(decisions, {i.pk: i for i in incidents}),
                risks=_risks(risks),
                uploads=form.cleaned_data.get("files") or [],
                expected_version=form.cleaned_data["version"],
            )
        except DomainError as exc:
            release_token(request, token)
            status = 409 if isinstance(exc, StaleObject) else 400
            form.add_error(None, exc.message)
        else:
            note = (
                "，并已登记一级响应事项「召开专题会议」" if getattr(meeting, "duty_recorded", False) else ""
            )
            messages.success(request, f"会议纪要已登记{note}。")
            return redirect("meetings:detail", pk=meeting.pk)
    return render(request, "meetings/minutes.html", context, status=status)


@login_required
@require_GET
def attachment_download(request, pk: int):
    """Meeting material only through here: access checked, always an attachment, never sniffed into HTML."""
    attachment = selectors.attachment_get(pk=pk)
    if attachment is None or not access.attachment_visible(request.user, attachment):
        raise Http404("文件不存在")
    return attachment_response(attachment)


@login_required
@require_GET
def risk_items(request):
    """我的排查事项; the office and the leaders also see every open item."""
    mine = list(
        selectors.risk_item_list(items=access.risk_items_visible_to(request.user).filter(owner=request.user))
    )
    for item in mine:
        if item.done_at is None:
            item.done_form = _done_form(item, back="")
    sees_all = access.sees_all_meetings(request.user)
    others = (
        selectors.risk_item_list(
            items=access.risk_items_visible_to(request.user).exclude(owner=request.user), open_only=True
        )
        if sees_all
        else []
    )
    context = {"mine": mine, "others": others, "sees_all": sees_all}
    return render(request, "meetings/risks.html", context)


@login_required
@require_POST
def risk_item_done(request, pk: int):
    item = access.access_risk_item(request.user, pk)
    form = RiskDoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写完成情况后再办结。")
    else:
        try:
            services.risk_item_done(actor=request.user, item=item, note=form.cleaned_data["note"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "排查事项已办结。")
    if (
        form.is_valid()
        and form.cleaned_data["back"] == "meeting"
        and access.meetings_visible_to(request.user).filter(pk=item.meeting_id).exists()
    ):
        return redirect("meetings:detail", pk=item.meeting_id)
    return redirect("meetings:risks")


@login_required
@require_POST
def meeting_cancel(request, pk: int):
    """取消会议: the office calls off a meeting not yet held; the reason is required and kept."""
    meeting = access.access_meeting(request.user, pk, record=True)
    form = CancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写取消理由后再取消会议。")
        return redirect("meetings:detail", pk=meeting.pk)
    try:
        services.meeting_cancel(
            actor=request.user,
            meeting=meeting,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "会议已取消，已通知参会人员。")
    return redirect("meetings:detail", pk=meeting.pk)
