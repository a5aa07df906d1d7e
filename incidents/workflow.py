"""The allowed moves of an incident, as data: read the rules here, test them exhaustively.

`TRANSITIONS` holds the actions that change the status; `ACTIVITIES` the work that may be done in a status
without changing it. Anything not listed is refused with a Chinese message.
"""

from django.db import models

from opinion_system.errors import TransitionNotAllowed

from .models import Status


class Action(models.TextChoices):
    ASSESS = "assess", "研判"
    MERGE = "merge", "合并重复上报"
    END_DISPOSAL = "end_disposal", "结束处置"
    SUBMIT_FORM = "submit_form", "报送处置表"
    FILE = "file", "审核备案"
    RETURN_FORM = "return_form", "退回处置表"
    ARCHIVE = "archive", "归档"
    # Activities: no change of status.
    CHANGE_LEVEL = "change_level", "调整等级"
    REASSIGN = "reassign", "变更责任部门"
    ADD_EVIDENCE = "add_evidence", "上传证据"
    ADD_SOURCE = "add_source", "补充来源"
    REPORT_PROGRESS = "report_progress", "报送互通信息"
    DRAFT_STATEMENT = "draft_statement", "起草回复通稿"
    REVIEW_STATEMENT = "review_statement", "审定回复通稿"
    PUBLISH_STATEMENT = "publish_statement", "登记通稿发布"
    RECORD_DUTY = "record_duty", "登记一级响应事项"
    EDIT_FORM = "edit_form", "填写处置表"
    LEADER_OPINION = "leader_opinion", "填写分管领导处置意见"
    WAIVE_OPINION = "waive_opinion", "登记免填分管领导处置意见"
    REQUEST_SIGNATURE = "request_signature", "请负责人签字"
    SIGN_FORM = "sign_form", "部门负责人签字"
    RECORD_REVIEW = "record_review", "记录复盘会"
    WAIVE_DUTY = "waive_duty", "免除一级响应事项"
    REPORT_UPWARD = "report_upward", "登记向上级报告"
    RECORD_CONTACT = "record_contact", "登记联动联系"
    WAIVE_REVIEW = "waive_review", "登记免于复盘"
    EDIT_TEAM = "edit_team", "调整处置小组"


TRANSITIONS: dict[Status, dict[Action, Status]] = {
    Status.REPORTED: {Action.ASSESS: Status.IN_DISPOSAL, Action.MERGE: Status.MERGED},
    Status.IN_DISPOSAL: {Action.END_DISPOSAL: Status.DISPOSAL_ENDED},
    Status.DISPOSAL_ENDED: {Action.SUBMIT_FORM: Status.FORM_SUBMITTED},
    Status.FORM_SUBMITTED: {Action.FILE: Status.FILED, Action.RETURN_FORM: Status.RETURNED},
    Status.RETURNED: {Action.SUBMIT_FORM: Status.FORM_SUBMITTED},
    Status.FILED: {Action.ARCHIVE: Status.ARCHIVED},
    Status.ARCHIVED: {},
    Status.MERGED: {},
}

# The team is the 处置表's row 「舆情处置小组人员名单」: it changes while the form may.
_FORM_WORK = {
    Action.EDIT_FORM,
    Action.LEADER_OPINION,
    Action.SIGN_FORM,
    Action.REQUEST_SIGNATURE,
    Action.EDIT_TEAM,
}
# The opinion is asked when the disposal ends and may come while the form waits for the office: filing needs it.
_OPINION_WORK = {Action.LEADER_OPINION, Action.WAIVE_OPINION}
# 第九条、第十条 一级: the duties, the reports upward (续报 too) and the contacts are recorded as they happen,
# during the disposal and, when the record comes late, until the case is filed.
_LEVEL_ONE_RECORDS = {Action.RECORD_DUTY, Action.WAIVE_DUTY, Action.REPORT_UPWARD, Action.RECORD_CONTACT}
_LATE_RECORDS = {Action.ADD_EVIDENCE, Action.PUBLISH_STATEMENT, *_LEVEL_ONE_RECORDS}
# 第十四条: the review meeting (复盘) follows the disposal and is recorded before the case is archived, or the
# office records why none is held; one held later is still recorded, as an addendum to the archive.
_REVIEW_WORK = {Action.RECORD_REVIEW, Action.WAIVE_REVIEW}
_AFTER_DISPOSAL = {*_LATE_RECORDS, *_REVIEW_WORK}

ACTIVITIES: dict[Status, set[Action]] = {
    Status.REPORTED: {Action.ADD_EVIDENCE, Action.ADD_SOURCE, Action.REASSIGN},
    Status.IN_DISPOSAL: {
        Action.CHANGE_LEVEL,
        Action.REASSIGN,
        Action.ADD_EVIDENCE,
        Action.ADD_SOURCE,
        Action.REPORT_PROGRESS,
        Action.DRAFT_STATEMENT,
        Action.REVIEW_STATEMENT,
        Action.PUBLISH_STATEMENT,
        *_LEVEL_ONE_RECORDS,
        *_FORM_WORK,
    },
    Status.DISPOSAL_ENDED: {*_FORM_WORK, *_OPINION_WORK, *_AFTER_DISPOSAL},
    Status.FORM_SUBMITTED: {*_OPINION_WORK, *_AFTER_DISPOSAL},
    Status.RETURNED: {*_FORM_WORK, *_OPINION_WORK, *_AFTER_DISPOSAL},
    Status.FILED: {*_LEVEL_ONE_RECORDS, Action.ADD_EVIDENCE, *_REVIEW_WORK},
    # 第十四条: the archive is the record; nothing changes once archived but a later review meeting, which is
    # added to it (the dossier is drawn again, the earlier file kept with its hash).
    Status.ARCHIVED: {Action.RECORD_REVIEW},
    Status.MERGED: set(),
}


def allowed(status: str, action: Action) -> bool:
    status = Status(status)
    return action in TRANSITIONS[status] or action in ACTIVITIES[status]


def check(status: str, action: Action) -> Status:
    """Return the status after `action`, or raise if the action is not allowed now."""
    status = Status(status)
    if action in TRANSITIONS[status]:
        return TRANSITIONS[status][action]
    if action in ACTIVITIES[status]:
        return status
    if status == Status.ARCHIVED:
        raise TransitionNotAllowed(f"该舆情已归档，档案只读，不能{action.label}。")
    raise TransitionNotAllowed(f"舆情当前状态为「{status.label}」，不能{action.label}。")
