"""The transition table, checked cell by cell, and the path every incident follows."""

import pytest

from incidents import workflow
from incidents.models import Status
from incidents.workflow import Action
from opinion_system.errors import TransitionNotAllowed
from tests.factories import archived, assessed, ended, filed, report, submitted

A = Action
MOVES = {
    (Status.REPORTED, A.ASSESS): Status.IN_DISPOSAL,
    (Status.REPORTED, A.MERGE): Status.MERGED,
    (Status.IN_DISPOSAL, A.END_DISPOSAL): Status.DISPOSAL_ENDED,
    (Status.DISPOSAL_ENDED, A.SUBMIT_FORM): Status.FORM_SUBMITTED,
    (Status.FORM_SUBMITTED, A.FILE): Status.FILED,
    (Status.FORM_SUBMITTED, A.RETURN_FORM): Status.RETURNED,
    (Status.RETURNED, A.SUBMIT_FORM): Status.FORM_SUBMITTED,
    (Status.FILED, A.ARCHIVE): Status.ARCHIVED,
}
# The disposal team is the form's row 「舆情处置小组人员名单」: it changes while the form may.
FORM = {A.EDIT_FORM, A.LEADER_OPINION, A.SIGN_FORM, A.REQUEST_SIGNATURE, A.EDIT_TEAM}
# 报分管领导处置意见 is asked when the disposal ends; it (or the office's waiver) may come until the office files.
OPINION = {A.LEADER_OPINION, A.WAIVE_OPINION}
# 第九条、第十条 一级: duties, waivers, reports upward and contacts are recorded until the case is filed.
LEVEL_ONE = {A.RECORD_DUTY, A.WAIVE_DUTY, A.REPORT_UPWARD, A.RECORD_CONTACT}
# 第十四条: the 复盘会 after the disposal, or the office's waiver of it, until the case is archived.
REVIEW = {A.RECORD_REVIEW, A.WAIVE_REVIEW}
LATE = {A.ADD_EVIDENCE, A.PUBLISH_STATEMENT, *LEVEL_ONE, *REVIEW}
STAYS = {
    Status.REPORTED: {A.ADD_EVIDENCE, A.ADD_SOURCE, A.REASSIGN},
    Status.IN_DISPOSAL: {
        A.CHANGE_LEVEL, A.REASSIGN, A.ADD_EVIDENCE, A.ADD_SOURCE, A.REPORT_PROGRESS, A.DRAFT_STATEMENT,
        A.REVIEW_STATEMENT, A.PUBLISH_STATEMENT, *LEVEL_ONE, *FORM,
    },
    Status.DISPOSAL_ENDED: FORM | OPINION | LATE,
    Status.FORM_SUBMITTED: OPINION | LATE,
    Status.RETURNED: FORM | OPINION | LATE,
    Status.FILED: {*LEVEL_ONE, A.ADD_EVIDENCE, *REVIEW},
    Status.ARCHIVED: {A.RECORD_REVIEW},  # 第十四条: a 复盘会 held later is added to the archive
    Status.MERGED: set(),
}  # fmt: skip


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", list(Action))
def test_every_cell_of_the_table(status, action):
    if (status, action) in MOVES:
        assert workflow.check(status, action) == MOVES[(status, action)]
    elif action in STAYS[status]:
        assert workflow.check(status, action) == status
    else:
        with pytest.raises(TransitionNotAllowed):
            workflow.check(status, action)


def test_refusals_speak_chinese():
    with pytest.raises(TransitionNotAllowed, match="已归档，档案只读"):
        workflow.check(Status.ARCHIVED, Action.CHANGE_LEVEL)
    with pytest.raises(TransitionNotAllowed, match="「已上报（待研判）」，不能结束处置"):
        workflow.check(Status.REPORTED, Action.END_DISPOSAL)


@pytest.mark.parametrize(
    ("make", "status"),
    [
        (report, Status.REPORTED),
        (assessed, Status.IN_DISPOSAL),
        (ended, Status.DISPOSAL_ENDED),
        (submitted, Status.FORM_SUBMITTED),
        (filed, Status.FILED),
        (archived, Status.ARCHIVED),
    ],
)
def test_the_services_walk_the_path(org, make, status):
    incident = make(org)
    assert incident.status == status
    if status != Status.REPORTED:
        assert incident.level and incident.category
