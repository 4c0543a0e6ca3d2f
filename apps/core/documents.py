"""Uploaded documents (invoices, quotes, certificates): check them before anything is stored.

`document_check` accepts a PDF, a JPEG or a PNG of at most 10 Mo and returns what may be
stored; anything else raises `DocumentRejected` with a French message and nothing is kept.

Choices, and why:

- The format is read from the first bytes (``%PDF-`` at offset 0, the JPEG or PNG
  signature), never from the file name or the declared content type.
- Pictures go through `apps.core.images.image_process` (decoded, re-encoded, metadata and
  appended bytes dropped); WebP, GIF, HEIC… are refused: moderators and staff open these
  files, the three formats every viewer shows are enough.
- PDFs are kept as uploaded (re-rendering them is out of reach of a web request), so they
  are checked strictly: parsed by pypdf (a broken file is refused), no encryption or
  password (a moderator must be able to read it), nothing after the last ``%%EOF`` but
  whitespace, and no sign of another format inside (ZIP central directory, HTML, script,
  PHP, executables): a polyglot file that is a PDF for one reader and something else for
  another never reaches the storage. Active content (JavaScript, launch actions, embedded
  files) is refused too.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from io import BytesIO
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from apps.core.images import ImageRejected, image_process

MAX_BYTES = 10 * 1024 * 1024
_TAIL_BYTES = 1024
_PDF_MAGIC = b"%PDF-"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# Signs that a PDF also is something else (a polyglot), searched in its raw bytes.
_FOREIGN = re.compile(
    rb"PK\x05\x06|PK\x01\x02|<html|<script|<\?php|<svg|<!doctype|\x7fELF|MZ\x90\x00",
    re.IGNORECASE,
)
_ACTIVE = re.compile(rb"/JavaScript|/JS\b|/Launch|/EmbeddedFile|/RichMedia|/XFA", re.IGNORECASE)


class DocumentRejected(ValidationError):
    """Not an acceptable document. ``code``: too_large, empty, unsupported_format, invalid,
    encrypted, polyglot, active_content."""


@dataclass(frozen=True)
class CheckedDocument:
    content: ContentFile  # what to store, named <uuid4 hex>.<ext>
    content_type: str  # application/pdf, image/jpeg or image/png
    size: int
    sha256: str


def _read_bounded(upload: IO[bytes], *, max_bytes: int) -> bytes:
    if hasattr(upload, "seek"):
        upload.seek(0)
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise DocumentRejected(
            _("Le fichier dépasse %(max)s Mo.") % {"max": max_bytes // (1024 * 1024)},
            code="too_large",
        )
    if not data:
        raise DocumentRejected(_("Le fichier est vide."), code="empty")
    return data


def _pdf_check(data: bytes) -> None:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    tail = data[-_TAIL_BYTES:]
    end = tail.rfind(b"%%EOF")
    if end < 0 or tail[end + 5 :].strip():
        raise DocumentRejected(
            _("Ce PDF contient des données après sa fin : il n'est pas accepté."), code="polyglot"
        )
    if _FOREIGN.search(data):
        raise DocumentRejected(
            _("Ce PDF contient aussi des données d'un autre format : il n'est pas accepté."),
            code="polyglot",
        )
    if _ACTIVE.search(data):
        raise DocumentRejected(
            _("Les PDF avec du JavaScript ou des pièces jointes ne sont pas acceptés."),
            code="active_content",
        )
    encrypted_message = _(
        "Ce PDF est protégé par un mot de passe ou chiffré : envoyez une version non protégée."
    )
    if b"/Encrypt" in data:
        raise DocumentRejected(encrypted_message, code="encrypted")
    try:
        reader = PdfReader(BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise DocumentRejected(encrypted_message, code="encrypted")
        if len(reader.pages) < 1:
            raise PdfReadError("no page")
    except DocumentRejected:
        raise
    except Exception as exc:  # any parser failure means a broken file
        raise DocumentRejected(_("Ce fichier PDF est illisible ou abîmé."), code="invalid") from exc


def document_check(*, upload: IO[bytes], max_bytes: int = MAX_BYTES) -> CheckedDocument:
    """Check an uploaded PDF, JPEG or PNG; return what may be stored (see module doc)."""
    data = _read_bounded(upload, max_bytes=max_bytes)
    if data.startswith(_PDF_MAGIC):
        _pdf_check(data)
        content, content_type, extension = data, "application/pdf", "pdf"
    elif data.startswith(_JPEG_MAGIC) or data.startswith(_PNG_MAGIC):
        try:
            image = image_process(upload=BytesIO(data), max_bytes=max_bytes)
        except ImageRejected as exc:
            raise DocumentRejected(exc.messages[0], code=exc.code or "invalid") from exc
        content = image.content.read()
        extension = image.content.name.rsplit(".", 1)[-1]
        content_type = "image/png" if extension == "png" else "image/jpeg"
    else:
        raise DocumentRejected(
            _("Format non accepté : envoyez un PDF, un JPEG ou un PNG."),
            code="unsupported_format",
        )
    return CheckedDocument(
        content=ContentFile(content, name=f"{uuid.uuid4().hex}.{extension}"),
        content_type=content_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )
