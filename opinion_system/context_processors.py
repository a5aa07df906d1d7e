"""The navigation every page shows: each entry is there because an access module says this person may open it.

This lives in the project, not in an app, because the menu spans the apps (incidents, registers, archive,
security log); each decision stays in its app's access module.
"""

from dataclasses import dataclass

from audit import access as audit_access
from bulletins import access as bulletin_access
from departments import access as department_access
from evaluation import access as evaluation_access
from incidents import access as incident_access
from incidents import worklist
from meetings import access as meeting_access
from monitoring import access as monitoring_access
from reports import access as archive_access


@dataclass(frozen=True)
class Menu:
    office_queues: bool  # 待研判, 待审核备案
    registers: bool  # 联络员备案, 官方媒体账号
    archive: bool
    case_library: bool  # 第十四条 案例库
    statement_queue: bool
    overview: bool  # 领导驾驶舱
    evaluation: bool  # 第十五条 目标绩效考核 (its page links the ledger)
    meetings: bool  # 第四条 联席会议: the office and the leadership group
    security_log: bool
    bulletins: bool  # 舆情通报: the office, the leadership, the recipient departments' people
    key_periods: bool  # 第八条 重点监测 (office and leaders)
    nil_report: bool  # 零报告: a liaison, while a period asks for it
    admin: bool


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "menu": Menu(
            office_queues=department_access.is_office(user),
            registers=department_access.may_keep_registers(user),
            archive=archive_access.can_manage_archive(user),
            case_library=archive_access.can_see_case_library(user),
            statement_queue=incident_access.can_review_statements(user),
            overview=incident_access.can_see_overview(user),
            evaluation=evaluation_access.may_see_evaluation(user),
            meetings=meeting_access.may_see_menu(user),
            security_log=audit_access.can_read_log(user),
            bulletins=bulletin_access.may_open_list(user),
            key_periods=monitoring_access.may_read_calendar(user),
            nil_report=monitoring_access.may_submit_nil_report(user),
            admin=department_access.may_administer(user),
        ),
        # 待办: the navigation shows how much waits for this person (incidents.worklist).
        "work_waiting": sum(worklist.counts(user=user).values()),
    }
