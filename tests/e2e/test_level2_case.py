"""A whole level-2 case in the browser, each step done by the right person and checked on the next one's page.

xsc_staff reports → office_clerk assesses (C类, 二级, 学生处) → xsc_liaison reports progress and sends a
statement → dzb_approver rejects it → xsc_liaison sends version 2 → dzb_approver sees the diff and approves →
xsc_liaison ends the disposal and fills the form → xsc_leader gives the opinion, xsc_head signs, xsc_liaison
submits → office_clerk files and archives. Screenshots of the main pages go to $TEST_ARTIFACTS_DIR.
"""

import datetime as dt
import re
import zoneinfo

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, Locator, Page, expect

from .conftest import TIMEOUT_MS

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
NUMBER_RE = re.compile(r"YQ-\d{4}-\d+")

TITLE = "微博热帖称学生宿舍热水供应中断三天"
SUMMARY = "某微博账号发帖称我校东区学生宿舍热水已中断三天，无人回应，评论区有学生附和，转发量约 300。"
PROGRESS = "已联系后勤处核实：东区锅炉检修，今日 18:00 前恢复供水；已在班级群通知学生。"
STATEMENT_V1 = "关于东区宿舍热水问题的说明：因锅炉检修，东区宿舍热水暂停供应，预计今日恢复。"
REJECT_COMMENT = "口径需与学校通报一致"
STATEMENT_V2 = (
    "关于东区宿舍热水问题的情况通报：因锅炉设备计划检修，东区宿舍热水暂停供应，"
    "学校已于今日 18:00 恢复供水。给同学们带来不便，深表歉意。"
)
TEAM = "组长：xsc_head；成员：xsc_liaison、后勤处值班人员"
SITUATION = "发现后 1 小时内核实情况，协调后勤处恢复供水，经党政办审定后在微博评论区发布情况通报。"
FOLLOW_UP = "跟踪评论区舆论一周，联系发帖学生说明情况；后勤处排查其他宿舍区热水设施。"
OPINION = "同意处置意见，请后勤处做好设备巡检，避免再次发生。"


class Case:
    """The people of the case, each in their own browser context, and the screenshots taken."""

    def __init__(self, browser: Browser, base_url: str, artifacts):
        self.browser = browser
        self.base_url = base_url
        self.artifacts = artifacts
        self.pages: dict[str, Page] = {}
        self.problems: list[str] = []  # script errors and failed static files, on any page
        self.shots: list[str] = []

    def new_page(self, who: str) -> Page:
        context = self.browser.new_context(
            base_url=self.base_url,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": 1280, "height": 900},
            reduced_motion="reduce",  # Bootstrap then opens the accordion without the height animation
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        page = context.new_page()
        page.on("pageerror", lambda exc: self.problems.append(f"{who}: JavaScript error {exc}"))
        page.on("response", lambda response: self._check_static(who, response))
        return page

    def _check_static(self, who: str, response) -> None:
        if "/static/" in response.url and response.status >= 400:
            self.problems.append(f"{who}: {response.status} {response.url}")

    def login(self, username: str) -> Page:
        """The person's page, signed in through the login form the first time."""
        if username in self.pages:
            return self.pages[username]
        page = self.new_page(username)
        page.goto("/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill("pw")
        page.get_by_role("button", name="登录").click()
        expect(page.locator("h1")).to_contain_text(f"您好，{username}")
        page.wait_for_load_state("load")
        assert page.evaluate("typeof window.bootstrap") == "object", "bootstrap.bundle.min.js 未加载"
        self.pages[username] = page
        return page

    def shot(self, page: Page, name: str) -> None:
        page.screenshot(path=str(self.artifacts / name), full_page=True)
        self.shots.append(name)


def act(page: Page, label: str) -> Locator:
    """Open the item of 可办理的事项 with this header text; return its form once it is shown."""
    page.wait_for_load_state("load")  # the accordion needs bootstrap.bundle.min.js, at the end of the page
    header = page.locator("#actions .accordion-button").filter(
        has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")
    )
    expect(header, f"可办理的事项中没有「{label}」").to_have_count(1)
    target = header.get_attribute("data-bs-target")
    if "collapsed" in (header.get_attribute("class") or ""):
        header.click()
    # Click nothing inside while the item is still opening ("collapsing"): the click could miss its button.
    expect(page.locator(target)).to_have_class(re.compile(r"^(?!.*\bcollapsing\b).*\bshow\b"))
    form = page.locator(f"{target} form")
    expect(form, f"点击「{label}」后表单没有展开（Bootstrap 脚本是否加载？）").to_be_visible()
    return form


def submit(page: Page, scope: Locator, button: str, message: str, hint: str | None = None) -> None:
    """Click the button, wait for the page the server answers with, and check its green message.

    A refusal comes back as the same page with a red message and field errors: they are the failure text.
    """
    with page.expect_navigation():
        scope.get_by_role("button", name=button, exact=True).click()
    errors = page.locator(".alert-danger, form .text-danger.small, form .invalid-feedback")
    if errors.count():
        raise AssertionError(f"「{button}」未成功（{page.url}）：" + " | ".join(errors.all_inner_texts()))
    expect(page.locator(".alert-success"), hint).to_contain_text(message)


SUBMIT_HINT = (
    "点击「保存并报送党政办审定」后只保存了草稿：服务器没有收到按钮的 submit_for_review=1"
    "（static/js/app.js 在 submit 事件里禁用提交按钮，浏览器随后组装表单数据时会丢弃被禁用按钮的 name/value）"
)


def open_from_list(page: Page, number: str, status: str) -> None:
    page.get_by_role("link", name="舆情列表", exact=True).click()
    row = page.locator("#results tbody tr").filter(has_text=number)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(status)
    row.get_by_role("link", name=number).click()
    expect(page.locator("h1")).to_have_text(TITLE)


def screenshot_png(path) -> None:
    image = Image.new("RGB", (480, 260), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([10, 10, 470, 250], outline="red", width=3)
    draw.text((30, 40), "weibo screenshot: hot water outage, 3 days", fill="black")
    draw.text((30, 80), "reposts 300, comments 120", fill="gray")
    image.save(path, format="PNG")


@pytest.fixture
def case(request, browser, live_server, artifacts_dir):
    case = Case(browser, live_server.url, artifacts_dir)
    yield case
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        for who, page in case.pages.items():  # what each person had on screen when it failed
            if not page.is_closed():
                page.screenshot(path=str(artifacts_dir / f"FAILED-{who}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_level2_case_across_roles(case, tmp_path):
    png = tmp_path / "weibo-screenshot.png"
    screenshot_png(png)

    # 1. xsc_staff reports the incident with a screenshot.
    staff = case.login("xsc_staff")
    staff.get_by_role("link", name="上报舆情").first.click()
    expect(staff.locator("h1")).to_have_text("上报舆情")
    discovered = (dt.datetime.now(SHANGHAI) - dt.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M")
    form = staff.locator("#report-form")
    form.locator("#id_title").fill(TITLE)
    form.locator("#id_summary").fill(SUMMARY)
    form.locator("#id_discovered_at").fill(discovered)
    form.locator("#id_platform").fill("微博")
    form.locator("#id_url").fill("https://weibo.com/1234567890/AbCdEf")
    expect(form.locator("#id_department option:checked")).to_have_text("学生处")
    form.locator("#id_files").set_input_files(png)
    case.shot(staff, "01-report-form.png")
    submit(staff, form, "提交上报", "已上报：YQ-")
    expect(staff.locator(".alert-success")).to_contain_text("已通知本部门负责人、联络员和党群工作部")
    number = NUMBER_RE.search(staff.locator(".alert-success").inner_text()).group(0)
    expect(staff.locator("h1")).to_have_text(TITLE)
    expect(staff.locator("main")).to_contain_text(number)
    expect(staff.locator("#status")).to_have_text("已上报（待研判）")
    expect(staff.get_by_role("link", name="weibo-screenshot.png", exact=True)).to_be_visible()
    expect(staff.get_by_role("link", name="截图：weibo-screenshot.png")).to_be_visible()  # its thumbnail
    match = re.search(r"/incidents/(\d+)/$", staff.url)
    assert match, f"上报后没有进入舆情详情页：{staff.url}"
    detail_path = match.group(0)

    # Nobody signed in: the detail page sends to the login page.
    anonymous = case.new_page("anonymous")
    anonymous.goto(detail_path)
    expect(anonymous).to_have_url(re.compile(r"/accounts/login/\?next=" + re.escape(detail_path)))
    expect(anonymous.locator("h1")).to_have_text("登录")
    expect(anonymous.locator("main")).not_to_contain_text(TITLE)
    case.shot(anonymous, "00-anonymous-login.png")
    anonymous.context.close()

    # 人事处 staff: the incident does not exist for them.
    outsider = case.login("outsider")
    response = outsider.goto(detail_path)
    assert response.status == 404, f"outsider 打开他人部门的舆情应得到 404，实际 {response.status}"
    expect(outsider.locator("body")).not_to_contain_text(TITLE)
    expect(outsider.locator("body")).not_to_contain_text(number)
    case.shot(outsider, "00-outsider-404.png")
    outsider.context.close()

    # 2. office_clerk: the new report waits in the inbox and the 待研判 list; assessment C / 二级 / 学生处.
    clerk = case.login("office_clerk")
    expect(clerk.locator("#work-to_assess")).to_contain_text(f"{number} {TITLE}")
    expect(clerk.locator("#work-to_assess")).to_contain_text("学生处")
    case.shot(clerk, "02-office-home.png")
    clerk.locator("#nav-handle").click()  # 办理
    clerk.get_by_role("link", name="待研判", exact=True).click()
    expect(clerk).to_have_url(re.compile(r"/incidents/\?status=reported$"))
    row = clerk.locator("#results tbody tr").filter(has_text=number)
    expect(row).to_contain_text("已上报（待研判）")
    expect(row).to_contain_text("未研判")
    row.get_by_role("link", name=number).click()
    expect(clerk.locator("h1")).to_have_text(TITLE)
    form = act(clerk, "研判（类别、级别、责任部门）")
    form.get_by_label("舆情类别").select_option("C")
    form.get_by_label("响应级别").select_option(label="二级舆情")
    form.get_by_label("责任部门").select_option(label="学生处")
    form.get_by_label("研判意见").fill("涉及学生生活保障，转发量较大，启动二级响应。")
    submit(clerk, form, "提交", "已完成研判，处置开始。")
    expect(clerk.locator("#status")).to_have_text("处置中")
    expect(clerk.locator("main")).to_contain_text("二级舆情")
    expect(clerk.locator("main")).to_contain_text("C类")
    expect(clerk.locator("#timeline li").filter(has_text="研判为")).to_contain_text(
        "研判 研判为C.学生学习生活类、二级舆情，责任部门：学生处"
    )
    case.shot(clerk, "03-assess.png")

    # 3. xsc_liaison: finds it in the list, files a progress report and sends a first statement.
    liaison = case.login("xsc_liaison")
    open_from_list(liaison, number, "处置中")
    form = act(liaison, "报送互通信息")
    form.get_by_label("进展情况").fill(PROGRESS)
    submit(liaison, form, "提交", "互通信息已报送。")
    progress = liaison.locator("section").filter(
        has=liaison.get_by_role("heading", name="互通信息", exact=True)
    )
    expect(progress).to_contain_text(PROGRESS)
    form = act(liaison, "起草/修改回复通稿")
    form.get_by_label("回复通稿").fill(STATEMENT_V1)
    submit(liaison, form, "保存并报送党政办审定", "回复通稿第1版已报送党政办审定。", SUBMIT_HINT)
    statements = liaison.locator("#statements")
    expect(statements).to_contain_text("第1版 · 待党政办审定")
    expect(statements).to_contain_text(STATEMENT_V1)
    case.shot(liaison, "04-liaison-progress-statement.png")

    # 4. dzb_approver: the queue shows the statement with the incident; rejected with a comment.
    approver = case.login("dzb_approver")
    waiting = approver.locator("#work-to_review li").filter(has_text=number)
    expect(waiting).to_contain_text("第1版")
    approver.locator("#nav-handle").click()  # 办理
    approver.get_by_role("link", name="通稿审定").click()
    expect(approver.locator("h1")).to_have_text("待审定的回复通稿")
    card = approver.locator("section.card").filter(has_text=number)
    expect(card).to_have_count(1)
    expect(card.locator("h2")).to_contain_text(f"{number} {TITLE} · 第1版")
    expect(card).to_contain_text("学生处 · xsc_liaison")
    expect(card).to_contain_text("二级舆情")
    card.locator("summary", has_text="舆情内容").click()
    expect(card.locator("details")).to_contain_text(SUMMARY)
    expect(card).to_contain_text(STATEMENT_V1)
    expect(card.locator(".diff")).to_have_count(0)
    case.shot(approver, "05-statement-queue-v1.png")
    card.locator("textarea[name=comment]").fill(REJECT_COMMENT)
    submit(approver, card, "退回修改", "已退回第1版。")

    # 5. xsc_liaison sees the rejection and its comment, sends version 2.
    liaison.reload()
    expect(statements).to_contain_text("第1版 · 已退回")
    expect(statements).to_contain_text(f"党政办意见（dzb_approver）：{REJECT_COMMENT}")
    case.shot(liaison, "06-liaison-rejected.png")
    form = act(liaison, "起草/修改回复通稿")
    expect(form.get_by_label("回复通稿")).to_have_value(STATEMENT_V1)
    form.get_by_label("回复通稿").fill(STATEMENT_V2)
    submit(liaison, form, "保存并报送党政办审定", "回复通稿第2版已报送党政办审定。", SUBMIT_HINT)
    expect(statements).to_contain_text("第2版 · 待党政办审定")

    # 6. dzb_approver sees version 2 with the change from version 1, approves it.
    approver.goto("/statements/")
    card = approver.locator("section.card").filter(has_text=number)
    expect(card).to_have_count(1)
    expect(card.locator("h2")).to_contain_text("第2版")
    expect(card).to_contain_text("与第1版相比的修改")
    expect(card).to_contain_text(f"第1版退回意见：{REJECT_COMMENT}")
    diff = card.locator(".diff")
    expect(diff).to_be_visible()
    expect(diff.locator("ins").first).to_be_visible()
    expect(diff.locator("del").first).to_be_visible()
    expect(diff.locator("ins")).to_contain_text(["情况通报"])
    expect(diff.locator("del").filter(has_text="说明")).to_have_count(1)
    case.shot(approver, "07-statement-queue-v2-diff.png")
    card.locator("textarea[name=comment]").fill("同意发布。")
    submit(approver, card, "审定通过", "已审定通过第2版。")
    approver.goto("/statements/")
    expect(approver.locator("main")).to_contain_text("暂无待审定的回复通稿。")

    # 7. xsc_liaison: statement approved; ends the disposal (12-hour filing deadline), fills the form.
    liaison.reload()
    expect(statements).to_contain_text("第2版 · 已审定")
    form = act(liaison, "结束处置")
    expect(form).to_contain_text("结束处置后，须在 12 小时内报送处置表。")
    form.get_by_label("处置结果简述").fill("热水已恢复，情况通报已发布，舆情平息。")
    submit(liaison, form, "确认结束处置", "处置已结束，请在 12 小时内报送处置表。")
    expect(liaison.locator("#status")).to_have_text("处置结束（待报处置表）")
    deadlines = liaison.locator("section").filter(has=liaison.get_by_role("heading", name="时限", exact=True))
    filing = deadlines.locator("li").filter(has_text="处置结束12小时内报送处置表")
    expect(filing).to_have_count(1)
    expect(filing).to_contain_text(re.compile(r"剩余 1[12] 小时"))
    case.shot(liaison, "08-disposal-ended.png")
    form = act(liaison, "填写处置表")
    form.get_by_label("舆情处置小组人员名单").fill(TEAM)
    form.get_by_label("舆情处置情况").fill(SITUATION)
    form.get_by_label("舆情后期处理情况").fill(FOLLOW_UP)
    submit(liaison, form, "提交", "处置表已保存。")
    disposal = liaison.locator("#disposal-form")
    for text in (TEAM, SITUATION, FOLLOW_UP, "未签字"):
        expect(disposal).to_contain_text(text)
    case.shot(liaison, "09-disposal-form.png")

    # 8. xsc_liaison asks the head to sign; xsc_leader's opinion (asked when the disposal ended), xsc_head's
    # signature, xsc_liaison submits the form.
    form = act(liaison, "请负责人签字")
    submit(liaison, form, "通知负责人签字", "已通知xsc_head签字。")
    leader = case.login("xsc_leader")
    expect(leader.locator("#nav-worklist-count")).to_have_text("1")
    leader_home_row = leader.locator("#work-to_give_opinion li").filter(has_text=number)
    expect(leader_home_row).to_contain_text("已等待")
    leader_home_row.get_by_role("link").click()
    expect(leader.locator("#disposal-form")).to_contain_text(SITUATION)
    form = act(leader, "填写分管领导处置意见")
    form.get_by_label("报分管领导处置意见").fill(OPINION)
    submit(leader, form, "提交", "处置意见已填写。")
    expect(leader.locator("#disposal-form")).to_contain_text(f"{OPINION}（xsc_leader，")

    head = case.login("xsc_head")
    signing = head.locator("#work-to_sign li").filter(has_text=number)
    expect(signing).to_contain_text("xsc_liaison请签字")
    open_from_list(head, number, "处置结束（待报处置表）")
    expect(head.locator("#disposal-form")).to_contain_text(OPINION)
    form = act(head, "部门负责人签字")
    submit(head, form, "确认签字", "已签字。")
    expect(head.locator("#disposal-form")).to_contain_text("xsc_head（")
    expect(head.locator("#disposal-form")).not_to_contain_text("未签字")

    liaison.reload()
    expect(disposal).to_contain_text(OPINION)
    expect(disposal).to_contain_text("xsc_head（")
    form = act(liaison, "报送处置表")
    submit(liaison, form, "提交", "处置表已报送党群工作部审核备案。")
    expect(liaison.locator("#status")).to_have_text("处置表已报（待审核备案）")
    expect(filing).to_contain_text("按时完成")
    case.shot(liaison, "10-form-submitted.png")

    # 9. office_clerk files and archives; afterwards nobody has anything left to do on it.
    clerk.get_by_role("link", name="工作台").click()
    to_file = clerk.locator("#work-to_file")
    expect(to_file).to_contain_text(f"{number} {TITLE}")
    expect(clerk.locator("#work-to_assess li").filter(has_text=number)).to_have_count(0)
    case.shot(clerk, "11-office-to-file.png")
    to_file.get_by_role("link", name=f"{number} {TITLE}").click()
    expect(clerk.locator("#status")).to_have_text("处置表已报（待审核备案）")
    form = act(clerk, "审核备案")
    form.get_by_label("意见").fill("材料齐全，同意备案。")
    submit(clerk, form, "提交", "已审核备案。")
    expect(clerk.locator("#status")).to_have_text("已审核备案")
    # 第十四条: archiving needs the 复盘会 (or the office's waiver); the page says so before the click.
    expect(clerk.locator("#no-review-meeting")).to_contain_text("尚不能归档")
    form = act(clerk, "记录复盘会")
    form.get_by_label("召开时间").fill(dt.datetime.now(SHANGHAI).strftime("%Y-%m-%dT%H:%M"))
    form.get_by_label("参会人员").fill("党群工作部、学生处、后勤处")
    form.get_by_label("分析与总结").fill("热水系统故障预警不足，情况说明发布偏慢。")
    submit(clerk, form, "提交", "复盘会记录已保存")
    form = act(clerk, "归档")
    submit(clerk, form, "归档（之后只读）", "已归档。")
    expect(clerk.locator("#status")).to_have_text("已归档")
    # Only a later 复盘会 may still be added to the archive (an addendum; the dossier is drawn again).
    expect(clerk.locator("#actions .accordion-button")).to_have_count(1)
    expect(clerk.locator("#timeline")).to_contain_text("归档")
    # 第十四条: the dossier is drawn in the background; its card shows progress, then the file and SHA-256.
    dossier = clerk.locator("#dossier-card")
    expect(dossier.locator("#dossier-download")).to_be_visible(timeout=30_000)
    expect(dossier.locator("#dossier-sha256")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    dossier.get_by_role("button", name="核验").click()
    expect(clerk.locator("#dossier-verified")).to_contain_text("一致")
    case.shot(clerk, "12-archived.png")
    clerk.locator("#nav-files").click()  # 档案
    clerk.get_by_role("link", name="工作档案", exact=True).click()
    expect(clerk.locator("#attention")).to_contain_text("全部档案已生成")
    clerk.get_by_role("button", name="导出").click()
    expect(clerk.locator("#exports .export-download")).to_be_visible(timeout=30_000)
    case.shot(clerk, "12b-archive-export.png")

    liaison.reload()
    expect(liaison.locator("#status")).to_have_text("已归档")
    expect(liaison.locator("#actions")).to_have_count(0)
    expect(liaison.locator("#dossier-download")).to_be_visible()
    expect(liaison.locator("#dossier-verify")).to_have_count(0)  # checking the archive is the office's
    case.shot(liaison, "13-liaison-archived.png")

    assert not case.problems, "页面脚本出错或静态文件未加载：\n" + "\n".join(case.problems)
    print("screenshots:", ", ".join(case.shots))
