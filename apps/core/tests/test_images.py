"""The upload image pipeline: only clean, re-encoded, bounded pictures come out."""

from __future__ import annotations

import os
import re
import struct
import warnings
import zipfile
import zlib
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms, WebPImagePlugin, features
from PIL.PngImagePlugin import PngInfo

from apps.core.images import (
    ImageRejected,
    ProcessedImage,
    image_check,
    image_process,
    validate_image_upload,
)

PHP_PAYLOAD = b"<?php system($_GET['c']); ?>"
HTML_PAYLOAD = b"<script>alert(document.cookie)</script>"
UUID_NAME = re.compile(r"^([0-9a-f]{32})\.(jpg|png)$")
RED, BLUE = (220, 20, 20), (20, 20, 220)


# --- building uploads in memory --------------------------------------------------------------


def _encoded(image: Image.Image, image_format: str, **params) -> bytes:
    buffer = BytesIO()
    image.save(buffer, image_format, **params)
    return buffer.getvalue()


def _upload(content: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def _jpeg(size=(64, 48), color=RED, **params) -> bytes:
    return _encoded(Image.new("RGB", size, color), "JPEG", **params)


def _noise_jpeg(size=(200, 200)) -> bytes:
    """A JPEG with plenty of entropy-coded data, so that cutting it truncates pixels."""
    return _encoded(Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)), "JPEG")


def _two_halves(size=(40, 20)) -> Image.Image:
    """Left half red, right half blue: shows where the pixels went after a rotation."""
    image = Image.new("RGB", size, BLUE)
    image.paste(RED, (0, 0, size[0] // 2, size[1]))
    return image


def _gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "EldoTestCam"
    exif[ExifTags.Base.Orientation] = orientation
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (48.0, 51.0, 24.0)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (2.0, 21.0, 7.0)
    return exif


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _bilevel_png(width: int, height: int, *, with_pixels: bool) -> bytes:
    """A 1-bit greyscale PNG; all-black pixels compress to almost nothing."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    pixels = zlib.compress(row * height) if with_pixels else zlib.compress(row)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", pixels)
        + _png_chunk(b"IEND", b"")
    )


def _webp_declaring(width: int, height: int) -> bytes:
    """A WebP (VP8X) header announcing a canvas of width x height."""
    canvas = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    vp8x = b"\x00\x00\x00\x00" + canvas  # flags, reserved, then the canvas size
    body = b"WEBP" + b"VP8X" + struct.pack("<I", len(vp8x)) + vp8x
    return b"RIFF" + struct.pack("<I", len(body)) + body


# --- reading what comes out ------------------------------------------------------------------


def _bytes(content) -> bytes:
    content.seek(0)
    return content.read()


def _decoded(content) -> Image.Image:
    image = Image.open(BytesIO(_bytes(content)))
    image.load()
    return image


def _assert_no_metadata(content) -> None:
    image = _decoded(content)
    assert not image.getexif()
    assert 0x8825 not in image.getexif()
    for key in ("exif", "icc_profile", "xmp", "comment", "XML:com.adobe.xmp"):
        assert key not in image.info
    raw = _bytes(content)
    assert b"Exif\x00\x00" not in raw
    assert b"EldoTestCam" not in raw


def _rejected(content: bytes | None = None, *, code: str, upload=None, **params) -> ImageRejected:
    with pytest.raises(ImageRejected) as caught:
        image_process(upload=upload if upload is not None else _upload(content), **params)
    assert caught.value.code == code
    return caught.value


def _close(pixel, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


# --- what comes out ---------------------------------------------------------------------------


def test_a_jpeg_comes_out_as_a_decodable_jpeg_with_its_thumbnail():
    result = image_process(upload=_upload(_jpeg(size=(64, 48))))

    assert isinstance(result, ProcessedImage)
    assert (result.format, result.width, result.height) == ("JPEG", 64, 48)
    main = _decoded(result.content)
    assert (main.format, main.mode, main.size) == ("JPEG", "RGB", (64, 48))
    assert _close(main.getpixel((32, 24)), RED)
    assert _decoded(result.thumbnail).format == "JPEG"


def test_names_are_random_and_never_taken_from_the_upload():
    first = image_process(upload=_upload(_jpeg(), name="../../etc/passwd.jpg"))
    second = image_process(upload=_upload(_jpeg(), name="../../etc/passwd.jpg"))

    match = UUID_NAME.match(first.content.name)
    assert match, first.content.name
    assert first.thumbnail.name == f"{match.group(1)}-thumb.jpg"
    for name in (first.content.name, first.thumbnail.name):
        assert "passwd" not in name
        assert "/" not in name
        assert ".." not in name
    assert second.content.name != first.content.name


def test_exif_and_gps_are_stripped_from_picture_and_thumbnail():
    photo = _encoded(Image.new("RGB", (64, 48), RED), "JPEG", exif=_gps_exif())
    assert Image.open(BytesIO(photo)).getexif().get_ifd(0x8825)  # the fixture does carry GPS

    result = image_process(upload=_upload(photo))

    _assert_no_metadata(result.content)
    _assert_no_metadata(result.thumbnail)


@pytest.mark.parametrize("image_format", ["JPEG", "PNG", "WEBP"])
def test_orientation_is_applied_before_the_metadata_goes(image_format):
    # Orientation 6: the camera was turned a quarter clockwise; the left edge is the top.
    photo = _encoded(_two_halves((40, 20)), image_format, exif=_gps_exif(orientation=6))

    result = image_process(upload=_upload(photo))

    assert (result.width, result.height) == (20, 40)
    picture = _decoded(result.content)
    assert picture.size == (20, 40)
    assert _close(picture.getpixel((10, 5)), RED)
    assert _close(picture.getpixel((10, 35)), BLUE)
    assert _decoded(result.thumbnail).size == (20, 40)
    _assert_no_metadata(result.content)


def test_a_picture_larger_than_the_default_limit_is_downscaled_to_2560px():
    result = image_process(upload=_upload(_jpeg(size=(2600, 1300))))

    assert (result.width, result.height) == (2560, 1280)
    assert _decoded(result.content).size == (2560, 1280)


@pytest.mark.parametrize(
    ("size", "expected"),
    [((1300, 650), (300, 150)), ((650, 1300), (150, 300)), ((120, 80), (120, 80))],
)
def test_the_long_side_is_bounded_and_small_pictures_are_not_enlarged(size, expected):
    result = image_process(upload=_upload(_jpeg(size=size)), max_side=300)

    assert (result.width, result.height) == expected
    assert _decoded(result.content).size == expected


@pytest.mark.parametrize(
    ("size", "thumb_size", "expected"),
    [
        ((1000, 500), (480, 360), (480, 240)),
        ((400, 1000), (480, 360), (144, 360)),
        ((300, 300), (100, 50), (50, 50)),
        ((40, 30), (480, 360), (40, 30)),
    ],
)
def test_the_thumbnail_fits_in_thumb_size_keeping_the_aspect_ratio(size, thumb_size, expected):
    result = image_process(upload=_upload(_jpeg(size=size)), thumb_size=thumb_size)

    assert _decoded(result.thumbnail).size == expected
    assert (result.width, result.height) == size


# --- colours, transparency and formats -------------------------------------------------------


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_transparent_pictures_come_out_as_png_with_their_alpha(image_format):
    image = Image.new("RGBA", (40, 40), (*RED, 255))
    image.paste((0, 0, 0, 0), (0, 0, 20, 40))
    params = {"lossless": True} if image_format == "WEBP" else {}

    result = image_process(upload=_upload(_encoded(image, image_format, **params)))

    assert result.format == "PNG"
    assert UUID_NAME.match(result.content.name).group(2) == "png"
    assert result.thumbnail.name.endswith("-thumb.png")
    picture = _decoded(result.content)
    assert (picture.format, picture.mode) == ("PNG", "RGBA")
    assert picture.getpixel((5, 20))[3] == 0
    assert picture.getpixel((35, 20)) == (*RED, 255)


@pytest.mark.parametrize("image_format", ["PNG", "WEBP"])
def test_opaque_pictures_come_out_as_jpeg_even_with_an_alpha_channel(image_format):
    image = Image.new("RGBA", (40, 40), (*BLUE, 255))

    result = image_process(upload=_upload(_encoded(image, image_format)))

    assert result.format == "JPEG"
    picture = _decoded(result.content)
    assert (picture.format, picture.mode) == ("JPEG", "RGB")
    assert _close(picture.getpixel((20, 20)), BLUE)


def test_a_cmyk_jpeg_comes_out_in_rgb_with_its_colour():
    cyan = Image.new("CMYK", (32, 32), (255, 0, 0, 0))

    result = image_process(upload=_upload(_encoded(cyan, "JPEG")))

    picture = _decoded(result.content)
    assert (result.format, picture.mode) == ("JPEG", "RGB")
    assert _close(picture.getpixel((16, 16)), (0, 255, 255))


def test_a_palette_png_without_transparency_comes_out_as_an_rgb_jpeg():
    image = Image.new("RGB", (32, 32), RED).quantize(colors=4)
    assert image.mode == "P"

    result = image_process(upload=_upload(_encoded(image, "PNG")))

    picture = _decoded(result.content)
    assert (result.format, picture.mode) == ("JPEG", "RGB")
    assert _close(picture.getpixel((16, 16)), RED)


def test_a_palette_png_with_a_transparent_index_keeps_its_transparency():
    image = Image.new("P", (32, 32), 1)
    image.putpalette([0, 0, 0, *RED] + [0] * 762)
    image.paste(0, (0, 0, 16, 32))

    result = image_process(upload=_upload(_encoded(image, "PNG", transparency=0)))

    picture = _decoded(result.content)
    assert (result.format, picture.mode) == ("PNG", "RGBA")
    assert picture.getpixel((4, 16))[3] == 0
    assert picture.getpixel((28, 16)) == (*RED, 255)


def test_a_16_bit_greyscale_png_keeps_its_grey_level():
    grey = Image.new("I;16", (16, 16), 40000)  # 40000 / 65535 is about 156 / 255

    result = image_process(upload=_upload(_encoded(grey, "PNG")))

    red, green, blue = _decoded(result.content).getpixel((8, 8))
    assert 140 <= red <= 172
    assert red == green == blue


def test_the_colour_profile_is_dropped_and_a_broken_one_does_not_refuse_the_photo():
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    with_profile = _encoded(Image.new("RGB", (32, 32), RED), "JPEG", icc_profile=srgb)
    broken = _encoded(Image.new("RGB", (32, 32), RED), "JPEG", icc_profile=b"xx" + PHP_PAYLOAD)

    for photo in (with_profile, broken):
        result = image_process(upload=_upload(photo))
        assert "icc_profile" not in _decoded(result.content).info
        assert _close(_decoded(result.content).getpixel((16, 16)), RED)
        assert PHP_PAYLOAD not in _bytes(result.content)


def test_a_multi_picture_jpeg_is_a_still_photo_not_an_animation():
    first, second = Image.new("RGB", (40, 30), RED), Image.new("RGB", (20, 10), BLUE)
    mpo = _encoded(first, "MPO", save_all=True, append_images=[second])

    result = image_process(upload=_upload(mpo))

    assert (result.format, result.width, result.height) == ("JPEG", 40, 30)
    assert _close(_decoded(result.content).getpixel((20, 15)), RED)


# --- polyglots never come out as uploaded ----------------------------------------------------


def test_a_php_payload_appended_to_a_jpeg_is_not_stored():
    polyglot = _jpeg() + PHP_PAYLOAD
    assert Image.open(BytesIO(polyglot)).format == "JPEG"  # still a valid JPEG for Pillow

    result = image_process(upload=_upload(polyglot, name="shell.php.jpg"))

    assert PHP_PAYLOAD not in _bytes(result.content)
    assert PHP_PAYLOAD not in _bytes(result.thumbnail)


def test_a_zip_appended_to_a_jpeg_is_not_stored():
    archive = BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("shell.php", PHP_PAYLOAD)
    polyglot = _jpeg() + archive.getvalue()
    assert zipfile.is_zipfile(BytesIO(polyglot))  # both a JPEG and a ZIP

    result = image_process(upload=_upload(polyglot))

    stored = _bytes(result.content)
    assert not zipfile.is_zipfile(BytesIO(stored))
    assert b"shell.php" not in stored
    assert PHP_PAYLOAD not in stored


def _png_text(text: bytes) -> PngInfo:
    info = PngInfo()
    info.add_text("Comment", text.decode())
    return info


@pytest.mark.parametrize(
    ("image_format", "params"),
    [
        ("JPEG", {"comment": HTML_PAYLOAD}),
        ("JPEG", {"xmp": HTML_PAYLOAD}),
        ("PNG", {"pnginfo": _png_text(HTML_PAYLOAD)}),
        ("WEBP", {"xmp": HTML_PAYLOAD}),
    ],
    ids=["jpeg-comment", "jpeg-xmp", "png-text", "webp-xmp"],
)
def test_payloads_hidden_in_metadata_are_not_stored(image_format, params):
    photo = _encoded(Image.new("RGB", (32, 32), RED), image_format, **params)
    assert HTML_PAYLOAD in photo

    result = image_process(upload=_upload(photo))

    assert HTML_PAYLOAD not in _bytes(result.content)
    assert HTML_PAYLOAD not in _bytes(result.thumbnail)


def test_a_gif_html_polyglot_is_refused_as_an_unsupported_format():
    polyglot = _encoded(Image.new("P", (8, 8)), "GIF", comment=HTML_PAYLOAD) + HTML_PAYLOAD

    _rejected(polyglot, code="unsupported_format")


# --- refusals ---------------------------------------------------------------------------------


def test_a_text_file_renamed_jpg_is_not_an_image():
    upload = _upload(b"Bonjour, ceci n'est pas une photo.\n" * 20, name="photo.jpg")

    error = _rejected(upload=upload, code="not_an_image")

    assert isinstance(error, ValidationError)
    assert error.messages == ["Ce fichier n'est pas une image lisible (JPEG, PNG ou WebP)."]


def test_html_sent_as_image_jpeg_is_not_an_image():
    _rejected(b"<html><body>" + HTML_PAYLOAD + b"</body></html>", code="not_an_image")


def test_an_empty_file_is_refused():
    error = _rejected(b"", code="empty")

    assert error.messages == ["Le fichier est vide."]


@pytest.mark.parametrize("image_format", ["JPEG", "PNG"])
def test_a_truncated_file_is_refused(image_format):
    noise = Image.frombytes("RGB", (200, 200), os.urandom(200 * 200 * 3))
    complete = _encoded(noise, image_format)

    _rejected(complete[: len(complete) // 2], code="not_an_image")


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script>'
        b"alert(1)</script></svg>",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
    ],
)
def test_svg_is_an_unsupported_format(content):
    upload = _upload(content, name="logo.svg", content_type="image/svg+xml")

    error = _rejected(upload=upload, code="unsupported_format")

    assert error.messages == ["Format non accepté : seuls JPEG, PNG et WebP le sont."]


@pytest.mark.parametrize("image_format", ["GIF", "BMP", "TIFF"])
def test_other_image_formats_are_unsupported(image_format):
    _rejected(_encoded(Image.new("RGB", (16, 16), RED), image_format), code="unsupported_format")


@pytest.mark.skipif(not features.check("avif"), reason="Pillow built without AVIF")
def test_avif_is_unsupported():
    _rejected(_encoded(Image.new("RGB", (16, 16), RED), "AVIF"), code="unsupported_format")


def test_an_animated_gif_is_an_unsupported_format():
    frames = [Image.new("P", (16, 16), index) for index in (1, 2)]
    gif = _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])

    _rejected(gif, code="unsupported_format")


@pytest.mark.parametrize("image_format", ["WEBP", "PNG"])
def test_animated_webp_and_png_are_refused(image_format):
    frames = [Image.new("RGB", (16, 16), RED), Image.new("RGB", (16, 16), BLUE)]
    animation = _encoded(frames[0], image_format, save_all=True, append_images=frames[1:])
    assert Image.open(BytesIO(animation)).n_frames == 2

    error = _rejected(animation, code="animated")

    assert error.messages == ["Les images animées ne sont pas acceptées : envoyez une image fixe."]


def test_a_file_over_max_bytes_is_too_large():
    photo = _noise_jpeg((64, 64))
    assert len(photo) > 2048

    error = _rejected(photo, code="too_large", max_bytes=2048)

    assert error.messages == ["Le fichier dépasse 2 Ko."]
    assert image_process(upload=_upload(photo), max_bytes=len(photo)).format == "JPEG"


class _Stream:
    """A file-like upload that counts what is read from it and may lie about its size."""

    def __init__(self, *, size, content: bytes | None = None):
        self.size = size
        self.content = content
        self.bytes_read = 0

    def read(self, amount=-1):
        if amount is None or amount < 0:
            raise AssertionError("the whole stream was requested")
        if self.content is None:  # endless
            chunk = b"\xff" * amount
        else:
            chunk = self.content[self.bytes_read : self.bytes_read + amount]
        self.bytes_read += len(chunk)
        return chunk


def test_a_declared_size_over_the_limit_is_refused_without_reading():
    stream = _Stream(size=11 * 1024 * 1024)

    error = _rejected(upload=stream, code="too_large")

    assert error.messages == ["Le fichier dépasse 10 Mo."]
    assert stream.bytes_read == 0


def test_a_stream_lying_about_its_size_is_read_only_up_to_the_limit():
    stream = _Stream(size=10)

    _rejected(upload=stream, code="too_large", max_bytes=100_000)

    assert stream.bytes_read == 100_001


def test_a_file_like_object_without_seek_is_accepted():
    stream = _Stream(size=None, content=_jpeg())

    assert image_process(upload=stream).format == "JPEG"


# --- decompression bombs ---------------------------------------------------------------------


@pytest.fixture
def pixel_allocations(monkeypatch):
    """Sizes of the pixel buffers Pillow allocates, WebP's decoder canvas included."""
    allocated = []
    new, webp_decoder = Image.core.new, WebPImagePlugin._webp.WebPAnimDecoder

    def spy_new(mode, size, *args):
        allocated.append(size)
        return new(mode, size, *args)

    def spy_webp_decoder(data):
        allocated.append(("webp canvas", len(data)))
        return webp_decoder(data)

    monkeypatch.setattr(Image.core, "new", spy_new)
    monkeypatch.setattr(WebPImagePlugin._webp, "WebPAnimDecoder", spy_webp_decoder)
    return allocated


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(pixel_allocations):
    photo = _jpeg(size=(2400, 1200))
    pixel_allocations.clear()

    result = image_process(upload=_upload(photo), max_side=300)

    assert (result.width, result.height) == (300, 150)
    largest = max(width * height for width, height in pixel_allocations)
    assert largest <= 2400 * 1200 // 16  # libjpeg decoded at 1/4 scale at most


def test_a_landscape_photo_is_decoded_at_half_scale_when_its_short_side_allows_it(
    pixel_allocations,
):
    # A phone's 4:3 photo: 1,800 px high is under twice 1,000, yet half of it (1,200 x 900)
    # still covers the 1,000 x 750 picture kept, so libjpeg need not decode it whole.
    photo = _jpeg(size=(2400, 1800))
    pixel_allocations.clear()

    result = image_process(upload=_upload(photo), max_side=1000)

    assert (result.width, result.height) == (1000, 750)
    largest = max(width * height for width, height in pixel_allocations)
    assert largest <= 2400 * 1800 // 4


def test_a_real_48_megapixel_png_is_refused_without_decoding_its_pixels(pixel_allocations):
    bomb = _bilevel_png(8000, 6000, with_pixels=True)
    assert len(bomb) < 100_000
    checked = Image.open(BytesIO(bomb))
    checked.verify()  # a genuine PNG that Pillow would decode: 8000 x 6000, valid chunks
    assert checked.size == (8000, 6000)
    pixel_allocations.clear()

    error = _rejected(bomb, code="too_many_pixels")

    assert error.messages == ["Image trop grande (plus de 40 millions de pixels)."]
    assert pixel_allocations == []


def test_a_webp_announcing_48_megapixels_is_refused_before_its_decoder_allocates(
    pixel_allocations,
):
    _rejected(_webp_declaring(8000, 6000), code="too_many_pixels")

    assert pixel_allocations == []


def test_a_header_claiming_50000_by_50000_pixels_is_refused(pixel_allocations):
    max_image_pixels, filters = Image.MAX_IMAGE_PIXELS, list(warnings.filters)

    _rejected(_bilevel_png(50_000, 50_000, with_pixels=False), code="too_many_pixels")

    assert pixel_allocations == []
    assert max_image_pixels == Image.MAX_IMAGE_PIXELS
    assert warnings.filters == filters


def test_pillows_bomb_warning_turned_into_an_error_is_a_refusal_too():
    # 10000 x 10000 is above Pillow's warning threshold and below its error threshold.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        _rejected(_bilevel_png(10_000, 10_000, with_pixels=False), code="too_many_pixels")


def test_max_pixels_is_a_limit_that_is_itself_allowed():
    assert image_process(upload=_upload(_jpeg(size=(100, 50))), max_pixels=5000).width == 100

    error = _rejected(_jpeg(size=(100, 51)), code="too_many_pixels", max_pixels=5000)

    assert error.messages == ["Image trop grande (plus de 5000 pixels)."]


# --- the field validator ---------------------------------------------------------------------


def test_the_validator_accepts_a_photo_and_rewinds_it_for_processing():
    photo = _jpeg()
    upload = _upload(photo)

    assert validate_image_upload(upload) is None

    assert upload.read() == photo
    assert image_process(upload=upload).format == "JPEG"


@pytest.mark.parametrize(
    ("content", "params", "code"),
    [
        (b"pas une image", {}, "not_an_image"),
        (_noise_jpeg()[:3000], {}, "not_an_image"),
        (_jpeg(), {"max_bytes": 10}, "too_large"),
        (b"", {}, "empty"),
        (b"GIF89a" + HTML_PAYLOAD, {}, "unsupported_format"),
        (_bilevel_png(8000, 6000, with_pixels=False), {}, "too_many_pixels"),
    ],
)
def test_the_validator_refuses_what_processing_refuses(content, params, code):
    with pytest.raises(ImageRejected) as caught:
        validate_image_upload(_upload(content), **params)

    assert caught.value.code == code


# --- the cheap check before a photo is kept for later processing ------------------------------


@pytest.mark.parametrize("progressive", [False, True])
def test_the_check_refuses_a_large_photo_cut_short(progressive):
    picture = Image.frombytes("RGB", (1600, 1200), os.urandom(1600 * 1200 * 3))
    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=85, progressive=progressive)
    whole = buffer.getvalue()

    assert image_check(_upload(whole)) == whole
    with pytest.raises(ImageRejected) as caught:
        image_check(_upload(whole[: len(whole) * 9 // 10]))
    assert caught.value.code == "not_an_image"


def test_the_check_decodes_a_jpeg_at_an_eighth_of_its_size(pixel_allocations):
    photo = _jpeg(size=(2400, 1800))
    pixel_allocations.clear()

    image_check(_upload(photo))

    assert max(width * height for width, height in pixel_allocations) <= 300 * 225
