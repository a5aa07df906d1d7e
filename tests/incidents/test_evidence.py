"""Evidence files: checked by content, stored under random names, served only through an access check."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image
from pypdf import PdfWriter

from incidents import services
from incidents.models import Evidence
from opinion_system.errors import DomainError
from tests.factories import report


def png_bytes(size=(40, 20)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def bomb_png(width=60000, height=60000) -> bytes:
    """A tiny file that claims a gigantic image (a decompression bomb)."""
    raw = zlib.compress(b"\x00" * 1024)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def upload(name, content, content_type="image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def pdf_bytes(password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_screenshot_and_a_pdf_are_accepted_with_random_names_and_sha256(org):
    pdf = pdf_bytes()
    incident = report(
        org, files=[upload("截图.png", png_bytes()), upload("通报.pdf", pdf, "application/pdf")]
    )
    stored = list(incident.evidence.order_by("id"))
    assert [e.content_type for e in stored] == ["image/png", "application/pdf"]
    assert stored[0].original_name == "截图.png" and "截图" not in stored[0].file.name
    assert stored[0].file.name.endswith(".png") and len(stored[0].sha256) == 64


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("evil.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("page.png", b"<html><script>alert(1)</script></html>"),
        ("tool.pdf", b"MZ\x90\x00" + b"\x00" * 100),
        ("fake.pdf", b"%PDF-1.4\n<html><script>alert(1)</script></html>"),
        ("nopages.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        ("empty.png", b""),
    ],
)
def test_content_that_is_not_an_allowed_type_is_refused_and_nothing_is_saved(org, name, content):
    with pytest.raises(DomainError):
        report(org, files=[upload(name, content)])
    assert not Evidence.objects.exists()


def test_a_pdf_with_a_password_is_refused_with_the_reason(org):
    with pytest.raises(DomainError, match="设有密码"):
        report(org, files=[upload("加密.pdf", pdf_bytes(password="secret"), "application/pdf")])
    assert not Evidence.objects.exists()


def test_an_image_bomb_is_refused(org):
    with pytest.raises(DomainError, match="过大"):
        report(org, files=[upload("bomb.png", bomb_png())])


@override_settings(EVIDENCE_MAX_BYTES=1024)
def test_an_oversized_file_is_refused(org):
    with pytest.raises(DomainError, match="超过"):
        report(org, files=[upload("big.png", png_bytes((400, 400)) + b"\x00" * 2048)])


def test_evidence_is_served_as_an_attachment_with_nosniff_and_only_to_those_who_may_see_it(client, org):
    html_tail = png_bytes() + b"<html><script>alert(1)</script></html>"
    incident = report(org, files=[upload("shot.png", html_tail)])
    evidence = incident.evidence.get()
    url = reverse("incidents:evidence_download", args=[evidence.pk])
    client.force_login(org.p.clerk)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "image/png"
    client.force_login(org.p.outsider)
    assert client.get(url).status_code == 404
    assert client.get(reverse("incidents:evidence_download", args=[987654])).status_code == 404


def test_adding_evidence_later_is_for_the_department_or_the_office(org):
    incident = report(org)
    services.evidence_add(incident=incident, actor=org.p.clerk, upload=upload("a.png", png_bytes()))
    from opinion_system.errors import NotAllowed

    with pytest.raises(NotAllowed):
        services.evidence_add(incident=incident, actor=org.p.rsc_liaison, upload=upload("b.png", png_bytes()))
