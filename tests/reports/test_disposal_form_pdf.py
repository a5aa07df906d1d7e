"""The printed 处置表 (附件: 自贡职业技术学院网络舆情处置表), read back from the PDF as a reader would.

Every label and every filled value is real text; the right boxes are ticked; a normal form is one page and a
long one flows onto continuation pages that repeat the title and the number; the Noto CJK fonts are
embedded; nothing typed becomes markup or a fetched URL; only who may see the incident gets its form; an
unchanged form comes from the cache. Page images go to test-artifacts/pdf/ (TEST_ARTIFACTS_DIR overrides).
"""

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from incidents import services
from incidents.models import Incident, IncidentSource
from reports import pdf
from reports.pdf import disposal_form, engine
from reports.pdf.fetcher import STATIC_BASE, StaticOnlyFetcher
from tests.factories import report

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS_DIR", REPO / "test-artifacts")) / "pdf"

LABELS = [
    "自贡职业技术学院网络舆情处置表",
    "部门（二级学院）：",
    "舆情基本情况：",
    "发现时间",
    "舆情所在的媒体名称或网址",
    "舆情类别",
    "A.意识形态类",
    "B.办学行为规范类",
    "C.学生学习生活类",
    "D.教职工工作生活（含师德师风）类",
    "E.重大安全和群体事件类",
    "舆情响应级别",
    "A.三级舆情",
    "B.二级舆情",
    "C.一级舆情",
    "舆情处置小组人员名单",
    "舆情处置情况",
    "报分管领导处置意见",
    "舆情后期处理情况",
    "舆情关联部门负责人签字：",
    "（盖章）",
    "注：1.舆情处理结束后请将此表报党群工作部审核备案。2.表格不够填写时可另附页。",
]
TICK = "√"  # the transparent text inside a ticked box (the ✓ itself is drawn with CSS)


def compact(text: str) -> str:
    """Text without whitespace: the form wraps labels four characters a line."""
    return re.sub(r"\s+", "", text)


def pages_text(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def body_text(page: str) -> str:
    """A page without its running header and footer (margin boxes come last in the text)."""
    return "\n".join(
        line for line in page.splitlines() if not line.startswith("舆情编号：") and "（续页）" not in line
    )


def save_artifacts(name: str, data: bytes) -> list[Path]:
    """The PDF and its page images (pdftoppm -png -r 60), to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.pdf").write_bytes(data)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    if not shutil.which("pdftoppm"):
        return []
    subprocess.run(  # noqa: S603 - fixed arguments
        ["pdftoppm", "-png", "-r", "60", str(ARTIFACTS / f"{name}.pdf"), str(ARTIFACTS / name)],  # noqa: S607
        check=True,
        timeout=60,
    )
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


@pytest.fixture(autouse=True)
def private_cache(settings):
    """A cache of this test's own: the shared Redis may hold another run's forms under the same ids."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "reports-pdf-tests",
        }
    }
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


SOURCES = [
    ("微博", "https://weibo.example/post/1"),
    ("本地文件", "file:///etc/passwd"),
    ("内网服务", "http://127.0.0.1:6379/"),
]


def with_sources(org, **kw) -> Incident:
    """A report with SOURCES. The services now refuse a file:// address, but a row written before that rule (or
    restored from an old backup) still holds one: it is written here directly, and must print and never be
    fetched."""
    incident = report(org, sources=SOURCES[:1], **kw)
    IncidentSource.objects.create(incident=incident, platform=SOURCES[1][0], url=SOURCES[1][1])
    services.source_add(incident=incident, actor=org.p.clerk, platform=SOURCES[2][0], url=SOURCES[2][1])
    return Incident.objects.get(pk=incident.pk)


def filled(
    org,
    *,
    situation="已核实情况，约谈当事学生，于校园网发布情况说明，舆情平息。",
    team="组长：张三；成员：李四、王五",
):
    """A level-2 学生学习生活类 incident with every part of the form filled and signed."""
    incident = with_sources(org, discovered_at=timezone.now() - dt.timedelta(days=2, hours=3))
    services.incident_assess(
        incident=incident, actor=org.p.clerk, category="C", level=2, responsible_department=org.xsc
    )
    services.disposal_form_save(
        incident=incident,
        actor=org.p.xsc_liaison,
        team_members=team,
        disposal_situation=situation,
        follow_up="持续关注相关话题，一周内未见反弹。",
    )
    services.disposal_form_leader_opinion(
        incident=incident, actor=org.p.xsc_leader, opinion="同意处置方案，做好后续引导。"
    )
    services.disposal_form_sign(incident=incident, actor=org.p.xsc_head)
    return Incident.objects.select_related("responsible_department").get(pk=incident.pk)


def local(moment):
    return timezone.localtime(moment, timezone.get_default_timezone())


# --- What is printed ---------------------------------------------------------------------------------------


def test_a_filled_form_prints_every_label_and_value_on_one_page(org):
    incident = filled(org)
    form = incident.disposal_form
    data = pdf.render(pdf.form_data(incident))
    pages = pages_text(data)
    text = compact("".join(pages))

    assert len(pages) == 1
    for label in LABELS:
        assert compact(label) in text, label
    found, signed, opinion_at = (
        local(incident.discovered_at),
        local(form.head_signed_at),
        local(form.leader_opinion_at),
    )
    values = [
        "部门（二级学院）：学生处",
        f"{found.year}年{found.month}月{found.day}日{found:%H:%M}",
        "微博https://weibo.example/post/1",
        "本地文件file:///etc/passwd",
        "内网服务http://127.0.0.1:6379/",
        "组长：张三；成员：李四、王五",
        "已核实情况，约谈当事学生，于校园网发布情况说明，舆情平息。",
        "同意处置方案，做好后续引导。",
        f"分管领导：xsc_leader{opinion_at.year}年{opinion_at.month}月{opinion_at.day}日{opinion_at:%H:%M}",
        "持续关注相关话题，一周内未见反弹。",
        "舆情关联部门负责人签字：xsc_head",
        f"{signed.year}年{signed.month}月{signed.day}日",
    ]
    for value in values:
        assert value in text, value
    # Footer: the number, the generation time (Asia/Shanghai) and the verification code.
    assert f"舆情编号：{incident.number}" in text
    assert f"校验码：{pdf.verification_code(pdf.form_data(incident))}" in text
    assert f"生成时间：{local(timezone.now()):%Y-%m-%d}" in text
    assert "（续页）" not in text
    assert len(save_artifacts("filled", data)) in (0, 1)


def test_the_category_and_level_of_the_incident_are_ticked_and_no_other(org):
    text = compact("".join(pages_text(pdf.render(pdf.form_data(filled(org))))))

    assert "C.学生学习生活类" + TICK in text
    assert "B.二级舆情" + TICK in text
    assert text.count(TICK) == 2
    for other in [
        "A.意识形态类",
        "B.办学行为规范类",
        "D.教职工工作生活（含师德师风）类",
        "E.重大安全和群体事件类",
    ]:
        assert other + TICK not in text
    for other in ["A.三级舆情", "C.一级舆情"]:
        assert other + TICK not in text


def test_an_incident_not_yet_assessed_ticks_nothing(org):
    incident = report(org)
    text = compact("".join(pages_text(pdf.render(pdf.form_data(incident)))))
    assert TICK not in text
    assert incident.number in text


def test_the_fonts_are_embedded_noto_cjk_and_nothing_else(org):
    reader = PdfReader(io.BytesIO(pdf.render(pdf.form_data(filled(org)))))
    seen = []
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font
            descriptor = descendant["/FontDescriptor"].get_object()
            assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font[
                "/BaseFont"
            ]
            seen.append(str(font["/BaseFont"]))
    assert seen
    # "ABCDEF+Noto-Serif-CJK-SC-GB2312" (the GB2312 cut) or "...+Noto-Serif-CJK-SC": no DejaVu, no fallback.
    assert all("Noto-Serif-CJK-SC" in name for name in seen), seen
    assert any(name.endswith("-Bold") for name in seen), "the title is set in the bold face"
    assert engine.SUBSET_FONTS  # the default, kept by the test settings: the cut must really be used
    assert all(name.split("+")[-1].startswith("Noto-Serif-CJK-SC-GB2312") for name in seen), seen


def test_a_name_outside_gb2312_is_still_printed_in_a_noto_face():
    data = pdf.render(
        pdf.FormData(incident_id=1, number="YQ-2026-0002", team_members="组长：陶喆；成员：王堃、李昇")
    )
    assert "组长：陶喆；成员：王堃、李昇" in compact("".join(pages_text(data)))
    fonts = [
        str(font.get_object()["/BaseFont"])
        for font in PdfReader(io.BytesIO(data)).pages[0]["/Resources"]["/Font"].values()
    ]
    assert all("Noto-Serif-CJK-SC" in name for name in fonts), fonts


def test_a_long_disposal_situation_flows_onto_continuation_pages(org):
    body = ("学生处会同后勤处核查食堂价格，逐一回应学生关切并公开说明调价原因。" * 100)[:3000]
    situation = "\n".join(body[i : i + 300] for i in range(0, 3000, 300))  # 3,000 characters, 10 paragraphs
    assert len(compact(situation)) == 3000
    incident = filled(org, situation=situation)
    data = pdf.render(pdf.form_data(incident))
    save_artifacts("long", data)
    pages = pages_text(data)

    assert len(pages) >= 2
    assert compact(situation) in compact("".join(body_text(page) for page in pages)), "all of it, in order"
    assert "（续页）" not in compact(pages[0])
    for page in pages[1:]:
        assert f"自贡职业技术学院网络舆情处置表（续页）舆情编号：{incident.number}" in compact(page)
    for number, page in enumerate(pages, start=1):
        assert f"舆情编号：{incident.number}" in compact(page)
        assert f"第{number}页／共{len(pages)}页" in compact(page)
    # The rows after the long one follow in the official order; the notes close the last page.
    whole = compact("".join(body_text(page) for page in pages))
    end_of_situation = whole.index(compact(situation)) + 3000
    rows = ["报分管领导处置意见", "舆情后期处理情况", "舆情关联部门负责人签字", "注：1."]
    assert (
        end_of_situation
        <= whole.index(rows[0])
        < whole.index(rows[1])
        < whole.index(rows[2])
        < whole.index(rows[3])
    )
    assert "注：1." in compact(pages[-1])


def test_the_blank_form_prints_for_paper_use(org):
    data = pdf.render(pdf.BLANK)
    pages = pages_text(data)
    text = compact("".join(pages))

    assert len(pages) == 1
    for label in LABELS:
        assert compact(label) in text, label
    assert TICK not in text
    assert "年月日" in text
    assert "空白表" in text and "校验码" not in text
    images = save_artifacts("blank", data)
    assert len(images) in (0, 1)


def test_the_verification_code_covers_the_contents_and_the_key(org, settings):
    incident = filled(org)
    data = pdf.form_data(incident)
    code = pdf.verification_code(data)
    assert re.fullmatch(r"[0-9a-f]{8}", code)
    assert pdf.verification_code(pdf.form_data(incident)) == code
    services.disposal_form_save(
        incident=incident,
        actor=org.p.xsc_liaison,
        team_members="组长：张三；成员：李四",
        disposal_situation=incident.disposal_form.disposal_situation,
        follow_up=incident.disposal_form.follow_up,
    )
    assert pdf.verification_code(pdf.form_data(incident)) != code
    settings.SECRET_KEY = "another-key-for-this-test"
    assert pdf.verification_code(data) != code


# --- Safety ------------------------------------------------------------------------------------------------


def test_markup_typed_into_the_form_is_printed_literally(org):
    hostile = "<img src=x onerror=alert(1)>"
    incident = filled(org, team=hostile)
    data = pdf.form_data(incident)

    html = engine.template(disposal_form.TEMPLATE).render(disposal_form.form_context(data))
    assert "&lt;img src=x onerror=alert(1)&gt;" in html and hostile not in html
    assert compact(hostile) in compact("".join(pages_text(pdf.render(data))))


@pytest.fixture
def fetch_log(monkeypatch):
    """Every URL WeasyPrint asks our fetcher for, and what it was answered."""
    log = []
    original = StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        try:
            response = original(self, url, headers)
        except Exception:
            log.append((url, "refused"))
            raise
        log.append((url, "served"))
        return response

    monkeypatch.setattr(StaticOnlyFetcher, "fetch", spy)
    return log


def test_a_source_url_is_printed_and_never_fetched(org, fetch_log):
    incident = filled(org)
    refused_before = pdf.stats["refused"]
    text = compact("".join(pages_text(pdf.render(pdf.form_data(incident)))))

    assert "file:///etc/passwd" in text and "http://127.0.0.1:6379/" in text
    assert "root:x:0:0" not in text
    assert not [url for url, _ in fetch_log if "passwd" in url or "6379" in url]
    assert pdf.stats["refused"] == refused_before


def test_the_fetcher_serves_our_static_files_and_refuses_everything_else():
    fetcher = StaticOnlyFetcher()
    css = fetcher.fetch(f"{STATIC_BASE}static/reports/disposal_form.css")
    assert b"@page" in css.read()
    for url in [
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "https://example.com/logo.png",
        "data:text/plain,hello",
        f"{STATIC_BASE}static/../../../../etc/passwd",
        f"{STATIC_BASE}static/%2e%2e/%2e%2e/etc/passwd",
        f"{STATIC_BASE}static//etc/passwd",
        f"{STATIC_BASE}fonts/not-registered.otf",
    ]:
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert fetcher.refused_count == 8


def test_even_markup_that_names_a_file_or_an_intranet_address_is_not_fetched(fetch_log):
    # The templates never put a typed value into an attribute; if one ever did, the fetcher still refuses.
    html = (
        '<html><body><p>测试</p><img src="file:///etc/passwd">'
        '<img src="http://127.0.0.1:6379/"><link rel="stylesheet" href="http://127.0.0.1:6379/x.css">'
        "</body></html>"
    )
    refused_before = pdf.stats["refused"]
    data = engine.render_html(html, [disposal_form.STYLESHEET])

    assert data.startswith(b"%PDF")
    assert {url for url, outcome in fetch_log if outcome == "refused"} >= {
        "file:///etc/passwd",
        "http://127.0.0.1:6379/",
        "http://127.0.0.1:6379/x.css",
    }
    assert not [url for url, outcome in fetch_log if outcome == "served"]
    assert pdf.stats["refused"] - refused_before >= 3


def test_a_render_that_runs_too_long_is_stopped_with_a_chinese_message(org):
    long = pdf.FormData(incident_id=1, number="YQ-2026-9999", disposal_situation="超时测试。" * 4000)
    with pytest.raises(pdf.RenderTimeout, match="生成处置表超时"):
        pdf.render(long, timeout=0.01)
    assert pdf.render(pdf.SAMPLE).startswith(b"%PDF"), "the next render starts clean"


def test_without_the_cjk_fonts_nothing_is_printed_and_the_message_says_why(tmp_path):
    # A fontconfig that knows no font at all, as on a server without fonts-noto-cjk.
    config = tmp_path / "fonts.conf"
    config.write_text(
        f"<fontconfig><dir>{tmp_path / 'no-fonts'}</dir><cachedir>{tmp_path}</cachedir></fontconfig>"
    )
    script = textwrap.dedent(
        """
        import django
        django.setup()
        from reports import pdf
        try:
            pdf.warm_up()
        except pdf.FontMissing as exc:
            print("FontMissing:", exc.message)
        else:
            print("rendered")
        """
    )
    env = {
        **os.environ,
        "FONTCONFIG_FILE": str(config),
        "DJANGO_SETTINGS_MODULE": "opinion_system.settings_test",
    }
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
    )
    assert "FontMissing: 缺少中文字体 fonts-noto-cjk，无法生成处置表" in done.stdout, (
        done.stdout + done.stderr
    )


def test_the_view_answers_503_in_chinese_when_the_fonts_are_missing(client, org, monkeypatch):
    engine.reset()
    monkeypatch.setattr(engine.fonts, "match", lambda family, style: None)
    client.force_login(org.p.xsc_liaison)
    response = client.get(reverse("reports:blank_disposal_form_pdf"))
    assert response.status_code == 503
    assert "缺少中文字体 fonts-noto-cjk，无法生成处置表" in response.content.decode()
    monkeypatch.undo()
    engine.reset()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_worker_builds_its_own_fonts_and_leaves_the_parents_alone():
    pdf.render(pdf.SAMPLE)
    parent = engine.state()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: like a gunicorn worker after post_fork
        try:
            ok = engine.state() is not parent and pdf.render(pdf.SAMPLE).startswith(b"%PDF")
            os.write(write, b"ok" if ok else b"no")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 10)
    os.close(read)
    os.waitpid(pid, 0)
    assert answer == b"ok"
    assert engine.state() is parent
    assert pdf.render(pdf.SAMPLE).startswith(b"%PDF"), "the parent's fonts were not deleted by the child"


# --- Who gets it -------------------------------------------------------------------------------------------


def form_url(incident):
    return reverse("reports:disposal_form_pdf", args=[incident.pk])


def test_the_department_gets_the_pdf_inline_with_a_chinese_filename(client, org):
    incident = filled(org)
    client.force_login(org.p.xsc_liaison)
    response = client.get(form_url(incident))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    disposition = response["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert "filename*=utf-8''%E5%A4%84%E7%BD%AE%E8%A1%A8-" + incident.number + ".pdf" in disposition
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert incident.number in compact("".join(pages_text(response.content)))


@pytest.mark.parametrize("who", ["clerk", "xsc_head", "xsc_leader", "leader"])
def test_everyone_who_sees_the_incident_may_print_its_form(client, org, who):
    incident = filled(org)
    client.force_login(getattr(org.p, who))
    assert client.get(form_url(incident)).status_code == 200


def test_an_outsider_gets_404_as_if_the_incident_did_not_exist(client, org):
    incident = filled(org)
    client.force_login(org.p.outsider)
    assert client.get(form_url(incident)).status_code == 404
    assert client.get(reverse("reports:disposal_form_pdf", args=[999999])).status_code == 404


def test_anonymous_is_sent_to_login(client, org):
    incident = filled(org)
    for url in [form_url(incident), reverse("reports:blank_disposal_form_pdf")]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_any_signed_in_person_may_print_the_blank_form(client, org):
    client.force_login(org.p.outsider)
    response = client.get(reverse("reports:blank_disposal_form_pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        "filename*=utf-8''%E5%A4%84%E7%BD%AE%E8%A1%A8-%E7%A9%BA%E7%99%BD.pdf"
        in response["Content-Disposition"]
    )


def test_the_detail_page_links_to_the_pdf(client, org):
    incident = filled(org)
    client.force_login(org.p.xsc_liaison)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert f'href="{form_url(incident)}"' in page


# --- The cache ---------------------------------------------------------------------------------------------


def test_an_unchanged_form_comes_from_the_cache_and_a_changed_one_is_drawn_again(client, org):
    incident = filled(org)
    client.force_login(org.p.xsc_liaison)
    renders = pdf.stats["renders"]

    first = client.get(form_url(incident)).content
    assert pdf.stats["renders"] == renders + 1
    hits = pdf.stats["cache_hits"]
    again = client.get(form_url(incident)).content
    assert again == first
    assert pdf.stats["renders"] == renders + 1 and pdf.stats["cache_hits"] == hits + 1

    services.disposal_form_save(
        incident=incident,
        actor=org.p.xsc_liaison,
        team_members="组长：张三；成员：李四、王五、赵六",
        disposal_situation=incident.disposal_form.disposal_situation,
        follow_up=incident.disposal_form.follow_up,
    )
    changed = client.get(form_url(incident)).content
    assert pdf.stats["renders"] == renders + 2
    assert changed != first and "赵六" in compact("".join(pages_text(changed)))

    services.source_add(
        incident=incident, actor=org.p.xsc_liaison, platform="抖音", url="https://douyin.example/v/1"
    )
    assert "https://douyin.example/v/1" in compact(
        "".join(pages_text(client.get(form_url(incident)).content))
    )
    assert pdf.stats["renders"] == renders + 3, "a new source (incident version) draws the form again"


def test_a_cache_outage_does_not_stop_printing(org, monkeypatch):
    incident = filled(org)

    class Broken:
        def get(self, *args, **kwargs):
            raise ConnectionError("redis down")

        set = get

    monkeypatch.setattr(disposal_form, "cache", Broken())
    assert pdf.disposal_form_pdf(incident).startswith(b"%PDF")


def test_warm_up_builds_everything_and_draws_a_sample():
    assert pdf.warm_up() < 30


def test_a_celery_worker_also_prepares_the_dossier_layout():
    from reports.pdf import dossier

    engine.reset()
    pdf.warm_up(dossier=True)
    built = engine.state()
    assert dossier.TEMPLATE in built.templates and dossier.STYLESHEET in built.stylesheets
