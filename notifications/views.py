"""The bell's pages: a person's notices and marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from opinion_system.redirects import safe_next

from . import selectors, services


@login_required
def notice_list(request):
    """The bell's page: every in-app notice of the user, unread first marked."""
    page = Paginator(selectors.notice_list(user=request.user), 30).get_page(request.GET.get("page"))
    page.object_list = selectors.notice_list_as_seen(user=request.user, notices=page.object_list)
    return render(request, "notifications/notices.html", {"page": page})


@login_required
@require_POST
def notice_mark_read(request):
    """Mark one notice (id in the form) or all of the user's notices read; another's id changes nothing."""
    notice_id = request.POST.get("id", "")
    # isdigit alone accepts "²", which int() refuses
    if notice_id and not (notice_id.isascii() and notice_id.isdigit()):
        raise Http404("通知不存在")
    services.notice_mark_read(user=request.user, notice_id=int(notice_id) if notice_id else None)
    return redirect(safe_next(request, reverse("notifications:list")))  # only back into this site
