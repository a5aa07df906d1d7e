"""The pages people work in; the first line of each asks incidents.access."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

from departments.access import roles_of
from departments.roles import Role
from opinion_system.errors import DomainError

from .. import access, forms, selectors, services, workflow
from ..models import DisposalForm, Incident, LevelOneDuty, ReplyStatement, Status
from ..tokens import claim_token, release_token
from ..workflow import Action

PAGE_SIZE = 25
AFTER_DISPOSAL = (
    Status.DISPOSAL_ENDED,
    Status.FORM_SUBMITTED,
    Status.RETURNED,
    Status.FILED,
    Status.ARCHIVED,
)


@login_required
def home(request):
    """工作台: what this person has to do next."""
    user = request.user
    roles = roles_of(user)
    visible = selectors.incident_list(user)
    open_statuses = [Status.IN_DISPOSAL, Status.DISPOSAL_ENDED, Status.RETURNED]
    context = {
        "roles": sorted(role.label for role in roles),
        "deadlines": selectors.open_deadlines_for(user)[:10],
        "mine": visible.filter(status__in=open_statuses)[:10],
        "now": timezone.now(),
    }
    if Role.OFFICE in roles:
        context["inbox"] = visible.filter(status=Status.REPORTED).order_by("reported_at")[:10]
        context["to_file"] = visible.filter(status=Status.FORM_SUBMITTED).order_by("reported_at")[:10]
    if Role.ADMIN_OFFICE in roles:
        context["statements"] = selectors.statements_awaiting_review()[:10]
    context["my_reports"] = Incident.objects.filter(reporter=user).select_related("responsible_department")[
        :5
    ]
    return render(request, "incidents/home.html", context)


@login_required
def overview(request):
    """Leaders' first overview: open incidents by level, overdue deadlines, recent escalations."""
    if not access.can_see_overview(request.user):
        raise PermissionDenied("只有领导和领导小组办公室可以查看总览。")
    return render(
        request, "incidents/overview.html", {**selectors.overview(request.user), "now": timezone.now()}
    )


@login_required
def incident_list(request):
    """Lists with filters, search, sort and pages; one query for the rows whatever the page size."""
    queryset = access.incidents_visible_to(request.user)
    filterset = forms.IncidentFilter(request.GET or None, queryset=queryset, request=request)
    # The valid filters apply even when another is broken (django-filter leaves that one out); the page names
    # the one left out rather than silently listing everything.
    rows = filterset.qs
    chosen = filterset.form.cleaned_data.get("ordering") if filterset.is_bound else None
    # The id breaks ties, so a sort by level or status pages through every row exactly once.
    rows = rows.order_by(*rows.query.order_by, "-id") if chosen else rows.order_by("-reported_at", "-id")
    count = selectors.row_count(rows)  # counted before the row columns are added: no per-row subqueries
    page = CountedPaginator(selectors.with_list_columns(rows), PAGE_SIZE, count=count.value).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    template = "incidents/_list_rows.html" if request.htmx else "incidents/list.html"
    return render(
        request,
        template,
        {
            "filter": filterset,
            "page": page,
            "rows": selectors.list_rows(page, now=timezone.now()),
            "count": count,
            "query": query.urlencode(),
        },
    )


class CountedPaginator(Paginator):
    """A paginator told its count (selectors.row_count) rather than counting the rows itself."""

    def __init__(self, object_list, per_page, *, count: int):
        super().__init__(object_list, per_page)
        self.count = count  # replaces the cached_property: the rows are not counted again


def new_token() -> str:
    return uuid.uuid4().hex


def action_forms(
    user,
    incident: Incident,
    bound: dict | None = None,
    *,
    form_obj: DisposalForm | None = None,
    statements: list[ReplyStatement] = (),
) -> dict:
    """A form for each action this user may take on this incident now (the server checks again on POST)."""
    bound = bound or {}
    form_version = form_obj.version if form_obj else None

    def initial(**more) -> dict:
        # Each form its own one-time token: sending one form must not use up the others on the page.
        return {"version": incident.version, "token": new_token(), **more}

    builders = {
        "assess": (Action.ASSESS, lambda: forms.AssessForm(initial=initial(responsible_department=incident.responsible_department_id))),
        "merge": (Action.MERGE, lambda: forms.MergeForm(initial=initial())),
        "change_level": (Action.CHANGE_LEVEL, lambda: forms.LevelChangeForm(initial=initial())),
        "reassign": (Action.REASSIGN, lambda: forms.ReassignForm(initial=initial())),
        "progress": (Action.REPORT_PROGRESS, lambda: forms.ProgressForm(initial=initial())),
        "statement": (Action.DRAFT_STATEMENT, lambda: statement_form(statements, initial())),
        "end_disposal": (Action.END_DISPOSAL, lambda: forms.EndDisposalForm(initial=initial())),
        "disposal_form": (Action.EDIT_FORM, lambda: forms.DisposalFormForm(initial=initial(
            form_version=form_version,
            team_members=form_obj.team_members if form_obj else "",
            disposal_situation=form_obj.disposal_situation if form_obj else "",
            follow_up=form_obj.follow_up if form_obj else "",
        ))),
        "leader_opinion": (Action.LEADER_OPINION, lambda: forms.LeaderOpinionForm(initial=initial(
            form_version=form_version, opinion=form_obj.leader_opinion if form_obj else "",
        ))),
        "sign": (Action.SIGN_FORM, lambda: forms.SignForm(initial=initial(form_version=form_version))),
        "submit_form": (Action.SUBMIT_FORM, lambda: forms.VersionedForm(initial=initial())),
        "file": (Action.FILE, lambda: forms.CommentForm(initial=initial())),
        "return_form": (Action.RETURN_FORM, lambda: forms.CommentForm(initial=initial())),
        "review_meeting": (Action.RECORD_REVIEW, lambda: forms.ReviewMeetingForm(initial=initial())),
        "archive": (Action.ARCHIVE, lambda: forms.CommentForm(initial=initial())),
        "duty": (Action.RECORD_DUTY, lambda: forms.DutyForm(initial=initial())),
        "evidence": (Action.ADD_EVIDENCE, lambda: forms.EvidenceForm(initial=initial())),
    }  # fmt: skip
    available = {}
    for name, (action, build) in builders.items():
        if workflow.allowed(incident.status, action) and access.may(user, action, incident):
            available[name] = bound.get(name) or build()
    if "duty" in available and not incident.level_one_duties.exists():
        available.pop("duty")
    return available


def statement_form(statements: list[ReplyStatement], initial: dict) -> forms.StatementForm:
    """Edit the open draft, or start the next version from the latest text (statements: newest first)."""
    draft = next((s for s in statements if s.status == ReplyStatement.Status.DRAFT), None)
    if draft:
        return forms.StatementForm(
            initial={**initial, "text": draft.text, "statement": draft.pk, "statement_version": draft.version}
        )
    return forms.StatementForm(initial={**initial, "text": statements[0].text if statements else ""})


def statement_rows(
    incident: Incident,
    statements: list[ReplyStatement],
    bound: dict,
    *,
    reviewable: bool,
    publishable: bool,
) -> list[tuple[ReplyStatement, str | None, forms.VersionedForm | None]]:
    """Each statement with the form this user may send about it now: 审定/退回 or 登记发布 (or none).

    A refused form comes back bound, on its own statement, so what was typed and why it was refused show.
    """
    rows = []
    for statement in statements:
        if reviewable and statement.status == ReplyStatement.Status.SUBMITTED:
            name, form_class = "review", forms.StatementReviewForm
        elif publishable and statement.status == ReplyStatement.Status.APPROVED:
            name, form_class = "publish", forms.PublishForm
        else:
            rows.append((statement, None, None))
            continue
        form = bound.get(name)
        if form is None or str(form["statement"].value()) != str(statement.pk):
            # Its own one-time token: two approved versions can both be published from one page.
            form = form_class(
                initial={"statement": statement.pk, "version": incident.version, "token": new_token()}
            )
        rows.append((statement, name, form))
    return rows


def detail_context(user, incident: Incident, bound: dict | None = None) -> dict:
    statements = list(incident.statements.select_related("author", "reviewed_by").order_by("-number"))
    disposal_form = (
        DisposalForm.objects.filter(incident=incident)
        .select_related("leader_opinion_by", "head_signed_by", "reviewed_by")
        .first()
    )
    reviewable = access.may(user, Action.REVIEW_STATEMENT, incident) and workflow.allowed(
        incident.status, Action.REVIEW_STATEMENT
    )
    publishable = access.may(user, Action.PUBLISH_STATEMENT, incident) and workflow.allowed(
        incident.status, Action.PUBLISH_STATEMENT
    )
    return {
        "incident": incident,
        "sources": incident.sources.all(),
        "evidence": incident.evidence.select_related("uploaded_by"),
        "deadlines": incident.deadlines.order_by("-state", "due_at"),
        "duties": incident.level_one_duties.select_related("recorded_by"),
        "statements": statements,
        "disposal_form": disposal_form,
        "progress": incident.progress_reports.select_related("author").order_by("-created_at"),
        "escalations": incident.escalations.select_related("actor"),
        # 复盘会 come after the disposal: a case still being handled costs no query for them.
        "meetings": list(incident.review_meetings.select_related("recorded_by"))
        if incident.status in AFTER_DISPOSAL
        else [],
        "timeline": selectors.incident_timeline(incident, user),
        "merge_target_visible": selectors.may_see_merge_target(user, incident),
        "measures": selectors.first_time_measures(incident),
        "actions": action_forms(user, incident, bound, form_obj=disposal_form, statements=statements),
        "statement_rows": statement_rows(
            incident,
            statements,
            bound or {},
            reviewable=reviewable,
            publishable=publishable,
        ),
        "can_review": reviewable,
        "can_publish": publishable,
        "now": timezone.now(),
        "Status": Status,
        "duty_kinds": LevelOneDuty.Kind,
    }


@login_required
def incident_detail(request, pk: int):
    incident = access.access_incident(request.user, pk)
    return render(request, "incidents/detail.html", detail_context(request.user, incident))


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
    statements = selectors.statement_queue()
    return render(
        request,
        "incidents/statement_queue.html",
        {"statements": statements, "review_token": new_token(), "now": timezone.now()},
    )
