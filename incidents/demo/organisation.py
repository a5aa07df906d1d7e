"""The demo college's organisation: departments, appointed people, heads, registered liaisons, official accounts.

The secondary colleges marked （示例） and all names of people are invented (the regulation does not name the
colleges).
"""

import datetime as dt

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from departments import services as org
from departments.models import Department, Liaison, OfficialMediaAccount, User
from departments.roles import Role

PASSWORD = "demo12345"  # noqa: S105 -- the published password of the demo accounts
FUNC, COLLEGE = Department.Kind.FUNCTIONAL, Department.Kind.COLLEGE
OFFICE, ADMIN_OFFICE = Department.Duty.OFFICE, Department.Duty.ADMIN_OFFICE
INFO = Department.Duty.INFO_CENTER
# Who may open the admin site (departments.access.may_administer); leaders work in the dashboard instead.
STAFF_ROLES = {Role.OFFICE, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN}
Platform = OfficialMediaAccount.Platform

# fmt: off
# 第三条 成员单位, then three invented secondary colleges: code, name, kind, duty, 分管院领导, 负责人, 联络员.
DEPARTMENTS = [
    ("DQGZB",  "党群工作部",           FUNC,    OFFICE,       "fuzuzhang",    "杨光明", "周小琳"),
    ("DZB",    "党政办",               FUNC,    ADMIN_OFFICE, "fuzuzhang",    "黄伟",   "吴倩"),
    ("XSC",    "学生处",               FUNC,    "",           "fuzuzhang",    "张海燕", "孙磊"),
    ("RSC",    "人事处",               FUNC,    "",           "fuyuanzhang1", "胡晓东", "郭婷"),
    ("JWKYC",  "教务科研处",           FUNC,    "",           "fuyuanzhang1", "林志强", "马媛媛"),
    ("JCC",    "计财处",               FUNC,    "",           "fuyuanzhang2", "高建华", "梁雨欣"),
    ("HQBWC",  "后勤保卫处",           FUNC,    "",           "fuyuanzhang2", "宋国庆", "郑凯"),
    ("JXJYXY", "继续教育学院",         COLLEGE, "",           "fuyuanzhang1", "谢春梅", "韩宇"),
    ("JYC",    "就业处",               FUNC,    "",           "fuyuanzhang2", "冯志刚", "董佳"),
    ("ZSC",    "招生处",               FUNC,    "",           "fuyuanzhang2", "袁红",   "蒋涛"),
    ("SXZX",   "实训（信息）中心",     FUNC,    INFO,         "fuyuanzhang1", "蔡俊杰", "彭思远"),
    ("XTW",    "校团委",               FUNC,    "",           "fuzuzhang",    "吕佳琪", "苏晨"),
    ("RMTZX",  "融媒体中心",           FUNC,    "",           "fuzuzhang",    "卢文博", "丁一凡"),
    ("ZNZZ",   "智能制造学院（示例）", COLLEGE, "",           "fuyuanzhang1", "魏振华", "任静"),
    ("XXGC",   "信息工程学院（示例）", COLLEGE, "",           "fuyuanzhang1", "姜鹏",   "田甜"),
    ("JJGL",   "经济管理学院（示例）", COLLEGE, "",           "fuyuanzhang2", "范红梅", "石浩"),
]
LEADER_OF = {row[0]: row[4] for row in DEPARTMENTS}

# Appointed people (heads and liaisons come from DEPARTMENTS): username, name, department, roles, who they are.
PEOPLE = [
    ("admin",        "系统管理员", None,    [Role.SYSTEM_ADMIN],                 "系统管理员（超级用户）"),
    ("shuji",        "罗建国",     None,    [Role.TOP_LEADERS, Role.LEADERSHIP], "党委书记，领导小组组长"),
    ("yuanzhang",    "何志远",     None,    [Role.TOP_LEADERS, Role.LEADERSHIP], "院长，领导小组组长"),
    ("fuzuzhang",    "邓文清",     None,    [Role.LEADERSHIP],                   "党委副书记，领导小组副组长，分管院领导"),
    ("fuyuanzhang1", "唐明辉",     None,    [],                                  "副院长，分管院领导"),
    ("fuyuanzhang2", "曾丽萍",     None,    [],                                  "副院长，分管院领导"),
    ("office1",      "李静怡",     "DQGZB", [Role.OFFICE],                       "领导小组办公室（党群工作部）"),
    ("office2",      "王浩然",     "DQGZB", [Role.OFFICE],                       "领导小组办公室（党群工作部）"),
    ("dzb_approver", "刘雪梅",     "DZB",   [Role.ADMIN_OFFICE],                 "党政办，审定回复通稿"),
    ("staff1",       "赵子豪",     "XSC",   [],                                  "学生处教职工（无角色，可上报舆情）"),
    ("sysadmin",     "周立新",     "SXZX",  [Role.SYSTEM_ADMIN],                 "系统管理员：账号、部门、群机器人"),
    ("secadmin",     "孙敏",       "DQGZB", [Role.SECURITY_ADMIN],               "安全管理员：角色、密码、登录锁定"),
    ("auditor",      "钱文静",     "DQGZB", [Role.AUDIT_ADMIN],                  "审计管理员：查看、导出安全日志"),
]
LOGINS = ["office1", "dzb_approver", "shuji", "fuzuzhang", "xsc_head", "xsc_liaison", "staff1", "sysadmin", "secadmin",
          "auditor", "admin"]  # fmt: skip

# 第十三条: official channels and the department whose registered liaison edits them.
MEDIA_ACCOUNTS = [
    (Platform.WEBSITE, "自贡职业技术学院官网", "https://www.zgzy.example.com/",            "RMTZX"),
    (Platform.WECHAT,  "自贡职业技术学院",     "https://mp.weixin.example.com/zgzy",       "RMTZX"),
    (Platform.WECHAT,  "自贡职院学生工作",     "https://mp.weixin.example.com/zgzy-xsc",   "XSC"),
    (Platform.WEIBO,   "自贡职院青春团委",     "https://weibo.example.com/zgzyqingnian",   "XTW"),
]
# fmt: on


def new_user(username, full_name, department, password, *, phone="", staff=False, superuser=False) -> User:
    user = User(username=username, full_name=full_name, department=department, phone=phone)
    user.is_staff, user.is_superuser, user.password = staff or superuser, superuser, password
    # The published demo password (below the production policy, which only a form or a command applies) counts
    # as changed today: the demo accounts sign in with it and are not sent to 修改密码.
    user.password_changed_at = timezone.now()
    user.save()
    return user


def build_organisation() -> dict[str, User]:
    # What set_password does, done once for every account: the hasher is slow by design.
    password = make_password(PASSWORD)
    admin = new_user("admin", "系统管理员", None, password, superuser=True)
    users = {"admin": admin}
    departments = {}
    for order, (code, name, kind, duty, *_) in enumerate(DEPARTMENTS, start=1):
        department = Department(name=name, code=code, kind=kind, duty=duty, sort_order=order * 10)
        department.is_example = name.endswith("（示例）")
        departments[code] = org.department_save(actor=admin, department=department, reason="演示数据")
    for username, full_name, code, roles, _ in PEOPLE:
        if username != "admin":
            staff = bool(STAFF_ROLES & set(roles))
            users[username] = new_user(username, full_name, departments.get(code), password, staff=staff)
        org.user_set_roles(actor=admin, user=users[username], roles=roles)
    registered_on = timezone.localdate() - dt.timedelta(days=120)
    for n, (code, _, _, duty, leader, head_name, liaison_name) in enumerate(DEPARTMENTS, start=1):
        department, prefix = departments[code], code.lower()
        head = new_user(
            f"{prefix}_head",
            head_name,
            department,
            password,
            phone=f"0813-82{n:02d}001",
            staff=duty == OFFICE,
        )
        if duty == OFFICE:  # 第三条: 办公室主任由党群工作部负责人担任
            org.user_set_roles(actor=admin, user=head, roles=[Role.OFFICE])
        liaison = new_user(
            f"{prefix}_liaison", liaison_name, department, password, phone=f"0813-82{n:02d}168"
        )
        org.department_set_head(actor=admin, department=department, head=head)
        org.department_set_supervising_leader(actor=admin, department=department, leader=users[leader])
        org.liaison_register(
            actor=admin, department=department, user=liaison, phone=liaison.phone, registered_on=registered_on
        )
    for platform, name, url, code in MEDIA_ACCOUNTS:
        editor = Liaison.objects.get(department=departments[code], user__username=f"{code.lower()}_liaison")
        account = OfficialMediaAccount(
            platform=platform, name=name, url=url, department=departments[code], editor=editor
        )
        org.media_account_save(actor=admin, account=account)
    # Fresh objects: nothing cached about roles or grants from before they were given.
    return {user.username: user for user in User.objects.all()}


def logins() -> list[tuple[User, str]]:
    """The demo logins worth naming, in the order shown, each with who they are."""
    what = {username: description for username, _, _, _, description in PEOPLE}
    rows = []
    for user in sorted(User.objects.filter(username__in=LOGINS), key=lambda u: LOGINS.index(u.username)):
        role = what.get(user.username)
        if role is None:
            kind = "负责人" if user.username.endswith("_head") else "联络员（已备案）"
            role = f"{user.department.name}{kind}"
        rows.append((user, role))
    return rows
