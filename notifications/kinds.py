"""The kinds of notice in Chinese, grouped as the bell page's filter offers them.

A notice's kind is a plain string written by the app that sends it (incidents, meetings, bulletins, monitoring
sit above this app and are not imported); the names are listed here once so the page can label and filter
them. tests/notifications/test_kinds.py fails when a sender writes a kind that has no label here.
"""

KIND_GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "舆情办理",
        [
            ("incident_reported", "新舆情上报"),
            ("incident_assessed", "研判交办"),
            ("incident_reassigned", "责任部门变更"),
            ("level_changed", "响应级别调整"),
            ("level_alert", "二级以上舆情"),
            ("level_one_alert", "一级舆情报告"),
            ("team_joined", "加入处置小组"),
            ("progress_reported", "互通信息"),
            ("statement_submitted", "回复通稿待审定"),
            ("statement_reviewed", "回复通稿审定结果"),
            ("disposal_ended", "处置结束"),
            ("opinion_requested", "分管领导处置意见"),
            ("signature_requested", "处置表待签字"),
            ("form_submitted", "处置表待备案"),
            ("form_filed", "处置表已备案"),
            ("form_returned", "处置表被退回"),
        ],
    ),
    (
        "时限",
        [
            ("deadline_reminder", "时限提醒"),
            ("deadline_overdue", "时限逾期"),
            ("deadline_escalation", "逾期督办"),
        ],
    ),
    (
        "会议与排查",
        [
            ("meeting_convened", "会议通知"),
            ("meeting_cancelled", "会议取消"),
            ("risk_assigned", "排查事项交办"),
            ("risk_reminder", "排查事项提醒"),
            ("risk_overdue", "排查事项逾期"),
            ("risk_escalation", "排查事项督办"),
        ],
    ),
    (
        "舆情通报",
        [
            ("bulletin_submitted", "通报待审批"),
            ("bulletin_approved", "通报已批准"),
            ("bulletin_returned", "通报被退回"),
            ("bulletin_issued", "通报印发"),
            ("bulletin_unread", "通报阅知提醒"),
        ],
    ),
    (
        "线索",
        [
            ("lead_received", "新线索"),
        ],
    ),
    (
        "重点监测",
        [
            ("nil_report_reminder", "零报告提醒"),
            ("nil_report_overdue", "零报告逾期"),
        ],
    ),
]

KIND_LABELS: dict[str, str] = {kind: label for _, kinds in KIND_GROUPS for kind, label in kinds}
OTHER_KIND = "其他通知"


def kind_label(kind: str) -> str:
    return KIND_LABELS.get(kind, OTHER_KIND)
