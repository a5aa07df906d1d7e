"""The regulation's rules, each stated once with its article; models, services, forms, the deadline engine and
the pages take them from here. (The regulation verbatim: 《网络舆情处置办法》; DOMAIN.md explains each article.)

This module imports nothing of the project, so everything may import it — the models included.
"""

from django.db import models


class Category(models.TextChoices):
    """第六条: the five categories of online public opinion."""

    A = "A", "A.意识形态类"
    B = "B", "B.办学行为规范类"
    C = "C", "C.学生学习生活类"
    D = "D", "D.教职工工作生活（含师德师风）类"
    E = "E", "E.重大安全和群体事件类"


class Level(models.IntegerChoices):
    """第十条: three response levels; 1 is the most serious."""

    THREE = 3, "三级舆情"
    TWO = 2, "二级舆情"
    ONE = 1, "一级舆情"


# 第十条: 出现意识形态类网络舆情时，直接启动一级舆情响应. (Also a database constraint on the incident.)
LEVEL_DEMANDED = {Category.A: Level.ONE}


def level_demanded(category: str | None) -> Level | None:
    """The level a category imposes, if any."""
    return LEVEL_DEMANDED.get(category)


def level_refusal(category: str | None, level: int | None) -> str | None:
    """Why this level cannot be given to this category, or None if it can."""
    demanded = level_demanded(category)
    if demanded is not None and level is not None and level != demanded:
        return f"{Category(category).label}舆情必须直接启动{demanded.label}响应，不能定为或降为其他级别。"
    return None


# 第十条 三级: 在处置结束 12 小时内将处置结果报领导小组办公室（党群工作部）备案 (at every level).
FILING_HOURS = 12

# 第十条 二级、一级: the reply statement is approved by 党政办; the disposal cannot end without one approved.
STATEMENT_LEVELS = frozenset({Level.TWO, Level.ONE})

# 第十条 二级: 相关部门负责人要第一时间向党群工作部、党政办报告 (and at level 1 the more so).
ALERT_LEVELS = frozenset({Level.TWO, Level.ONE})


class Exchange(models.TextChoices):
    """第十条: how often the department exchanges information with the leadership group while disposing."""

    DAILY = "daily_exchange", "每日互通信息（二级）"  # 二级: 每天互通信息
    ROUND_THE_CLOCK = "round_the_clock", "24小时互通信息（一级）"  # 一级: 24 小时互通信息


EXCHANGE_BY_LEVEL = {Level.TWO: Exchange.DAILY, Level.ONE: Exchange.ROUND_THE_CLOCK}


def exchange_for(level: int | None) -> Exchange | None:
    return EXCHANGE_BY_LEVEL.get(level)


class LevelOneDutyKind(models.TextChoices):
    """第十条 一级 (and 第九条): the four things a level-1 response must do, each recorded when, how, to whom."""

    REPORT_TOP_LEADERS = "report_top_leaders", "报告学校党政主要领导"
    REPORT_SUPERIOR = "report_superior", "向上级网络舆情主管部门报告"
    SPECIAL_MEETING = "special_meeting", "召开专题会议"
    EMERGENCY_PLAN = "emergency_plan", "启动应急预案"


# 第九条、第十条 一级: each duty is due this many hours after the level-1 decision. 第一时间报告学校党政主要领导;
# 按规定向上级网络舆情主管部门报告 (1 hour by default); 召开专题会议 within the day; 启动应急预案 at once.
# settings.LEVEL_ONE_DUTY_HOURS may override any of them (a deployment's own time limits).
LEVEL_ONE_DUTY_HOURS = {
    LevelOneDutyKind.REPORT_TOP_LEADERS: 1,
    LevelOneDutyKind.REPORT_SUPERIOR: 1,
    LevelOneDutyKind.SPECIAL_MEETING: 24,
    LevelOneDutyKind.EMERGENCY_PLAN: 2,
}


def level_one_duty_hours(kind: str) -> float:
    """How long after the level-1 decision this duty is due (settings.LEVEL_ONE_DUTY_HOURS, else the rule)."""
    from django.conf import settings

    hours = {str(k): v for k, v in LEVEL_ONE_DUTY_HOURS.items()}
    hours.update({str(k): v for k, v in getattr(settings, "LEVEL_ONE_DUTY_HOURS", {}).items()})
    return float(hours[str(kind)])


class UpwardChannel(models.TextChoices):
    """第九条: how a report reached the superior authority, or a contact reached its counterpart."""

    PHONE = "phone", "电话"
    FAX = "fax", "传真"
    DOCUMENT = "document", "公文"
    EMAIL = "email", "邮件"
    IN_PERSON = "in_person", "当面"
    OTHER = "other", "其他"


def statement_required_to_end(level: int | None) -> bool:
    """第十条: ending the disposal at level 2 or 1 needs a reply statement approved by 党政办."""
    return level in STATEMENT_LEVELS


def filing_reminder() -> str:
    return f"处置表须在处置结束后{FILING_HOURS}小时内报党群工作部备案"
