"""Every button on an incident posts here: access first, then the form, then the one service function
(each action's form and service are its entry in incidents/actions.py).

On success the browser is redirected (a refresh never repeats it); on a refusal the same page comes back
with the form as typed and the reason in Chinese, so nothing typed is lost.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from opinion_system.errors import DomainError, StaleObject
from opinion_system.redirects import safe_next

from .. import access
from ..actions import REGISTRY
from ..tokens import claim_token, release_token
from .pages import detail_context


@login_required
@require_POST
def incident_action(request, pk: int, name: str):
    spec = REGISTRY.get(name)
    if spec is None:
        raise Http404("没有这个操作")
    incident = access.access_incident(request.user, pk, spec.action)  # 404 unseen, 403 not allowed
    form = spec.bind(request.POST, request.FILES)
    token = request.POST.get("token", "")
    if not claim_token(request, token):
        messages.warning(request, "这张表单已经提交过，未重复登记。")
        return redirect("incidents:detail", pk=incident.pk)
    status = 400
    valid = form.is_valid()
    if not valid and any(form[field].is_hidden for field in form.errors if field in form.fields):
        # A hidden field (version, token, statement) is nothing the person typed or can correct.
        form.add_error(None, "页面信息有误或已过期，请刷新页面后重新提交；您填写的内容仍保留在表单中。")
    if valid:
        try:
            done = spec.perform(request, incident, form.cleaned_data)
        except StaleObject as exc:
            form.add_error(None, exc.message)
            status = 409
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, done)
            # e.g. 党政办 goes back to the queue for the next statement; anything doubtful: the incident
            return redirect(safe_next(request, reverse("incidents:detail", args=[incident.pk])))
    release_token(request, token)
    messages.error(request, "操作未完成：" + "；".join(form.non_field_errors() or ["请按提示修改表单"]))
    incident.refresh_from_db()
    context = detail_context(request.user, incident, bound={name: form})
    context["open_action"] = name
    return render(request, "incidents/detail.html", context, status=status)
