"""Every action a person takes on an incident's page, in one registry.

An entry says what the action is (`Action`, checked by incidents.workflow and incidents.access), which form it
posts, what that form starts from, which service it calls and what the person is told, and how it looks on the
page: its label, its buttons and its hints. The POST view (views/actions.py), the detail page (views/pages.py)
and its two partials read this registry and nothing else.

To add an action: one entry here, one service function in incidents/services, and their tests.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.http import HttpRequest
from django.utils import timezone

from opinion_system.errors import DomainError

from . import access, forms, rules, services
from .models import (
    DisposalForm,
    Incident,
    IncidentEvent,
    Level,
    LevelOneDuty,
    ProgressReport,
    ReplyStatement,
)
from .services.disposal import APPROVED_STATES
from .services.filing import CONTENT_FIELDS
from .services.level_one import open_duties_refusal
from .workflow import Action


@dataclass(frozen=True)
class Button:
    label: str
    style: str = "btn-primary"
    name: str = ""  # set when the action reads which button was pressed
    value: str = ""


@dataclass(frozen=True)
class Hint:
    text: str
    css: str = "text-muted"
    id: str = ""
    # A precondition the service checks and this case does not meet: its short form is shown beside the
    # action's name before it is opened, and the action's buttons are disabled (the service still refuses).
    blocks: str = ""


class Hints(list):
    """An action's hints; `blocking` those that say why it cannot be taken yet."""

    @property
    def blocking(self) -> list[Hint]:
        return [hint for hint in self if hint.blocks]


def blocked(text: str, short: str, id: str) -> Hint:
    return Hint(text, "text-warning-emphasis fw-bold", id, blocks=short)


@dataclass(frozen=True)
class Situation:
    """What the detail page already loaded, for the forms' starting values and hints (no query of its own)."""

    incident: Incident
    disposal_form: DisposalForm | None = None
    statements: list[ReplyStatement] = field(default_factory=list)  # newest first
    meetings: list = field(default_factory=list)
    duties: list[LevelOneDuty] = field(default_factory=list)
    team: list = field(default_factory=list)
    review_waiver: object = None
    # Whether any version was approved: the page reads only the latest versions (None: look at those).
    approved_statement: bool | None = None


Perform = Callable[[HttpRequest, Incident, dict], str]


@dataclass(frozen=True)
class Spec:
    name: str  # the key in the URL: incidents/<pk>/act/<name>/
    action: Action
    form: type[forms.VersionedForm]
    label: str
    perform: Perform  # calls the one service function; returns what the person is told
    buttons: tuple[Button, ...] = (Button("提交"),)
    hints: Callable[[Situation], list[Hint]] = lambda situation: []
    initial: Callable[[Situation], dict] = lambda situation: {}
    # Beyond the workflow and the access rules: e.g. level-1 duties are recorded only once they exist. Asked of
    # what the page loaded (the Situation), not of the database.
    offered: Callable[[Situation], bool] = lambda situation: True
    # False: shown beside the statement it concerns (审定, 发布), not in the action list.
    in_panel: bool = True

    def __post_init__(self):
        # Whatever an entry's hints function returns, the partials get Hints: they ask for the blocking ones.
        hints = self.hints
        object.__setattr__(self, "hints", lambda situation: Hints(hints(situation)))

    def bind(self, *args, **kwargs):
        """The action's form; its ids carry the action's name, so two forms on one page never share an id
        (a label would otherwise point at another form's field)."""
        return self.form(*args, auto_id=f"{self.name}-%s", **kwargs)


def _statement(incident: Incident, statement_id) -> ReplyStatement:
    statement = ReplyStatement.objects.filter(pk=statement_id, incident=incident).first()
    if statement is None:
        raise DomainError("该版本通稿不存在。")
    return statement


# --- what each action does -------------------------------------------------------------------------------------


def _assess(request, incident, d):
    services.incident_assess(
        incident=incident, actor=request.user, category=d["category"], level=d["level"],
        responsible_department=d["responsible_department"], reason=d["reason"], expected_version=d["version"],
    )  # fmt: skip
    return "已完成研判，处置开始。"


def _merge(request, incident, d):
    target = Incident.objects.filter(number=d["into"].strip().upper()).first()
    if target is None or not access.can_view(request.user, target):
        raise DomainError(f"找不到编号为 {d['into']} 的舆情。")
    services.incident_merge(
        incident=incident, into=target, actor=request.user, reason=d["reason"], expected_version=d["version"]
    )
    return f"已合并至 {target.number}。"


def _change_level(request, incident, d):
    services.incident_change_level(
        incident=incident, actor=request.user, to_level=d["to_level"], reason=d["reason"],
        expected_version=d["version"],
    )  # fmt: skip
    return "响应级别已调整，新级别的要求已开始执行。"


def _reassign(request, incident, d):
    services.incident_reassign(
        incident=incident, actor=request.user, department=d["department"], reason=d["reason"],
        expected_version=d["version"],
    )  # fmt: skip
    return "责任部门已变更。"


def _progress(request, incident, d):
    services.progress_report_add(
        incident=incident, actor=request.user, content=d["content"], expected_version=d["version"]
    )
    return "互通信息已报送。"


def _statement_save(request, incident, d):
    draft = _statement(incident, d["statement"]) if d.get("statement") else None
    statement = services.statement_save_draft(
        incident=incident, actor=request.user, text=d["text"], statement=draft,
        expected_version=d.get("statement_version") if draft else None,
    )  # fmt: skip
    if request.POST.get(SUBMIT_FOR_REVIEW.name):
        services.statement_submit(statement=statement, actor=request.user)
        return f"回复通稿第{statement.number}版已报送党政办审定。"
    return f"回复通稿第{statement.number}版草稿已保存。"


def _review(request, incident, d):
    statement = _statement(incident, d["statement"])
    if d["decision"] == "approve":
        services.statement_approve(statement=statement, actor=request.user, comment=d["comment"])
        return f"已审定通过第{statement.number}版。"
    services.statement_reject(statement=statement, actor=request.user, comment=d["comment"])
    return f"已退回第{statement.number}版。"


def _publish(request, incident, d):
    # No incident version here: the text published cannot change once submitted, its status is checked
    # under the lock, and the incident's version moves with every publish, so a second approved version
    # published from the same page would be refused for a change its publisher made.
    statement = _statement(incident, d["statement"])
    services.statement_publish(
        statement=statement, actor=request.user, where=d["where"], published_at=d.get("published_at")
    )
    return "已登记通稿发布。"


def _end(request, incident, d):
    services.disposal_end(
        incident=incident, actor=request.user, summary=d["summary"], expected_version=d["version"]
    )
    return f"处置已结束，请在 {rules.FILING_HOURS} 小时内报送处置表。"


def _form_save(request, incident, d):
    services.disposal_form_save(
        incident=incident, actor=request.user, team_members=d["team_members"],
        disposal_situation=d["disposal_situation"], follow_up=d["follow_up"], expected_version=d["form_version"],
    )  # fmt: skip
    return "处置表已保存。"


def _opinion(request, incident, d):
    services.disposal_form_leader_opinion(
        incident=incident, actor=request.user, opinion=d["opinion"], expected_version=d["form_version"]
    )
    return "处置意见已填写。"


def _waive_opinion(request, incident, d):
    services.disposal_form_waive_opinion(
        incident=incident, actor=request.user, reason=d["reason"], expected_version=d["form_version"]
    )
    return "已登记免填分管领导处置意见，可审核备案。"


def _request_signature(request, incident, d):
    services.disposal_form_request_signature(
        incident=incident, actor=request.user, expected_version=d["form_version"]
    )
    head = incident.responsible_department.head
    return f"已通知{head.display_name if head else '部门负责人'}签字。"


def _sign(request, incident, d):
    services.disposal_form_sign(incident=incident, actor=request.user, expected_version=d["form_version"])
    return "已签字。"


def _submit_form(request, incident, d):
    services.disposal_form_submit(incident=incident, actor=request.user, expected_version=d["version"])
    return "处置表已报送党群工作部审核备案。"


def _file(request, incident, d):
    services.disposal_form_file(
        incident=incident, actor=request.user, comment=d["comment"], expected_version=d["version"],
        # The incident's version covers the form: it cannot be edited while submitted (workflow), and
        # returning and resubmitting it moves the incident's version. The page sends no form_version.
        expected_form_version=d.get("form_version"),
    )  # fmt: skip
    return "已审核备案。"


def _return(request, incident, d):
    services.disposal_form_return(
        incident=incident, actor=request.user, comment=d["comment"], expected_version=d["version"],
        expected_form_version=d.get("form_version"),
    )  # fmt: skip
    return "处置表已退回，责任部门会收到退回意见。"


def _archive(request, incident, d):
    services.incident_archive(
        incident=incident, actor=request.user, note=d["comment"], expected_version=d["version"]
    )
    return "已归档。"


def _duty(request, incident, d):
    services.level_one_duty_record(
        incident=incident, actor=request.user, kind=d["kind"], done_at=d.get("done_at"), method=d["method"],
        recipient=d["recipient"], note=d["note"],
    )  # fmt: skip
    return "已登记。"


def _waive_duty(request, incident, d):
    duty = services.level_one_duty_waive(
        incident=incident, actor=request.user, kind=d["kind"], reason=d["reason"]
    )
    return f"已免除「{duty.get_kind_display()}」，理由已记入处置记录。"


def _upward(request, incident, d):
    services.upward_report_add(
        incident=incident, actor=request.user, authority=d["authority"], channel=d["channel"],
        content=d["content"], reported_at=d.get("reported_at"), reported_by_text=d["reported_by_text"],
    )  # fmt: skip
    return "已登记向上级报告。"


def _contact(request, incident, d):
    services.contact_log_add(
        incident=incident, actor=request.user, counterpart=d["counterpart"], kind=d["kind"],
        channel=d["channel"], content=d["content"], contacted_at=d.get("contacted_at"),
    )  # fmt: skip
    return "已登记联动联系。"


def _review_meeting(request, incident, d):
    services.review_meeting_record(
        incident=incident, actor=request.user, held_at=d["held_at"], place=d["place"],
        attendees=d["attendees"], summary=d["summary"], improvements=d["improvements"],
    )  # fmt: skip
    return "复盘会记录已保存，将归入工作档案。"


def _waive_review(request, incident, d):
    services.review_waive(
        incident=incident, actor=request.user, reason=d["reason"], expected_version=d["version"]
    )
    return "已登记免于复盘，可以归档。"


def _team(request, incident, d):
    members = services.team_save(
        incident=incident, actor=request.user, rows=d["rows"], expected_version=d["version"]
    )
    return f"处置小组已保存（{len(members)} 人）。"


def _evidence(request, incident, d):
    stored = services.evidence_add_files(incident=incident, actor=request.user, uploads=d["files"])
    return f"已上传 {len(stored)} 个文件。"


def _source(request, incident, d):
    source = services.source_add(incident=incident, actor=request.user, platform=d["platform"], url=d["url"])
    return f"已补充来源：{source}。"


# --- what each form starts from, and the hints ------------------------------------------------------------------


def _statement_initial(s: Situation) -> dict:
    """Edit the open draft, or start the next version from the latest text."""
    draft = next((st for st in s.statements if st.status == ReplyStatement.Status.DRAFT), None)
    if draft:
        return {"text": draft.text, "statement": draft.pk, "statement_version": draft.version}
    return {"text": s.statements[0].text if s.statements else ""}


def _form_initial(s: Situation) -> dict:
    f = s.disposal_form
    initial = {
        "form_version": f.version if f else None,
        "team_members": f.team_members if f else "",
        "disposal_situation": f.disposal_situation if f else "",
        "follow_up": f.follow_up if f else "",
    }
    blank = f is None or not any(getattr(f, name).strip() for name in CONTENT_FIELDS)
    if blank and s.incident.disposal_ended_at is not None:
        # Nothing typed into the form yet and the disposal told to its end: the form starts from what the case
        # holds, so nothing is typed twice. Once saved, it shows what was saved and is never filled again.
        # (Not during the disposal: the page would read every progress report on each visit, for a draft
        # that is not final yet.)
        initial["disposal_situation"] = disposal_situation_draft(s.incident)
    return initial


def disposal_situation_draft(incident: Incident) -> str:
    """「舆情处置情况」 as the case tells it: each progress report (互通信息) with its time, then the result
    typed at 结束处置."""
    lines = [
        f"{timezone.localtime(at):%m月%d日 %H:%M} {' '.join(content.split())}"
        for at, content in ProgressReport.objects.filter(incident=incident)
        .order_by("created_at", "id")
        .values_list("created_at", "content")
    ]
    summary = (
        IncidentEvent.objects.filter(incident=incident, kind=IncidentEvent.Kind.DISPOSAL_ENDED)
        .order_by("-created_at", "-id")
        .values_list("reason", flat=True)
        .first()
    )
    parts = ["处置经过：\n" + "\n".join(lines)] if lines else []
    if summary and summary.strip():
        parts.append("处置结果：" + summary.strip())
    return "\n".join(parts)


def _opinion_initial(s: Situation) -> dict:
    f = s.disposal_form
    return {"form_version": f.version if f else None, "opinion": f.leader_opinion if f else ""}


def _form_version(s: Situation) -> dict:
    return {"form_version": s.disposal_form.version if s.disposal_form else None}


def _opinion_missing(s: Situation) -> bool:
    return s.disposal_form is None or not s.disposal_form.has_leader_opinion


def _file_hints(s: Situation) -> list[Hint]:
    if _opinion_missing(s):
        return [blocked("处置表尚无分管院领导处置意见：须待其填写，或先“登记免填分管领导处置意见”，才能备案。",
                        "需先有分管院领导处置意见或免填登记", "no-leader-opinion")]  # fmt: skip
    return []


def _form_incomplete(s: Situation) -> Hint | None:
    """The rows the services require before signing, asking the head to sign or sending the form."""
    f = s.disposal_form
    if not (f and f.team_members.strip()) and not s.team:
        return blocked("处置表尚未填写「舆情处置小组人员名单」（或在“处置小组人员名单”中登记成员）。",
                       "需先填写处置表", "form-incomplete")  # fmt: skip
    if not (f and f.disposal_situation.strip()):
        return blocked("处置表尚未填写「舆情处置情况」。", "需先填写处置表", "form-incomplete")
    return None


def _sign_hints(s: Situation) -> list[Hint]:
    hints = [Hint("签字表示您确认处置表当前内容；之后内容如有修改，需要重新签字。")]
    if missing := _form_incomplete(s):
        hints.insert(0, missing)
    return hints


def _submit_form_hints(s: Situation) -> list[Hint]:
    if missing := _form_incomplete(s):
        return [missing]
    if not s.disposal_form.head_signed_by_id:
        return [blocked("处置表须经部门负责人签字后才能报送。", "需先经部门负责人签字", "not-signed")]
    return []


def _waive_opinion_hints(s: Situation) -> list[Hint]:
    if s.disposal_form and s.disposal_form.leader_opinion.strip():
        return [
            blocked("分管院领导已填写处置意见，无需登记免填。", "分管院领导已填写处置意见", "opinion-given")
        ]
    return []


def _statement_hints(s: Situation) -> list[Hint]:
    drafting = any(st.status == ReplyStatement.Status.DRAFT for st in s.statements)
    waiting = next((st for st in s.statements if st.status == ReplyStatement.Status.SUBMITTED), None)
    if waiting and not drafting:
        return [blocked(f"第{waiting.number}版正在等待党政办审定，请等待审定结果后再起草新版本。",
                        "等待党政办审定中", "statement-waiting")]  # fmt: skip
    return []


def _change_level_hints(s: Situation) -> list[Hint]:
    demanded = rules.level_demanded(s.incident.category)
    if demanded is not None and s.incident.level == demanded:
        # 第十条: no other level is allowed for this category, and the one it has needs no change.
        text = f"{rules.Category(s.incident.category).label}舆情必须保持{demanded.label}响应，不能调整为其他级别（第十条）。"
        return [blocked(text, f"须保持{demanded.label}", "level-demanded")]
    return []


def _signature_hints(s: Situation) -> list[Hint]:
    f = s.disposal_form
    if f and f.head_signed_by_id:
        return [blocked("部门负责人已在处置表上签字，无需再请签字。", "负责人已签字", "already-signed")]
    if missing := _form_incomplete(s):
        return [missing]
    if f and f.signature_requested_at:
        return [
            Hint(
                f"已于 {timezone.localtime(f.signature_requested_at):%m-%d %H:%M} 请负责人签字；可再次提醒。"
            )
        ]
    return [Hint("处置表填写完成后，请部门负责人审阅签字；签字后才能报送。")]


def _end_hints(s: Situation) -> list[Hint]:
    hints = []
    approved = s.approved_statement
    if approved is None:
        approved = any(st.status in APPROVED_STATES for st in s.statements)
    if rules.statement_required_to_end(s.incident.level) and not approved:
        # 第十条 二级、一级: the words of disposal_end's refusal, before the click.
        hints.append(blocked(f"{Level(s.incident.level).label}须有经党政办审定的回复通稿，才能结束处置。",
                             "需先有经党政办审定的回复通稿", "no-approved-statement"))  # fmt: skip
    if s.incident.level == Level.ONE and (refusal := open_duties_refusal(s.duties)):
        # 第十条 一级: what is missing is said before the click, in the words the refusal uses.
        hints.append(blocked(refusal, "需先完成一级响应事项", "open-duties"))
    hints.append(Hint(f"结束处置后，须在 {rules.FILING_HOURS} 小时内报送处置表。"))
    return hints


def _open_duty_hints(s: Situation) -> list[Hint]:
    names = "、".join(d.get_kind_display() for d in s.duties if d.is_open)
    return [Hint(f"尚未完成：{names}。只有确实无需或无法办理时才免除，理由将记入处置记录。")] if names else []


def _archive_hints(s: Situation) -> list[Hint]:
    hints = []
    if not s.meetings and s.review_waiver is None:
        # 第十四条: archiving needs a review meeting, or the office's waiver with a reason.
        hints.append(blocked("尚不能归档：该舆情未记录复盘会，也未登记免于复盘（第十四条）。请先“记录复盘会”，"
                             "或“登记免于复盘”并说明理由。", "需先记录复盘会或登记免于复盘", "no-review-meeting"))  # fmt: skip
    elif not s.meetings:
        hints.append(Hint(f"已登记免于复盘：{s.review_waiver.reason}", "text-muted", "review-waived"))
    hints.append(
        Hint(
            "归档后系统自动生成工作档案（PDF）并登记其 SHA-256；之后召开的复盘会仍可补记，档案随之重新生成。"
        )
    )
    return hints


def _review_meeting_hints(s: Situation) -> list[Hint]:
    from .models import Status

    if s.incident.status == Status.ARCHIVED:
        return [Hint("该舆情已归档：补记的复盘会将归入档案，工作档案重新生成，原档案文件及其 SHA-256 保留。")]
    return []


def _team_initial(s: Situation) -> dict:
    return {
        "members": [
            {
                "role": m.role,
                "account": m.user.username if m.user else "",
                "name": m.name,
                "unit": m.unit,
                "phone": m.phone,
            }
            for m in s.team
        ]
    }


SUBMIT_FOR_REVIEW = Button("保存并报送党政办审定", name="submit_for_review", value="1")

SPECS = (
    Spec("assess", Action.ASSESS, forms.AssessForm, "研判（类别、级别、责任部门）", _assess,
         initial=lambda s: {"responsible_department": s.incident.responsible_department_id}),
    Spec("merge", Action.MERGE, forms.MergeForm, "合并重复上报", _merge),
    Spec("change_level", Action.CHANGE_LEVEL, forms.LevelChangeForm, "调整响应级别", _change_level,
         hints=_change_level_hints),
    Spec("reassign", Action.REASSIGN, forms.ReassignForm, "变更责任部门", _reassign),
    Spec("progress", Action.REPORT_PROGRESS, forms.ProgressForm, "报送互通信息", _progress),
    Spec("statement", Action.DRAFT_STATEMENT, forms.StatementForm, "起草/修改回复通稿", _statement_save,
         buttons=(Button("保存草稿", "btn-outline-primary"), SUBMIT_FOR_REVIEW), initial=_statement_initial,
         hints=_statement_hints),
    Spec("review", Action.REVIEW_STATEMENT, forms.StatementReviewForm, "审定回复通稿", _review, in_panel=False),
    Spec("publish", Action.PUBLISH_STATEMENT, forms.PublishForm, "登记通稿发布", _publish, in_panel=False),
    Spec("end_disposal", Action.END_DISPOSAL, forms.EndDisposalForm, "结束处置", _end,
         buttons=(Button("确认结束处置", "btn-warning"),),
         hints=_end_hints),
    Spec("disposal_form", Action.EDIT_FORM, forms.DisposalFormForm, "填写处置表", _form_save,
         initial=_form_initial),
    Spec("leader_opinion", Action.LEADER_OPINION, forms.LeaderOpinionForm, "填写分管领导处置意见", _opinion,
         initial=_opinion_initial),
    Spec("request_signature", Action.REQUEST_SIGNATURE, forms.SignForm, "请负责人签字", _request_signature,
         buttons=(Button("通知负责人签字", "btn-outline-primary"),), hints=_signature_hints, initial=_form_version),
    Spec("waive_opinion", Action.WAIVE_OPINION, forms.OpinionWaiverForm, "登记免填分管领导处置意见",
         _waive_opinion, initial=_form_version, hints=_waive_opinion_hints),
    Spec("sign", Action.SIGN_FORM, forms.SignForm, "部门负责人签字", _sign, buttons=(Button("确认签字"),),
         hints=_sign_hints, initial=_form_version),
    Spec("submit_form", Action.SUBMIT_FORM, forms.VersionedForm, "报送处置表", _submit_form,
         hints=_submit_form_hints),
    Spec("file", Action.FILE, forms.CommentForm, "审核备案", _file, hints=_file_hints),
    Spec("return_form", Action.RETURN_FORM, forms.CommentForm, "退回处置表", _return,
         buttons=(Button("退回（意见必填）", "btn-outline-danger"),)),
    Spec("team", Action.EDIT_TEAM, forms.TeamForm, "处置小组人员名单", _team, initial=_team_initial),
    Spec("review_meeting", Action.RECORD_REVIEW, forms.ReviewMeetingForm, "记录复盘会", _review_meeting,
         hints=_review_meeting_hints),
    Spec("waive_review", Action.WAIVE_REVIEW, forms.ReviewWaiverForm, "登记免于复盘", _waive_review,
         offered=lambda s: not s.meetings and s.review_waiver is None),
    Spec("archive", Action.ARCHIVE, forms.CommentForm, "归档", _archive,
         buttons=(Button("归档（之后只读）", "btn-dark"),), hints=_archive_hints),
    Spec("duty", Action.RECORD_DUTY, forms.DutyForm, "登记一级响应事项", _duty,
         offered=lambda s: bool(s.duties)),
    Spec("waive_duty", Action.WAIVE_DUTY, forms.DutyWaiverForm, "免除一级响应事项", _waive_duty,
         buttons=(Button("登记免除", "btn-outline-danger"),), hints=_open_duty_hints,
         offered=lambda s: s.incident.level == Level.ONE and any(d.is_open for d in s.duties)),
    Spec("upward_report", Action.REPORT_UPWARD, forms.UpwardReportForm, "登记向上级报告（含续报）", _upward,
         offered=lambda s: s.incident.level == Level.ONE),
    Spec("contact", Action.RECORD_CONTACT, forms.ContactForm, "登记联动联系（媒体、相关部门）", _contact),
    Spec("evidence", Action.ADD_EVIDENCE, forms.EvidenceForm, "补充证据材料", _evidence),
    Spec("source", Action.ADD_SOURCE, forms.SourceForm, "补充舆情来源", _source),
)  # fmt: skip

REGISTRY: dict[str, Spec] = {spec.name: spec for spec in SPECS}
