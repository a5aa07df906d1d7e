"""The bell's pages: a person's notices, grouped by incident and filtered, and marking them read."""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from opinion_system.redirects import safe_next

from . import selectors, services
from .forms import ALL, STATES, UNREAD, NoticeFilterForm, NoticeReadForm
from .kinds import kind_label
from .models import Notice

GROUPS_PER_PAGE = 10
NOTICES_PER_GROUP = 5  # a group shows its newest few; 查看全部 opens that group alone, paginated
NOTICES_PER_PAGE = 30


def _query(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v not in ("", None)})


@login_required
def notice_list(request):
    """The bell's page: the user's notices by incident (the group with the newest notice first), 未读 by default,
    one kind or all; with `group`, one incident's notices alone."""
    notices = selectors.notice_list(user=request.user)  # only the user's own notices, ever
    form = NoticeFilterForm(request.GET)
    where = form.where()
    shown = where.apply(notices)
    if where.group is None:
        page = Paginator(selectors.notice_group_rows(shown), GROUPS_PER_PAGE).get_page(
            request.GET.get("page")
        )
        groups = selectors.notice_groups(
            user=request.user, notices=shown, rows=page.object_list, per_group=NOTICES_PER_GROUP
        )
    else:
        page = Paginator(shown, NOTICES_PER_PAGE).get_page(request.GET.get("page"))
        group = selectors.NoticeGroup(where.group or None, page.paginator.count, 0)
        group.notices = selectors.notice_list_as_seen(user=request.user, notices=page.object_list)
        groups = [group] if group.notices else []
    state = UNREAD if where.unread_only else ALL
    kind = where.kind
    back = request.get_full_path()
    upto = timezone.now()
    for group in groups:
        group.read_form = NoticeReadForm(
            initial={"kind": kind, "group": group.key, "upto": upto, "next": back}, auto_id=False
        )
        group.all_link = _query(state=state, kind=kind, group=group.key)
        for notice in group.notices:
            notice.kind_label = kind_label(notice.kind)
            if not notice.read_at:
                notice.read_form = NoticeReadForm(initial={"id": notice.pk, "next": back}, auto_id=False)
    context = {
        "page": page,
        "groups": groups,
        "form": form,
        "where": where,
        "kind_name": kind_label(kind) if kind else "",
        "states": [
            (value, label, _query(state=value, kind=kind, group=where.group)) for value, label in STATES
        ],
        "state": state,
        "paging": _query(state=state, kind=kind, group=where.group),  # always has state=: "&page=" follows
        "all_groups_link": _query(state=state, kind=kind),
        "read_all_form": NoticeReadForm(
            initial={"kind": kind, "group": where.group, "upto": upto, "next": back}, auto_id=False
        ),
    }
    return render(request, "notifications/notices.html", context)


@login_required
@require_POST
def notice_mark_read(request):
    """Mark one notice read (its id), or every unread one of the kind and group the page showed when it was
    drawn; an id that is not the user's own notice is a 404."""
    form = NoticeReadForm(request.POST)
    if not form.is_valid():
        raise Http404("通知不存在")  # an id that is no number names no notice of this person
    data = form.cleaned_data
    try:
        services.notice_mark_read(
            user=request.user, notice_id=data["id"], where=form.where(), upto=data["upto"]
        )
    except Notice.DoesNotExist:
        raise Http404("通知不存在") from None
    return redirect(safe_next(request, reverse("notifications:list")))  # only back into this site
