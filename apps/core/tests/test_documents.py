"""Uploaded documents: PDF, JPEG and PNG of at most 10 Mo; the rest is refused in French."""

from io import BytesIO

import pytest
from PIL import Image
from pypdf import PdfWriter

from apps.core.documents import DocumentRejected, document_check


def pdf_bytes(*, password: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def picture(fmt: str) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (80, 60), (10, 120, 200)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (pdf_bytes(), "application/pdf"),
        (picture("JPEG"), "image/jpeg"),
        (picture("PNG"), "image/jpeg"),
    ],
)
def test_pdf_jpeg_and_png_are_accepted(data, content_type):
    # An opaque PNG is re-encoded as JPEG, like every uploaded picture (apps.core.images).
    checked = document_check(upload=BytesIO(data))
    assert checked.content_type == content_type
    assert checked.size > 0 and len(checked.sha256) == 64
    assert checked.content.name.endswith((".pdf", ".jpg", ".png"))


def test_a_pdf_is_kept_byte_for_byte_and_a_picture_is_reencoded():
    data = pdf_bytes()
    assert document_check(upload=BytesIO(data)).content.read() == data
    jpeg_with_payload = picture("JPEG") + b"<?php system($_GET['c']); ?>"
    stored = document_check(upload=BytesIO(jpeg_with_payload)).content.read()
    assert b"<?php" not in stored


@pytest.mark.parametrize(
    ("data", "code", "words"),
    [
        (b"", "empty", "vide"),
        (b"Bonjour, ceci est un texte.", "unsupported_format", "PDF, un JPEG ou un PNG"),
        (picture("GIF"), "unsupported_format", "PDF, un JPEG ou un PNG"),
        (picture("WEBP"), "unsupported_format", "PDF, un JPEG ou un PNG"),
        (pdf_bytes(password="secret"), "encrypted", "mot de passe"),
        (pdf_bytes() + b"PK\x03\x04zipzip PK\x05\x06", "polyglot", "après sa fin"),
        (b"%PDF-1.7\n<html><script>alert(1)</script></html>\n%%EOF\n", "polyglot", "autre format"),
        (
            b"%PDF-1.7\n1 0 obj << /S /JavaScript /JS (app.alert(1)) >>\n%%EOF\n",
            "active_content",
            "JavaScript",
        ),
        (b"%PDF-1.7\nnot really a pdf\n%%EOF\n", "invalid", "illisible"),
    ],
)
def test_other_files_are_refused_with_a_french_message(data, code, words):
    with pytest.raises(DocumentRejected) as caught:
        document_check(upload=BytesIO(data))
    assert caught.value.code == code
    assert words in caught.value.messages[0]


def test_more_than_10_mo_is_refused_without_reading_it_all():
    big = BytesIO(b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(DocumentRejected) as caught:
        document_check(upload=big)
    assert caught.value.code == "too_large"
    assert "10 Mo" in caught.value.messages[0]
