"""The demo's past: every case planned as timed steps and run, all cases in time order, through the services."""

import datetime as dt

from django.db.models import F
from django.utils import timezone

from departments.models import Department, User
from incidents import services
from incidents.models import Incident, LevelOneDuty, ReplyStatement
from notifications.models import Notice
from opinion_system import clock

from .cases import (
    ADDENDUM,
    ARCHIVE_NOTE,
    CASES,
    FILE_COMMENT,
    FOLLOW_UP,
    LEADER_OPINION,
    PROGRESS,
    REJECT_COMMENT,
    RETURN_COMMENT,
    REVIEW_IMPROVEMENTS,
    REVIEW_SUMMARY,
    STATEMENT,
    STATEMENT_HOLDING,
    URL,
    Case,
    S,
    reached,
)
from .organisation import LEADER_OF

H = dt.timedelta(hours=1)
Duty = LevelOneDuty.Kind

# fmt: off
# Level-1 duties (第十条), recorded by the office: hours after level 1 starts, kind, how, to whom.
DUTIES = [
    (0.5, Duty.REPORT_TOP_LEADERS, "电话报告", "党委书记、院长"),
    (2.0, Duty.REPORT_SUPERIOR,    "电话报告并报送书面专报", "上级网络舆情主管部门（市委网信办、省教育厅）"),
    (2.5, Duty.EMERGENCY_PLAN,     "启动学校网络舆情应急预案", "领导小组各成员单位"),
    (4.0, Duty.SPECIAL_MEETING,    "召开专题会议", "领导小组组长、副组长及相关成员单位负责人"),
]
# 第九条: the report upward is recorded as an UpwardReport (which records its duty), and the office keeps in touch
# with the media (联动应对).
UPWARD = {
    "authority": "市委网信办、省教育厅网络舆情处置办公室",
    "channel": "phone",
    "content": "电话报告舆情基本情况、学校已启动一级响应及已采取的措施，随后报送书面专报，并将及时续报进展。",
}
CONTACT = (3.0, {"counterpart": "自贡日报社 新闻部", "kind": "media", "channel": "phone",
                 "content": "通报学校核查进展和处置措施，请其依据学校官方通报客观报道。"})
FIRST_REPORT = {2: 8, 1: 2}     # hours after a level starts until the first 互通信息
REPORT_EVERY = {2: 20, 1: 3.5}  # then: level 2 once a day, level 1 round the clock (every 4 hours)
# fmt: on


class DemoDataError(Exception):
    """A case did not end where the demo data says it stands: the data and the workflow disagree."""


def exchange_times(case: Case, assessed: dt.datetime, stop: dt.datetime) -> list[dt.datetime]:
    """When the department sends 互通信息: level 2 daily, level 1 round the clock, each level from its start."""
    changed = assessed + case.change[0] * H if case.change else None
    times, t, gaps = [], assessed, FIRST_REPORT
    while True:
        level = case.change[1] if changed and t >= changed else case.level
        nxt = t + gaps[level] * H if level in gaps else None
        if changed and t < changed and (nxt is None or nxt > changed):
            t, gaps = changed, FIRST_REPORT  # the new level's rhythm starts at the change
            continue
        if nxt is None or nxt >= stop:
            break
        times.append(nxt)
        t, gaps = nxt, REPORT_EVERY
    return times if case.reports is None else times[: case.reports]


class History:
    """Plans every case as timed steps, then runs all steps of all cases in time order through the services."""

    ON_STATEMENT = {
        services.statement_submit,
        services.statement_approve,
        services.statement_reject,
        services.statement_publish,
    }

    def __init__(self, users: dict[str, User], now: dt.datetime):
        self.users, self.now = users, now
        self.departments = {d.code: d for d in Department.objects.all()}
        self.incidents: dict[str, Incident] = {}
        self.statements: dict[str, ReplyStatement] = {}
        self.offices = {c.key: users[f"office{i % 2 + 1}"] for i, c in enumerate(CASES)}

    def run(self) -> None:
        steps = sorted((s for i, case in enumerate(CASES) for s in self.plan(case, i)), key=lambda s: s[0])
        for moment, fn, case, who, kwargs in steps:
            if moment < self.now:  # a step still to come has not happened yet
                with clock.travel(moment):
                    self.perform(fn, case, who, kwargs)
        for case in CASES:
            status = Incident.objects.get(pk=self.incidents[case.key].pk).status
            if status != case.status:
                raise DemoDataError(f"演示数据有误：{case.key} 应为 {case.status}，实为 {status}。")

    def plan(self, c: Case, index: int) -> list[tuple]:
        """The case's steps: (moment, service, case, who acts, arguments), cut where its status stands now."""
        steps = []

        def at(moment: dt.datetime, fn, who: str | None = None, **kwargs) -> None:
            steps.append((moment, fn, c, who, kwargs))

        reported = self.now - dt.timedelta(days=c.ago)
        if c.ago >= 7:  # an older case came in at an hour of the day, not at the hour the seeder runs
            local = timezone.localtime(reported)
            reported = local.replace(hour=8 + index * 5 % 12, minute=index * 17 % 60, second=0, microsecond=0)
        at(reported, self.report)
        if c.status == S.MERGED:
            at(reported + H, self.merge)
        if c.status in (S.REPORTED, S.MERGED):
            return steps
        assessed, changed = reported + H, None
        assessment = {
            "category": c.category,
            "level": c.level,
            "responsible_department": self.departments[c.dept],
        }
        at(assessed, services.incident_assess, "office", **assessment)
        if c.team:
            at(assessed + H / 4, self.team_save)
        if c.change:
            hours, to_level, reason = c.change
            changed = assessed + hours * H
            at(changed, services.incident_change_level, "office", to_level=to_level, reason=reason)
        if c.reassign:
            hours, code, reason = c.reassign
            moved = {"department": self.departments[code], "reason": reason}
            at(assessed + hours * H, services.incident_reassign, "office", **moved)
        new_level = c.change[1] if c.change else None
        level_one = assessed if c.level == 1 else changed if new_level == 1 else None
        for hours, kind, method, recipient in DUTIES[: c.duties] if level_one else []:
            if kind == Duty.REPORT_SUPERIOR:
                at(level_one + hours * H, services.upward_report_add, "office", **UPWARD)
                continue
            duty = {"kind": kind, "method": method, "recipient": recipient}
            at(level_one + hours * H, services.level_one_duty_record, "office", **duty)
        if level_one:
            at(level_one + CONTACT[0] * H, services.contact_log_add, "office", **CONTACT[1])
        level_two = assessed if c.level <= 2 else changed if new_level and new_level <= 2 else None
        if level_two:
            self.plan_statement(c, at, level_two + 3 * H)
        ended = assessed + c.dur * H
        stop = ended if reached(c, S.DISPOSAL_ENDED) else self.now
        for n, moment in enumerate(exchange_times(c, assessed, stop), 1):
            content = f"第{n}次互通信息：{PROGRESS[n % len(PROGRESS)]}"
            at(moment, services.progress_report_add, "liaison", content=content)
        if not reached(c, S.DISPOSAL_ENDED):
            return steps
        at(ended, services.disposal_end, "liaison", summary=f"{c.fix}，舆情已平息。")
        form = ended + (10 if c.late else 1) * H
        at(form, self.form_save)
        at(form + H / 2, services.disposal_form_request_signature, "liaison")
        if c.unsigned:
            return steps
        if not c.waived:
            at(form + H, services.disposal_form_leader_opinion, "leader", opinion=LEADER_OPINION)
        at(form + 2 * H, services.disposal_form_sign, "head")
        if not reached(c, S.FORM_SUBMITTED):
            return steps
        submitted = form + 3 * H
        at(submitted, services.disposal_form_submit, "liaison")
        if c.waived:
            at(submitted + H, services.disposal_form_waive_opinion, "office", reason=c.waived)
        if c.returned:
            returned = submitted + 18 * H
            at(returned, services.disposal_form_return, "office", comment=RETURN_COMMENT)
            if c.status == S.RETURNED:
                return steps
            at(returned + 6 * H, self.form_save, addendum=ADDENDUM)
            at(returned + 7 * H, services.disposal_form_sign, "head")
            submitted = returned + 8 * H
            at(submitted, services.disposal_form_submit, "liaison")
        if reached(c, S.FILED):
            at(submitted + 20 * H, services.disposal_form_file, "office", comment=FILE_COMMENT)
        if reached(c, S.ARCHIVED):
            # 第十四条: the review meeting, then the archive (its dossier is drawn once the seed commits).
            at(
                submitted + 70 * H,
                services.review_meeting_record,
                "office",
                held_at=submitted + 68 * H,
                place="行政楼三楼会议室",
                attendees="党群工作部、责任部门负责人及联络员、党政办",
                # 第十四条: the case's own lesson first, so the 案例库 tells the cases apart.
                summary=f"{c.fix}。{REVIEW_SUMMARY}" if c.fix else REVIEW_SUMMARY,
                improvements=REVIEW_IMPROVEMENTS,
            )
            at(submitted + 92 * H, services.incident_archive, "office", note=ARCHIVE_NOTE)
        return steps

    def plan_statement(self, c: Case, at, start: dt.datetime) -> None:
        """回复通稿: drafted and sent by the liaison, reviewed by 党政办 (rejected once if asked), published."""
        final = STATEMENT.format(title=c.title, fix=c.fix)
        first = STATEMENT_HOLDING.format(title=c.title) if c.reject else final
        stages = [
            (start, services.statement_save_draft, "liaison", {"text": first}),
            (start + H / 2, services.statement_submit, "liaison", {}),
        ]
        if c.reject:
            stages.append((start + 2 * H, services.statement_reject, "approver", {"comment": REJECT_COMMENT}))
            start += 3 * H
            stages.append((start, services.statement_save_draft, "liaison", {"text": final}))
            stages.append((start + H / 2, services.statement_submit, "liaison", {}))
        stages.append((start + 2 * H, services.statement_approve, "approver", {"comment": "同意发布。"}))
        where = f"{c.sources[0][0]}原帖下回复，并在学校官方微信公众号发布"
        stages.append((start + 3 * H, services.statement_publish, "liaison", {"where": where}))
        for moment, fn, who, kwargs in stages[: {"draft": 1, "submitted": 2, "rejected": 3}.get(c.stmt)]:
            at(moment, fn, who, **kwargs)

    def perform(self, fn, c: Case, who: str | None, kwargs: dict) -> None:
        """Call a service as the person who acts; who=None is one of the steps below that gathers its own."""
        if who is None:
            fn(c, **kwargs)
            return
        on = (
            {"statement": self.statements[c.key]}
            if fn in self.ON_STATEMENT
            else {"incident": self.incident(c)}
        )
        result = fn(actor=self.actor(c, who), **on, **kwargs)
        if isinstance(result, ReplyStatement):
            self.statements[c.key] = result

    def incident(self, c: Case) -> Incident:
        return Incident.objects.select_related("responsible_department").get(pk=self.incidents[c.key].pk)

    def actor(self, c: Case, who: str) -> User:
        """The case's office clerk, 党政办's approver, or a person of the department responsible right now."""
        if who in ("office", "approver"):
            return self.offices[c.key] if who == "office" else self.users["dzb_approver"]
        code = self.incident(c).responsible_department.code
        return self.users[LEADER_OF[code] if who == "leader" else f"{code.lower()}_{who}"]

    def report(self, c: Case) -> None:
        sources = [(platform, URL[platform] + path if path else "") for platform, path in c.sources]
        self.incidents[c.key] = services.incident_report(
            reporter=self.users[c.reporter],
            title=c.title,
            summary=c.summary,
            # 第七条 第一时间: most reports come within the hour of discovery, a few later (the dashboard's clock).
            discovered_at=clock.now() - dt.timedelta(minutes=25 + sum(map(ord, c.key)) % 7 * 15),
            sources=sources,
        )

    def merge(self, c: Case) -> None:
        into = self.incidents[c.merge_into]
        reason = f"与 {into.number} 反映的是同一事件，合并处置。"
        services.incident_merge(
            incident=self.incident(c), into=into, actor=self.offices[c.key], reason=reason
        )

    def team_save(self, c: Case) -> None:
        """舆情处置小组: the head leads, the liaison and the office's clerk serve, plus an outsider by name."""
        head, liaison, office = self.actor(c, "head"), self.actor(c, "liaison"), self.offices[c.key]
        member = services.TeamRow
        rows = [
            member("leader", user=head, unit=self.incident(c).responsible_department.name),
            member("member", user=liaison, unit="联络员"),
            member("member", user=office, unit="党群工作部"),
            member("member", name="王警官", unit="辖区派出所（校外）", phone="0813-0000000"),
        ]
        services.team_save(incident=self.incident(c), actor=liaison, rows=rows)

    def form_save(self, c: Case, addendum: str = "") -> None:
        incident, head, liaison = self.incident(c), self.actor(c, "head"), self.actor(c, "liaison")
        team = (
            f"组长：{head.full_name}（{incident.responsible_department.name}负责人）\n"
            f"成员：{liaison.full_name}（联络员）、{self.offices[c.key].full_name}（党群工作部）"
        )
        situation = f"接报后立即核实情况，{c.fix}。{addendum}"
        services.disposal_form_save(
            incident=incident,
            actor=liaison,
            team_members=team,
            disposal_situation=situation,
            follow_up=FOLLOW_UP,
        )


def settle_notices(now: dt.datetime) -> None:
    """The demo's past ran with a scheduler: its notices went out when written, and old ones were read."""
    past = Notice.objects.filter(sent_at__isnull=True, created_at__lt=now - dt.timedelta(minutes=5))
    past.update(sent_at=F("created_at"))
    Notice.objects.filter(read_at__isnull=True, created_at__lt=now - dt.timedelta(days=2)).update(
        read_at=F("created_at")
    )
