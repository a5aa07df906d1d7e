"""On the incident page sources are links (only http/https ones) and screenshots show thumbnails made at upload,
served through the evidence view's access check; a broken or gigantic image never breaks the page."""

import io

import lxml.html
import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image, ImageFile

from incidents import services
from incidents.models import Evidence, IncidentSource
from incidents.uploads import THUMBNAIL_SIDE, make_thumbnail
from opinion_system.errors import DomainError
from tests.factories import report
from tests.incidents.test_evidence import bomb_png, pdf_bytes, upload

ORIENTATION, GPS_INFO, MAKE = 0x0112, 0x8825, 0x010F


def photo_jpeg(size=(1200, 800), orientation=6) -> bytes:
    """A phone photo: landscape pixels, EXIF saying "turn 90° clockwise", a camera make and a GPS position."""
    image = Image.new("RGB", size, "navy")
    image.paste("yellow", (0, 0, size[0] // 2, size[1] // 2))  # a mark to see which way it was turned
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    exif[MAKE] = "PhoneMaker"
    exif.get_ifd(GPS_INFO).update({1: "N", 2: (29.0, 20.0, 0.0), 3: "E", 4: (104.0, 46.0, 0.0)})
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=90)
    return buffer.getvalue()


def transparent_png(size=(900, 300)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGBA", size, (255, 0, 0, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


def page(client, user, incident) -> lxml.html.HtmlElement:
    client.force_login(user)
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return lxml.html.fromstring(response.content.decode())


def read_thumbnail(evidence: Evidence) -> Image.Image:
    with evidence.thumbnail.open("rb") as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


# --- sources --------------------------------------------------------------------------------------------------


def test_a_web_address_is_a_link_opened_apart_and_its_platform_is_shown(client, org):
    incident = report(
        org, sources=[("微博", "https://weibo.example/post/1"), ("百度贴吧", "tieba.baidu.com/p/42")]
    )
    doc = page(client, org.p.clerk, incident)
    links = doc.xpath("//*[@id='sources']//a")
    assert [a.get("href") for a in links] == ["https://weibo.example/post/1", "https://tieba.baidu.com/p/42"]
    for a in links:
        assert a.get("target") == "_blank"
        assert a.get("rel").split() == ["noopener", "noreferrer", "nofollow"]
    assert [
        b.text_content() for b in doc.xpath("//*[@id='sources']//*[contains(@class, 'source-platform')]")
    ] == ["微博", "百度贴吧"]
    assert links[1].text_content() == "tieba.baidu.com/p/42"  # shown as typed


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "http:/no-host",
        "file:///etc/passwd",
        "不是网址",
    ],
)
def test_an_address_that_is_not_http_stays_plain_text(client, org, url):
    incident = report(org)
    # Stored around the service (a row from before addresses were checked): the page must still not link it.
    IncidentSource.objects.create(incident=incident, platform="旧数据", url=url)
    doc = page(client, org.p.clerk, incident)
    sources = doc.get_element_by_id("sources")
    assert [a.get("href") for a in sources.xpath(".//a")] == ["https://weibo.example/post/1"]
    assert url in sources.text_content()


def test_the_report_still_refuses_an_address_that_is_not_a_web_page(org):
    with pytest.raises(DomainError, match="不是网页地址"):
        report(org, sources=[("微博", "javascript:alert(1)")])


# --- thumbnails -----------------------------------------------------------------------------------------------


def test_a_photo_gets_a_small_upright_thumbnail_without_its_exif_at_upload(org):
    incident = report(org, files=[upload("现场.jpg", photo_jpeg(), "image/jpeg")])
    evidence = incident.evidence.get()
    assert evidence.thumbnail.name.startswith("evidence/thumbnails/") and evidence.thumbnail.name.endswith(
        ".jpg"
    )
    thumb = read_thumbnail(evidence)
    assert thumb.format == "JPEG"
    assert max(thumb.size) == THUMBNAIL_SIDE
    assert thumb.size == (213, 320)  # 1200×800 turned upright by its EXIF orientation (6)
    assert thumb.getpixel((thumb.width - 5, 5))[2] < 100  # the yellow corner went to the top right
    assert not thumb.getexif() and "exif" not in thumb.info and "icc_profile" not in thumb.info
    with evidence.thumbnail.open("rb") as handle:
        raw = handle.read()
    assert b"PhoneMaker" not in raw and b"Exif" not in raw
    with evidence.file.open("rb") as handle:
        assert b"PhoneMaker" in handle.read()  # the evidence itself is kept as it came


def test_a_transparent_screenshot_keeps_its_transparency_and_a_pdf_has_no_thumbnail(org):
    incident = report(
        org,
        files=[upload("截图.png", transparent_png()), upload("通报.pdf", pdf_bytes(), "application/pdf")],
    )
    png, pdf = incident.evidence.order_by("id")
    thumb = read_thumbnail(png)
    assert thumb.format == "PNG" and thumb.mode == "RGBA" and thumb.size == (320, 107)
    assert not pdf.thumbnail


def test_the_thumbnail_is_shown_and_links_to_the_full_image(client, org):
    incident = report(
        org, files=[upload("截图.png", transparent_png()), upload("通报.pdf", pdf_bytes(), "application/pdf")]
    )
    png, pdf = incident.evidence.order_by("id")
    download = reverse("incidents:evidence_download", args=[png.pk])
    doc = page(client, org.p.xsc_liaison, incident)
    (img,) = doc.xpath("//*[@id='evidence']//img")
    assert img.get("src") == f"{download}?thumb=1" and "截图.png" in img.get("alt")
    link = img.getparent()
    assert link.tag == "a" and link.get("href") == f"{download}?inline=1" and link.get("target") == "_blank"
    assert doc.xpath(f"//*[@id='evidence']//a[@href='{download}']")  # the download link stays
    pdf_download = reverse("incidents:evidence_download", args=[pdf.pk])
    assert doc.xpath(f"//*[@id='evidence']//a[@href='{pdf_download}']")


def test_the_thumbnail_and_the_full_image_are_served_to_those_who_may_see_the_incident_only(client, org):
    incident = report(org, files=[upload("现场.jpg", photo_jpeg(), "image/jpeg")])
    url = reverse("incidents:evidence_download", args=[incident.evidence.get().pk])
    for user in (org.p.xsc_liaison, org.p.clerk):
        client.force_login(user)
        response = client.get(url, {"thumb": "1"})
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert max(Image.open(io.BytesIO(b"".join(response.streaming_content))).size) == THUMBNAIL_SIDE
        full = client.get(url, {"inline": "1"})
        assert full.status_code == 200 and full["Content-Disposition"].startswith("inline")
        assert full["Content-Type"] == "image/jpeg"
    client.force_login(org.p.outsider)
    for query in ({"thumb": "1"}, {"inline": "1"}, {}):
        assert client.get(url, query).status_code == 404


def test_a_pdf_is_never_shown_inline_and_has_no_thumbnail_to_serve(client, org):
    incident = report(org, files=[upload("通报.pdf", pdf_bytes(), "application/pdf")])
    url = reverse("incidents:evidence_download", args=[incident.evidence.get().pk])
    client.force_login(org.p.clerk)
    assert client.get(url, {"inline": "1"})["Content-Disposition"].startswith("attachment")
    assert client.get(url, {"thumb": "1"}).status_code == 404


def truncated_jpeg() -> bytes:
    """Passes the upload's checks (type by content, size by header) but its pixels cannot be decoded."""
    whole = photo_jpeg(size=(800, 600), orientation=1)
    return whole[: len(whole) // 3]


@pytest.fixture
def strict_decoding(monkeypatch):
    """Pillow's strict default: WeasyPrint, once imported, lets Pillow fill a truncated image with grey
    (ImageFile.LOAD_TRUNCATED_IMAGES, process-wide), so whether a test sees it depends on what ran before."""
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", False)


@pytest.mark.parametrize("content", [bomb_png(), truncated_jpeg(), b"\x89PNG\r\n\x1a\n" + b"\x00" * 200])
def test_an_image_that_cannot_be_decoded_safely_gives_no_thumbnail(strict_decoding, content):
    assert make_thumbnail(io.BytesIO(content)) is None


def test_a_truncated_image_is_stored_without_a_thumbnail_and_the_page_still_shows(
    client, org, strict_decoding
):
    incident = report(org, files=[upload("半张.jpg", truncated_jpeg(), "image/jpeg")])
    evidence = incident.evidence.get()
    assert not evidence.thumbnail
    doc = page(client, org.p.clerk, incident)
    assert not doc.xpath("//*[@id='evidence']//img") and doc.xpath("//*[@id='evidence']//a")
    url = reverse("incidents:evidence_download", args=[evidence.pk])
    assert client.get(url, {"thumb": "1"}).status_code == 404


def test_with_lenient_decoding_a_truncated_image_gets_a_thumbnail_of_what_there_is(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)  # as after WeasyPrint is imported
    content, extension = make_thumbnail(io.BytesIO(truncated_jpeg()))
    assert extension == ".jpg" and max(Image.open(content).size) == THUMBNAIL_SIDE


def stored_without_thumbnail(incident, name: str, content: bytes, content_type: str) -> Evidence:
    """A screenshot uploaded before thumbnails were made (or stored by hand, around the upload's checks)."""
    evidence = Evidence(
        incident=incident,
        original_name=name,
        content_type=content_type,
        size=len(content),
        sha256="0" * 64,
        uploaded_by=incident.reporter,
        uploaded_at=incident.reported_at,
    )
    evidence.file.save("upload.png", ContentFile(content), save=False)
    evidence.save()
    return evidence


def test_make_thumbnails_fills_in_old_screenshots_and_skips_a_bomb_without_failing(client, org):
    incident = report(org)
    old = stored_without_thumbnail(incident, "旧截图.png", transparent_png(), "image/png")
    bomb = stored_without_thumbnail(incident, "炸弹.png", bomb_png(), "image/png")
    out = io.StringIO()
    call_command("make_thumbnails", stdout=out)
    assert "已生成缩略图 1 张" in out.getvalue() and "无法读取的图片 1 张" in out.getvalue()
    old.refresh_from_db()
    bomb.refresh_from_db()
    assert max(read_thumbnail(old).size) == THUMBNAIL_SIDE and not bomb.thumbnail
    assert old.history.first().history_change_reason == "生成缩略图"
    doc = page(client, org.p.clerk, incident)
    assert len(doc.xpath("//*[@id='evidence']//img")) == 1
    out = io.StringIO()
    call_command("make_thumbnails", stdout=out)  # again: nothing new, the bomb is only retried
    assert "已生成缩略图 0 张" in out.getvalue()


def test_evidence_added_later_gets_its_thumbnail_too(org):
    incident = report(org)
    evidence = services.evidence_add(
        incident=incident, actor=org.p.clerk, upload=upload("补充.jpg", photo_jpeg(), "image/jpeg")
    )
    assert read_thumbnail(evidence).size == (213, 320)
