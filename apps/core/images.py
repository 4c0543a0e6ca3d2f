"""Uploaded pictures: decode, check, clean and re-encode before anything is stored.

Every context that accepts pictures (pro logos, gallery photos, review photos) stores what
`image_process` returns, never the uploaded bytes. `validate_image_upload` runs the same
checks for a form or serializer field without encoding anything.

Choices, and why:

- Accepted: JPEG, PNG and WebP, at most 10 Mo (`max_bytes`) and 40 million pixels
  (`max_pixels`). The format is what Pillow decodes with only those three plugins enabled,
  never the file name nor the declared content type. Other image formats (GIF, SVG, HEIC,
  AVIF, TIFF, BMP...) are recognised by their signature only to say "format non accepté"
  instead of "pas une image"; no other Pillow plugin ever parses an upload.
- At most `max_bytes + 1` bytes are read, whatever `upload.size` claims.
- Everything is decoded and re-encoded, so bytes appended after the picture (ZIP, PHP,
  HTML), comments, text chunks, XMP, EXIF (GPS included) and ICC profiles never reach the
  output. Orientation is applied first (`ImageOps.exif_transpose`); a file carrying an ICC
  profile (CMYK JPEGs from print workflows, Display P3 phone photos) is converted to sRGB
  with it, so dropping the profile does not shift colours.
- Output: JPEG (quality 85, progressive) for opaque pictures, PNG for pictures with real
  transparency (an alpha channel that is fully opaque counts as opaque). JPEG and PNG show
  everywhere we display pictures, e-mail clients included, which WebP does not; PNG only
  serves transparent pictures, which are mostly logos, so its size stays reasonable.
- Animated WebP and PNG (APNG) are refused (code "animated") rather than cut to their first
  frame: the pro learns why and picks the frame that represents the work. Multi-picture
  JPEGs (MPO, written by some cameras) are not animations: their first picture is kept.
- The stored picture's long side is at most 2560 px (`max_side`); the thumbnail fits in
  480x360 (`thumb_size`). Aspect ratio is kept, nothing is ever enlarged.
- File names are `<uuid4 hex>.<ext>` and `<uuid4 hex>-thumb.<ext>`: no part of the uploaded
  name is ever used.
- Decompression bombs: the width x height declared in the header is checked against
  `max_pixels` before any pixel is decoded. Pillow's process-wide `Image.MAX_IMAGE_PIXELS`
  and the warnings filters are left alone (other code relies on them, and
  `warnings.catch_warnings` is not thread-safe); should Pillow raise its
  `DecompressionBombError`, or its warning turned into an error, that is a refusal too.
  WebP's header is read here because Pillow's WebP decoder allocates the whole canvas as
  soon as the file is opened.
- Truncated files are refused: this relies on Pillow's default
  `ImageFile.LOAD_TRUNCATED_IMAGES = False`, which no Eldo code may change.
"""

from __future__ import annotations

import math
import uuid
from contextlib import suppress
from dataclasses import dataclass
from functools import cache
from io import BytesIO
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageFile, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560
THUMB_SIZE = (480, 360)
JPEG_QUALITY = 85

_READ_CHUNK = 64 * 1024
_HEAD_BYTES = 4096
_RESAMPLE = Image.Resampling.LANCZOS
_EXTENSIONS = {"JPEG": "jpg", "PNG": "png"}
# Signatures of image formats we refuse, only to choose the message; Pillow never sees them.
_OTHER_IMAGE_SIGNATURES = (
    b"GIF87a",
    b"GIF89a",
    b"BM",  # BMP
    b"II*\x00",  # TIFF
    b"MM\x00*",  # TIFF
    b"8BPS",  # Photoshop
    b"\x00\x00\x01\x00",  # ICO
    b"\x00\x00\x00\x0cjP  ",  # JPEG 2000
    b"\xff\x0a",  # JPEG XL
)
_ISO_MEDIA_IMAGE_BRANDS = (b"heic", b"heix", b"hevc", b"heim", b"mif1", b"msf1", b"avif", b"avis")


class ImageRejected(ValidationError):
    """An upload that is not an acceptable picture.

    `code` is one of: too_large, empty, not_an_image, unsupported_format, too_many_pixels,
    animated. The message is French and meant for the person who uploaded the file.
    """


@dataclass(frozen=True)
class ProcessedImage:
    content: ContentFile  # the re-encoded picture, named "<uuid>.<ext>"
    thumbnail: ContentFile  # named "<uuid>-thumb.<ext>"
    width: int
    height: int
    format: str  # "JPEG" or "PNG"


def image_process(
    *,
    upload: IO[bytes],
    max_bytes: int = MAX_BYTES,
    max_side: int = MAX_SIDE,
    thumb_size: tuple[int, int] = THUMB_SIZE,
    max_pixels: int = MAX_PIXELS,
) -> ProcessedImage:
    """Check an uploaded picture and return its clean re-encoding and a thumbnail.

    Raises ImageRejected when the upload is not an acceptable picture.
    """
    data = _read_bounded(upload, max_bytes=max_bytes)
    with _open_checked(data, max_pixels=max_pixels) as source:
        _load(source, draft_side=max_side)
        _apply_orientation(source)
        picture = _to_srgb(source)
    picture.info = {}  # comments, EXIF, XMP, ICC: some encoders copy them from `info`
    picture.thumbnail((max_side, max_side), _RESAMPLE)
    thumb = picture.copy()
    thumb.thumbnail(thumb_size, _RESAMPLE)

    output_format = "PNG" if picture.mode == "RGBA" else "JPEG"
    stem = uuid.uuid4().hex
    extension = _EXTENSIONS[output_format]
    return ProcessedImage(
        content=ContentFile(_encode(picture, output_format), name=f"{stem}.{extension}"),
        thumbnail=ContentFile(_encode(thumb, output_format), name=f"{stem}-thumb.{extension}"),
        width=picture.width,
        height=picture.height,
        format=output_format,
    )


def image_check(
    upload: IO[bytes], *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> bytes:
    """Raise ImageRejected for what `image_process` would refuse; else the upload's bytes.

    Every pixel is decoded, so a truncated or corrupt file is caught, but nothing is
    resized or encoded, and a JPEG is decoded at 1/8 scale: libjpeg still reads all of its
    data, skipping most of the work (a 12-megapixel photo in a few milliseconds instead of
    the tens `image_process` spends decoding it whole). What a request checks before it
    keeps a photo for `image_process` to run later.
    """
    data = _read_bounded(upload, max_bytes=max_bytes)
    with _open_checked(data, max_pixels=max_pixels) as source:
        _load(source, draft_side=1)
    return data.getvalue()


def validate_image_upload(
    upload: IO[bytes], *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS
) -> None:
    """Field validator: `image_check`, then the upload rewound for whoever reads it next."""
    image_check(upload, max_bytes=max_bytes, max_pixels=max_pixels)
    _rewind(upload)


def _reject(code: str, message: str, params: dict[str, Any] | None = None) -> ImageRejected:
    return ImageRejected(message, code=code, params=params)


def _too_large(max_bytes: int) -> ImageRejected:
    return _reject("too_large", _("Le fichier dépasse %(limit)s."), {"limit": _size(max_bytes)})


def _too_many_pixels(max_pixels: int) -> ImageRejected:
    if max_pixels >= 1_000_000:
        message = _("Image trop grande (plus de %(limit)s millions de pixels).")
        return _reject("too_many_pixels", message, {"limit": _decimal(max_pixels / 1_000_000)})
    message = _("Image trop grande (plus de %(limit)s pixels).")
    return _reject("too_many_pixels", message, {"limit": max_pixels})


def _not_an_image() -> ImageRejected:
    return _reject("not_an_image", _("Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP)."))


def _read_bounded(upload: IO[bytes], *, max_bytes: int) -> BytesIO:
    """The upload's bytes, reading at most one byte more than allowed."""
    declared = getattr(upload, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large(max_bytes)
    _rewind(upload)
    data = BytesIO()
    received = 0
    while received <= max_bytes:
        chunk = upload.read(min(_READ_CHUNK, max_bytes + 1 - received))
        if not chunk:
            break
        data.write(chunk)
        received += len(chunk)
    if received > max_bytes:
        raise _too_large(max_bytes)
    if received == 0:
        raise _reject("empty", _("Le fichier est vide."))
    data.seek(0)
    return data


def _open_checked(data: BytesIO, *, max_pixels: int) -> ImageFile.ImageFile:
    """Open with the accepted plugins only and check the header; no pixel is decoded."""
    head = data.read(_HEAD_BYTES)
    data.seek(0)
    if (declared := _webp_canvas_size(head)) and declared[0] * declared[1] > max_pixels:
        raise _too_many_pixels(max_pixels)
    try:
        image = Image.open(data, formats=ACCEPTED_FORMATS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(max_pixels) from exc
    except UnidentifiedImageError as exc:
        if _is_other_image_format(head):
            raise _reject(
                "unsupported_format", _("Format non accepté : seuls JPEG, PNG et WebP le sont.")
            ) from exc
        raise _not_an_image() from exc
    except Exception as exc:  # a corrupt header: Pillow's plugins raise many exception types
        raise _not_an_image() from exc
    if image.width * image.height > max_pixels:
        image.close()
        raise _too_many_pixels(max_pixels)
    if image.format != "MPO" and getattr(image, "is_animated", False):
        image.close()
        raise _reject(
            "animated", _("Les images animées ne sont pas acceptées : envoyez une image fixe.")
        )
    return image


def _load(image: ImageFile.ImageFile, *, draft_side: int | None) -> None:
    if draft_side and image.format == "JPEG" and max(image.size) > draft_side:
        # libjpeg scales down by 1/2, 1/4 or 1/8 while decoding: far less memory and time.
        # Pillow picks the largest scale that keeps *both* sides at least the size asked,
        # so the size asked is the picture's own shape fitted in the square: asking for the
        # square itself would never scale a landscape photo whose short side is below twice
        # the square (a 5,712 x 4,284 phone photo decoded whole for a 2,560 px picture).
        width, height = image.size
        ratio = draft_side / max(width, height)
        image.draft(None, (math.ceil(width * ratio), math.ceil(height * ratio)))
    try:
        image.load()
    except Exception as exc:  # truncated or corrupt data
        raise _not_an_image() from exc


def _apply_orientation(image: Image.Image) -> None:
    # A broken EXIF block must not cost a decodable photo: it is discarded anyway.
    with suppress(Exception):
        ImageOps.exif_transpose(image, in_place=True)


def _to_srgb(image: Image.Image) -> Image.Image:
    """A new RGB or RGBA picture in sRGB, whatever the mode and ICC profile of the upload."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit greyscale PNG
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    profile = image.info.get("icc_profile")
    if profile and image.mode in ("RGB", "RGBA", "CMYK", "L") and "transparency" not in image.info:
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(BytesIO(profile)),
                _srgb_profile(),
                outputMode="RGBA" if image.mode == "RGBA" else "RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken or mismatched profile: the plain conversion below
        else:
            if converted is not None:
                return _drop_opaque_alpha(converted)
    return _drop_opaque_alpha(image.convert("RGBA" if image.has_transparency_data else "RGB"))


def _drop_opaque_alpha(image: Image.Image) -> Image.Image:
    if image.mode == "RGBA" and image.getchannel("A").getextrema()[0] == 255:
        return image.convert("RGB")
    return image


@cache
def _srgb_profile() -> ImageCms.ImageCmsProfile:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _encode(image: Image.Image, output_format: str) -> bytes:
    buffer = BytesIO()
    if output_format == "JPEG":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _webp_canvas_size(head: bytes) -> tuple[int, int] | None:
    """Width and height declared by a WebP header (RIFF container, then VP8X/VP8L/VP8)."""
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8X":
        return _le(head[24:27]) + 1, _le(head[27:30]) + 1
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = _le(head[21:25])
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        return _le(head[26:28]) & 0x3FFF, _le(head[28:30]) & 0x3FFF
    return None


def _le(raw: bytes) -> int:
    return int.from_bytes(raw, "little")


def _is_other_image_format(head: bytes) -> bool:
    if head.startswith(_OTHER_IMAGE_SIGNATURES):
        return True
    if head[4:8] == b"ftyp" and head[8:12] in _ISO_MEDIA_IMAGE_BRANDS:  # HEIC, AVIF
        return True
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip().lower()
    return text.startswith(b"<") and b"<svg" in text  # SVG, bare or behind <?xml/<!DOCTYPE


def _rewind(upload: IO[bytes]) -> None:
    seek = getattr(upload, "seek", None)
    if seek is not None:
        with suppress(OSError, ValueError):  # a stream that cannot seek is read as it stands
            seek(0)


def _size(num_bytes: int) -> str:
    if num_bytes >= 1024 * 1024:
        return _("%(size)s Mo") % {"size": _decimal(num_bytes / (1024 * 1024))}
    return _("%(size)s Ko") % {"size": _decimal(num_bytes / 1024)}


def _decimal(value: float) -> str:
    """1 decimal at most, French comma: 10 -> "10", 2.5 -> "2,5"."""
    return f"{round(value, 1):g}".replace(".", ",")
