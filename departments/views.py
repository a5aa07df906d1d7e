"""The office's registers as pages: liaisons (备案) and official media accounts (第十三条)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from opinion_system.errors import DomainError

from . import access, selectors, services
from .forms import LiaisonDeactivateForm, LiaisonRegisterForm, MediaAccountForm


def found(obj):
    if obj is None:
        raise Http404("记录不存在")
    return obj


@login_required
def liaisons(request):
    access.require_registers(request.user)
    form = LiaisonRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.liaison_register(
                actor=request.user, department=data["department"], user=data["user"], phone=data["phone"]
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request, f"{data['user'].display_name} 已备案为{data['department'].name}联络员。"
            )
            return redirect("departments:liaisons")
    # Each row with its own 停用 form, whose ids name the liaison (one page, many reason fields).
    rows = [(li, LiaisonDeactivateForm(auto_id=f"deactivate-{li.pk}-%s")) for li in selectors.liaison_list()]
    context = {"form": form, "rows": rows, "can_register": access.may_register_liaisons(request.user)}
    return render(request, "departments/liaisons.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def liaison_register(request, pk: int):
    access.require_registers(request.user)
    liaison = found(selectors.liaison_get(pk=pk))
    try:
        services.liaison_register(
            actor=request.user, department=liaison.department, user=liaison.user, phone=liaison.phone
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{liaison.user.display_name} 已备案。")
    return redirect("departments:liaisons")


@login_required
@require_POST
def liaison_deactivate(request, pk: int):
    access.require_registers(request.user)
    liaison = found(selectors.liaison_get(pk=pk))
    form = LiaisonDeactivateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写停用理由。")
        return redirect("departments:liaisons")
    try:
        services.liaison_deactivate(actor=request.user, liaison=liaison, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "联络员已停用，其对本部门舆情的权限已收回。")
    return redirect("departments:liaisons")


@login_required
def media_accounts(request, pk: int | None = None):
    access.require_registers(request.user)
    account = found(selectors.media_account_get(pk=pk)) if pk else None
    form = MediaAccountForm(request.POST or None, instance=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.media_account_save(actor=request.user, account=form.instance)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已登记「{form.instance.name}」。")
            return redirect("departments:media_accounts")
    rows = selectors.media_account_list()
    return render(
        request,
        "departments/media_accounts.html",
        {"form": form, "rows": rows, "account": account},
        status=400 if form.errors else 200,
    )
