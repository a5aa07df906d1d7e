"""Evidence files are judged by their content, never by their name or the browser's claim."""

import hashlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import filetype
from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404
from PIL import Image, ImageOps, UnidentifiedImageError
from pypdf import PdfReader

from opinion_system import clock
from opinion_system.errors import DomainError
from opinion_system.stamps import stamp

ALLOWED = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/gif": ".gif",
    "image/webp": ".webp",
    "application/pdf": ".pdf",
}
MAX_IMAGE_PIXELS = 50_000_000  # a 8K screenshot is 33 Mpx; beyond this it is a decompression bomb
# The long side of a screenshot's thumbnail: enough to recognise it on the page (and on a phone), a few KB.
THUMBNAIL_SIDE = 320
THUMBNAIL_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}


@dataclass(frozen=True)
class CheckedUpload:
    content_type: str
    extension: str
    size: int
    sha256: str


def check_uploads(uploads: Sequence, *, most: int) -> list[tuple[object, CheckedUpload]]:
    """All files checked before any is stored: one bad file refuses the lot, so a resubmission stores none twice."""
    if len(uploads) > most:
        raise DomainError(f"一次最多上传 {most} 个附件。")
    return [(upload, check_upload(upload)) for upload in uploads]


def store_attachments(model, checked: list, *, actor, reason: str, **owner) -> None:
    """Store checked files as rows of an attachment model (file, name, type, size, sha256, who and when)."""
    for upload, result in checked:
        attachment = model(
            **owner,
            original_name=(getattr(upload, "name", "") or "file").rsplit("/", 1)[-1][:255],
            content_type=result.content_type,
            size=result.size,
            sha256=result.sha256,
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        attachment.file.save(f"upload{result.extension}", File(upload), save=False)
        stamp(attachment, actor=actor, reason=reason)
        attachment.save()


def attachment_response(attachment, *, inline: bool = False) -> FileResponse:
    """A stored attachment, as a download: never sniffed into a page, never run as one.

    `inline` shows a screenshot in the browser's own image viewer instead (the caller allows it for images
    only: their type was judged by content at upload, and an image cannot run anything under this policy).
    """
    inline = inline and attachment.content_type in ALLOWED and attachment.content_type.startswith("image/")
    return _file_response(
        attachment.file, attachment.original_name, attachment.content_type, as_attachment=not inline
    )


def thumbnail_response(evidence) -> FileResponse:
    """The screenshot's thumbnail, shown in the page (<img>); 404 when it has none (a PDF, an unreadable image)."""
    if not evidence.thumbnail:
        raise Http404("缩略图不存在")
    name = evidence.thumbnail.name
    content_type = THUMBNAIL_TYPES.get(name[name.rfind(".") :].lower())
    if content_type is None:
        raise Http404("缩略图不存在")
    return _file_response(
        evidence.thumbnail, f"缩略图-{evidence.original_name}", content_type, as_attachment=False
    )


def _file_response(field, filename: str, content_type: str, *, as_attachment: bool) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404("文件不存在") from None
    response = FileResponse(handle, as_attachment=as_attachment, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def add_thumbnail(evidence, source, content_type: str) -> bool:
    """Give an image's evidence row its thumbnail (not saved here); False when there is none to make."""
    if not content_type.startswith("image/"):
        return False
    made = make_thumbnail(source)
    if made is None:
        return False
    content, extension = made
    evidence.thumbnail.save(f"thumb{extension}", content, save=False)
    return True


def make_thumbnail(source) -> tuple[ContentFile, str] | None:
    """A re-encoded copy at most THUMBNAIL_SIDE px on its long side, turned as its EXIF says, with no metadata
    (no EXIF, GPS, ICC or text chunks: a screenshot's thumbnail must not tell where a phone was); None when the
    image cannot be read or is too large to decode safely — the page then shows the download link only."""
    try:
        source.seek(0)
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                image.draft("RGB", (THUMBNAIL_SIDE * 2, THUMBNAIL_SIDE * 2))  # a JPEG decodes at a fraction
                turned = ImageOps.exif_transpose(image)
                alpha = "A" in turned.getbands() or "transparency" in turned.info
                mode, fmt, extension = ("RGBA", "PNG", ".png") if alpha else ("RGB", "JPEG", ".jpg")
                small = turned.convert(mode)
                small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), Image.Resampling.LANCZOS)
                # Only the pixels go on: a fresh image carries none of the source's info/EXIF/ICC.
                clean = Image.new(mode, small.size)
                clean.paste(small)
        buffer = io.BytesIO()
        clean.save(buffer, format=fmt, **({"quality": 85, "optimize": True} if fmt == "JPEG" else {}))
    except Exception:  # a damaged image makes Pillow raise almost anything; all mean "no thumbnail"
        return None
    finally:
        source.seek(0)
    return ContentFile(buffer.getvalue()), extension


def check_upload(upload) -> CheckedUpload:
    """Refuse anything too big, not a screenshot/PDF by content, or an image that would explode in memory."""
    limit = settings.EVIDENCE_MAX_BYTES
    size = upload.size
    if size is None or size > limit:
        raise DomainError(f"文件「{upload.name}」超过 {limit // (1024 * 1024)} MB，请压缩后再上传。")
    if size == 0:
        raise DomainError(f"文件「{upload.name}」是空文件。")
    upload.seek(0)
    head = upload.read(8192)
    kind = filetype.guess(head)
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED:
        raise DomainError(
            f"文件「{upload.name}」不是允许的类型：只接受 PNG、JPEG、GIF、WebP 截图或 PDF 文件。"
        )
    if content_type == "application/pdf":
        _check_pdf(upload, head)
    else:
        _check_image(upload)
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(content_type, ALLOWED[content_type], size, digest.hexdigest())


def _check_image(upload) -> None:
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload) as image:
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    raise DomainError(
                        f"图片「{upload.name}」尺寸过大（{image.width}×{image.height}），请缩小后上传。"
                    )
                image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise DomainError(f"图片「{upload.name}」尺寸过大，疑似恶意文件，已拒绝。") from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise DomainError(f"图片「{upload.name}」已损坏或不是有效的图片文件。") from exc
    finally:
        upload.seek(0)


def _check_pdf(upload, head: bytes) -> None:
    """A PDF whose pages can be read: the "%PDF-" header alone is five bytes anyone can put before anything."""
    invalid = DomainError(f"文件「{upload.name}」不是有效的 PDF 文件。")
    if not head.startswith(b"%PDF-"):
        raise invalid
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        encrypted = reader.is_encrypted
        pages = 0 if encrypted else len(reader.pages)
    except Exception as exc:  # a broken file makes pypdf raise almost anything; all mean "not valid"
        raise invalid from exc
    finally:
        upload.seek(0)
    if encrypted:
        raise DomainError(f"PDF「{upload.name}」设有密码，存档后无法查看，请去除密码后再上传。")
    if pages < 1:
        raise invalid
