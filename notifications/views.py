"""The bell's pages: a person's notices and marking them read."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from opinion_system.redirects import safe_next

from . import selectors, services
from .forms import NoticeReadForm


@login_required
def notice_list(request):
    """The bell's page: every in-app notice of the user, unread first marked."""
    page = Paginator(selectors.notice_list(user=request.user), 30).get_page(request.GET.get("page"))
    page.object_list = selectors.notice_list_as_seen(user=request.user, notices=page.object_list)
    back = request.get_full_path()
    for notice in page.object_list:
        if not notice.read_at:
            notice.read_form = NoticeReadForm(
                initial={"id": notice.pk, "next": back}, auto_id=f"read-{notice.pk}-%s"
            )
    return render(request, "notifications/notices.html", {"page": page})


@login_required
@require_POST
def notice_mark_read(request):
    """Mark one notice (id in the form) or all of the user's notices read; another's id changes nothing."""
    form = NoticeReadForm(request.POST)
    if not form.is_valid():
        raise Http404("通知不存在")  # an id that is no number names no notice of this person
    services.notice_mark_read(user=request.user, notice_id=form.cleaned_data["id"])
    return redirect(safe_next(request, reverse("notifications:list")))  # only back into this site
