"""Every button on an incident posts here: access first, then the form, then the one service function.

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

from .. import access, forms, services
from ..models import Incident, ReplyStatement
from ..tokens import claim_token, release_token
from ..workflow import Action
from .pages import detail_context
from .redirects import safe_next


def _statement(incident: Incident, statement_id) -> ReplyStatement:
    statement = ReplyStatement.objects.filter(pk=statement_id, incident=incident).first()
    if statement is None:
        raise DomainError("该版本通稿不存在。")
    return statement


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
    if request.POST.get("submit_for_review"):
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
    return "处置已结束，请在 12 小时内报送处置表。"


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


def _review_meeting(request, incident, d):
    services.review_meeting_record(
        incident=incident, actor=request.user, held_at=d["held_at"], place=d["place"],
        attendees=d["attendees"], summary=d["summary"], improvements=d["improvements"],
    )  # fmt: skip
    return "复盘会记录已保存，将归入工作档案。"


def _evidence(request, incident, d):
    stored = services.evidence_add_files(incident=incident, actor=request.user, uploads=d["files"])
    return f"已上传 {len(stored)} 个文件。"


ACTIONS = {
    "assess": (Action.ASSESS, forms.AssessForm, _assess),
    "merge": (Action.MERGE, forms.MergeForm, _merge),
    "change_level": (Action.CHANGE_LEVEL, forms.LevelChangeForm, _change_level),
    "reassign": (Action.REASSIGN, forms.ReassignForm, _reassign),
    "progress": (Action.REPORT_PROGRESS, forms.ProgressForm, _progress),
    "statement": (Action.DRAFT_STATEMENT, forms.StatementForm, _statement_save),
    "review": (Action.REVIEW_STATEMENT, forms.StatementReviewForm, _review),
    "publish": (Action.PUBLISH_STATEMENT, forms.PublishForm, _publish),
    "end_disposal": (Action.END_DISPOSAL, forms.EndDisposalForm, _end),
    "disposal_form": (Action.EDIT_FORM, forms.DisposalFormForm, _form_save),
    "leader_opinion": (Action.LEADER_OPINION, forms.LeaderOpinionForm, _opinion),
    "sign": (Action.SIGN_FORM, forms.SignForm, _sign),
    "submit_form": (Action.SUBMIT_FORM, forms.VersionedForm, _submit_form),
    "file": (Action.FILE, forms.CommentForm, _file),
    "return_form": (Action.RETURN_FORM, forms.CommentForm, _return),
    "review_meeting": (Action.RECORD_REVIEW, forms.ReviewMeetingForm, _review_meeting),
    "archive": (Action.ARCHIVE, forms.CommentForm, _archive),
    "duty": (Action.RECORD_DUTY, forms.DutyForm, _duty),
    "evidence": (Action.ADD_EVIDENCE, forms.EvidenceForm, _evidence),
}


@login_required
@require_POST
def incident_action(request, pk: int, name: str):
    if name not in ACTIONS:
        raise Http404("没有这个操作")
    action, form_class, handler = ACTIONS[name]
    incident = access.access_incident(request.user, pk, action)  # 404 unseen, 403 not allowed
    form = form_class(request.POST, request.FILES)
    token = request.POST.get("token", "")
    if not claim_token(request, token):
        messages.info(request, "该操作已经提交过，无需重复提交。")
        return redirect("incidents:detail", pk=incident.pk)
    status = 400
    valid = form.is_valid()
    if not valid and any(form[field].is_hidden for field in form.errors if field in form.fields):
        # A hidden field (version, token, statement) is nothing the person typed or can correct.
        form.add_error(None, "页面信息有误或已过期，请刷新页面后重新提交；您填写的内容仍保留在表单中。")
    if valid:
        try:
            done = handler(request, incident, form.cleaned_data)
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
