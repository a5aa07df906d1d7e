"""The navigation every page shows: each entry is there because an access module says this person may open it.

This lives in the project, not in an app, because the menu spans the apps (incidents, registers, archive,
security log); each decision stays in its app's access module.
"""

from dataclasses import dataclass

from django.urls import reverse

from audit import access as audit_access
from bulletins import access as bulletin_access
from departments import access as department_access
from evaluation import access as evaluation_access
from incidents import access as incident_access
from incidents import worklist
from leads import access as lead_access
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
    leads: bool  # 第七条 线索 pushed by monitoring tools: the office judges them
    admin: bool


@dataclass(frozen=True)
class NavLink:
    label: str
    url: str


@dataclass(frozen=True)
class NavGroup:
    """One dropdown of the bar: on a phone the open menu is a handful of groups, not a column of every page."""

    key: str  # the toggle's id is nav-<key>
    label: str
    links: tuple[NavLink, ...]


def _link(label: str, name: str, query: str = "") -> NavLink:
    return NavLink(label, reverse(name) + query)


def nav_groups(menu: Menu) -> list[NavGroup]:
    """办理 / 登记 / 档案 / 统计, each with the entries this person may open; an empty group is left out."""
    handle = [
        *([_link("待研判", "incidents:list", "?status=reported")] if menu.office_queues else []),
        *([_link("待审核备案", "incidents:list", "?status=form_submitted")] if menu.office_queues else []),
        *([_link("线索", "leads:inbox")] if menu.leads else []),
        *([_link("通稿审定", "incidents:statement_queue")] if menu.statement_queue else []),
        *([_link("零报告", "monitoring:nil_report")] if menu.nil_report else []),
        *([_link("联席会议", "meetings:list")] if menu.meetings else []),
        *([_link("舆情通报", "bulletins:list")] if menu.bulletins else []),
    ]
    register = [
        *([_link("联络员备案", "departments:liaisons")] if menu.registers else []),
        *([_link("官方媒体账号", "departments:media_accounts")] if menu.registers else []),
        *([_link("重点监测", "monitoring:calendar")] if menu.key_periods else []),
    ]
    files = [
        *([_link("工作档案", "reports:archive")] if menu.archive else []),
        *([_link("案例库", "reports:cases")] if menu.case_library else []),
        *([_link("安全日志", "audit:log")] if menu.security_log else []),
    ]
    statistics = [
        *([_link("领导驾驶舱", "dashboard:index")] if menu.overview else []),
        *([_link("年度考核", "evaluation:index")] if menu.evaluation else []),
    ]
    groups = [
        NavGroup("handle", "办理", tuple(handle)),
        NavGroup("registers", "登记", tuple(register)),
        NavGroup("files", "档案", tuple(files)),
        NavGroup("statistics", "统计", tuple(statistics)),
    ]
    return [group for group in groups if group.links]


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    menu = Menu(
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
        leads=lead_access.may_handle_leads(user),
        admin=department_access.may_administer(user),
    )
    return {
        "menu": menu,
        "nav_groups": nav_groups(menu),
        # 待办: the navigation shows how much waits for this person (incidents.worklist).
        "work_waiting": sum(worklist.counts(user=user).values()),
    }
