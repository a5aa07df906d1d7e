"""The office's 线索 inbox; the first line of each view asks leads.access."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from incidents import access as incident_access
from incidents.tokens import claim_token, release_token
from incidents.uploads import attachment_response
from opinion_system.errors import DomainError, StaleObject
from opinion_system.forms import filters_open

from . import access, selectors, services
from .forms import DismissForm, InboxFilterForm, MergeForm, PromoteForm
from .models import Lead

PER_PAGE = 30


def _token() -> str:
    return uuid.uuid4().hex


@login_required
@require_GET
def inbox(request):
    """线索: what the monitoring tools pushed, the waiting ones first (the default filter)."""
    access.require_handle(request.user)
    data = request.GET if "status" in request.GET or "q" in request.GET else {"status": Lead.Status.NEW}
    form = InboxFilterForm(data)
    chosen = form.cleaned_data if form.is_valid() else {"status": Lead.Status.NEW}
    everything = access.leads_visible_to(request.user)
    leads = selectors.lead_inbox(leads=everything, status=chosen.get("status", ""), q=chosen.get("q", ""))
    page = Paginator(leads, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "counts": selectors.lead_status_counts(leads=everything),
        "filters_open": filters_open(request, form),
    }
    return render(request, "leads/inbox.html", context, status=400 if form.errors else 200)


def _detail(request, lead: Lead, *, merge_form=None, dismiss_form=None, status=200):
    context = {
        "lead": lead,
        "screenshots": list(lead.screenshots.all()),
        "merge_form": merge_form or MergeForm(initial={"token": _token()}, auto_id="merge-%s"),
        "dismiss_form": dismiss_form or DismissForm(initial={"token": _token()}, auto_id="dismiss-%s"),
    }
    return render(request, "leads/detail.html", context, status=status)


@login_required
@require_GET
def detail(request, pk):
    lead = access.access_lead(request.user, pk)
    return _detail(request, lead)


@login_required
@require_GET
def screenshot(request, pk, shot):
    lead = access.access_lead(request.user, pk)
    found = lead.screenshots.filter(pk=shot).first() if shot < 2**63 else None
    if found is None:
        raise Http404("截图不存在")
    return attachment_response(found, inline=True)


@login_required
def promote(request, pk):
    """转为舆情: the report form filled from the lead; filing it files the incident and closes the lead at once."""
    lead = access.access_lead(request.user, pk)
    if not lead.is_open:
        messages.info(request, f"这条线索已处理（{lead.get_status_display()}）。")
        return redirect("leads:detail", pk=lead.pk)
    form = PromoteForm(request.POST or None, request.FILES or None, user=request.user, lead=lead)
    if request.method == "POST":
        token = request.POST.get("token", "")
        if not claim_token(request, token):
            messages.info(request, "该线索已提交转为舆情，请勿重复提交。")
            return redirect("leads:detail", pk=lead.pk)
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.lead_promote(
                    lead=lead,
                    actor=request.user,
                    title=data["title"],
                    summary=data["summary"],
                    discovered_at=data["discovered_at"],
                    sources=form.sources(),
                    department=data["department"],
                    files=data["files"],
                )
            except StaleObject as exc:
                messages.info(request, exc.message)
                return redirect("leads:detail", pk=lead.pk)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"已转为舆情：{incident.number}，已通知责任部门和党群工作部。")
                return redirect("incidents:detail", pk=incident.pk)
        release_token(request, token)
        messages.error(request, "转为舆情未成功，请按提示修改后重新提交；已填写的内容仍在表单中。")
    else:
        form.initial["token"] = _token()
    context = {"form": form, "lead": lead, "screenshots": list(lead.screenshots.all())}
    return render(request, "leads/promote.html", context, status=400 if form.errors else 200)


def _judge(request, lead: Lead, form, *, field: str, form_name: str, act):
    """One judgement posted from the lead's page: the form, its one-time token, the service (`act`), then the
    answer — a refusal back on the page with what was typed, a lead judged meanwhile back to its page."""
    if not form.is_valid():
        return _detail(request, lead, **{form_name: form}, status=400)
    token = form.cleaned_data["token"]
    if not claim_token(request, token):
        messages.info(request, "该操作已提交，请勿重复提交。")
        return redirect("leads:detail", pk=lead.pk)
    try:
        return act(form.cleaned_data)
    except StaleObject as exc:
        messages.info(request, exc.message)
        return redirect("leads:detail", pk=lead.pk)
    except DomainError as exc:
        release_token(request, token)
        form.add_error(field, exc.message)
        return _detail(request, lead, **{form_name: form}, status=400)


@login_required
@require_POST
def merge(request, pk):
    """并入舆情: by the incident's number."""
    lead = access.access_lead(request.user, pk)

    def act(data):
        number = data["number"].strip().upper()
        # The office sees every incident; asking the access module keeps it so if that ever changes.
        into = incident_access.incidents_visible_to(request.user).filter(number=number).first()
        if into is None:
            raise DomainError(f"没有编号为 {number} 的舆情，请核对编号。")
        services.lead_merge(lead=lead, into=into, actor=request.user)
        messages.success(request, f"线索已并入 {into.number}，网址和截图已补充到该舆情。")
        return redirect("incidents:detail", pk=into.pk)

    form = MergeForm(request.POST, auto_id="merge-%s")
    return _judge(request, lead, form, field="number", form_name="merge_form", act=act)


@login_required
@require_POST
def dismiss(request, pk):
    """排除, with the reason."""
    lead = access.access_lead(request.user, pk)

    def act(data):
        services.lead_dismiss(lead=lead, actor=request.user, reason=data["reason"])
        messages.success(request, "线索已排除。")
        return redirect("leads:inbox")

    form = DismissForm(request.POST, auto_id="dismiss-%s")
    return _judge(request, lead, form, field="reason", form_name="dismiss_form", act=act)
