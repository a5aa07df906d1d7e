"""The pages of the yearly evaluation and the ledger; the first line of each asks evaluation.access."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from departments.models import Department
from incidents.tokens import claim_token, release_token
from incidents.uploads import attachment_response
from opinion_system.errors import DomainError, StaleObject
from opinion_system.forms import filters_open

from . import access, exports, selectors, services
from .forms import LedgerEntryForm, LedgerFilterForm, WeightsForm, YearForm
from .models import WEIGHTED_FIGURES


def _year(request) -> tuple[YearForm, int, bool]:
    """The year asked for (?year=), the current Beijing year when none; False when what was asked is not a year."""
    current = selectors.current_year()
    form = YearForm(request.GET if "year" in request.GET else {"year": current})
    if form.is_valid():
        return form, form.cleaned_data["year"], True
    return form, current, False


@login_required
@require_GET
def index(request):
    """第十五条 目标绩效考核: the year's raw figures per department and per head, a score when weighted."""
    access.require_evaluation(request.user)
    form, year, valid = _year(request)
    evaluation = selectors.yearly_evaluation(year=year)
    context = {
        "form": form,
        "evaluation": evaluation,
        "level_labels": selectors.LEVEL_LABELS,
        "category_labels": selectors.CATEGORY_LABELS,
        "kind_labels": exports.KIND_LABELS,
        "may_set_weights": access.may_set_weights(request.user),
        "first_report_minutes": exports.first_report_minutes(),
    }
    return render(request, "evaluation/index.html", context, status=200 if valid else 400)


@login_required
@require_GET
def index_xlsx(request):
    access.require_evaluation(request.user)
    _, year, valid = _year(request)
    if not valid:
        messages.error(request, "年度应为 2000 年至 2099 年之间的整数。")
        return redirect("evaluation:index")
    return exports.evaluation_xlsx(selectors.yearly_evaluation(year=year))


@login_required
def weights(request):
    """The office sets the year's weights; until it does, the evaluation has no score."""
    access.require_weights(request.user)
    _, year, valid = _year(request)
    if not valid:
        messages.error(request, "年度应为 2000 年至 2099 年之间的整数。")
        return redirect("evaluation:weights")
    current = selectors.weights_for(year=year)
    if request.method == "POST":
        form = WeightsForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.weights_save(
                    actor=request.user,
                    year=year,
                    values={name: data[name] for name in ("base", *WEIGHTED_FIGURES)},
                    expected_version=data["version"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"{year} 年度考核权重已保存，考核表按权重计算得分。")
                return redirect(f"{reverse('evaluation:index')}?year={year}")
    else:
        source = current or selectors.weights_template(year=year)
        initial = {name: getattr(source, name) for name in ("base", *WEIGHTED_FIGURES)} if source else {}
        form = WeightsForm(initial={**initial, "version": current.version if current else None})
    context = {"form": form, "year": year, "current": current}
    return render(request, "evaluation/weights.html", context, status=400 if form.errors else 200)


# --- the ledger ---------------------------------------------------------------------------------------------


def _filtered_ledger(request):
    departments = list(Department.objects.order_by("sort_order", "id").values_list("pk", "name"))
    form = LedgerFilterForm(request.GET or None, departments=departments)
    chosen = form.cleaned_data if form.is_valid() else {}
    entries = selectors.ledger_list(
        entries=access.ledger_visible_to(request.user),
        year=chosen.get("year"),
        kind=chosen.get("kind") or "",
        department_id=chosen.get("department"),
    )
    return form, entries


@login_required
@require_GET
def ledger(request):
    """表彰与问责台账, filtered by year, kind and department."""
    access.require_ledger_reader(request.user)
    form, entries = _filtered_ledger(request)
    query = request.GET.urlencode()
    context = {
        "form": form,
        "entries": entries,
        "may_keep": access.may_keep_ledger(request.user),
        "query": query,
        "filters_open": filters_open(request, form),
    }
    return render(request, "evaluation/ledger_list.html", context, status=400 if form.errors else 200)


@login_required
@require_GET
def ledger_xlsx(request):
    access.require_ledger_reader(request.user)
    _, entries = _filtered_ledger(request)
    return exports.ledger_xlsx(entries)


def _entry_fields(data: dict) -> dict:
    return {
        "kind": data["kind"],
        "person": data.get("person"),
        "subject_name": data.get("subject_name", ""),
        "department": data["department"],
        "decision": data["decision"],
        "decided_by": data["decided_by"],
        "decided_on": data["decided_on"],
        "incidents": data["incident_numbers"],
        "uploads": data.get("files") or [],
    }


@login_required
def ledger_create(request):
    access.require_ledger_keeper(request.user)
    if request.method != "POST":
        form = LedgerEntryForm(initial={"token": _new_token()})
        return render(request, "evaluation/ledger_form.html", {"form": form, "entry": None})
    form = LedgerEntryForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "evaluation/ledger_form.html", {"form": form, "entry": None}, status=400)
    token = form.cleaned_data["token"] or ""
    if not claim_token(request, token):
        messages.warning(request, "这张表单已经提交过，未重复登记。")
        return redirect("evaluation:ledger")
    try:
        entry = services.ledger_entry_create(actor=request.user, **_entry_fields(form.cleaned_data))
    except DomainError as exc:
        release_token(request, token)
        form.add_error(None, exc.message)
        return render(request, "evaluation/ledger_form.html", {"form": form, "entry": None}, status=400)
    messages.success(request, f"已登记{entry.get_kind_display()}：{entry.subject}。")
    return redirect("evaluation:ledger_detail", pk=entry.pk)


@login_required
def ledger_edit(request, pk: int):
    entry = access.access_entry(request.user, pk, keep=True)
    if request.method != "POST":
        form = LedgerEntryForm(initial=LedgerEntryForm.initial_for(entry), editing=True)
        return render(request, "evaluation/ledger_form.html", {"form": form, "entry": entry})
    form = LedgerEntryForm(request.POST, request.FILES, editing=True)
    status = 400
    if form.is_valid():
        try:
            services.ledger_entry_update(
                actor=request.user,
                entry=entry,
                expected_version=form.cleaned_data["version"],
                reason=form.cleaned_data.get("reason", ""),
                **_entry_fields(form.cleaned_data),
            )
        except DomainError as exc:
            # A stale form answers 409 and keeps what was typed, with the message above the fields.
            status = 409 if isinstance(exc, StaleObject) else 400
            form.add_error(None, exc.message)
        else:
            messages.success(request, "台账记录已修改。")
            return redirect("evaluation:ledger_detail", pk=entry.pk)
    return render(request, "evaluation/ledger_form.html", {"form": form, "entry": entry}, status=status)


@login_required
@require_GET
def ledger_detail(request, pk: int):
    entry = access.access_entry(request.user, pk)
    context = {
        "entry": entry,
        "incidents": list(entry.incidents.order_by("number")),
        "attachments": list(entry.attachments.all()),
        "history": selectors.ledger_entry_history(entry=entry),
        "may_keep": access.may_keep_ledger(request.user),
    }
    return render(request, "evaluation/ledger_detail.html", context)


@login_required
@require_GET
def attachment_download(request, pk: int):
    """Decisions only through here: access checked, always an attachment, never sniffed into HTML."""
    attachment = selectors.attachment_get(pk=pk)
    if (
        attachment is None
        or not access.ledger_visible_to(request.user).filter(pk=attachment.entry_id).exists()
    ):
        raise Http404("文件不存在")
    return attachment_response(attachment)


def _new_token() -> str:
    return uuid.uuid4().hex
