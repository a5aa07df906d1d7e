"""The pages people work in; the first line of each asks incidents.access."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from departments.access import roles_of
from opinion_system.errors import DomainError
from opinion_system.forms import filters_open

from .. import access, forms, selectors, services, workflow, worklist
from ..actions import REGISTRY, SPECS, Situation, Spec
from ..filters import IncidentFilter
from ..models import Incident, LevelOneDuty, ReplyStatement, Status
from ..search import search_words
from ..tokens import claim_token, release_token

PAGE_SIZE = 25


@login_required
def home(request):
    """工作台: what this person has to do next."""
    user = request.user
    context = selectors.home_lists(user=user)
    work = worklist.sections(user=user)
    context.update(
        worklist=work,
        worklist_total=sum(section.count for section in work),
        roles=sorted(role.label for role in roles_of(user)),
        now=timezone.now(),
    )
    return render(request, "incidents/home.html", context)


def overview(request):
    """The old 总览 (/overview/): the leaders' dashboard (领导驾驶舱) replaced it; old links land there, period kept."""
    url = reverse("dashboard:index")
    query = request.META.get("QUERY_STRING", "")
    return redirect(f"{url}?{query}" if query else url)


@login_required
def incident_list(request):
    """Lists with filters, search, sort and pages; one query for the rows whatever the page size."""
    queryset = access.incidents_visible_to(request.user)
    filterset = IncidentFilter(request.GET or None, queryset=queryset, request=request)
    # The valid filters apply even when another is broken (django-filter leaves that one out); the page names
    # the one left out rather than silently listing everything.
    rows = filterset.qs
    chosen = filterset.form.cleaned_data.get("ordering") if filterset.is_bound else None
    # The id breaks ties, so a sort by level or status pages through every row exactly once.
    rows = rows.order_by(*rows.query.order_by, "-id") if chosen else rows.order_by("-reported_at", "-id")
    number = page_asked(request.GET.get("page"))
    # A search is counted only up to a bound (or to the page asked for, when that lies further): the rest of a
    # common word's matches are not checked just to be counted. Lists without search words keep their total.
    searched = filterset.is_bound and search_words(filterset.form.cleaned_data.get("q") or "")
    count = selectors.incident_list_count(
        incidents=rows, searched_to=number * PAGE_SIZE if searched else None
    )  # counted before the row columns are added: no per-row subqueries
    page = CountedPaginator(
        selectors.incident_list_columns(incidents=rows), PAGE_SIZE, count=count.paged
    ).get_page(number)
    query = request.GET.copy()
    query.pop("page", None)
    template = "incidents/_list_rows.html" if request.htmx else "incidents/list.html"
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "rows": selectors.incident_list_rows(incidents=page, now=timezone.now()),
            "count": count,
            "query": query.urlencode(),
            "filters_open": filters_open(request, filterset.form),
        },
    )


# The deepest page number read: the count of a searched list reaches as far as the page asked for, and that row
# number must stay a small integer for the database.
MAX_PAGE = 1_000_000


def page_asked(value: str | None) -> int:
    """The page number asked for: 1 for none, a non-number or one below 1; at most MAX_PAGE (the paginator shows
    the last page for one beyond the list)."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), MAX_PAGE)


class CountedPaginator(Paginator):
    """A paginator told its count (selectors.incident_list_count) rather than counting the rows itself."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # replaces the cached_property: the rows are not counted again


def new_token() -> str:
    return uuid.uuid4().hex


def offered(user, spec: Spec, situation: Situation) -> bool:
    """Whether the page offers this action to this user now (the POST is checked again by the same rules)."""
    incident = situation.incident
    return (
        workflow.allowed(incident.status, spec.action)
        and access.may(user, spec.action, incident)
        and spec.offered(situation)
    )


def blank_form(spec: Spec, situation: Situation, **more):
    # Each form its own one-time token: sending one form must not use up the others on the page.
    initial = {"version": situation.incident.version, "token": new_token(), **spec.initial(situation), **more}
    return spec.bind(initial=initial)


def labelled(form, spec: Spec, situation: Situation):
    """The form with what its partials show: the action's label and buttons, and the hints for this case."""
    form.spec, form.hints = spec, spec.hints(situation)
    return form


def action_forms(user, situation: Situation, bound: dict | None = None) -> dict:
    """A form for each action of the panel this user may take on this incident now."""
    bound = bound or {}
    return {
        spec.name: labelled(bound.get(spec.name) or blank_form(spec, situation), spec, situation)
        for spec in SPECS
        if spec.in_panel and offered(user, spec, situation)
    }


def statement_rows(
    user, situation: Situation, bound: dict
) -> list[tuple[ReplyStatement, str | None, object]]:
    """Each statement with the form this user may send about it now: 审定/退回 or 登记发布 (or none).

    A refused form comes back bound, on its own statement, so what was typed and why it was refused show.
    """
    review, publish = REGISTRY["review"], REGISTRY["publish"]
    reviewable, publishable = offered(user, review, situation), offered(user, publish, situation)
    rows = []
    for statement in situation.statements:
        if reviewable and statement.status == ReplyStatement.Status.SUBMITTED:
            spec = review
        elif publishable and statement.status == ReplyStatement.Status.APPROVED:
            spec = publish
        else:
            rows.append((statement, None, None))
            continue
        form = bound.get(spec.name)
        if form is None or str(form["statement"].value()) != str(statement.pk):
            # Its own one-time token: two approved versions can both be published from one page.
            form = blank_form(spec, situation, statement=statement.pk)
        rows.append((statement, spec.name, form))
    return rows, reviewable, publishable


def with_refused_statement(statements: list[ReplyStatement], incident: Incident, bound: dict) -> list:
    """The statements shown, and the earlier one a refused 审定/登记发布 was about (so its reason shows on it)."""
    shown = {str(s.pk) for s in statements}
    wanted = {
        str(form["statement"].value())
        for name, form in bound.items()
        if name in ("review", "publish") and form["statement"].value()
    } - shown
    # A forged id the database cannot hold (above a BIGINT) is no statement of this incident: SQLite would
    # overflow on it rather than find nothing.
    ids = [int(pk) for pk in wanted if pk.isascii() and pk.isdigit() and int(pk) < 2**63]
    if not ids:
        return statements
    earlier = incident.statements.select_related("author", "reviewed_by").filter(pk__in=ids)
    return [*statements, *earlier.order_by("-number")]


def detail_context(user, incident: Incident, bound: dict | None = None) -> dict:
    records = selectors.incident_records(incident=incident, viewer=user)
    records["statements"] = with_refused_statement(records["statements"], incident, bound or {})
    statements, disposal_form, meetings = records["statements"], records["disposal_form"], records["meetings"]
    situation = Situation(
        incident,
        disposal_form,
        statements,
        meetings,
        records["duties"],
        team=records["team"],
        review_waiver=records["review_waiver"],
        approved_statement=records["has_approved_statement"],
    )
    rows, reviewable, publishable = statement_rows(user, situation, bound or {})
    return {
        "incident": incident,
        **records,
        "merge_target_visible": access.can_see_merge_target(user, incident),
        "actions": action_forms(user, situation, bound),
        "statement_rows": rows,
        "can_review": reviewable,
        "can_publish": publishable,
        "now": timezone.now(),
        "Status": Status,
        "duty_kinds": LevelOneDuty.Kind,
        "can_report_upward": access.may(user, workflow.Action.REPORT_UPWARD, incident),
        "deadline_card": selectors.deadline_card(
            deadlines=records["deadlines"],
            reports=records["progress"].rows,
            now=timezone.now(),
            earlier=records["deadline_history_earlier"],
            run_first=records["exchange_run_first"],
        ),
    }


@login_required
def incident_detail(request, pk: int):
    incident = access.access_incident(request.user, pk)
    return render(request, "incidents/detail.html", detail_context(request.user, incident))


def earlier_rows(request, incident: Incident, template: str, context: dict):
    """A page of earlier rows: the fragment replacing the "更早的 N 条" button (htmx), or a page of its own (no
    script: the button is a plain link)."""
    context = {"incident": incident, **context}
    if request.htmx:
        return render(request, template, context)
    return render(request, "incidents/earlier_rows.html", {**context, "rows_template": template})


@login_required
@require_GET
def incident_events(request, pk: int):
    """处置记录: the lines before the oldest one shown (the page shows the latest ones)."""
    incident = access.access_incident(request.user, pk)
    found = selectors.incident_events_before(
        incident=incident, viewer=request.user, before=request.GET.get("before", "")
    )
    if found is None:
        raise Http404("没有这条处置记录。")
    return earlier_rows(
        request, incident, "incidents/_timeline_rows.html", {"timeline": found, "title": "处置记录"}
    )


@login_required
@require_GET
def incident_progress(request, pk: int):
    """互通信息: the reports before the oldest one shown."""
    incident = access.access_incident(request.user, pk)
    found = selectors.incident_progress_before(incident=incident, before=request.GET.get("before", ""))
    if found is None:
        raise Http404("没有这条互通信息。")
    return earlier_rows(
        request, incident, "incidents/_progress_rows.html", {"progress": found, "title": "互通信息"}
    )


@login_required
@require_GET
def incident_statements(request, pk: int):
    """回复通稿: the versions before the oldest one shown, each with the form this user may send about it."""
    incident = access.access_incident(request.user, pk)
    found = selectors.incident_statements_before(incident=incident, before=request.GET.get("before", ""))
    if found is None:
        raise Http404("没有这一版通稿。")
    rows, _, _ = statement_rows(request.user, Situation(incident, statements=found.rows), {})
    context = {"statements_slice": found, "statement_rows": rows, "title": "回复通稿"}
    return earlier_rows(request, incident, "incidents/_statement_rows.html", context)


@login_required
def incident_report(request):
    """上报舆情: anyone signed in; the report reaches the department and the office at once."""
    form = forms.ReportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST":
        token = request.POST.get("token", "")
        if not claim_token(request, token):
            messages.info(request, "该舆情已上报，请勿重复提交。")
            return redirect("incidents:list")
        if form.is_valid():
            data = form.cleaned_data
            try:
                incident = services.incident_report(
                    reporter=request.user,
                    title=data["title"],
                    summary=data["summary"],
                    discovered_at=data["discovered_at"],
                    sources=form.sources(),
                    department=data["department"],
                    files=data["files"],
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, f"已上报：{incident.number}。已通知本部门负责人、联络员和党群工作部。"
                )
                return redirect("incidents:detail", pk=incident.pk)
        release_token(request, token)
        messages.error(request, "上报未成功，请按提示修改后重新提交；已填写的内容仍在表单中。")
    else:
        form.initial["token"] = new_token()
    return render(request, "incidents/report.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def statement_queue(request):
    """党政办: statements awaiting approval with the incident context and the change from the last version."""
    if not access.can_review_statements(request.user):
        raise PermissionDenied("只有党政办可以审定回复通稿。")
    back = reverse("incidents:statement_queue")
    # Each statement its 审定 form, with its own one-time token and ids that name the statement.
    rows = [
        (s, forms.QueuedStatementReviewForm(initial={"statement": s.pk, "token": new_token(), "next": back}))
        for s in selectors.statement_review_queue()
    ]
    return render(request, "incidents/statement_queue.html", {"rows": rows, "now": timezone.now()})
